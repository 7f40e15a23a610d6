import datetime

import pytest
from django.test import Client
from django.urls import reverse

from responsibilities import services
from responsibilities.models import ListEvent, ListVersion

pytestmark = pytest.mark.django_db

NOT_EDITORS = ["reporter", "reporter_b", "dispatcher", "officer", "officer_b", "supervisor", "dept_supervisor",
               "township_supervisor", "city_supervisor", "nobody"]


@pytest.fixture
def draft(org, published):
    duty_list, _ = published
    return services.list_draft_start(duty_list=duty_list, actor=org.editor)


def url(name, *args):
    return reverse(f"responsibilities:{name}", args=["x-township", *args])


@pytest.mark.parametrize("persona", NOT_EDITORS)
def test_every_non_editor_persona_is_refused_every_editing_page_and_action(org, draft, client_for, persona):
    client = client_for(getattr(org, persona))
    assert client.get(reverse("responsibilities:editor_index")).status_code == 403
    assert client.get(reverse("responsibilities:list_new")).status_code == 403
    for name, args in [("draft", ()), ("item_add", ()), ("item_edit", ("JB-001",)), ("draft_import", ()),
                       ("draft_publish", ())]:
        assert client.get(url(name, *args)).status_code == 403, name
    for name, args, data in [
        ("draft_start", (), {}), ("item_add", (), {"code": "JB-9", "title": "t", "kind": "basic", "category": "service"}),
        ("item_remove", ("JB-001",), {}), ("item_move", ("JB-002",), {"direction": "up"}),
        ("draft_publish", (), {"effective_date": "2026-07-01", "confirm": "on"}), ("draft_discard", (), {}),
    ]:
        assert client.post(url(name, *args), data).status_code == 403, name
    draft.refresh_from_db()
    assert draft.status == "draft" and draft.items.count() == 6


def test_anonymous_visitors_are_sent_to_sign_in(draft, client):
    response = client.get(reverse("responsibilities:editor_index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.post(url("draft_publish"), {"effective_date": "2026-07-01", "confirm": "on"}).status_code == 302
    assert ListVersion.objects.get(pk=draft.pk).status == "draft"


@pytest.mark.parametrize("persona", ["editor", "admin"])
def test_editors_and_admins_see_the_editor_pages(org, draft, client_for, persona):
    client = client_for(getattr(org, persona))
    assert "继续编辑第 2 版草稿" in client.get(reverse("responsibilities:editor_index")).content.decode()
    assert client.get(url("draft")).status_code == 200


def test_state_changes_need_post_and_csrf(org, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.editor)
    assert client.get(url("item_remove", "JB-001")).status_code == 405
    assert client.get(url("draft_start")).status_code == 405
    assert client.post(url("item_remove", "JB-001")).status_code == 403  # no CSRF token
    assert draft.items.filter(code="JB-001").exists()


def test_add_item_with_missing_department_shows_chinese_error_and_keeps_the_input(org, draft, client_for):
    response = client_for(org.editor).post(url("item_add"), {
        "code": "FM-020", "title": "渣土运输查处", "kind": "negative", "category": "enforcement", "keywords": "渣土",
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert "配合履职事项和负面清单事项必须填写牵头/责任部门。" in body
    assert 'value="渣土运输查处"' in body and 'value="FM-020"' in body
    assert not draft.items.filter(code="FM-020").exists()


def test_add_item_with_a_code_already_used_is_refused(org, draft, client_for):
    response = client_for(org.editor).post(url("item_add"), {
        "code": "JB-001", "title": "重复", "kind": "basic", "category": "service",
    })
    assert "本版本中已有编码为 JB-001 的事项" in response.content.decode()


def test_editor_adds_changes_moves_and_removes_items(org, draft, client_for):
    client = client_for(org.editor)
    response = client.post(url("item_add"), {
        "code": "JB-003", "title": "便民服务窗口", "kind": "basic", "category": "governance", "response_hours": "24",
    })
    assert response.status_code == 302 and draft.items.filter(code="JB-003").exists()
    response = client.post(url("item_edit", "JB-003"), {
        "code": "JB-003", "title": "综合便民服务窗口", "kind": "basic", "category": "governance", "response_hours": "12",
    })
    assert response.status_code == 302
    assert draft.items.get(code="JB-003").response_hours == 12
    client.post(url("item_move", "JB-003"), {"direction": "up"})
    order = list(draft.items.filter(kind="basic").order_by("position").values_list("code", flat=True))
    assert order == ["JB-001", "JB-003", "JB-002"]
    client.post(url("item_remove", "JB-003"))
    assert not draft.items.filter(code="JB-003").exists()
    actions = list(ListEvent.objects.filter(item_code="JB-003").order_by("id").values_list("action", flat=True))
    assert actions == ["item.added", "item.changed", "item.moved", "item.removed"]


def test_publish_page_shows_the_diff_and_publishing_needs_confirmation(org, draft, client_for):
    services.list_item_update(item=draft.items.get(code="FM-001"), actor=org.editor, title="占道经营和店外经营查处")
    client = client_for(org.editor)
    page = client.get(url("draft_publish")).content.decode()
    assert "与现行第 1 版相比" in page and "修改 1 项" in page and "占道经营和店外经营查处" in page
    response = client.post(url("draft_publish"), {"effective_date": "2026-07-01"})
    assert response.status_code == 200 and "请先核对变更并勾选确认，再发布。" in response.content.decode()
    assert ListVersion.objects.get(pk=draft.pk).status == "draft"
    response = client.post(url("draft_publish"), {"effective_date": "2026-07-01", "change_note": "修订", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == reverse("responsibilities:version", args=["x-township", 2])
    version = ListVersion.objects.get(pk=draft.pk)
    assert (version.status, version.effective_date, version.published_by) == ("published", datetime.date(2026, 7, 1), org.editor)


def test_publishing_a_draft_that_was_already_published_says_so(org, draft, client_for):
    client = client_for(org.editor)
    services.list_publish(version=draft, actor=org.admin, effective_date=datetime.date(2026, 7, 1))
    response = client.post(url("draft_publish"), {"effective_date": "2026-07-01", "confirm": "on"})
    assert response.status_code == 404  # no draft any more; nothing was published twice
    assert ListEvent.objects.filter(action="version.published").count() == 2


def test_starting_a_draft_twice_gives_a_message_not_an_error(org, draft, client_for):
    response = client_for(org.editor).post(url("draft_start"), follow=True)
    assert "该清单已有一个草稿" in response.content.decode()


def test_editor_creates_a_new_list_for_a_township_in_their_county(org, client_for):
    response = client_for(org.editor).post(reverse("responsibilities:list_new"), {
        "code": "x-cg", "name": "城关街道定制清单", "level": "township", "jurisdiction": org.county.pk,
        "unit": org.township.pk, "description": "",
    })
    assert response.status_code == 302
    response = client_for(org.editor).post(reverse("responsibilities:list_new"), {
        "code": "x-city", "name": "市级清单", "level": "township", "jurisdiction": org.city.pk,
    })
    assert response.status_code == 200 and "jurisdiction" in response.context["form"].errors
