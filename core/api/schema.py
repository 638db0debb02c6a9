"""drf-spectacular hooks: document the shared error responses on every operation."""

from drf_spectacular.openapi import AutoSchema

from core.api.errors import ErrorSerializer


class ModelgateAutoSchema(AutoSchema):
    """Adds the common error responses to every operation, keeping any the view declares itself."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        codes = ["400", "401", "403", "404", "429"]  # a GET's filters can be invalid too: 400
        if method in ("PUT", "PATCH", "POST", "DELETE"):
            codes += ["409", "412", "415"]  # 415: the API reads JSON bodies only
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
        return responses
