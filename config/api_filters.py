"""Filter and schema pieces that keep the OpenAPI schema and the validators in agreement.

- IdFilter: an id in a query string is an integer from 0 to the largest bigint, documented as such
  (django-filter's NumberFilter is a decimal: `parent=6e236` passed the schema as a number, then failed).
- no_nul_strings (a drf-spectacular postprocessing hook): every free-text string the API reads (query
  parameters and request bodies) is documented with a pattern excluding NUL and lone surrogates, which
  the NUL middleware and DRF's CharField refuse, and, when it must not be blank, requiring one
  non-space character (DRF trims whitespace before checking).
"""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field

BIGINT_MAX = 2**63 - 1
ID_SCHEMA = {"type": "integer", "minimum": 0, "maximum": BIGINT_MAX}

_ALLOWED = r"[^\u0000\ud800-\udfff]"
ANY_TEXT = rf"^{_ALLOWED}*$"
NON_BLANK_TEXT = rf"^{_ALLOWED}*[^\s\u0000\ud800-\udfff]{_ALLOWED}*$"


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


@extend_schema_field(ID_SCHEMA)
class IdFilter(django_filters.NumberFilter):
    field_class = IdField


def _patch_string(schema):
    if not isinstance(schema, dict):
        return
    if schema.get("type") == "string" and "enum" not in schema and "format" not in schema and "pattern" not in schema:
        schema["pattern"] = NON_BLANK_TEXT if schema.get("minLength", 0) >= 1 else ANY_TEXT
    for key in ("items", "additionalProperties"):
        _patch_string(schema.get(key))
    for sub in (schema.get("properties") or {}).values():
        _patch_string(sub)
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key) or []:
            _patch_string(sub)


def no_nul_strings(result, generator, request, public):
    for name, schema in (result.get("components", {}).get("schemas") or {}).items():
        if name.endswith("Request"):  # request bodies (COMPONENT_SPLIT_REQUEST); responses are ours
            _patch_string(schema)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if parameter.get("in") == "query":
                    _patch_string(parameter.get("schema"))
            for media in ((operation.get("requestBody") or {}).get("content") or {}).values() \
                    if isinstance(operation, dict) else []:
                _patch_string(media.get("schema"))
    return result
