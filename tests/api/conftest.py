"""Fixtures for the REST API and Open311 tests: a published township list, cases in every state, API clients."""

import datetime

import pytest

# Models and services are imported inside the fixtures: conftest modules load before Django's apps.


@pytest.fixture
def duty(org):
    """示范县's published township list: a basic duty, an assisting item (市场监管局) and a negative item (执法局)."""
    from responsibilities import services as list_services
    from responsibilities.models import Category, ItemKind

    duty_list = list_services.list_create(
        actor=org.editor, code="sfx-township", name="示范县乡镇（街道）履行职责事项清单", level="township",
        jurisdiction=org.county,
    )
    draft = duty_list.versions.get()
    basic = list_services.list_item_add(
        version=draft, actor=org.editor, code="B-001", title="辖区环境卫生日常保洁", kind=ItemKind.BASIC,
        category=Category.SERVICE, keywords="保洁 垃圾",
    )
    assisting = list_services.list_item_add(
        version=draft, actor=org.editor, code="A-001", title="食品安全隐患排查", kind=ItemKind.ASSISTING,
        category=Category.MARKET, department=org.dept, keywords="食品 餐饮", description="发现无证经营、过期食品等隐患",
    )
    negative = list_services.list_item_add(
        version=draft, actor=org.editor, code="N-001", title="违法建设查处", kind=ItemKind.NEGATIVE,
        category=Category.ENFORCEMENT, department=org.dept_b, keywords="违建",
    )
    version = list_services.list_publish(version=draft, actor=org.editor, effective_date=datetime.date(2026, 1, 1))
    return type("Duty", (), {"list": duty_list, "version": version, "basic": basic, "assisting": assisting,
                             "negative": negative})


def report(org, **extra):
    from cases import services as case_services

    fields = {"title": "农贸市场有商户销售过期食品", "description": "城关农贸市场东门第三个摊位，多次发现过期熟食。",
              "address": "城关街道农贸市场东门"}
    fields.update(extra)
    return case_services.case_report(actor=org.reporter, township=org.township, **fields)


def case_in_state(org, duty, state, **extra):
    """A case of 城关街道 brought to `state` through the real services."""
    from cases import services as case_services

    case = report(org, **extra)
    if state == "reported":
        return case
    if state == "withdrawn":
        return case_services.case_withdraw(case=case, actor=org.reporter, reason="重复上报")
    case = case_services.case_triage(case=case, actor=org.dispatcher)
    if state == "triaged":
        return case
    if state == "returned":
        return case_services.case_return(case=case, actor=org.dispatcher, list_item=duty.basic, reason="属街道职责")
    case = case_services.case_assign(case=case, actor=org.dispatcher, list_item=duty.assisting)
    if state == "assigned":
        return case
    case = case_services.case_claim(case=case, actor=org.officer)
    if state == "claimed":
        return case
    case = case_services.case_resolve(case=case, actor=org.officer, note="已责令下架并立案调查")
    if state == "resolved":
        return case
    case = case_services.case_feedback(case=case, actor=org.reporter, rating="satisfied")
    assert state == "closed"
    return case


@pytest.fixture
def api_for():
    """api_for(user) -> a DRF test client signed in by session (None: anonymous)."""

    from rest_framework.test import APIClient

    def make(user):
        client = APIClient()
        if user is not None:
            client.force_login(user)
        return client

    return make
