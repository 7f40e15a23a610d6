import pytest


@pytest.fixture(autouse=True)
def _fresh_routing_caches():
    from routing import index, learning

    index.clear()
    learning.forget()
    yield
    index.clear()
    learning.forget()


@pytest.fixture
def county(org):
    """A published township list for org's county with a basic fire-safety duty, a basic road-patrol duty, a
    negative 占道经营 item (综合执法局) and an assisting road item (交通运输局), plus department profiles."""
    from types import SimpleNamespace

    from django.utils import timezone

    from governance.models import Level, UnitKind
    from governance.services import unit_create
    from responsibilities.models import DutyList, ListItem, ListVersion
    from routing.models import DepartmentProfile

    transport = unit_create(code="X-JTYS", name="示范县交通运输局", short_name="县交通运输局", level=Level.COUNTY,
                            kind=UnitKind.DEPARTMENT, parent=org.county)
    education = unit_create(code="X-JY", name="示范县教育局", short_name="县教育局", level=Level.COUNTY,
                            kind=UnitKind.DEPARTMENT, parent=org.county)
    duty_list = DutyList.objects.create(code="r-township", name="示范县乡镇（街道）履行职责事项清单", level=Level.TOWNSHIP,
                                        jurisdiction=org.county)
    version = ListVersion.objects.create(duty_list=duty_list, number=1)
    fire = ListItem.objects.create(
        version=version, code="JB-007", title="指导村（居）民委员会开展群众性消防工作", kind="basic", category="governance",
        description="组织防火检查和消防宣传，督促清理楼道堆物、畅通消防通道。", keywords="消防,火灾隐患,消防通道,楼道堆物",
        legal_basis="《中华人民共和国消防法》第三十二条（2019年修正）", position=1,
    )
    mediation = ListItem.objects.create(
        version=version, code="JB-002", title="矛盾纠纷排查化解", kind="basic", category="governance",
        description="了解、预防、排查、化解家庭、邻里之间等矛盾纠纷，发挥人民调解作用。", keywords="纠纷,矛盾,调解,邻里纠纷,家庭纠纷",
        legal_basis="《北京市街道办事处条例》第三十三条第二款", position=2,
    )
    stalls = ListItem.objects.create(
        version=version, code="FM-002", title="占道经营查处", kind="negative", category="enforcement",
        description="在城市道路、街道两侧和公共场地占道经营、摆摊设点的查处。", keywords="占道经营,摆摊,流动摊贩,占道",
        legal_basis="《城市道路管理条例》第二十七条", department=org.dept_b, position=3,
    )
    road = ListItem.objects.create(
        version=version, code="PH-019", title="配合开展农村公路日常养护巡查", kind="assisting", category="service",
        description="开展农村公路日常巡查，发现坑洼、塌陷及时报告县交通运输局。", keywords="道路破损,坑洼,路面塌陷",
        legal_basis="《农村公路养护管理办法》（2015年）", department=transport, position=4,
    )
    ListVersion.objects.filter(pk=version.pk).update(status="published", published_at=timezone.now())
    DepartmentProfile.objects.create(unit=org.dept, dept_type="market", functions="负责食品安全、价格和消费投诉。",
                                     keywords="食品,价格,消费")
    DepartmentProfile.objects.create(unit=org.dept_b, dept_type="urban_management",
                                     functions="负责城市管理综合执法：占道经营、违法建设、市容环境。", keywords="城管,占道,违建")
    DepartmentProfile.objects.create(unit=transport, dept_type="transport", functions="负责公交线路、客运和农村公路建设养护。",
                                     keywords="公交,公交车,客运,公路")
    DepartmentProfile.objects.create(unit=education, dept_type="education",
                                     functions="负责中小学和幼儿园的招生入学、办学行为和收费管理。", keywords="学校,入学,幼儿园,补课")
    return SimpleNamespace(list=duty_list, version=version, fire=fire, mediation=mediation, stalls=stalls, road=road,
                           transport=transport, education=education)
