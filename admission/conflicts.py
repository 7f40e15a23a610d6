"""Conflict check (冲突审查): the published list items nearest to a proposed duty.

`nearest_items(text, versions, limit)` is the one interface the review uses. It is resolved from
settings.ADMISSION_NEAREST_ITEMS (a dotted path), so the routing service can replace the fallback below
without touching the review: point the setting at an adapter with the same signature.

The fallback scores items by shared Chinese character bigrams between the proposal (title, description,
keywords of the request) and the item's title and keywords (weighted 2) and description: simple,
explainable, and good enough to put "组织开展燃气安全检查" next to "燃气安全隐患排查".
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

_NON_WORD = re.compile(r"[\s\W_]+", re.UNICODE)


@dataclass
class Nearest:
    item: object
    version: object
    score: float

    @property
    def is_negative(self):
        return self.item.kind == "negative"


def _bigrams(text):
    text = _NON_WORD.sub("", (text or "").casefold())
    return {text[i:i + 2] for i in range(len(text) - 1)}


def bigram_nearest(text, versions, limit=5):
    from responsibilities.selectors import version_items

    wanted = _bigrams(text)
    if not wanted:
        return []
    scored = []
    for version in versions:
        for item in version_items(version):
            head = _bigrams(item.title) | _bigrams(item.keywords)
            body = _bigrams(item.description)
            hits = 2 * len(wanted & head) + len(wanted & (body - head))
            if hits:
                score = hits / (2 * max(len(head), 1) + len(body - head)) ** 0.5 / len(wanted) ** 0.5
                scored.append(Nearest(item=item, version=version, score=round(score, 3)))
    scored.sort(key=lambda n: (-n.score, n.item.code))
    return scored[:limit]


def nearest_items(text, versions, limit=5):
    backend = getattr(settings, "ADMISSION_NEAREST_ITEMS", "admission.conflicts.bigram_nearest")
    return import_string(backend)(text, versions, limit)
