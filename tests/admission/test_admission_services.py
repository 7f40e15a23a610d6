"""The admission path through the services: draft → submit → checks → comment period → decision → list draft."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from admission import services
from admission.exceptions import AdmissionConflict, AdmissionPermissionDenied
from admission.models import AdmissionEvent, AdmissionRequest, ResourceArrival
from responsibilities.models import ListItem, VersionStatus
from tests.admission.conftest import FIELDS, RESOURCES, draft_request, to_approved, to_consultation

pytestmark = pytest.mark.django_db


def test_approval_puts_the_duty_in_the_next_draft_with_its_admission_number(org, approved, township_list):
    draft = township_list.versions.get(status=VersionStatus.DRAFT)
    item = draft.items.get(code=approved.number)
    assert item.admission_ref == approved.number
    assert item.title == "燃气使用安全日常巡查"
    assert item.legal_basis == "《城镇燃气管理条例》 第三十四条"
    assert draft.items.count() == 7  # the six published items were copied, plus the admitted one
    # Publication stays the editor's: nothing changed in the published version.
    assert not township_list.versions.get(status=VersionStatus.PUBLISHED).items.filter(code=approved.number).exists()
    assert approved.expires_on == datetime.date(2027, 12, 10)
    # One checklist row per promised resource and affected township (two townships, three resources).
    assert ResourceArrival.objects.filter(resource__request=approved).count() == 6
    actions = list(AdmissionEvent.objects.filter(request=approved).values_list("action", flat=True))
    assert actions[:2] == ["admission.created", "admission.submitted"]
    assert actions[-1] == "admission.approved"


def test_a_published_admitted_item_keeps_its_record_in_the_next_draft(org, approved, township_list):
    from responsibilities.services import list_draft_start, list_publish

    draft = township_list.versions.get(status=VersionStatus.DRAFT)
    list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 12, 10))
    nxt = list_draft_start(duty_list=township_list, actor=org.editor)
    assert nxt.items.get(code=approved.number).admission_ref == approved.number


@pytest.mark.parametrize("fields, resources, field, message", [
    ({"legal_basis_statute": ""}, RESOURCES, "legal_basis_statute", "请填写法律（政策）依据"),
    ({}, [dict(kind="funds", description="经费", quantity="-5", unit="万元/年", budget_line="213")],
     "resources[0].quantity", "不能为负数"),
    ({}, [dict(kind="staff", description="巡查员", quantity="2", unit="万元/年")], "resources[0].unit", "单位只能是"),
    ({}, [dict(kind="staff", description="巡查员", quantity="1.5", unit="人")], "resources[0].quantity", "必须是整数"),
    ({}, [dict(kind="funds", description="经费", quantity="3", unit="万元/年")], "resources[0].budget_line", "预算科目"),
    ({}, [dict(kind="powers", description="处罚权")], "resources[0].instrument", "授权文件"),
    ({}, [], "no_resources_reason", "必须说明理由"),
])
def test_bad_input_is_refused_at_submission_and_nothing_is_written(org, frozen, township_list, fields, resources,
                                                                     field, message):
    try:
        request = draft_request(org, resources=resources, **fields)
    except ValidationError as exc:  # refused already when saving the draft
        assert message in " ".join(exc.message_dict[field])
        assert not AdmissionRequest.objects.exists()
        return
    with pytest.raises(ValidationError) as exc:
        services.request_submit(request=request, actor=org.officer)
    assert message in " ".join(exc.value.message_dict[field])
    request = type(request).objects.get(pk=request.pk)
    assert request.state == "draft" and request.number is None
    assert not AdmissionEvent.objects.filter(request=request, action="admission.submitted").exists()


def test_a_start_date_before_today_is_refused(org, frozen, township_list):
    with pytest.raises(ValidationError) as exc:
        draft_request(org, start_date=datetime.date(2026, 12, 1))
    assert "不能早于今天" in exc.value.message_dict["start_date"][0]
    assert not AdmissionRequest.objects.exists()


def test_no_resources_with_a_reason_is_accepted_and_flagged(org, frozen, township_list):
    request = draft_request(org, resources=[], no_resources_reason="仅为信息报送，工作量极小")
    services.request_submit(request=request, actor=org.officer)
    event = AdmissionEvent.objects.get(request=request, action="admission.submitted")
    assert event.data["no_resources"] is True


def test_a_submitted_request_cannot_be_edited_except_after_return_for_changes(org, draft):
    services.request_submit(request=draft, actor=org.officer)
    with pytest.raises(AdmissionConflict):
        services.request_save(actor=org.officer, request=draft, fields={**FIELDS, "title": "改"}, resources=RESOURCES)
    services.request_return(request=draft, actor=org.reviewer, reason="请补充经费测算")
    services.request_save(actor=org.officer, request=draft, fields={**FIELDS, "title": "燃气安全巡查（修改）"},
                          resources=RESOURCES[:2])
    draft = type(draft).objects.get(pk=draft.pk)
    assert draft.title == "燃气安全巡查（修改）" and draft.state == "returned"
    change = AdmissionEvent.objects.filter(request=draft, action="admission.changed").last()
    assert change.data["changes"]["title"] == ["燃气使用安全日常巡查", "燃气安全巡查（修改）"]
    assert "resources" in change.data["changes"]


def test_a_second_decision_on_a_decided_request_is_a_conflict(org, approved):
    with pytest.raises(AdmissionConflict):
        services.request_reject(request=approved, actor=org.reviewer, reason="再决定一次")
    with pytest.raises(AdmissionConflict):
        services.request_approve(request=approved, actor=org.reviewer, reason="再决定一次")
    assert AdmissionEvent.objects.filter(request=approved, action="admission.approved").count() == 1
    assert ListItem.objects.filter(admission_ref=approved.number, version__status="draft").count() == 1


def test_a_reviewer_of_another_county_may_not_review(org, draft):
    from governance.models import Level, Role, UnitKind
    from governance.services import membership_grant, unit_create
    from tests.personas import make_user

    other = unit_create(code="Y", name="邻县人民政府", level=Level.COUNTY, kind=UnitKind.GOVERNMENT, parent=org.city)
    stranger = make_user("p_other_reviewer")
    membership_grant(user=stranger, unit=other, role=Role.ADMISSION_REVIEWER)
    services.request_submit(request=draft, actor=org.officer)
    with pytest.raises(AdmissionPermissionDenied):
        services.request_check(request=draft, actor=stranger, step="legality", outcome="passed", note="可以")
    assert not draft.checks.exists()


def test_approval_needs_the_three_checks_and_the_comment_period(org, consultation):
    with pytest.raises(ValidationError) as exc:
        services.request_approve(request=consultation, actor=org.reviewer, reason="同意")
    assert "冲突审查" in str(exc.value)
    for step in ("conflict", "adequacy"):
        services.request_check(request=consultation, actor=org.reviewer, step=step, outcome="passed", note="可")
    with pytest.raises(ValidationError) as exc:
        services.request_approve(request=consultation, actor=org.reviewer, reason="同意")
    assert "尚有乡镇（街道）未反馈意见" in str(exc.value)
    consultation = type(consultation).objects.get(pk=consultation.pk)
    assert consultation.state == "consultation"


def test_a_township_comments_once_and_only_on_requests_affecting_it(org, frozen, township_list):
    request = to_consultation(org, draft_request(org, all_townships=False, townships=[org.township]))
    with pytest.raises(AdmissionPermissionDenied):
        services.request_comment(request=request, actor=org.reporter_b, position="agree", text="同意")
    services.request_comment(request=request, actor=org.reporter, position="concern", text="人员不足")
    with pytest.raises(AdmissionConflict):
        services.request_comment(request=request, actor=org.reporter, position="agree", text="再提一次")


def test_the_township_reports_resources_and_missing_funds_flag_the_departments_next_request(org, approved):
    funds = ResourceArrival.objects.get(resource__request=approved, resource__kind="funds", township=org.township)
    services.arrival_report(request=approved, actor=org.reporter, updates={funds.pk: ("missing", "经费未拨付")})
    funds.refresh_from_db()
    assert funds.status == "missing" and funds.updated_by == org.reporter
    other_row = ResourceArrival.objects.get(resource__request=approved, resource__kind="funds", township=org.township_b)
    with pytest.raises(ValidationError):
        services.arrival_report(request=approved, actor=org.reporter, updates={other_row.pk: ("arrived", "")})
    from admission.selectors import department_missing_resources

    nxt = draft_request(org, title="瓶装液化气巡查")
    assert department_missing_resources(nxt) == [approved]


def test_periodic_review_opens_once_and_retiring_removes_the_item_from_the_next_draft(org, approved, township_list,
                                                                                      time_machine):
    from admission.tasks import open_periodic_reviews

    assert open_periodic_reviews() == {"opened": 0}
    time_machine.move_to(datetime.datetime(2027, 11, 1, 10, 0), tick=False)
    assert open_periodic_reviews() == {"opened": 1}
    assert open_periodic_reviews() == {"opened": 0}
    assert AdmissionEvent.objects.filter(request=approved, action="admission.renewal_due").count() == 1
    services.request_retire(request=approved, actor=org.reviewer, reason="任务已完成")
    draft = township_list.versions.get(status=VersionStatus.DRAFT)
    assert not draft.items.filter(code=approved.number).exists()
    approved = type(approved).objects.get(pk=approved.pk)
    assert approved.state == "retired"


def test_renewal_extends_the_term(org, approved):
    services.request_renew(request=approved, actor=org.reviewer, reason="继续实施")
    approved = type(approved).objects.get(pk=approved.pk)
    assert approved.expires_on == datetime.date(2028, 12, 10)


def test_events_are_append_only_in_the_database(org, draft):
    from django.db import connection, transaction

    event = AdmissionEvent.objects.filter(request=draft).first()
    with pytest.raises(Exception), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE admission_admissionevent SET action = 'x' WHERE id = %s", [event.pk])
    with pytest.raises(PermissionError):
        event.delete()


def test_resource_summary_reads_naturally(org, draft):
    staff, funds, powers = draft.resources.all()
    assert staff.quantity == Decimal("2") and staff.summary == "燃气安全巡查员，2 人"
    assert funds.summary == "巡查专项经费，12 万元/年，预算科目：2130199 其他燃气安全支出"
    assert powers.summary == "燃气安全隐患责令改正，依据：示政发〔2026〕12号"


def test_a_second_approval_of_the_same_list_draft_adds_both_items(org, frozen, township_list):
    first = to_approved(org, draft_request(org))
    second = to_approved(org, draft_request(org, title="电动自行车充电安全巡查"))
    draft = township_list.versions.get(status=VersionStatus.DRAFT)
    assert set(draft.items.exclude(admission_ref="").values_list("code", flat=True)) == {first.number, second.number}
