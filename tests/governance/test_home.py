"""The public home for visitors and a signed-in home per role, with tiles from config.navigation."""

import pytest
from django.urls import reverse

from governance.models import Role
from governance.services import membership_grant

pytestmark = pytest.mark.django_db

# What each persona must be offered on the home page (URL names, in order).
EXPECTED_TILES = {
    "reporter": ["cases:report", "cases:township_list", "admission:index", "insights:proposals"],
    "reporter_b": ["cases:report", "cases:township_list", "admission:index", "insights:proposals"],
    "dispatcher": ["cases:triage_queue", "cases:search"],
    "officer": ["cases:department_queue", "admission:index", "insights:proposals"],
    "officer_b": ["cases:department_queue", "admission:index", "insights:proposals"],
    "supervisor": ["cases:supervision", "cases:search"],
    "dept_supervisor": ["cases:supervision", "cases:search"],
    "township_supervisor": ["cases:supervision", "cases:search"],
    "city_supervisor": ["cases:supervision", "cases:search"],
    "editor": ["responsibilities:editor_index", "insights:index"],
}
for _name in ("supervisor", "dept_supervisor", "township_supervisor", "city_supervisor"):
    EXPECTED_TILES[_name] = EXPECTED_TILES[_name] + ["assessment:dashboard"]
for _name in ("supervisor", "city_supervisor"):  # supervisors of a government at the county or above
    EXPECTED_TILES[_name] = EXPECTED_TILES[_name] + ["insights:index"]


def tile_names(response):
    return [tile.get("name") for tile in response.context["tiles"]]


def test_anonymous_visitor_sees_public_home_with_login_link(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "基层吹哨，部门报到" in body
    assert reverse("login") in body
    assert 'lang="zh-CN"' in body


def test_anonymous_home_offers_the_public_lists_and_lookup(client):
    response = client.get(reverse("home"))
    assert tile_names(response) == ["responsibilities:index", "routing:lookup", "admission:public_register",
                                    "assessment:public"]
    body = response.content.decode()
    assert reverse("routing:lookup") in body


@pytest.mark.parametrize("persona", sorted(EXPECTED_TILES))
def test_each_role_sees_the_tiles_for_its_work(org, client_for, persona):
    response = client_for(getattr(org, persona)).get(reverse("home"))
    assert response.status_code == 200
    assert tile_names(response) == EXPECTED_TILES[persona]
    body = response.content.decode()
    for name in EXPECTED_TILES[persona]:
        assert f'href="{reverse(name)}"' in body
    assert "还没有分配单位和角色" not in body


def test_reporter_home_names_their_township_and_role(org, client_for):
    body = client_for(org.reporter).get(reverse("home")).content.decode()
    assert "张晓燕，您好" in body
    assert "城关街道 · 上报人员（乡镇/街道）" in body


def test_a_person_with_two_roles_gets_both_sets_of_tiles_once_in_a_fixed_order(org, client_for):
    membership_grant(user=org.officer, unit=org.dept, role=Role.SUPERVISOR)
    membership_grant(user=org.officer, unit=org.dept_b, role=Role.OFFICER)
    membership_grant(user=org.supervisor, unit=org.township, role=Role.REPORTER)  # granted after supervisor
    names = tile_names(client_for(org.officer).get(reverse("home")))
    assert names == ["cases:department_queue", "admission:index", "insights:proposals", "cases:supervision",
                     "cases:search", "assessment:dashboard"]
    names = tile_names(client_for(org.supervisor).get(reverse("home")))
    assert names == ["cases:report", "cases:township_list", "admission:index", "insights:proposals",
                     "cases:supervision", "cases:search", "assessment:dashboard", "insights:index"]


def test_administrator_gets_the_admin_tile(org, client_for):
    response = client_for(org.admin).get(reverse("home"))
    assert reverse("admin:index") in [tile["url"] for tile in response.context["tiles"]]
    assert "还没有分配单位和角色" not in response.content.decode()


def test_user_without_membership_is_told_to_contact_admin(org, client_for):
    body = client_for(org.nobody).get(reverse("home")).content.decode()
    assert "还没有分配单位和角色" in body


def test_inactive_membership_gives_no_tiles(org, client_for):
    org.dispatcher.memberships.update(is_active=False)
    response = client_for(org.dispatcher).get(reverse("home"))
    assert tile_names(response) == []
    assert "还没有分配单位和角色" in response.content.decode()


def test_role_whose_pages_are_not_installed_is_not_told_it_has_no_role(org, client_for, monkeypatch):
    from config import navigation

    monkeypatch.setitem(navigation.ROLE_TILES, Role.DISPATCHER, [("not_installed:page", "x", "y")])
    body = client_for(org.dispatcher).get(reverse("home")).content.decode()
    assert "还没有分配单位和角色" not in body
    assert "办理页面尚未开通" in body


def test_home_refuses_post(client):
    assert client.post(reverse("home")).status_code == 405


# --- Pending work shown on the tiles ---------------------------------------------------------------


@pytest.fixture
def lists(org):
    from tests.cases.conftest import build_lists

    return build_lists(org)


@pytest.fixture
def report(org):
    from cases import services

    def make(reporter=None, township=None, title="夜市餐饮油烟扰民"):
        return services.case_report(
            actor=reporter or org.reporter, township=township or org.township, title=title,
            description="解放路夜市多家烧烤摊油烟直排，周边居民多次反映。", address="解放路88号",
        )

    return make


def tile_counts(client, name):
    """{label: count} shown on the tile `name` of the signed-in user's home page."""
    response = client.get(reverse("home"))
    assert response.status_code == 200
    tile = next(t for t in response.context["tiles"] if t.get("name") == name)
    return {str(c["label"]): c["count"] for c in tile["counts"]}


def make_overdue(case):
    from datetime import timedelta

    from django.utils import timezone

    from cases.models import Case

    Case.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(hours=1))


def test_reporter_tile_counts_cases_awaiting_feedback_and_information_of_their_township_only(
    org, lists, report, client_for
):
    from cases import services

    resolved = services.case_assign(case=report(), actor=org.dispatcher, list_item=lists.assisting)
    services.case_claim(case=resolved, actor=org.officer)
    services.case_resolve(case=resolved, actor=org.officer, note="已责令安装油烟净化设施。")
    services.case_request_info(case=report(title="占道经营"), actor=org.dispatcher, question="请补充现场照片。")
    report(title="刚上报的事项")  # waits for the dispatcher, not for the township
    # Another township's resolved case and information request are not ours.
    other = services.case_assign(case=report(org.reporter_b, org.township_b), actor=org.dispatcher,
                                 list_item=lists.assisting)
    services.case_claim(case=other, actor=org.officer)
    services.case_resolve(case=other, actor=org.officer, note="已处理。")
    services.case_request_info(case=report(org.reporter_b, org.township_b), actor=org.dispatcher, question="地址？")

    client = client_for(org.reporter)
    assert tile_counts(client, "cases:township_list") == {"件待评价": 1, "件待补充材料": 1}
    services.case_feedback(case=resolved, actor=org.reporter, rating="satisfied")
    assert tile_counts(client, "cases:township_list") == {"件待评价": 0, "件待补充材料": 1}
    body = client.get(reverse("home")).content.decode()
    assert "<b>0</b> 件待评价" in body
    assert "<b>1</b> 件待补充材料" in body


def test_dispatcher_tile_counts_the_triage_queue_and_its_overdue_cases(org, lists, report, client_for):
    from cases import services

    first, second, third = report(), report(title="二"), report(org.reporter_b, org.township_b, title="三")
    make_overdue(first)
    client = client_for(org.dispatcher)
    assert tile_counts(client, "cases:triage_queue") == {"件待研判": 3, "件已超时": 1}
    services.case_triage(case=second, actor=org.dispatcher)  # taken up, still in the queue
    assert tile_counts(client, "cases:triage_queue") == {"件待研判": 3, "件已超时": 1}
    services.case_assign(case=first, actor=org.dispatcher, list_item=lists.assisting)
    services.case_return(case=third, actor=org.dispatcher, list_item=lists.basic, reason="属乡镇日常巡查职责。")
    assert tile_counts(client, "cases:triage_queue") == {"件待研判": 1, "件已超时": 0}


def test_a_paused_clock_is_not_counted_as_overdue(org, report, client_for):
    from cases import services

    case = report()
    make_overdue(case)
    services.case_request_info(case=case, actor=org.dispatcher, question="请补充现场照片。")
    assert tile_counts(client_for(org.dispatcher), "cases:triage_queue") == {"件待研判": 1, "件已超时": 0}


def test_officer_tile_counts_unclaimed_and_overdue_cases_of_their_department_only(org, lists, report, client_for):
    from cases import services

    ours = services.case_assign(case=report(), actor=org.dispatcher, list_item=lists.assisting)  # 县市场监管局
    late = services.case_assign(case=report(title="二"), actor=org.dispatcher, list_item=lists.assisting)
    services.case_claim(case=late, actor=org.officer_a2)
    make_overdue(late)
    services.case_assign(case=report(title="违建"), actor=org.dispatcher, list_item=lists.negative)  # 综合执法局

    assert tile_counts(client_for(org.officer), "cases:department_queue") == {"件待签收": 1, "件已超时": 1}
    assert tile_counts(client_for(org.officer_b), "cases:department_queue") == {"件待签收": 1, "件已超时": 0}
    services.case_claim(case=ours, actor=org.officer)
    assert tile_counts(client_for(org.officer), "cases:department_queue") == {"件待签收": 0, "件已超时": 1}
    assert tile_counts(client_for(org.officer_b), "cases:department_queue") == {"件待签收": 1, "件已超时": 0}


def test_supervisor_tile_counts_overdue_and_flagged_cases_in_their_subtree(org, lists, report, client_for):
    from cases import services
    from cases.models import Case

    ours = services.case_assign(case=report(), actor=org.dispatcher, list_item=lists.assisting)  # 市场监管局
    make_overdue(ours)
    theirs = services.case_assign(case=report(org.reporter_b, org.township_b, title="违建"), actor=org.dispatcher,
                                  list_item=lists.negative)  # 青石镇, 综合执法局
    Case.objects.filter(pk=theirs.pk).update(flagged_at=theirs.created_at)

    assert tile_counts(client_for(org.supervisor), "cases:supervision") == {"件已超时": 1, "件已转督办": 1}
    assert tile_counts(client_for(org.city_supervisor), "cases:supervision") == {"件已超时": 1, "件已转督办": 1}
    assert tile_counts(client_for(org.dept_supervisor), "cases:supervision") == {"件已超时": 1, "件已转督办": 0}
    # 城关街道's supervisor: its own case only, not 青石镇's.
    assert tile_counts(client_for(org.township_supervisor), "cases:supervision") == {"件已超时": 1, "件已转督办": 0}
    services.case_claim(case=ours, actor=org.officer)
    services.case_resolve(case=ours, actor=org.officer, note="已处理。")
    services.case_feedback(case=ours, actor=org.reporter, rating="satisfied")  # closed: no longer late
    assert tile_counts(client_for(org.supervisor), "cases:supervision") == {"件已超时": 0, "件已转督办": 1}


def test_editor_tile_counts_open_drafts_of_lists_they_may_edit(org, lists, client_for):
    from responsibilities.models import DutyList, ListVersion

    client = client_for(org.editor)
    assert tile_counts(client, "responsibilities:editor_index") == {"份草稿未发布": 0}
    ListVersion.objects.create(duty_list=lists.version.duty_list, number=2)
    other = DutyList.objects.create(code="c-city", name="示范市清单", level="township", jurisdiction=org.city)
    ListVersion.objects.create(duty_list=other, number=1)  # the city's list: not this county editor's
    assert tile_counts(client, "responsibilities:editor_index") == {"份草稿未发布": 1}


def test_home_counts_take_a_fixed_number_of_queries(org, lists, report, client_for, django_assert_max_num_queries):
    from cases import services

    person = org.supervisor
    for role, unit in [(Role.REPORTER, org.township), (Role.DISPATCHER, org.dispatch), (Role.OFFICER, org.dept),
                       (Role.EDITOR, org.county)]:
        membership_grant(user=person, unit=unit, role=role)
    client = client_for(person)

    def queries_for_home():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("home")).status_code == 200
        return len(ctx)

    few = queries_for_home()
    for n in range(6):
        case = services.case_assign(case=report(title=f"事项{n}"), actor=org.dispatcher, list_item=lists.assisting)
        if n % 2:
            services.case_claim(case=case, actor=org.officer)
    assert queries_for_home() == few
    # Session (read, and its save in a savepoint: 4), user, memberships, the notifications badge, one
    # aggregate per case tile (4), two for the editor's drafts and one for the admission tile.
    with django_assert_max_num_queries(14):
        client.get(reverse("home"))


def test_english_home_shows_the_counts_in_english(org, report, client_for):
    report()
    client = client_for(org.dispatcher)
    body = client.get(reverse("home"), headers={"accept-language": "en"}).content.decode()
    assert "<b>1</b> awaiting triage" in body
    assert "<b>0</b> overdue" in body
