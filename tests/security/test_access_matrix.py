"""Issue 16, "Measured": the access matrix, personas × cases in several states × every door to a case.

Doors: the case page, the print sheet (交办单), an attachment download (page and API), the API detail and
the API action endpoints (POST). The expected answer comes from the small explicit tables below, written
from the rules in the README ("a township its own cases, a department its cases, the dispatch centre its
county's, a supervisor everything under their unit; anything else is a 404"; 403 without the action's
role, 409 when the state does not allow it), not from cases.permissions or cases.workflow, so the code and
the tables can disagree. Each POST runs in a savepoint that is rolled back: every cell sees the same case.
The test reports every wrongly granted and wrongly refused cell at once and asserts there are none.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from rest_framework.test import APIClient

from tests.api.conftest import case_in_state
from tests.cases.conftest import png_bytes

pytestmark = pytest.mark.django_db

# --- The tables -------------------------------------------------------------------------------------

CG = {"reported", "assigned", "claimed", "resolved", "closed"}  # 城关街道's cases (reported by `reporter`)
DEPT = CG - {"reported"}  # ... of which 市场监管局 leads all but the unassigned one
LOCAL = CG | {"other_township"}  # 示范县's cases; other_township: 青石镇's, led by 综合执法局
ALL = LOCAL | {"other_county"}  # other_county: a case of 邻县's township, not yet triaged

VISIBLE = {
    "reporter": CG, "township_supervisor": CG,
    "reporter_b": {"other_township"}, "officer_b": {"other_township"},
    "officer": DEPT, "officer_a2": DEPT, "dept_supervisor": DEPT,
    "dispatcher": LOCAL, "supervisor": LOCAL, "assessor": LOCAL,  # 考核办 reads the cases behind its figures
    "city_supervisor": ALL,
    "x_reporter": {"other_county"}, "x_dispatcher": {"other_county"},
    "editor": set(), "reviewer": set(), "admin": set(), "nobody": set(), "anonymous": set(),
}
# Cases with a lead department have a print sheet.
HAS_SHEET = DEPT | {"other_township"}

# action -> (body, {case: personas with the role for it}, states in which it is allowed)
REPORTERS = {**{c: {"reporter"} for c in CG}, "other_township": {"reporter_b"}, "other_county": {"x_reporter"}}
DISPATCHERS = {**{c: {"dispatcher"} for c in LOCAL}, "other_county": {"x_dispatcher"}}
LEAD_OFFICERS = {**{c: {"officer", "officer_a2"} for c in DEPT}, "other_township": {"officer_b"}}
COMMANDERS = {c: DISPATCHERS[c] | ({"supervisor", "city_supervisor"} if c in LOCAL else {"city_supervisor"})
              for c in ALL}
ACTIONS = {
    "triage": ({}, DISPATCHERS, {"reported", "other_county"}),
    "withdraw": ({"reason": "重复上报"}, REPORTERS, {"reported", "other_county"}),
    "claim": ({}, LEAD_OFFICERS, {"assigned", "other_township"}),
    "resolve": ({"note": "已责令下架"}, LEAD_OFFICERS, {"claimed"}),
    "feedback": ({"rating": "satisfied"}, REPORTERS, {"resolved"}),
    "reassign": ({"reason": "改派", "lead_department": "dept_b"}, COMMANDERS, {"assigned", "claimed", "other_township"}),
    # Anyone who sees the case writes a note, but the assessor only reads.
    "comment": ({"text": "已电话联系"}, {c: {p for p, seen in VISIBLE.items() if c in seen} - {"assessor"} for c in ALL},
                ALL),
}


def expected_get(persona, case, *, api, sheet=False):
    if persona == "anonymous":
        return 401 if api else 302
    if case not in VISIBLE[persona] or (sheet and case not in HAS_SHEET):
        return 404
    return 200


def expected_post(persona, case, action):
    _body, who, states = ACTIONS[action]
    if persona == "anonymous":
        return 401
    if case not in VISIBLE[persona]:
        return 404
    if persona not in who.get(case, set()):
        return 403
    return 200 if case in states else 409


# --- The world --------------------------------------------------------------------------------------


@pytest.fixture
def world(org, duty, settings):
    from cases import services
    from governance.models import Level, Role, UnitKind
    from governance.services import membership_grant, unit_create
    from tests.personas import make_user

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/min", "user": "100000/min", "open311": "100000/min"}}

    def photo():
        return [SimpleUploadedFile("现场.png", png_bytes(), content_type="image/png")]

    cases = {state: case_in_state(org, duty, state, photos=photo()) for state in CG}
    other = services.case_report(actor=org.reporter_b, township=org.township_b, title="青石河河道垃圾堆积",
                                 description="桥下河道漂浮大量生活垃圾。", address="青石河大桥", photos=photo())
    cases["other_township"] = services.case_assign(case=other, actor=org.dispatcher, list_item=duty.negative)
    county = unit_create(code="Y", name="邻县人民政府", short_name="邻县", level=Level.COUNTY,
                         kind=UnitKind.GOVERNMENT, parent=org.city)
    dispatch = unit_create(code="Y-ZHZX", name="邻县指挥中心", level=Level.COUNTY, kind=UnitKind.DISPATCH, parent=county)
    township = unit_create(code="Y-DH", name="邻县东湖镇", short_name="东湖镇", level=Level.TOWNSHIP,
                           kind=UnitKind.GOVERNMENT, parent=county)
    x_dept = unit_create(code="Y-SCJG", name="邻县市场监督管理局", level=Level.COUNTY, kind=UnitKind.DEPARTMENT,
                         parent=county)
    people = {"x_reporter": (township, Role.REPORTER), "x_dispatcher": (dispatch, Role.DISPATCHER)}
    users = {**org.personas(), "assessor": org.assessor, "reviewer": org.reviewer}
    for name, (unit, role) in people.items():
        users[name] = make_user(f"p_{name}", name)
        membership_grant(user=users[name], unit=unit, role=role)
    cases["other_county"] = services.case_report(actor=users["x_reporter"], township=township, title="东湖堤岸塌陷",
                                                 description="东湖北岸约十米堤岸塌陷。", address="东湖北岸", photos=photo())
    for case in cases.values():
        case.refresh_from_db()
        assert case.attachments.count() == 1
    assert cases["claimed"].claimed_by_id and not cases["assigned"].claimed_by_id
    assert set(users) == set(VISIBLE)
    return type("World", (), {"org": org, "cases": cases, "users": users, "x_dept": x_dept})


def _clients(user):
    page, api = Client(), APIClient()
    if user is not None:
        page.force_login(user)
        api.force_login(user)
    return page, api


def test_every_persona_gets_exactly_the_answers_of_the_tables(world):
    wrongly_granted, wrongly_refused, other = [], [], []
    cells = 0

    def record(where, expected, got):
        nonlocal cells
        cells += 1
        if got == expected:
            return
        if got < 300 <= expected or (expected == 409 and got == 200):
            wrongly_granted.append(f"{where}: expected {expected}, got {got}")
        elif expected < 300 <= got:
            wrongly_refused.append(f"{where}: expected {expected}, got {got}")
        else:
            other.append(f"{where}: expected {expected}, got {got}")

    for persona, user in world.users.items():
        page, api = _clients(user)
        for name, case in world.cases.items():
            attachment = case.attachments.get()
            where = f"{persona} × {name}"
            record(f"{where} page", expected_get(persona, name, api=False), page.get(f"/cases/{case.pk}/").status_code)
            record(f"{where} sheet", expected_get(persona, name, api=False, sheet=True),
                   page.get(f"/cases/{case.pk}/sheet/").status_code)
            record(f"{where} attachment page", expected_get(persona, name, api=False),
                   page.get(f"/cases/{case.pk}/attachments/{attachment.pk}/").status_code)
            record(f"{where} attachment API", expected_get(persona, name, api=True),
                   api.get(f"/api/v1/cases/{case.pk}/attachments/{attachment.pk}/").status_code)
            record(f"{where} API detail", expected_get(persona, name, api=True),
                   api.get(f"/api/v1/cases/{case.pk}/").status_code)
            for action, (body, _who, _states) in ACTIONS.items():
                # Reassigning goes to another department of the case's own county.
                other_dept = world.x_dept if name == "other_county" else world.org.dept_b
                data = {k: (other_dept.pk if v == "dept_b" else v) for k, v in body.items()}
                with transaction.atomic():
                    response = api.post(f"/api/v1/cases/{case.pk}/{action}/", data, format="json")
                    transaction.set_rollback(True)
                record(f"{where} POST {action}", expected_post(persona, name, action), response.status_code)
    # 20 personas × 7 cases × (5 reads + 7 actions)
    assert cells == len(VISIBLE) * len(world.cases) * (5 + len(ACTIONS))
    assert not wrongly_granted, f"{len(wrongly_granted)} wrongly granted:\n" + "\n".join(wrongly_granted)
    assert not wrongly_refused, f"{len(wrongly_refused)} wrongly refused:\n" + "\n".join(wrongly_refused)
    assert not other, f"{len(other)} other mismatches:\n" + "\n".join(other)
