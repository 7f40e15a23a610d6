"""A version published with a future effective date is 即将生效 until that date; the lookup, routing and
case matching use the version in force on the day (responsibilities.selectors.versions_in_force)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from responsibilities import selectors, services
from responsibilities.models import ListVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_versions(org):
    from tests.cases.conftest import build_lists

    lists = build_lists(org)  # version 1, published, no effective date: in force since publication
    old = lists.version
    draft = services.list_draft_start(duty_list=old.duty_list, actor=org.editor)
    services.list_item_add(version=draft, actor=org.editor, code="FM-009", title="占道晾晒粮食的查处",
                           kind="negative", category="enforcement", keywords="晾晒 粮食", department=org.dept_b,
                           description="在道路上晾晒粮食的查处", legal_basis="《道路交通安全法》")
    services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 12, 20))
    return old, ListVersion.objects.get(pk=draft.pk)


@time_machine.travel(datetime.datetime(2026, 12, 10, 10, tzinfo=datetime.UTC), tick=False)
def test_a_future_version_is_upcoming_and_the_old_one_stays_in_force(client, org, two_versions):
    old, new = two_versions
    assert new.is_upcoming and new.public_status_label() == "即将生效"
    assert list(selectors.published_versions_for_unit(org.township)) == [old]
    assert [i.code for i in selectors.item_search("违法建设", for_unit=org.township)] == ["FM-003"]
    assert selectors.item_search("晾晒", for_unit=org.township) == []
    page = client.get(reverse("responsibilities:index")).content.decode()
    assert "即将生效" in page


@time_machine.travel(datetime.datetime(2026, 12, 21, 10, tzinfo=datetime.UTC), tick=False)
def test_from_its_date_the_new_version_is_in_force(org, two_versions):
    old, new = two_versions
    assert not new.is_upcoming
    assert list(selectors.published_versions_for_unit(org.township)) == [new]
    assert [i.code for i in selectors.item_search("晾晒", for_unit=org.township)] == ["FM-009"]
    assert list(selectors.published_versions_for_unit(org.township, on=datetime.date(2026, 12, 19))) == [old]
