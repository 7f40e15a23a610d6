"""Fixtures for the responsibilities tests: a published township list for the personas' county."""

import datetime

import pytest

BASE_ITEMS = [
    dict(code="JB-001", kind="basic", category="governance", title="组织开展网格化管理", keywords="网格,巡查",
         description="划分网格，开展日常巡查", legal_basis="《示范省网格化服务管理条例》第五条", response_hours=24, resolution_days=5),
    dict(code="JB-002", kind="basic", category="governance", title="矛盾纠纷排查化解", keywords="纠纷,调解",
         description="排查化解邻里纠纷"),
    dict(code="PH-001", kind="assisting", category="market", title="配合开展食品安全监督检查", keywords="食品,小餐饮",
         description="发现食品安全隐患告知市场监管局", dept="dept"),
    dict(code="FM-001", kind="negative", category="enforcement", title="占道经营查处", keywords="占道经营,摆摊",
         description="城市道路两侧占道经营的查处", dept="dept_b", response_hours=12, resolution_days=5),
    dict(code="FM-002", kind="negative", category="enforcement", title="违法建设查处", keywords="违建",
         description="未取得规划许可的建设，包括利用违建占道经营的", dept="dept_b"),
    dict(code="FM-003", kind="negative", category="market", title="食品生产经营许可", keywords="食品",
         legal_basis="《中华人民共和国食品安全法》第三十五条", dept="dept"),
]


def item_fields(org, spec):
    spec = dict(spec)
    dept = spec.pop("dept", None)
    spec["department"] = getattr(org, dept) if dept else None
    return spec


def build_list(org, *, code="x-township", items=BASE_ITEMS, publish=True, effective=datetime.date(2026, 1, 1)):
    from governance.models import Level
    from responsibilities import services

    duty_list = services.list_create(
        actor=org.editor, code=code, name="示范县乡镇（街道）履行职责事项清单", level=Level.TOWNSHIP, jurisdiction=org.county
    )
    draft = duty_list.versions.get(number=1)
    for spec in items:
        services.list_item_add(version=draft, actor=org.editor, **item_fields(org, spec))
    if publish:
        services.list_publish(version=draft, actor=org.editor, effective_date=effective)
        draft.refresh_from_db()
    return duty_list, draft


@pytest.fixture
def published(org):
    """(duty_list, version 1 published) with six items across the three kinds."""
    return build_list(org)
