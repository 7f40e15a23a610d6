import datetime

import pytest
from django.core.exceptions import ValidationError

from governance.models import Level, Role
from governance.services import membership_grant
from responsibilities import services
from responsibilities.exceptions import ListConflict, ListPermissionDenied
from responsibilities.models import ListEvent, ListItem, VersionStatus
from tests.personas import make_user
from tests.responsibilities.conftest import build_list

pytestmark = pytest.mark.django_db


def test_it_creates_a_list_with_an_empty_draft_and_records_who(org):
    duty_list = services.list_create(
        actor=org.editor, code="x-new", name="新清单", level=Level.TOWNSHIP, jurisdiction=org.county
    )
    draft = duty_list.versions.get()
    assert (draft.number, draft.status, draft.items.count()) == (1, VersionStatus.DRAFT, 0)
    event = ListEvent.objects.get(duty_list=duty_list)
    assert (event.action, event.actor, event.version_number) == ("list.created", org.editor, 1)


def test_it_refuses_a_reserved_or_duplicate_list_code(org, published):
    with pytest.raises(ValidationError) as exc:
        services.list_create(actor=org.editor, code="x-township", name="重复", level=Level.TOWNSHIP, jurisdiction=org.county)
    assert "已被使用" in str(exc.value)
    with pytest.raises(ValidationError):
        services.list_create(actor=org.editor, code="edit", name="保留字", level=Level.TOWNSHIP, jurisdiction=org.county)


def test_publish_supersedes_the_previous_version_and_records_publisher(org, published):
    duty_list, v1 = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    services.list_item_add(version=draft, actor=org.editor, code="JB-003", kind="basic", category="service", title="便民服务")
    v2 = services.list_publish(version=draft, actor=org.admin, effective_date=datetime.date(2026, 7, 1), change_note="年中修订")
    v1.refresh_from_db()
    assert v1.status == VersionStatus.SUPERSEDED and v1.superseded_at is not None
    assert (v2.status, v2.published_by, v2.effective_date) == (VersionStatus.PUBLISHED, org.admin, datetime.date(2026, 7, 1))
    event = ListEvent.objects.filter(action="version.published").latest("id")
    assert (event.actor, event.version_number, event.data["supersedes"], event.data["added"]) == (org.admin, 2, 1, 1)


def test_draft_starts_as_a_copy_of_the_published_version_with_same_codes(org, published):
    duty_list, v1 = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    assert draft.number == 2 and draft.based_on == v1
    assert sorted(draft.items.values_list("code", flat=True)) == sorted(v1.items.values_list("code", flat=True))
    assert draft.items.get(code="FM-001").department == org.dept_b


def test_a_second_draft_is_refused_while_one_is_open(org, published):
    duty_list, _v1 = published
    services.list_draft_start(duty_list=duty_list, actor=org.editor)
    with pytest.raises(ListConflict) as exc:
        services.list_draft_start(duty_list=duty_list, actor=org.editor)
    assert "已有一个草稿" in exc.value.message


def test_editing_a_published_version_is_refused_by_the_service(org, published):
    _duty_list, v1 = published
    item = v1.items.get(code="JB-001")
    with pytest.raises(ListConflict):
        services.list_item_update(item=item, actor=org.editor, title="改标题")
    with pytest.raises(ListConflict):
        services.list_item_remove(item=item, actor=org.editor)
    with pytest.raises(ListConflict):
        services.list_item_add(version=v1, actor=org.editor, code="JB-009", kind="basic", category="service", title="新增")
    with pytest.raises(ListConflict):
        services.list_publish(version=v1, actor=org.editor, effective_date=datetime.date(2026, 1, 1))
    assert v1.items.get(code="JB-001").title == "组织开展网格化管理"


def test_assisting_and_negative_items_need_a_department_in_chinese(org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    with pytest.raises(ValidationError) as exc:
        services.list_item_add(version=draft, actor=org.editor, code="FM-009", kind="negative", category="market", title="无部门")
    assert exc.value.message_dict["department"] == ["配合履职事项和负面清单事项必须填写牵头/责任部门。"]
    with pytest.raises(ValidationError) as exc:
        services.list_item_add(version=draft, actor=org.editor, code="FM-009", kind="negative", category="market",
                               title="乡镇不是部门", department=org.township)
    assert "必须是职能部门" in exc.value.message_dict["department"][0]
    assert not draft.items.filter(code="FM-009").exists()


def test_duplicate_code_in_a_draft_is_refused(org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    with pytest.raises(ValidationError) as exc:
        services.list_item_add(version=draft, actor=org.editor, code="JB-001", kind="basic", category="service", title="重复")
    assert "已有编码为 JB-001" in exc.value.message_dict["code"][0]


def test_item_update_records_each_changed_field_old_and_new(org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    item = draft.items.get(code="FM-001")
    services.list_item_update(item=item, actor=org.editor, response_hours=6, department=org.dept)
    event = ListEvent.objects.filter(action="item.changed").get()
    assert event.item_code == "FM-001"
    assert event.data["response_hours"] == ["12", "6"]
    assert event.data["department"] == [str(org.dept_b), str(org.dept)]


def test_a_published_items_code_cannot_change_so_its_history_stays_followable(org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    with pytest.raises(ValidationError) as exc:
        services.list_item_update(item=draft.items.get(code="FM-001"), actor=org.editor, code="FM-101")
    assert "不能修改" in exc.value.message_dict["code"][0]
    assert draft.items.filter(code="FM-001").exists()
    new_item = services.list_item_add(version=draft, actor=org.editor, code="JB-900", title="新增事项", kind="basic",
                                      category="service")
    services.list_item_update(item=new_item, actor=org.editor, code="JB-901")  # a draft-only item may be renumbered
    assert draft.items.filter(code="JB-901").exists()


def test_move_swaps_an_item_with_its_neighbour_in_the_same_group(org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    second = draft.items.get(code="JB-002")
    services.list_item_move(item=second, actor=org.editor, direction="up")
    basic = list(draft.items.filter(kind="basic").order_by("position").values_list("code", flat=True))
    assert basic == ["JB-002", "JB-001"]
    services.list_items_reorder(version=draft, actor=org.editor, codes=["JB-001", "JB-002"])
    basic = list(draft.items.filter(kind="basic").order_by("position").values_list("code", flat=True))
    assert basic == ["JB-001", "JB-002"]


def test_discarding_a_draft_keeps_the_audit_trail(org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    services.list_draft_discard(version=draft, actor=org.editor)
    assert not duty_list.versions.filter(status=VersionStatus.DRAFT).exists()
    assert ListEvent.objects.filter(duty_list=duty_list, action="version.draft_discarded", version_number=2).exists()


def test_publishing_an_empty_draft_is_refused(org):
    duty_list, draft = build_list(org, items=[], publish=False)
    with pytest.raises(ValidationError):
        services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 1, 1))


def test_publishing_notifies_dispatchers_and_other_editors_in_the_jurisdiction(org, published):
    duty_list, _ = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 7, 1))
    recipients = set(org.dispatcher.notifications.filter(kind="list.published").values_list("recipient", flat=True))
    assert recipients == {org.dispatcher.pk}
    assert not org.editor.notifications.filter(kind="list.published").exists()


@pytest.mark.parametrize(
    "persona", ["reporter", "reporter_b", "dispatcher", "officer", "officer_b", "supervisor", "dept_supervisor",
                "township_supervisor", "city_supervisor", "nobody"],
)
def test_only_editors_and_admins_may_write(org, published, persona):
    duty_list, v1 = published
    user = getattr(org, persona)
    with pytest.raises(ListPermissionDenied):
        services.list_draft_start(duty_list=duty_list, actor=user)
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    calls = [
        lambda: services.list_item_add(version=draft, actor=user, code="X-1", kind="basic", category="service", title="t"),
        lambda: services.list_item_update(item=draft.items.get(code="JB-001"), actor=user, title="t"),
        lambda: services.list_item_remove(item=draft.items.get(code="JB-001"), actor=user),
        lambda: services.list_item_move(item=draft.items.get(code="JB-002"), actor=user, direction="up"),
        lambda: services.list_publish(version=draft, actor=user, effective_date=datetime.date(2026, 7, 1)),
        lambda: services.list_draft_discard(version=draft, actor=user),
        lambda: services.list_create(actor=user, code="x-other", name="n", level=Level.TOWNSHIP, jurisdiction=org.county),
    ]
    for call in calls:
        with pytest.raises(ListPermissionDenied):
            call()
    assert draft.items.count() == len(v1.items.all())


def test_an_editor_of_a_township_cannot_edit_the_county_list_but_a_city_editor_can(org, published):
    duty_list, _ = published
    township_editor = make_user("t_editor")
    membership_grant(user=township_editor, unit=org.township, role=Role.EDITOR)
    with pytest.raises(ListPermissionDenied):
        services.list_draft_start(duty_list=duty_list, actor=township_editor)
    city_editor = make_user("c_editor")
    membership_grant(user=city_editor, unit=org.city, role=Role.EDITOR)
    assert services.list_draft_start(duty_list=duty_list, actor=city_editor).number == 2


def test_an_inactive_editor_membership_grants_nothing(org, published):
    duty_list, _ = published
    org.editor.memberships.update(is_active=False)
    org.editor._chuishao_memberships = None
    del org.editor._chuishao_memberships
    with pytest.raises(ListPermissionDenied):
        services.list_draft_start(duty_list=duty_list, actor=org.editor)
    assert ListItem.objects.filter(version__duty_list=duty_list, version__status="draft").count() == 0
