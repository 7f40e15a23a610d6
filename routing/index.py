"""The BM25 index behind every suggestion, built once per set of published list versions.

An index covers what a township can be told: the items of the published versions that apply to it and the
routing profiles of its county's departments. It is keyed by those version ids plus a generation counter
that routing.signals bumps when a profile or a synonym changes, so publishing a version (a new id) or
editing a profile makes the next suggestion build a fresh index; otherwise a query only tokenises and
scores (milliseconds). Built indexes are kept per process (a few hundred documents each).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

from django.core.cache import cache

from routing import text

GENERATION_KEY = "routing:generation"
_indexes = {}
_lock = threading.Lock()
MAX_INDEXES = 16


@dataclass
class Doc:
    kind: str  # "item" or "profile"
    tokens: list
    department_id: int | None
    item: object = None  # ListItem for items


@dataclass
class Index:
    docs: list
    retriever: object
    departments: dict  # unit id -> Unit (with .routing_profile or None)
    item_rows: object = field(default=None)  # numpy arrays of row numbers
    profile_rows: object = field(default=None)
    township_prior: float = 0.0  # log-odds of a basic item among the list's items (routing.services' level prior)

    def scores(self, tokens):
        if not tokens or not self.docs:
            import numpy as np

            return np.zeros(len(self.docs))
        return self.retriever.get_scores(tokens)


_local = {"generation": (None, 0.0)}
LOCAL_SECONDS = 5.0  # how long a process trusts its copy of the generation before asking the shared cache


def generation():
    import time

    value, until = _local["generation"]
    if until > time.monotonic():
        return value
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = 1
        cache.add(GENERATION_KEY, value, None)
    _local["generation"] = (value, time.monotonic() + LOCAL_SECONDS)
    return value


def bump_generation():
    """Profiles or synonyms changed: the next suggestion rebuilds its index (in other processes within
    LOCAL_SECONDS)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 2, None)
    _local["generation"] = (None, 0.0)


def item_tokens(item):
    keywords = " ".join(item.keyword_list())
    return text.tokenize(f"{item.title} {item.title} {keywords} {keywords} {item.description} {item.legal_basis}")


def profile_tokens(unit, profile):
    name = unit.name.replace(unit.parent.name if unit.parent_id else "", "") if unit.parent_id else unit.name
    if profile is None:
        return text.tokenize(f"{name} {name}")
    return text.tokenize(f"{name} {name} {profile.functions} {profile.keywords} {profile.keywords}")


def index_for(versions, departments):
    """The index for these published version ids and candidate departments (a callable giving a queryset of
    Unit, evaluated only when the index is built)."""
    key = (tuple(sorted(versions)), generation())
    found = _indexes.get(key)
    if found is not None:
        return found
    with _lock:
        found = _indexes.get(key)
        if found is None:
            found = _build(versions, departments)
            if len(_indexes) >= MAX_INDEXES:
                _indexes.pop(next(iter(_indexes)))
            _indexes[key] = found
    return found


def _load_vocabulary(items):
    from routing.models import Synonym

    groups = [list(g) for g in text.DEFAULT_SYNONYMS]
    groups += [s.words() for s in Synonym.objects.all()]
    words = []
    for item in items:
        words += item.keyword_list()
        if len(item.title) <= 8:
            words.append(item.title)
    text.add_words(words)
    text.set_synonyms(groups)


def _build(versions, departments):
    from responsibilities.models import ListItem

    items = list(
        ListItem.objects.filter(version_id__in=versions).select_related("department", "version__duty_list")
        .order_by("version_id", "position", "code")
    )
    _load_vocabulary(items)
    units = {u.pk: u for u in departments().select_related("parent", "routing_profile")}
    for item in items:
        if item.department_id and item.department_id not in units:
            units[item.department_id] = item.department
    docs = [Doc("item", item_tokens(item), item.department_id, item) for item in items]
    for unit in units.values():
        profile = getattr(unit, "routing_profile", None) if _has_profile(unit) else None
        docs.append(Doc("profile", profile_tokens(unit, profile), unit.pk))
    if not docs:
        # A county with no published list and no department yet (bm25s cannot index nothing): suggest()
        # answers "undecided" for an index without documents.
        return Index(docs=[], retriever=None, departments=units)
    import bm25s  # here, not at import: a process that never routes does not load it (issue 15's worker memory)
    import numpy as np

    retriever = bm25s.BM25(k1=1.2, b=0.75)
    retriever.index([d.tokens or ["∅"] for d in docs], show_progress=False)
    index = Index(docs=docs, retriever=retriever, departments=units)
    index.item_rows = np.array([i for i, d in enumerate(docs) if d.kind == "item"], dtype=int)
    index.profile_rows = np.array([i for i, d in enumerate(docs) if d.kind == "profile"], dtype=int)
    basic = sum(1 for item in items if item.kind == "basic")
    index.township_prior = math.log((basic + 1) / (len(items) - basic + 1))
    return index


def _has_profile(unit):
    from django.core.exceptions import ObjectDoesNotExist

    try:
        return unit.routing_profile is not None
    except ObjectDoesNotExist:
        return False


def clear():
    """Forget built indexes (tests)."""
    with _lock:
        _indexes.clear()
    _local["generation"] = (None, 0.0)
