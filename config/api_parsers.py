"""The API's JSON parser: refuses bodies too large or too deeply nested before parsing them.

Python's json module recurses once per nesting level, so `[[[[...` 1,000 deep (a 1 kB body) raised
RecursionError, a 500 with a traceback per request. Brackets are counted outside string literals in
one pass over the raw bytes (regular expressions, no Python loop per byte) before json.loads sees them.
Limits: settings.API_JSON_MAX_BYTES and settings.API_JSON_MAX_DEPTH.
"""

import io
import re
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays/objects in a JSON text (ignoring brackets inside strings)."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b'""', raw))
    return max(accumulate(_STEP[b] for b in brackets), default=0)


def check_json_body(raw: bytes):
    """ParseError (a 400 in the API's error body) for a body over the size or depth limit."""
    if len(raw) > settings.API_JSON_MAX_BYTES:
        raise ParseError(_("请求体过大（上限 %(kb)s KB）。") % {"kb": settings.API_JSON_MAX_BYTES // 1024})
    limit = settings.API_JSON_MAX_DEPTH
    # Fast path: fewer opening brackets than the limit cannot nest deeper than it.
    if raw.count(b"[") + raw.count(b"{") > limit and json_depth(raw) > limit:
        raise ParseError(_("JSON 嵌套层数过多（上限 %(n)s 层）。") % {"n": limit})


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(settings.API_JSON_MAX_BYTES + 1) if stream is not None else b""
        check_json_body(raw)
        return super().parse(io.BytesIO(raw), media_type, parser_context)
