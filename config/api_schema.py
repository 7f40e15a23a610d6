"""The OpenAPI schema class (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]).

Adds the error answers every operation can give to every operation's documented responses, all with
the one `Error` body of config.api_common: 400 (bad input, a bad filter or page size), 401 (a missing,
wrong or revoked token — even on public reads), 403, 404 (including a page number past the end) and 429
(throttled), and 415 (an unsupported content type) where a body is read. Operations that describe an error themselves keep their own description.
"""

from drf_spectacular.openapi import AutoSchema

from config.api_common import ERROR_SCHEMA

COMMON_ERRORS = ("400", "401", "403", "404", "429")
# Operations that read a body can also answer 415 (a content type no parser accepts).
BODY_ERRORS = ("415",)


class ApiAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            codes = COMMON_ERRORS + (BODY_ERRORS if self.method in ("POST", "PUT", "PATCH") else ())
            for code in codes:
                if code not in responses:
                    responses[code] = self._get_response_for_code(ERROR_SCHEMA, code, direction=direction)
        return responses
