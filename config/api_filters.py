"""Filter and schema pieces that keep the OpenAPI schema and the validators in agreement.

- IdFilter: an id in a query string is an integer from 0 to the largest bigint, documented as such
  (django-filter's NumberFilter is a decimal: `parent=6e236` passed the schema as a number, then failed).
- no_nul_strings (a drf-spectacular postprocessing hook): every free-text string the API reads (query
  parameters and request bodies) is documented with a pattern excluding NUL and lone surrogates, which
  the NUL middleware and DRF's CharField refuse, and, when it must not be blank, requiring one
  non-space character (DRF trims whitespace before checking).
- empty_means_unset (a postprocessing hook): an optional enum or date filter sent empty (`?kind=`, as an
  HTML form does) means "no filter" to django-filter, so it is documented with allowEmptyValue.
- form_bodies (a postprocessing hook): a form body (multipart or urlencoded) has no null, and a file
  field only exists in multipart/form-data; the other variants of a body are documented so (DRF refuses the
  string "null" for a number and a string where a file is expected).
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


# Query parameters that refuse an empty value although they are enums (the assessment period is parsed
# strictly: an empty one is as unreadable as a wrong one).
_EMPTY_REFUSED = {"period"}


def empty_means_unset(result, generator, request, public):
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema") or {}
                if (parameter.get("in") == "query" and not parameter.get("required")
                        and parameter.get("name") not in _EMPTY_REFUSED
                        and ("enum" in schema or schema.get("format") == "date"
                             or "enum" in (schema.get("items") or {}))):
                    parameter["allowEmptyValue"] = True
    return result


def _form_variant(schema, *, files, nulls):
    """The body as its media type can carry it: no null in a form (a form field is a string; "null" is
    not one), and files only in multipart."""
    out, changed = {}, False
    for name, sub in (schema.get("properties") or {}).items():
        is_file = sub.get("format") == "binary" or (sub.get("items") or {}).get("format") == "binary"
        if is_file and not files:
            changed = True
            continue
        if sub.get("nullable") and not nulls:
            sub, changed = {k: v for k, v in sub.items() if k != "nullable"}, True
        out[name] = sub
    if not changed:
        return None
    variant = {**schema, "properties": out}
    if "required" in schema:
        variant["required"] = [name for name in schema["required"] if name in out]
    return variant


def form_bodies(result, generator, request, public):
    components = result.get("components", {}).get("schemas") or {}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            content = ((operation.get("requestBody") or {}).get("content") or {}) if isinstance(operation, dict) else {}
            for media_type, media in content.items():
                schema = media.get("schema") or {}
                ref = schema.get("$ref", "")
                target = components.get(ref.rsplit("/", 1)[-1]) if ref else schema
                variant = _form_variant(target, files=media_type == "multipart/form-data",
                                        nulls=media_type == "application/json") if target else None
                if variant is not None:
                    media["schema"] = variant
    return result
