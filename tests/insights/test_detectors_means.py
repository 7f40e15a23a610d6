"""pushed_down_without_means: refusals 未经准入 and resources that did not arrive, per department, on histories built
through the cases and admission services (time frozen on tests.admission.conftest.NOW, a Wednesday in Dec 2026)."""

import datetime

import pytest

from insights import detectors
from tests.admission.conftest import approved, draft, frozen, township_list  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]
DECEMBER = (datetime.date(2026, 12, 1), datetime.date(2027, 1, 1))


@pytest.fixture
def unadmitted(org, frozen, township_list):  # noqa: F811
    """Version 2 of the county list, in force from 2026-11-01, adds JB-100 (市场监管局's) with no admission record."""
    from responsibilities import services as list_services

    version = list_services.list_draft_start(duty_list=township_list, actor=org.editor)
    list_services.list_item_add(version=version, actor=org.editor, code="JB-100", kind="basic", category="governance",
                                title="电动自行车停放充电巡查", description="巡查楼道电动自行车充电", department=org.dept)
    list_services.list_publish(version=version, actor=org.editor, effective_date=datetime.date(2026, 11, 1))
    return version.items.get(code="JB-100")


def refuse(org, item):
    from cases import services

    case = services.case_report(actor=org.reporter, township=org.township, title="楼道里给电动车充电",
                                description="三单元楼道私拉电线充电", address="城关街道南门社区3栋")
    case = services.case_return(case=case, actor=org.dispatcher, list_item=item, reason="属乡镇基本履职事项")
    return services.case_refuse_unadmitted(case=case, actor=org.reporter, reason="该职责未经准入，也未随附人员经费")


def report_arrivals(org, request, statuses):
    from admission import services
    from admission.models import ResourceArrival

    rows = ResourceArrival.objects.filter(resource__request=request, township=org.township)
    updates = {row.pk: (statuses.get(row.resource.kind, "arrived"), "") for row in rows}
    services.arrival_report(request=request, actor=org.reporter, updates=updates)


def found(org, **limits):
    from django.utils import translation

    history = detectors.load_history(org.county, *DECEMBER)
    with translation.override("zh-hans"):
        return detectors.pushed_down_without_means(history, {**detectors.thresholds(), **limits})


def test_a_department_whose_duties_are_refused_and_whose_resources_did_not_arrive_pushes_down_without_means(
        org, unadmitted, approved):  # noqa: F811
    case = refuse(org, unadmitted)
    report_arrivals(org, approved, {"funds": "missing", "staff": "partial"})
    [finding] = found(org)
    assert finding.unit_id == org.dept.pk and finding.subject_key == f"unit:{org.dept.pk}"
    assert finding.evidence["refused"] == [case.pk] and finding.evidence["case_ids"] == [case.pk]
    assert len(finding.evidence["resources_missing"]) == 2 and finding.weight == 3.0
    assert "县市场监管局" in finding.summary and "拒收 1 件" in finding.summary and "部分到位 2 项" in finding.summary


def test_resources_that_arrived_and_a_single_refusal_are_not_enough(org, unadmitted, approved):  # noqa: F811
    refuse(org, unadmitted)
    report_arrivals(org, approved, {})  # everything arrived
    assert found(org) == []


def assigned_to_dept(org, township_list):  # noqa: F811
    """A December case filed under PH-001 (配合开展食品安全监督检查, 市场监管局's), claimed by its officer."""
    from cases import services

    item = township_list.versions.get(number=1).items.get(code="PH-001")
    case = services.case_report(actor=org.reporter, township=org.township, title="小餐饮后厨卫生差",
                                description="菜市场旁小餐饮后厨卫生条件差", address="城关街道南门社区")
    case = services.case_assign(case=case, actor=org.dispatcher, list_item=item)
    return services.case_claim(case=case, actor=org.officer)


def exempt(org, case, *, body, actor, reason, approve=True):
    from assessment import services

    request = services.exemption_request(actor=actor, case=case, body=body, reason=reason,
                                         text="该事项所需执法权限未下放，本单位无法处置")
    if approve is None:
        return request
    return services.exemption_decide(actor=org.assessor, request=request, approve=approve, note="情况属实" if approve
                                     else "理由不足")


def test_exemptions_granted_for_a_mismatch_of_powers_count_against_the_department_of_the_matter(
        org, township_list):  # noqa: F811
    by_dept = [assigned_to_dept(org, township_list) for _ in range(2)]
    by_township = assigned_to_dept(org, township_list)
    for case in by_dept:
        exempt(org, case, body=org.dept, actor=org.officer, reason="outside_list")
    # The township's own exemption counts against the department of the case's item, not against the township.
    exempt(org, by_township, body=org.township, actor=org.reporter, reason="not_delegated")
    [finding] = found(org)
    cases = sorted(c.pk for c in [*by_dept, by_township])
    assert finding.unit_id == org.dept.pk and finding.evidence["exempted"] == cases
    assert finding.evidence["refused"] == [] and finding.evidence["case_ids"] == cases and finding.weight == 3.0
    assert "因权责不匹配免责 3 件" in finding.summary and "拒收 0 件" in finding.summary


def test_exemptions_for_other_reasons_pending_or_rejected_ones_are_no_mismatch_signal(
        org, township_list):  # noqa: F811
    cases = [assigned_to_dept(org, township_list) for _ in range(5)]
    exempt(org, cases[0], body=org.dept, actor=org.officer, reason="outside_list")
    exempt(org, cases[1], body=org.township, actor=org.reporter, reason="not_delegated")
    exempt(org, cases[2], body=org.dept, actor=org.officer, reason="force_majeure")
    exempt(org, cases[3], body=org.dept, actor=org.officer, reason="outside_list", approve=None)  # still pending
    exempt(org, cases[4], body=org.dept, actor=org.officer, reason="not_delegated", approve=False)
    assert found(org) == []  # two signals; the threshold is three
    [finding] = found(org, means_min_signals=2)
    assert finding.evidence["exempted"] == sorted(c.pk for c in cases[:2])

