"""list_draft_apply_change: a revision given as plain data lands in the list's next draft, and the version's change
note cites the proposals it carries when it is published (the lists app knows them only by their reference)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from responsibilities import services
from responsibilities.exceptions import ListPermissionDenied
from responsibilities.models import ListEvent, ListVersion, VersionStatus

pytestmark = pytest.mark.django_db


def test_it_starts_a_draft_from_the_published_version_and_changes_the_item(org, published):
    duty_list, v1 = published
    draft, item = services.list_draft_apply_change(
        duty_list=duty_list, actor=org.editor, ref="RP-2026-0001",
        change={"op": "update", "code": "PH-001", "fields": {"kind": "negative", "department": org.dept_b.pk}})
    assert draft.number == 2 and draft.status == VersionStatus.DRAFT and draft.based_on_id == v1.pk
    assert draft.items.count() == v1.items.count()
    assert (item.code, item.kind, item.department_id) == ("PH-001", "negative", org.dept_b.pk)
    assert v1.items.get(code="PH-001").kind == "assisting"  # the published version is untouched
    assert draft.carried_refs == ["RP-2026-0001"]
    assert "RP-2026-0001" in draft.change_note
    event = ListEvent.objects.filter(duty_list=duty_list, action="item.changed").latest("id")
    assert event.data["revision_ref"] == "RP-2026-0001" and event.data["kind"] == ["assisting", "negative"]


def test_a_second_change_goes_into_the_same_draft_and_publishing_cites_both(org, published):
    duty_list, _v1 = published
    services.list_draft_apply_change(duty_list=duty_list, actor=org.editor, ref="RP-2026-0001",
                                     change={"op": "update", "code": "FM-001", "fields": {"resolution_days": 10}})
    draft, item = services.list_draft_apply_change(
        duty_list=duty_list, actor=org.editor, ref="RP-2026-0002",
        change={"op": "add", "fields": {"code": "JB-009", "title": "农村人居环境整治", "kind": "basic",
                                        "category": "governance"}})
    assert item.version_id == draft.pk and ListVersion.objects.filter(duty_list=duty_list).count() == 2
    assert draft.carried_refs == ["RP-2026-0001", "RP-2026-0002"]
    published_v2 = services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 7, 1),
                                         change_note="调整占道经营办结时限，新增农村人居环境整治。")
    assert published_v2.change_note == "调整占道经营办结时限，新增农村人居环境整治。\n依据修订建议 RP-2026-0001、RP-2026-0002。"
    event = ListEvent.objects.filter(duty_list=duty_list, action="version.published").latest("id")
    assert event.data["carried_refs"] == ["RP-2026-0001", "RP-2026-0002"]


def test_a_version_without_proposals_is_published_as_before(org, published):
    duty_list, _v1 = published
    draft = services.list_draft_start(duty_list=duty_list, actor=org.editor)
    version = services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 7, 1),
                                    change_note="年度复核")
    assert version.change_note == "年度复核"


@pytest.mark.parametrize("change,field", [
    ({"op": "update", "code": "NOPE-1", "fields": {"kind": "basic"}}, "code"),
    ({"op": "update", "code": "JB-001", "fields": {"kind": "negative"}}, "department"),  # negative needs an owner
    ({"op": "update", "code": "JB-001", "fields": {"resolution_days": 900}}, "resolution_days"),
    ({"op": "add", "fields": {"code": "JB-001", "title": "重复", "kind": "basic", "category": "governance"}}, "code"),
    ({"op": "update", "code": "JB-001", "fields": {"department": 999999}}, "department"),
])
def test_an_invalid_change_is_refused_and_leaves_no_draft_behind(org, published, change, field):
    duty_list, _v1 = published
    with pytest.raises(ValidationError) as info:
        services.list_draft_apply_change(duty_list=duty_list, actor=org.editor, ref="RP-2026-0009", change=change)
    assert field in info.value.message_dict
    assert not duty_list.versions.filter(status=VersionStatus.DRAFT).exists()


def test_an_unknown_operation_or_field_is_refused(org, published):
    duty_list, _v1 = published
    for change in ({"op": "delete", "code": "JB-001"}, {"op": "update", "code": "JB-001", "fields": {"admission_ref": "x"}}):
        with pytest.raises(ValidationError):
            services.list_draft_apply_change(duty_list=duty_list, actor=org.editor, ref="RP-1", change=change)


@pytest.mark.parametrize("name", ["officer", "dispatcher", "supervisor", "reporter"])
def test_only_an_editor_of_the_list_may_apply_a_change(org, published, name):
    duty_list, _v1 = published
    with pytest.raises(ListPermissionDenied):
        services.list_draft_apply_change(duty_list=duty_list, actor=getattr(org, name), ref="RP-1",
                                         change={"op": "update", "code": "JB-001", "fields": {"resolution_days": 9}})


def test_a_note_that_already_names_the_proposal_does_not_cite_it_twice(org, published):
    duty_list, _v1 = published
    draft, _item = services.list_draft_apply_change(
        duty_list=duty_list, actor=org.editor, ref="RP-2026-0001",
        change={"op": "update", "code": "FM-001", "fields": {"resolution_days": 10}})
    services.list_draft_apply_change(duty_list=duty_list, actor=org.editor, ref="RP-2026-0010",
                                     change={"op": "update", "code": "JB-002", "fields": {"resolution_days": 8}})
    draft.refresh_from_db()
    note = draft.change_note  # as the publish form offers it: the note the first proposal started the draft with
    assert "RP-2026-0001" in note and "RP-2026-0010" not in note
    version = services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 7, 1),
                                    change_note=note)
    assert version.change_note == f"{note}\n依据修订建议 RP-2026-0010。"
    assert version.change_note.count("RP-2026-0001") == 1
