"""The selectors the cases app relies on: published_versions_for_unit and item_search."""

import pytest

from governance.models import Level, UnitKind
from governance.services import unit_create
from responsibilities import services
from responsibilities.selectors import item_search, published_versions_for_unit

pytestmark = pytest.mark.django_db


def test_a_county_township_list_applies_to_its_townships_only(org, published):
    _duty_list, v1 = published
    assert list(published_versions_for_unit(org.township)) == [v1]
    assert list(published_versions_for_unit(org.township_b)) == [v1]
    assert list(published_versions_for_unit(org.dept)) == []
    other_county = unit_create(code="Y", name="另一个县", level=Level.COUNTY, kind=UnitKind.GOVERNMENT, parent=org.city)
    other_township = unit_create(code="Y-1", name="另一个镇", level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT, parent=other_county)
    assert list(published_versions_for_unit(other_township)) == []


def test_item_search_finds_chinese_substrings_title_first_and_respects_kinds(org, published):
    assert [i.code for i in item_search("占道经营")][:2] == ["FM-001", "FM-002"]
    assert [i.code for i in item_search("食品", kinds=["negative"])] == ["FM-003"]
    assert item_search("食品", for_unit=org.dept) == []
    assert item_search("   ") == []


def test_item_search_ignores_drafts(org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    services.list_item_add(version=draft, actor=org.editor, code="JB-777", kind="basic", category="service", title="独一无二的草稿事项")
    assert item_search("独一无二") == []


def test_item_search_finds_items_whose_keywords_occur_in_a_sentence(org, published):
    found = [i.code for i in item_search("城关街道东门口有人摆摊占道经营", for_unit=org.township)]
    assert found[0] == "FM-001"
    assert item_search("完全无关的句子") == []
