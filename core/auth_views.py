"""Sign-in with a limit on failed attempts, per account and per client address, on an atomic counter."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views

from core import ratelimit
from core.request_context import client_ip


def _limits():
    per_user, per_ip, window = getattr(settings, "MODELGATE_LOGIN_LIMITS", (10, 50, 900))
    return per_user, per_ip, window


class ThrottledLoginView(auth_views.LoginView):
    """Django's LoginView; after too many failures for the username or the address, refuses with 429 for the rest
    of the window, even with the right password, so guessing cannot continue."""

    def _states(self, hit: bool):
        per_user, per_ip, window = _limits()
        username = (self.request.POST.get("username") or "").strip().lower()
        action = ratelimit.rate_limit_hit if hit else ratelimit.rate_limit_state
        return [
            action(scope="login.user", identity=username, limit=per_user, window_seconds=window),
            action(scope="login.ip", identity=client_ip.get() or "-", limit=per_ip, window_seconds=window),
        ]

    def post(self, request, *args, **kwargs):
        blocked = [state for state in self._states(hit=False) if state.exceeded]
        if blocked:
            wait = max(state.retry_after for state in blocked)
            form = self.get_form()
            form.errors.clear()
            minutes = max(1, round(wait / 60))
            form.add_error(None, f"Too many failed sign-ins. Try again in about {minutes} minute(s).")
            response = self.render_to_response(self.get_context_data(form=form, throttled=True))
            response.status_code = 429
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        self._states(hit=True)
        return super().form_invalid(form)
