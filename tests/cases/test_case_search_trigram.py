"""The text search (CaseFilter.filter_text, `icontains` on number, title, description and address) is found
through pg_trgm GIN indexes on PostgreSQL (migration cases 0010, issue 15), with the same answers as before:
any part of a word, any case of Latin letters, terms shorter than a trigram included."""

import pytest
from django.db import connection

from cases.filters import CaseFilter
from cases.models import Case

pytestmark = pytest.mark.django_db


def _only_bitmap_scans(cur):
    """A test database is small enough to scan: leave the planner the indexes that match a condition."""
    cur.execute("SET LOCAL enable_seqscan = off")
    cur.execute("SET LOCAL enable_indexscan = off")


def _found(text):
    return set(CaseFilter({"q": text}, queryset=Case.objects.all()).qs.values_list("title", flat=True))


def test_every_column_is_searched_through_its_trigram_index(org, flow):
    flow.reported(title="河道垃圾堆积")
    qs = CaseFilter({"q": "垃圾堆"}, queryset=Case.objects.all()).qs
    with connection.cursor() as cur:
        _only_bitmap_scans(cur)
        plan = qs.explain()
    for column in ("number", "title", "description", "address"):
        assert f"case_trgm_{column}" in plan, plan


def test_the_indexed_search_finds_what_the_plain_scan_found(org, flow):
    flow.reported(title="河道垃圾堆积", description="桥下有大量生活垃圾", address="城关街道滨河路")
    flow.reported(title="路灯损坏", description="夜间无照明", address="人民路12号")
    number = flow.reported(title="占道经营").number
    with connection.cursor() as cur:
        _only_bitmap_scans(cur)
        assert _found("垃圾堆") == {"河道垃圾堆积"}  # part of the title
        assert _found("生活垃圾") == {"河道垃圾堆积"}  # the description
        assert _found("人民路12") == {"路灯损坏"}  # the address
        assert _found(number.lower()) == {"占道经营"}  # the number, in lower case
        assert _found("垃圾") == {"河道垃圾堆积"}  # two characters: no trigram, still found
        assert _found("滨河 照明") == set()  # every word must match the same case
