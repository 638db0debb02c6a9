"""Forms of the governance pages. They check the shape of the input and give field-level errors; the rules
(who may do what, which transitions are legal) stay in the services, whose refusals the pages show on the form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from catalog.listing import model_by_name
from governance.choices import DataClassification, RiskTier, TeamRole, WebhookEvent
from governance.context_processors import member_teams_of
from governance.models import Team, TokenScope, UseCase
from governance.services.tokens import TEAM_TOKEN_SCOPES

NEW_USE_CASE = "new"
DATA_CLASS_HELP = "The most sensitive data you will send to the model."


def end_of_day(day: dt.date) -> dt.datetime:
    """A date typed in a form means "until the end of that day" (UTC, the portal's time zone)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)), dt.UTC)


def _future_day(day: dt.date | None) -> dt.date | None:
    if day is not None and day <= timezone.localdate():
        raise forms.ValidationError("Choose a date after today.")
    return day


def comma_list(text: str) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip()]


class PortalForm(forms.Form):
    """Labels without Django's trailing colon, as everywhere else in the portal."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ModelSlugField(forms.CharField):
    """A catalog model by slug or any alias it is known by."""

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return None
        model, _ = model_by_name(value)
        if model is None:
            raise forms.ValidationError(f"No model is called '{value}' in the catalog. Copy its id from its card.")
        return model


class RequestForm(PortalForm):
    """A new request (team and model chosen) or an edit of one (team and model fixed)."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), to_field_name="slug", empty_label="Choose a team…")
    model = ModelSlugField(label="Model", help_text="The model's id from the catalog, e.g. openai/gpt-4o.")
    use_case = forms.ChoiceField(label="Use case")
    new_use_case_name = forms.CharField(label="New use case: name", max_length=200, required=False)
    new_use_case_risk_tier = forms.ChoiceField(
        label="New use case: EU AI Act risk tier", choices=RiskTier.choices, initial=RiskTier.MINIMAL, required=False
    )
    new_use_case_production = forms.BooleanField(label="Used in production", required=False, initial=True)
    new_use_case_user_facing = forms.BooleanField(label="Its output reaches end users", required=False)
    data_classification = forms.ChoiceField(choices=DataClassification.choices, help_text=DATA_CLASS_HELP)
    region = forms.CharField(max_length=50, required=False, help_text="Leave empty for any region you may use.")
    expected_monthly_tokens = forms.IntegerField(min_value=0, required=False, label="Expected tokens per month")
    expected_monthly_spend_usd = forms.DecimalField(
        min_value=0, max_digits=14, decimal_places=2, required=False, label="Expected spend per month (USD)"
    )
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), help_text="What for, and why this model.")

    def __init__(self, *args, user, editing=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.editing = user, editing
        teams = list(member_teams_of(user))
        self.fields["team"].queryset = member_teams_of(user)
        use_cases = UseCase.objects.filter(team__in=teams).select_related("team").order_by("team__name", "name")
        grouped: dict[str, list] = {}
        for use_case in use_cases:
            grouped.setdefault(use_case.team.name, []).append((str(use_case.pk), use_case.name))
        self.use_cases = {str(u.pk): u for u in use_cases}
        choices = [("", "Choose a use case…"), *grouped.items()]
        if editing is None:
            choices.append((NEW_USE_CASE, "+ Describe a new use case…"))
        # Assigned once: the setter also gives the widget its options (appending later would skip the widget).
        self.fields["use_case"].choices = choices
        if editing is not None:
            for name in ("team", "model"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def clean(self):
        data = super().clean()
        team = self.editing.team if self.editing else data.get("team")
        choice = data.get("use_case")
        if choice == NEW_USE_CASE:
            if not data.get("new_use_case_name", "").strip():
                self.add_error("new_use_case_name", "Name the new use case, or choose an existing one.")
            elif not slugify(data["new_use_case_name"]):
                self.add_error("new_use_case_name", "Use letters or digits in the name.")
            data["use_case"] = None
        elif choice:
            use_case = self.use_cases.get(choice)
            if use_case is None:
                self.add_error("use_case", "Choose one of your teams' use cases.")
            elif team is not None and use_case.team_id != team.pk:
                self.add_error("use_case", f"This use case belongs to {use_case.team.name}, not {team.name}.")
            data["use_case"] = use_case
        return data

    @property
    def wants_new_use_case(self) -> bool:
        return self.data.get(self.add_prefix("use_case")) == NEW_USE_CASE

    def new_use_case_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "slug": slugify(data["new_use_case_name"])[:100],
            "name": data["new_use_case_name"].strip(),
            "data_classification": data["data_classification"],
            "risk_tier": data.get("new_use_case_risk_tier") or RiskTier.MINIMAL,
            "production": data.get("new_use_case_production", False),
            "user_facing": data.get("new_use_case_user_facing", False),
        }

    def request_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "use_case": data["use_case"],
            "data_classification": data["data_classification"],
            "region": data.get("region", "").strip(),
            "expected_monthly_tokens": data.get("expected_monthly_tokens"),
            "expected_monthly_spend_usd": data.get("expected_monthly_spend_usd"),
            "justification": data["justification"].strip(),
        }


class ReviewDecisionForm(PortalForm):
    DECISIONS = (("approve", "Approve"), ("request_changes", "Request changes"), ("reject", "Reject"))

    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.RadioSelect, initial="approve")
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    allowed_data_classifications = forms.MultipleChoiceField(
        choices=DataClassification.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Only these data classes",
    )
    allowed_regions = forms.CharField(required=False, label="Only these regions", help_text="Comma-separated.")
    monthly_budget_usd = forms.DecimalField(
        min_value=Decimal("0.01"), max_digits=14, decimal_places=2, required=False, label="Monthly budget cap (USD)"
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Expires on",
        help_text="Default: 12 months.",
    )

    def clean_expires_on(self):
        return _future_day(self.cleaned_data.get("expires_on"))

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("reject", "request_changes") and not data.get("comment", "").strip():
            self.add_error("comment", "Say why; the requester reads it.")
        return data

    def conditions(self) -> dict:
        data = self.cleaned_data
        return {
            "allowed_data_classifications": data.get("allowed_data_classifications") or [],
            "allowed_regions": comma_list(data.get("allowed_regions")),
            "monthly_budget_usd": data.get("monthly_budget_usd"),
            "expires_at": end_of_day(data["expires_on"]) if data.get("expires_on") else None,
        }


class CommentForm(PortalForm):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Comment", max_length=10_000)


class ReasonForm(PortalForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason", max_length=2_000)


class OptionalReasonForm(PortalForm):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Reason", max_length=2_000, required=False)


class MemberAddForm(PortalForm):
    username = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=TeamRole.choices, initial=TeamRole.MEMBER)

    def clean_username(self):
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"No active user is called '{username}'.")
        return user


class MemberRoleForm(PortalForm):
    role = forms.ChoiceField(choices=TeamRole.choices)


class UseCaseForm(PortalForm):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    data_classification = forms.ChoiceField(choices=DataClassification.choices, help_text=DATA_CLASS_HELP)
    risk_tier = forms.ChoiceField(choices=RiskTier.choices, label="EU AI Act risk tier")
    production = forms.BooleanField(required=False, initial=True, label="Used in production")
    user_facing = forms.BooleanField(required=False, label="Its output reaches end users")

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not slugify(name):
            raise forms.ValidationError("Use letters or digits in the name.")
        return name

    def service_fields(self) -> dict:
        return {**self.cleaned_data, "slug": slugify(self.cleaned_data["name"])[:100]}


class TokenForm(PortalForm):
    name = forms.CharField(max_length=100, help_text="Where it is used, e.g. 'gateway-prod'.")
    scopes = forms.MultipleChoiceField(
        choices=[(value, label) for value, label in TokenScope.choices if value in TEAM_TOKEN_SCOPES],
        widget=forms.CheckboxSelectMultiple,
    )
    expires_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean_expires_on(self):
        return _future_day(self.cleaned_data.get("expires_on"))

    def service_fields(self) -> dict:
        """api_token_create's arguments: a typed expiry day means until the end of that day."""
        data = self.cleaned_data
        expires = end_of_day(data["expires_on"]) if data.get("expires_on") else None
        return {"name": data["name"], "scopes": data["scopes"], "expires_at": expires}


class PersonalTokenForm(TokenForm):
    """A person's own token: every scope is offered; the service refuses those the person may not hold."""

    scopes = forms.MultipleChoiceField(
        choices=TokenScope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="A token carries at most what you may do yourself. 'decisions' and 'admin' are for governance "
        "admins, 'reviews:write' for reviewers.",
    )


class WebhookForm(PortalForm):
    url = forms.URLField(max_length=500, label="URL", assume_scheme="https")
    events = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)


class AuditFilterForm(PortalForm):
    actor = forms.CharField(required=False, help_text="Username or label, e.g. sync:litellm.")
    action = forms.CharField(required=False, help_text="Exact, or a prefix ending in *: approval_request.*")
    target_type = forms.CharField(required=False, label="Target type", help_text="e.g. governance.approvalrequest")
    target_id = forms.CharField(required=False, label="Target id")
    since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="From")
    until = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label="To (inclusive)")

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", "The end date is before the start date.")
        return data

    def selector_arguments(self) -> dict:
        data = self.cleaned_data
        start = lambda day: timezone.make_aware(dt.datetime.combine(day, dt.time.min), dt.UTC)  # noqa: E731
        return {
            "actor": data.get("actor") or None,
            "action": data.get("action") or None,
            "target_type": data.get("target_type") or None,
            "target_id": data.get("target_id") or None,
            "since": start(data["since"]) if data.get("since") else None,
            # The selector's until is exclusive; the form's date is inclusive.
            "until": start(data["until"] + dt.timedelta(days=1)) if data.get("until") else None,
        }


class DryRunForm(PortalForm):
    """A policy question, evaluated without writing anything."""

    team = forms.ModelChoiceField(queryset=Team.objects.none(), to_field_name="slug", empty_label="Choose a team…")
    model = ModelSlugField(label="Model")
    use_case = forms.ModelChoiceField(queryset=UseCase.objects.none(), required=False, empty_label="No use case")
    data_classification = forms.ChoiceField(
        choices=[("", "From the use case"), *DataClassification.choices], required=False
    )
    region = forms.CharField(max_length=50, required=False)

    def __init__(self, *args, teams, use_cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["use_case"].queryset = use_cases.select_related("team")
        self.fields["use_case"].label_from_instance = lambda u: f"{u.team.name}: {u.name} ({u.risk_tier})"

    def clean(self):
        data = super().clean()
        team, use_case = data.get("team"), data.get("use_case")
        if team is not None and use_case is not None and use_case.team_id != team.pk:
            self.add_error("use_case", f"This use case belongs to {use_case.team.name}, not {team.name}.")
        return data


class PolicyEditForm(PortalForm):
    """The next version of the policy: its YAML rules, checked by the service (strictly, every error at once)."""

    rules_yaml = forms.CharField(
        label="Rules (YAML)",
        # Kept exactly as typed: the service compares the text with the active version's to spot "no change".
        strip=False,
        widget=forms.Textarea(attrs={"rows": 30, "class": "mono", "spellcheck": "false", "autocapitalize": "off"}),
        help_text="The whole rule set. Every rule is evaluated: any deny denies, else any require_stage sends the "
        "request to those reviews, else an allow approves it, else the default applies. Saving checks every rule.",
    )
    note = forms.CharField(
        max_length=300,
        label="Note",
        help_text="What changed and why, in a sentence. Shown in the version list and the audit log.",
    )

    def clean_rules_yaml(self):
        # Browsers send a textarea's line breaks as CRLF; the stored rules use LF.
        return self.cleaned_data["rules_yaml"].replace("\r\n", "\n")

    def clean_note(self):
        return self.cleaned_data["note"].strip()
