"""Personas for every role and level, in one place (STYLE: tests/).

build_org() makes a small county through the same services the product uses:
    city 示范市 (city_supervisor)
      county 示范县 (supervisor, editor)
        dispatch centre (dispatcher)
        township 城关街道 (reporter, township_supervisor)   township 青石镇 (reporter_b)
        department 市场监管局 (officer, officer_a2, dept_supervisor)   department 综合执法局 (officer_b)
        assessor (考核办, at the county)
plus a staff administrator, a user with no role, the county's admission reviewer and `anonymous` (None).
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from governance.models import Level, Role, UnitKind
from governance.services import membership_grant, unit_create

PASSWORD = "persona-pass-2026"


@dataclass
class Org:
    province: object
    city: object
    county: object
    dispatch: object
    township: object
    township_b: object
    dept: object
    dept_b: object
    reporter: object
    reporter_b: object
    dispatcher: object
    officer: object
    officer_a2: object
    officer_b: object
    supervisor: object
    dept_supervisor: object
    township_supervisor: object
    city_supervisor: object
    editor: object
    assessor: object
    admin: object
    nobody: object
    reviewer: object = None  # admission_reviewer (职责准入审查) of 示范县; not in personas(): its matrices predate it
    anonymous: object = None

    def personas(self):
        """name -> user (None for the anonymous visitor), for visibility and denial matrices."""
        names = [
            "reporter", "reporter_b", "dispatcher", "officer", "officer_a2", "officer_b", "supervisor",
            "dept_supervisor", "township_supervisor", "city_supervisor", "editor", "admin", "nobody", "anonymous",
        ]
        return {name: getattr(self, name) for name in names}


def make_user(username, full_name="", **extra):
    return get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=full_name or username, email=f"{username}@example.test", **extra
    )


def build_org() -> Org:
    province = unit_create(code="P", name="示范省人民政府", short_name="示范省", level=Level.PROVINCE, kind=UnitKind.GOVERNMENT)
    city = unit_create(code="C", name="示范市人民政府", short_name="示范市", level=Level.CITY, kind=UnitKind.GOVERNMENT, parent=province)
    county = unit_create(code="X", name="示范县人民政府", short_name="示范县", level=Level.COUNTY, kind=UnitKind.GOVERNMENT, parent=city)
    dispatch = unit_create(code="X-ZHZX", name="示范县基层治理指挥中心", level=Level.COUNTY, kind=UnitKind.DISPATCH, parent=county)
    township = unit_create(code="X-CG", name="示范县城关街道", short_name="城关街道", level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT, parent=county)
    township_b = unit_create(code="X-QS", name="示范县青石镇", short_name="青石镇", level=Level.TOWNSHIP, kind=UnitKind.GOVERNMENT, parent=county)
    dept = unit_create(code="X-SCJG", name="示范县市场监督管理局", short_name="县市场监管局", level=Level.COUNTY, kind=UnitKind.DEPARTMENT, parent=county)
    dept_b = unit_create(code="X-ZHZF", name="示范县综合行政执法局", short_name="县综合执法局", level=Level.COUNTY, kind=UnitKind.DEPARTMENT, parent=county)

    def person(username, name, unit, role):
        user = make_user(username, name)
        membership_grant(user=user, unit=unit, role=role)
        return user

    return Org(
        province=province, city=city, county=county, dispatch=dispatch, township=township, township_b=township_b,
        dept=dept, dept_b=dept_b,
        reporter=person("p_reporter", "张晓燕", township, Role.REPORTER),
        reporter_b=person("p_reporter_b", "李建国", township_b, Role.REPORTER),
        dispatcher=person("p_dispatcher", "王磊", dispatch, Role.DISPATCHER),
        officer=person("p_officer", "陈静", dept, Role.OFFICER),
        officer_a2=person("p_officer_a2", "林峰", dept, Role.OFFICER),
        officer_b=person("p_officer_b", "刘洋", dept_b, Role.OFFICER),
        supervisor=person("p_supervisor", "周明", county, Role.SUPERVISOR),
        dept_supervisor=person("p_dept_supervisor", "吴建华", dept, Role.SUPERVISOR),
        township_supervisor=person("p_township_supervisor", "黄海", township, Role.SUPERVISOR),
        city_supervisor=person("p_city_supervisor", "钱伟", city, Role.SUPERVISOR),
        editor=person("p_editor", "孙丽", county, Role.EDITOR),
        assessor=person("p_assessor", "赵敏", county, Role.ASSESSOR),
        admin=make_user("p_admin", "系统管理员", is_staff=True, is_superuser=True),
        nobody=make_user("p_nobody", "无角色用户"),
        reviewer=person("p_reviewer", "赵审", county, Role.ADMISSION_REVIEWER),
    )
