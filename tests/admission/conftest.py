"""Fixtures for duty admission: 示范县's published township list (legacy items, effective 2026-01-01) and
requests in each state, built through admission.services as the product does. Time is frozen on a
Wednesday morning so working-day deadlines are predictable."""

import datetime
from zoneinfo import ZoneInfo

import pytest

NOW = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Wednesday

FIELDS = dict(
    title="燃气使用安全日常巡查", description="对辖区餐饮场所和居民燃气使用情况开展日常巡查，发现隐患及时报告",
    all_townships=True, duty_kind="basic", category="governance", start_date=datetime.date(2026, 12, 10),
    permanent=False, duration_months=12, legal_basis_statute="《城镇燃气管理条例》", legal_basis_article="第三十四条",
    necessity="点多面广，部门执法力量无法覆盖日常巡查", volume=40, volume_unit="cases_month", no_resources_reason="",
)
RESOURCES = [
    dict(kind="staff", description="燃气安全巡查员", quantity="2", unit="人"),
    dict(kind="funds", description="巡查专项经费", quantity="12", unit="万元/年", budget_line="2130199 其他燃气安全支出"),
    dict(kind="powers", description="燃气安全隐患责令改正", instrument="示政发〔2026〕12号"),
]


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def township_list(org):
    from tests.responsibilities.conftest import build_list

    duty_list, version = build_list(org, code="x-township")
    return duty_list


def draft_request(org, **overrides):
    from admission import services

    resources = overrides.pop("resources", RESOURCES)
    townships = overrides.pop("townships", [])
    fields = {**FIELDS, **overrides}
    return services.request_save(actor=org.officer, department=org.dept, fields=fields, townships=townships,
                                 resources=resources)


def to_consultation(org, request):
    from admission import services

    services.request_submit(request=request, actor=org.officer)
    services.request_check(request=request, actor=org.reviewer, step="legality", outcome="passed",
                           note="依据《城镇燃气管理条例》第三十四条，适用")
    return services.request_open_consultation(request=request, actor=org.reviewer)


def to_approved(org, request):
    from admission import services

    request = to_consultation(org, request)
    for step in ("conflict", "adequacy"):
        services.request_check(request=request, actor=org.reviewer, step=step, outcome="passed", note="无冲突，资源匹配")
    for user in (org.reporter, org.reporter_b):
        services.request_comment(request=request, actor=user, position="agree", text="同意")
    return services.request_approve(request=request, actor=org.reviewer, reason="依法有据，资源随附")


@pytest.fixture
def draft(org, frozen, township_list):
    return draft_request(org)


@pytest.fixture
def consultation(org, draft):
    return to_consultation(org, draft)


@pytest.fixture
def approved(org, draft):
    return to_approved(org, draft)
