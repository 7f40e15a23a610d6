"""Conflict check (冲突审查): the published list items nearest to a proposed duty.

`nearest_items(text, versions, limit)` is the one interface the review uses. It is resolved from
settings.ADMISSION_NEAREST_ITEMS (a dotted path, default `routing_nearest`): the routing app's BM25 index
over the same published items its `suggest` uses. Without the routing app it falls back to `bigram_nearest`.

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


def routing_nearest(text, versions, limit=5):
    """The routing service's BM25 (routing.index) over these versions' items, best first."""
    try:
        from routing import index as routing_index
        from routing import text as routing_text
    except ImportError:  # pragma: no cover - the routing app is not installed
        return bigram_nearest(text, versions, limit)
    from governance.models import Unit, UnitKind

    versions = list(versions)
    tokens = routing_text.tokenize(text)
    if not tokens or not versions:
        return []
    # The same candidate departments as routing.services.suggest, so the shared index cache stays whole.
    county_ids = set()
    for version in versions:
        county_ids |= {version.duty_list.jurisdiction_id, *version.duty_list.jurisdiction.ancestor_ids()}
    def departments():  # routing.index builds lazily: a callable giving the candidate departments
        return Unit.objects.filter(kind=UnitKind.DEPARTMENT, is_active=True, parent_id__in=county_ids)

    index = routing_index.index_for([v.pk for v in versions], departments)
    scores = index.scores(tokens)
    by_version = {v.pk: v for v in versions}
    rows = sorted(index.item_rows, key=lambda r: -scores[r])[:limit]
    found = []
    for row in rows:
        if scores[row] <= 0:
            break
        item = index.docs[row].item
        found.append(Nearest(item=item, version=by_version.get(item.version_id, item.version),
                             score=round(float(scores[row]), 2)))
    return found


def nearest_items(text, versions, limit=5):
    backend = getattr(settings, "ADMISSION_NEAREST_ITEMS", "admission.conflicts.routing_nearest")
    return import_string(backend)(text, versions, limit)
