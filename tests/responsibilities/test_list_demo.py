import pytest

from responsibilities.models import ListEvent, ListItem, ListVersion
from responsibilities.selectors import current_version, item_search, version_diff

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    from governance import demo as governance_demo
    from responsibilities import demo

    governance_demo.seed()
    demo.seed()
    return demo


def test_demo_publishes_two_versions_with_over_sixty_items_in_every_kind_and_category(seeded):
    version = current_version(seeded.LIST_CODE)
    assert version.number == 2
    items = list(version.items.all())
    assert len(items) >= 60
    assert {i.kind for i in items} == {"basic", "assisting", "negative"}
    assert {i.category for i in items} == {"governance", "market", "enforcement", "service"}
    for kind in ("basic", "assisting", "negative"):
        assert {i.category for i in items if i.kind == kind} == {"governance", "market", "enforcement", "service"}
    assert all(i.department_id for i in items if i.kind != "basic")
    assert ListVersion.objects.get(duty_list=version.duty_list, number=1).status == "superseded"


def test_demo_second_version_adds_removes_and_changes_items(seeded):
    v2 = current_version(seeded.LIST_CODE)
    v1 = ListVersion.objects.get(duty_list=v2.duty_list, number=1)
    diff = version_diff(v1, v2)
    assert {i.code for i in diff.added} == {"PH-021", "FM-019"}
    assert {i.code for i in diff.removed} == {"JB-013"}
    assert {c.new.code for c in diff.changed} == {"JB-011", "PH-010", "PH-019"}


def test_demo_is_idempotent(seeded):
    counts = (ListVersion.objects.count(), ListItem.objects.count(), ListEvent.objects.count())
    seeded.seed()
    assert (ListVersion.objects.count(), ListItem.objects.count(), ListEvent.objects.count()) == counts


@pytest.mark.parametrize(
    "keyword,expected_code",
    [("占道经营", "FM-002"), ("油烟", "PH-010"), ("违建", "FM-001"), ("噪音", "PH-011"), ("垃圾", "JB-018"),
     ("河道", "PH-012"), ("道路破损", "FM-004"), ("食品", "PH-005")],
)
def test_demo_keywords_used_by_triage_find_the_expected_items(seeded, keyword, expected_code):
    codes = [i.code for i in item_search(keyword, limit=20)]
    assert expected_code in codes


def test_demo_list_has_a_real_countys_shape_and_names_every_demo_department(seeded):
    """About 340 items in a real county's proportion (about 117 basic, 99 assisting, 124 taken back), each
    department of the demo county owning some, every item with a legal basis."""
    from collections import Counter

    from governance.models import Unit

    items = list(current_version(seeded.LIST_CODE).items.all())
    kinds = Counter(i.kind for i in items)
    assert 330 <= len(items) <= 360
    assert 112 <= kinds["basic"] <= 122 and 94 <= kinds["assisting"] <= 104 and 118 <= kinds["negative"] <= 136
    owners = {i.department_id for i in items if i.department_id}
    departments = set(Unit.objects.filter(kind="department", code__startswith="SFX-").values_list("pk", flat=True))
    assert departments <= owners
    assert all(i.legal_basis.strip() for i in items)
    assert len({i.code for i in items}) == len(items)
