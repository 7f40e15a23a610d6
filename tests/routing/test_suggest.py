"""The routing service: verdicts, the abstention rule, the index per published version, learning."""

import pytest
from django.utils import timezone

from routing.services import TOWNSHIP_P, suggest


@pytest.mark.django_db
def test_the_report_form_examples_on_the_demo_county():
    """The issue's examples, on the seeded demo county's 340-item list and its department profiles."""
    from governance import demo as governance_demo
    from governance.models import Unit
    from responsibilities import demo as lists_demo
    from routing import demo as routing_demo

    governance_demo.seed()
    lists_demo.seed()
    routing_demo.seed()
    township = Unit.objects.get(code="SFX-CGJD")

    stall = suggest("小区门口有人占道摆摊卖菜，占用人行道和消防通道", township=township)
    assert stall.verdict == "department"
    assert stall.departments[0].code == "SFX-ZHZF"
    assert "FM-002" in [i.code for i in stall.items]

    road = suggest("东六路路面破损", township=township)
    assert road.verdict == "department" and road.items
    assert {"道路", "破损"} <= set(road.matched)

    bus = suggest("星沙101线公交车", township=township)
    assert bus.departments[0].code == "SFX-JTYS"
    assert bus.items[0].code.startswith("FM-") and "公交" in bus.items[0].title

    school = suggest("孩子上小学划片不合理，离家太远", township=township)
    assert school.departments[0].type == "education"

    # Every demo department has a profile; a second seed changes nothing (no new model version either).
    from routing.models import DepartmentProfile, PastDecision, RoutingModel

    departments = Unit.objects.filter(kind="department", code__startswith="SFX-")
    assert DepartmentProfile.objects.filter(unit__in=departments).count() == departments.count() >= 20
    counts = (DepartmentProfile.objects.count(), PastDecision.objects.count(), RoutingModel.objects.count())
    routing_demo.seed()
    assert (DepartmentProfile.objects.count(), PastDecision.objects.count(), RoutingModel.objects.count()) == counts


@pytest.mark.django_db
def test_road_surface_damage_finds_the_item_with_keyword_road_damage(org, county):
    answer = suggest("东六路路面破损", township=org.township)
    assert [i.code for i in answer.items][:1] == ["PH-019"]
    assert answer.departments[0].code == county.transport.code


@pytest.mark.django_db
def test_a_bus_route_number_does_not_match_years_in_legal_bases(org, county):
    answer = suggest("星沙101线公交车", township=org.township)
    assert answer.departments[0].code == county.transport.code
    assert all("01" not in word for word in answer.matched)


@pytest.mark.django_db
def test_it_says_township_only_when_a_basic_item_clearly_beats_every_department(org, county):
    clear = suggest("邻里纠纷，两家因为排水吵架，请求调解", township=org.township)
    assert clear.verdict == "township"
    assert clear.best_basic_item.code == "JB-002"
    # A basic item and a department's item matched as well as each other: no 属本级职责, however close.
    mixed = suggest("摆摊 消防", township=org.township)
    assert mixed.verdict != "township"
    assert {i.code for i in mixed.items} >= {"FM-002", "JB-007"}


@pytest.mark.django_db
def test_it_abstains_when_nothing_fits(org, county):
    answer = suggest("想了解一下天气预报和明天的月亮", township=org.township)
    assert answer.verdict == "undecided"
    assert suggest("", township=org.township).verdict == "undecided"


@pytest.mark.django_db
def test_a_department_without_list_items_is_reached_through_its_profile(org, county):
    answer = suggest("孩子上小学入学划片不合理", township=org.township)
    assert answer.verdict == "department"
    assert answer.departments[0].code == county.education.code
    assert answer.departments[0].type == "education"


@pytest.mark.django_db
def test_the_index_is_rebuilt_when_a_new_version_is_published(org, county):
    from responsibilities import services as list_services
    from responsibilities.models import ListItem

    assert "FM-050" not in [i.code for i in suggest("烟花爆竹非法销售", township=org.township).items]
    editor = org.editor
    draft = list_services.list_draft_start(duty_list=county.list, actor=editor)
    list_services.list_item_add(
        version=draft, actor=editor, code="FM-050", kind="negative", category="governance", title="烟花爆竹经营许可监管",
        description="烟花爆竹非法经营的查处。", legal_basis="《烟花爆竹安全管理条例》", department=org.dept, keywords="烟花爆竹",
    )
    list_services.list_publish(version=draft, actor=editor, effective_date=timezone.localdate())
    answer = suggest("烟花爆竹非法销售", township=org.township)
    assert answer.items[0].code == "FM-050"
    assert ListItem.objects.get(pk=answer.items[0].item.pk).version == draft


@pytest.mark.django_db
def test_a_past_decision_changes_the_next_suggestion(org, county, django_capture_on_commit_callbacks):
    from cases import services as case_services
    from routing import learning

    text = "菜市场门口的秤不准，缺斤短两"
    before = suggest(text, township=org.township)
    rank_before = [d.code for d in before.departments].index(org.dept.code) if org.dept.code in [
        d.code for d in before.departments] else 99
    for title in ("菜市场的秤缺斤短两", "水果摊秤不准缺斤短两", "农贸市场摊位缺斤短两"):
        case = case_services.case_report(actor=org.reporter, township=org.township, title=title, description=title,
                                         address="城关街道")
        case = case_services.case_triage(case=case, actor=org.dispatcher)
        case_services.case_assign(case=case, actor=org.dispatcher, list_item=county.stalls, lead_department=org.dept)
    model = learning.retrain()
    assert model.examples == 3
    after = suggest(text, township=org.township)
    assert after.model_version == model.version
    assert after.departments[0].code == org.dept.code
    assert rank_before > 0 or after.departments[0].score > before.departments[0].score


@pytest.mark.django_db
def test_retraining_twice_on_the_same_decisions_makes_one_version(org, county):
    from routing.models import RoutingModel
    from routing.tasks import retrain

    first = retrain()
    second = retrain()
    assert first == second
    assert RoutingModel.objects.count() == 1


@pytest.mark.django_db
def test_the_dispatchers_case_page_suggests_and_preselects_within_fifteen_queries(org, county, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from cases import services as case_services
    from routing import learning

    case = case_services.case_report(actor=org.reporter, township=org.township, title="人民路口占道经营摆摊",
                                     description="早市流动摊贩占用人行道摆摊设点", address="城关街道")
    past = case_services.case_report(actor=org.reporter, township=org.township, title="菜场门口流动摊贩摆摊",
                                     description="占道经营", address="城关街道")
    past = case_services.case_triage(case=past, actor=org.dispatcher)
    case_services.case_assign(case=past, actor=org.dispatcher, list_item=county.stalls)
    learning.retrain()
    client = client_for(org.dispatcher)
    url = reverse("cases:detail", args=[case.pk])
    client.get(url)  # the index is built once per published version, not per page
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    # The session middleware's sliding-expiry write (savepoint, update, release) is not the page's work.
    page = [q for q in queries if "django_session" not in q["sql"] and "SAVEPOINT" not in q["sql"]]
    assert len(page) <= 15, "\n".join(q["sql"][:150] for q in page)
    body = response.content.decode()
    assert "分拨建议" in body and "<mark>" in body
    assert "相似的以往事项" in body and past.number in body
    assign = response.context["forms"]["assign"]
    assert assign.initial["list_item"] == county.stalls.pk
    assert assign.initial["lead_department"] == org.dept_b.pk


def test_the_level_model_reads_who_the_writer_addresses_and_where_the_matter_is():
    from routing.services import _level_evidence

    def p(body, locality=0):
        return _level_evidence(body, 0.3, 0.3, locality, prior=-0.7)["p_township"]

    neutral = p("路灯坏了很久\n晚上出行不安全")
    assert p("白云镇路灯坏了很久\n晚上出行不安全") > neutral  # placed in a named township (属地)
    assert p("路灯坏了很久\n请县城管局尽快修复") < neutral  # a bureau addressed
    assert p("路灯坏了很久\n镇政府一直没有回复") > neutral
    assert p("路灯坏了很久\n晚上出行不安全", locality=1) > neutral
    # Words that merely contain 局 do not count as addressing a bureau.
    assert p("路灯坏了很久\n影响大局和格局") == neutral
    # A township share far above the best department's (a clear lead) is a township verdict by itself; a modest
    # lead is not.
    assert _level_evidence("路灯坏了很久\n晚上出行不安全", 0.9, 0.01, 0, prior=-0.7)["p_township"] >= TOWNSHIP_P
    assert _level_evidence("路灯坏了很久\n晚上出行不安全", 0.5, 0.1, 0, prior=-0.7)["p_township"] < TOWNSHIP_P


def test_a_village_collective_affair_leans_to_the_township_and_a_department_run_service_away_from_it():
    from routing.services import _level_evidence

    def p(body):
        return _level_evidence(body, 0.3, 0.3, 0, prior=-0.7)["p_township"]

    neutral = p("家门口那段路的事\n已经反映过好几次")
    # 村干部, 村账目, 征地补偿, 宅基地, 修路硬化: handled where the village is (属地).
    assert p("组里的补偿款怎么分\n村干部说了算，账目从来不公开") > neutral
    assert p("家门口那段路一直没有硬化\n下雨天泥泞难走") > neutral
    assert p("想在老宅基地上翻建房屋\n不知道去哪里申请") > neutral
    # Schools, social insurance, 户籍, wages: only a department runs them, whatever place is named.
    assert p("孩子转学到城关小学\n学校说名额已满") < neutral
    assert p("老板拖欠三个月工资\n一直不给") < neutral
    assert p("孩子出生后上户口\n要准备哪些材料") < neutral


@pytest.mark.django_db
def test_a_township_of_a_county_with_no_list_and_no_department_is_undecided_not_an_error():
    from governance.models import Level, UnitKind
    from governance.services import unit_create

    county = unit_create(code="Z", name="新设县人民政府", level=Level.COUNTY, kind=UnitKind.GOVERNMENT)
    township = unit_create(code="Z-XZ", name="新设县新镇", level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT, parent=county)
    result = suggest("东湖北岸堤岸塌陷", township=township)
    assert result.verdict == "undecided"
    assert result.departments == [] and result.items == []
