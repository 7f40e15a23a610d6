"""Revision proposals (修订建议) from a finding: who may propose and review, bad input, the audit trail, and an
accepted proposal becoming the change in the list's next draft, cited when that version is published."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from insights import selectors, services
from insights.exceptions import ProposalConflict, ProposalPermissionDenied
from insights.models import Detector, Finding, ProposalEvent, ProposalKind, ProposalState, RevisionProposal
from responsibilities.models import VersionStatus
from responsibilities.services import list_publish
from tests.insights.conftest import MARCH

pytestmark = pytest.mark.django_db


@pytest.fixture
def finding(org, lists, story):
    """A wrong-owner finding on PH-010 (县市场监管局 keeps passing its cases to 县综合执法局), with four cases
    reported by 城关街道."""
    for _ in range(4):
        story.decline(story.reassign_to(story.decline(story.assigned()), org.dept_b), officer=org.officer_b)
    services.findings_compute(org.county, *MARCH)
    return Finding.objects.get(detector=Detector.WRONG_OWNER)


def propose(org, finding, lists, actor=None, kind=ProposalKind.CHANGE_DEPARTMENT, values=None, reason="多次改派"):
    return services.proposal_submit(
        finding=finding, actor=actor or org.officer, duty_list=lists.version.duty_list, kind=kind,
        item_code="PH-010", reason=reason, values={"department": org.dept_b} if values is None else values)


def test_the_department_concerned_proposes_with_the_findings_evidence(org, lists, finding):
    proposal = propose(org, finding, lists)
    assert proposal.number == "RP-2026-0001" and proposal.state == ProposalState.SUBMITTED
    assert proposal.case_ids == finding.case_ids and len(proposal.case_ids) == 4
    assert list(proposal.townships.all()) == [org.township]
    assert proposal.proposer_unit == org.dept and proposal.item_department == org.dept
    assert proposal.change == {"op": "update", "code": "PH-010", "fields": {"department": org.dept_b.pk}}
    assert proposal.before["department"] == org.dept.pk
    assert [e.action for e in proposal.events.all()] == ["proposal.submitted"]
    assert propose(org, finding, lists, kind=ProposalKind.CHANGE_LIMITS,
                   values={"resolution_days": 10}).number == "RP-2026-0002"


def test_accepted_proposal_becomes_the_draft_change_and_the_published_note_cites_it(org, lists, finding):
    proposal = propose(org, finding, lists)
    proposal = services.proposal_accept(proposal=proposal, actor=org.editor, reason="同意")
    assert proposal.state == ProposalState.ACCEPTED and proposal.reviewed_by == org.editor
    proposal, draft = services.proposal_apply(proposal=proposal, actor=org.editor)
    assert proposal.state == ProposalState.APPLIED and proposal.applied_version_number == draft.number == 2
    assert draft.items.get(code="PH-010").department == org.dept_b
    assert lists.version.items.get(code="PH-010").department == org.dept  # the list in force is unchanged
    [shown] = selectors.with_outcome([proposal])
    assert shown.outcome == "已写入第 2 版草稿" and not shown.published
    list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 5, 1), change_note="调整牵头部门")
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED and "依据修订建议 RP-2026-0001。" in draft.change_note
    [shown] = selectors.with_outcome([proposal])
    assert shown.outcome == "已随第 2 版发布" and shown.published
    [page_finding] = [f for f in selectors.findings_of(org.county, *MARCH) if f.pk == finding.pk]
    assert page_finding.acted_on
    assert [e.action for e in proposal.events.all()] == ["proposal.submitted", "proposal.accepted", "proposal.applied"]


@pytest.mark.parametrize("name", ["reporter", "dispatcher", "officer_b", "supervisor", "township_supervisor"])
def test_who_is_neither_an_editor_nor_the_department_concerned_may_not_propose(org, lists, finding, name):
    with pytest.raises(ProposalPermissionDenied):
        propose(org, finding, lists, actor=getattr(org, name))
    assert not finding.proposals.exists()


def test_an_editor_may_propose_but_not_review_his_own_proposal(org, lists, finding):
    proposal = propose(org, finding, lists, actor=org.editor)
    assert proposal.proposer_unit == org.county
    with pytest.raises(ProposalPermissionDenied):
        services.proposal_accept(proposal=proposal, actor=org.editor)
    assert services.proposal_accept(proposal=proposal, actor=org.admin).state == ProposalState.ACCEPTED


@pytest.mark.parametrize("name", ["officer", "officer_a2", "dept_supervisor", "supervisor", "dispatcher", "reporter"])
def test_only_an_editor_of_the_list_reviews_not_the_proposing_department(org, lists, finding, name):
    proposal = propose(org, finding, lists)
    for decide in (services.proposal_accept, services.proposal_reject):
        with pytest.raises(ProposalPermissionDenied):
            decide(proposal=proposal, actor=getattr(org, name), reason="不同意")
    proposal = RevisionProposal.objects.get(pk=proposal.pk)  # the state field is protected: no refresh_from_db
    assert proposal.state == ProposalState.SUBMITTED and proposal.events.count() == 1


def test_rejecting_needs_a_reason_and_a_decided_proposal_cannot_be_decided_again(org, lists, finding):
    proposal = propose(org, finding, lists)
    with pytest.raises(ValidationError) as info:
        services.proposal_reject(proposal=proposal, actor=org.editor, reason="  ")
    assert "reason" in info.value.message_dict
    proposal = services.proposal_reject(proposal=proposal, actor=org.editor, reason="应由县政府统筹研究")
    assert proposal.state == ProposalState.REJECTED and proposal.review_reason == "应由县政府统筹研究"
    with pytest.raises(ProposalConflict):
        services.proposal_accept(proposal=proposal, actor=org.editor)
    with pytest.raises(ProposalConflict):
        services.proposal_apply(proposal=proposal, actor=org.editor)
    assert [e.action for e in proposal.events.all()] == ["proposal.submitted", "proposal.rejected"]


def test_only_an_editor_writes_an_accepted_proposal_into_the_draft_once(org, lists, finding):
    proposal = services.proposal_accept(proposal=propose(org, finding, lists), actor=org.editor)
    with pytest.raises(ProposalPermissionDenied):
        services.proposal_apply(proposal=proposal, actor=org.officer)
    services.proposal_apply(proposal=proposal, actor=org.editor)
    with pytest.raises(ProposalConflict):
        services.proposal_apply(proposal=proposal, actor=org.editor)
    assert lists.version.duty_list.versions.count() == 2


def test_a_change_that_no_longer_fits_the_draft_is_refused_and_nothing_is_written(org, lists, finding):
    from responsibilities.services import list_draft_start, list_item_remove

    proposal = services.proposal_accept(proposal=propose(org, finding, lists), actor=org.editor)
    draft = list_draft_start(duty_list=lists.version.duty_list, actor=org.editor)
    list_item_remove(item=draft.items.get(code="PH-010"), actor=org.editor)
    with pytest.raises(ValidationError):
        services.proposal_apply(proposal=proposal, actor=org.editor)
    proposal = RevisionProposal.objects.get(pk=proposal.pk)  # the state field is protected: no refresh_from_db
    assert proposal.state == ProposalState.ACCEPTED and proposal.events.count() == 2
    assert draft.carried_refs == []


@pytest.mark.parametrize("kind,item_code,values,field", [
    (ProposalKind.CHANGE_DEPARTMENT, "PH-010", {}, "department"),
    (ProposalKind.CHANGE_DEPARTMENT, "PH-010", {"department": "same"}, "__all__"),
    (ProposalKind.CHANGE_KIND, "PH-010", {}, "kind"),
    (ProposalKind.CHANGE_LIMITS, "PH-010", {}, "response_hours"),
    (ProposalKind.CHANGE_LIMITS, "PH-010", {"resolution_days": 400}, "resolution_days"),
    (ProposalKind.CHANGE_KIND, "NOPE-1", {"kind": "basic"}, "item_code"),
    (ProposalKind.ADD_ITEM, "", {"code": "PH-010", "title": "重复", "kind": "basic", "category": "market"}, "code"),
    (ProposalKind.ADD_ITEM, "", {"code": "XZ-001", "title": "新增", "kind": "negative", "category": "market"},
     "department"),
    (ProposalKind.ADD_ITEM, "", {"code": "XZ 001", "title": "新增", "kind": "basic", "category": "market"}, "code"),
    ("rename_item", "PH-010", {}, "kind"),
])
def test_bad_input_is_a_clear_error_and_nothing_is_written(org, lists, finding, kind, item_code, values, field):
    if values.get("department") == "same":
        values = {"department": org.dept}
    with pytest.raises(ValidationError) as info:
        services.proposal_submit(finding=finding, actor=org.officer, duty_list=lists.version.duty_list, kind=kind,
                                 item_code=item_code, reason="理由", values=values)
    assert field in info.value.message_dict, info.value.message_dict
    assert not finding.proposals.exists()


def test_a_reason_is_required_and_the_same_open_proposal_is_not_made_twice(org, lists, finding):
    with pytest.raises(ValidationError) as info:
        propose(org, finding, lists, reason="")
    assert "reason" in info.value.message_dict
    first = propose(org, finding, lists)
    with pytest.raises(ValidationError) as info:
        propose(org, finding, lists)
    assert first.number in " ".join(info.value.messages)


def test_a_new_item_can_be_proposed_and_lands_in_the_draft(org, lists, finding):
    proposal = propose(org, finding, lists, actor=org.editor, kind=ProposalKind.ADD_ITEM, values={
        "code": "PH-011", "title": "夜市餐饮油烟整治", "kind": "negative", "category": "enforcement",
        "department": org.dept_b, "resolution_days": 10})
    assert proposal.item_code == "PH-011" and proposal.change["op"] == "add"
    services.proposal_accept(proposal=proposal, actor=org.admin)
    _proposal, draft = services.proposal_apply(proposal=proposal, actor=org.editor)
    item = draft.items.get(code="PH-011")
    assert (item.kind, item.department, item.resolution_days) == ("negative", org.dept_b, 10)


def test_the_audit_trail_is_append_only_in_the_database(org, lists, finding):
    proposal = propose(org, finding, lists)
    event = proposal.events.get()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        ProposalEvent.objects.filter(pk=event.pk).update(reason="改写")
    with pytest.raises(DatabaseError), transaction.atomic():
        ProposalEvent.objects.filter(pk=event.pk).delete()


def test_a_finding_with_proposals_is_kept_and_marked_when_it_no_longer_holds(org, lists, finding):
    propose(org, finding, lists)
    disputed = Finding.objects.get(detector=Detector.DISPUTED_ITEM)
    strict = {"wrong_owner_cases": 99, "disputed_share": 1.1}
    assert services.findings_compute(org.county, *MARCH, limits=strict) == []
    finding.refresh_from_db()
    assert finding.lapsed_at is not None  # kept: a proposal points at it
    assert not Finding.objects.filter(pk=disputed.pk).exists()  # no proposal: removed as before
    lapsed_at = finding.lapsed_at
    services.findings_compute(org.county, *MARCH, limits=strict)
    finding.refresh_from_db()
    assert finding.lapsed_at == lapsed_at  # idempotent
    again = services.findings_compute(org.county, *MARCH)
    finding.refresh_from_db()
    assert finding.pk in [f.pk for f in again] and finding.lapsed_at is None
