"""Fixtures for the case flow: a published township list for 示范县 and cases in every state,
built through cases.services like the product does."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone


@pytest.fixture
def lists(org):
    return build_lists(org)


def build_lists(org):
    """示范县's published township list: a basic duty, an assisting duty (市场监管局) and a negative item
    (综合执法局). Items are written while the version is a draft, then it is published.
    Browser journeys import this function (fixtures do not cross test folders)."""
    import datetime
    from types import SimpleNamespace

    from governance.models import Level
    from responsibilities.models import DutyList, ListItem, ListVersion

    duty_list = DutyList.objects.create(
        code="x-township", name="示范县乡镇（街道）履行职责事项清单", level=Level.TOWNSHIP, jurisdiction=org.county
    )
    version = ListVersion.objects.create(duty_list=duty_list, number=1)
    basic = ListItem.objects.create(
        version=version, code="JB-001", title="辖区环境卫生和市容秩序日常巡查", kind="basic", category="enforcement",
        description="组织开展辖区环境卫生日常巡查，劝导占道经营、乱堆乱放等行为", keywords="环境卫生 占道经营 乱堆乱放",
        legal_basis="《城市市容和环境卫生管理条例》第四条", position=1,
    )
    assisting = ListItem.objects.create(
        version=version, code="PH-010", title="餐饮服务食品安全监督检查", kind="assisting", category="market",
        description="配合县市场监管局开展餐饮服务单位食品安全检查，发现问题及时报告", keywords="食品安全 餐饮 油烟",
        legal_basis="《中华人民共和国食品安全法》第六条", department=org.dept, response_hours=12, resolution_days=3,
        position=2,
    )
    negative = ListItem.objects.create(
        version=version, code="FM-003", title="违法建设的查处", kind="negative", category="enforcement",
        description="对违法建设行为立案查处、责令限期拆除", keywords="违建 违法建设 私搭乱建",
        legal_basis="《中华人民共和国城乡规划法》第六十四条", department=org.dept_b, position=3,
    )
    # In force since long before any test's frozen clock (responsibilities.selectors.versions_in_force).
    ListVersion.objects.filter(pk=version.pk).update(status="published", published_at=timezone.now(),
                                                     effective_date=datetime.date(2020, 1, 1))
    return SimpleNamespace(version=version, basic=basic, assisting=assisting, negative=negative)


def png_bytes(size=(8, 8), color=(200, 30, 30)):
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def photo():
    def make(name="现场.png"):
        return SimpleUploadedFile(name, png_bytes(), content_type="image/png")

    return make


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def flow(org, lists, media_root):
    """flow.reported(), flow.assigned(), flow.claimed(), flow.resolved(), ... -> a Case in that state."""
    from types import SimpleNamespace

    from cases import services

    def reported(**kw):
        fields = dict(
            actor=org.reporter, township=org.township, title="夜市餐饮油烟扰民",
            description="解放路夜市多家烧烤摊油烟直排，周边居民多次反映。", address="城关街道解放路88号",
        )
        fields.update(kw)
        return services.case_report(**fields)

    def triaged(**kw):
        return services.case_triage(case=reported(**kw), actor=org.dispatcher)

    def assigned(**kw):
        return services.case_assign(case=reported(**kw), actor=org.dispatcher, list_item=lists.assisting)

    def claimed(**kw):
        return services.case_claim(case=assigned(**kw), actor=org.officer)

    def resolved(**kw):
        return services.case_resolve(case=claimed(**kw), actor=org.officer, note="已责令安装油烟净化设施。")

    def closed(**kw):
        return services.case_feedback(case=resolved(**kw), actor=org.reporter, rating="satisfied")

    def returned(**kw):
        return services.case_return(case=reported(**kw), actor=org.dispatcher, list_item=lists.basic,
                                    reason="属街道环境卫生日常巡查职责。")

    def withdrawn(**kw):
        return services.case_withdraw(case=reported(**kw), actor=org.reporter)

    return SimpleNamespace(reported=reported, triaged=triaged, assigned=assigned, claimed=claimed, resolved=resolved,
                           closed=closed, returned=returned, withdrawn=withdrawn)
