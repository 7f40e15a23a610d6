"""What each role can do, shown as tiles on the home page and as links in the header.

URL names belong to the apps that implement them; an entry whose page is not installed is left out.
On the home page a tile also shows the work waiting behind it (`add_tile_counts`): counted over the
very selectors its page lists, so the numbers obey the same access rules, with one aggregate query
per tile (two for the list editor).
"""

from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from governance.models import Role
from governance.selectors import memberships_of

ROLE_TILES = {
    Role.REPORTER: [
        ("cases:report", _("一键上报"), _("发现本级无法解决的问题，向县级吹哨")),
        ("cases:township_list", _("本乡镇事项"), _("查看本乡镇上报事项的办理进度，对办结事项作出评价")),
    ],
    Role.DISPATCHER: [
        ("cases:triage_queue", _("分拨队列"), _("对照清单研判新上报的事项，交办责任部门或退回乡镇")),
        ("cases:search", _("案件查询"), _("按编号、文字、乡镇、部门、状态和日期查找全县事项，导出 Excel")),
    ],
    Role.OFFICER: [
        ("cases:department_queue", _("部门待办"), _("签收（报到）并办理交办给本部门的事项")),
    ],
    Role.SUPERVISOR: [
        ("cases:supervision", _("督办中心"), _("查看辖区内超时、重办的事项，催办和改派")),
        ("cases:search", _("案件查询"), _("按编号、文字、乡镇、部门、状态和日期查找辖区事项，导出 Excel")),
        ("assessment:dashboard", _("考核评价"), _("各部门、乡镇的月度考核、排名与趋势，尽职免责与失职追责")),
    ],
    Role.ASSESSOR: [
        ("assessment:dashboard", _("考核评价"), _("各部门、乡镇的月度考核、排名与趋势，尽职免责与失职追责")),
        ("assessment:exemptions", _("免责审核"), _("审核乡镇、部门的免责申请")),
    ],
    Role.EDITOR: [
        ("responsibilities:editor_index", _("清单编辑"), _("编辑责任清单草稿、导入、预览差异并发布")),
    ],
    Role.ADMISSION_REVIEWER: [
        ("admission:index", _("职责准入审查"), _("审查部门下放职责的申请：合法性、冲突、资源匹配，征求乡镇意见后决定")),
        ("admission:registry", _("准入登记簿"), _("按部门、状态、乡镇查阅准入申请和各部门统计，导出 Excel")),
    ],
}
# Tiles offered to a role only in some units: (role, predicate(unit), tile). A department officer may
# propose duties for townships; a township's staff comment on them and report whether resources arrived.
UNIT_TILES = [
    (Role.OFFICER, lambda unit: unit.is_department,
     ("admission:index", _("职责准入申请"), _("向乡镇（街道）下放职责须经准入，并随附人员、经费、权限和装备"))),
    (Role.REPORTER, lambda unit: unit.is_township,
     ("admission:index", _("准入事项与资源"), _("对拟下放的职责提出意见，反馈随附资源是否到位"))),
]
def _insights_reads(unit):
    from insights.permissions import membership_unit_reads

    return membership_unit_reads(unit)


# 政策堵点 (insights.permissions): supervisors and list editors of a county government or a level above it.
_INSIGHTS_TILE = ("insights:index", _("政策堵点"), _("从案件的退回、改派、延期中发现清单职责不清、牵头部门有误、时限难以完成的事项"))
UNIT_TILES += [
    (role, _insights_reads, _INSIGHTS_TILE)
    for role in (Role.SUPERVISOR, Role.EDITOR)
]
# 清单修订建议 (insights.permissions): a township sees the proposals its cases are evidence for; a department the
# findings about it, from which it may propose.
UNIT_TILES += [
    (Role.REPORTER, lambda unit: unit.is_township,
     ("insights:proposals", _("清单修订建议"), _("本乡镇上报的案件作为证据的清单修订建议及其处理情况"))),
    (Role.OFFICER, lambda unit: unit.is_department,
     ("insights:proposals", _("堵点与清单修订"), _("涉及本部门的堵点，据此提出清单修订建议并跟踪处理情况"))),
]
PUBLIC_TILES = [
    ("responsibilities:index", _("责任清单公开"), _("查阅各级公布的责任清单和负面清单")),
    ("routing:lookup", _("这件事归谁管？"), _("输入事项，查询负责的单位")),
    ("admission:public_register", _("已准入事项公示"), _("下放到乡镇的职责及随附的人员、经费和权限")),
    ("assessment:public", _("考核结果公开"), _("各部门已确认月份的受理、按时办结和满意情况")),
]


def resolve_tiles(specs):
    tiles, seen = [], set()
    for name, title, description in specs:
        if name in seen:  # a page two of the user's roles lead to is shown once, with the first role's words
            continue
        seen.add(name)
        try:
            tiles.append({"url": reverse(name), "title": title, "description": description, "name": name})
        except NoReverseMatch:
            continue
    return tiles


def _dedupe(specs):
    seen, out = set(), []
    for spec in specs:
        if spec[0] not in seen:
            seen.add(spec[0])
            out.append(spec)
    return out


def role_tiles(user):
    """Tiles for every role the user holds, once each, in the fixed order of ROLE_TILES (a person
    who reports and supervises always sees reporting first, whatever order they were granted in)."""
    memberships = memberships_of(user)
    roles = {membership.role for membership in memberships}
    specs = []
    for role, role_specs in ROLE_TILES.items():
        if role not in roles:
            continue
        specs += role_specs
        specs += [spec for unit_role, applies, spec in UNIT_TILES
                  if unit_role == role and any(m.role == role and applies(m.unit) for m in memberships)]
    return resolve_tiles(_dedupe(specs))


def public_tiles():
    return resolve_tiles(PUBLIC_TILES)


# --- Pending work on the home tiles ---------------------------------------------------------------


def _count(count, label, tone="info", search=""):
    """One count on a tile; `search` is the case search's query string listing exactly those cases
    (cases:search, cases.search.CaseSearchFilter), so every number on the home page is a link."""
    url = ""
    if search:
        try:
            url = reverse("cases:search") + "?" + search
        except NoReverseMatch:
            url = ""
    return {"count": count, "label": label, "tone": tone, "url": url}


def _township_counts(user, now):
    from cases.models import OPEN_STATES, CaseState
    from cases.selectors import township_cases

    totals = township_cases(user).order_by().aggregate(
        feedback=Count("pk", filter=Q(state=CaseState.RESOLVED)),
        info=Count("pk", filter=Q(state__in=OPEN_STATES, info_requested_at__isnull=False)),
    )
    return [
        _count(totals["feedback"], _("件待评价"), "action", "state=resolved"),
        _count(totals["info"], _("件待补充材料"), "action", "info_pending=true"),
    ]


def _triage_counts(user, now):
    from cases.deadlines import overdue_q
    from cases.selectors import triage_queue

    totals = triage_queue(user).order_by().aggregate(waiting=Count("pk"), overdue=Count("pk", filter=overdue_q(now)))
    queue = "state=reported&state=triaged&sort=created_at"
    return [_count(totals["waiting"], _("件待研判"), "action", queue),
            _count(totals["overdue"], _("件已超时"), "danger", queue + "&overdue=true")]


def _department_counts(user, now):
    from cases.deadlines import overdue_q
    from cases.selectors import department_queue

    totals = department_queue(user).order_by().aggregate(
        unclaimed=Count("pk", filter=Q(claimed_at__isnull=True)), overdue=Count("pk", filter=overdue_q(now))
    )
    return [_count(totals["unclaimed"], _("件待签收"), "action", "claimed=false&sort=due_at"),
            _count(totals["overdue"], _("件已超时"), "danger", "state=assigned&overdue=true&sort=due_at")]


def _supervision_counts(user, now):
    from cases.deadlines import overdue_q
    from cases.models import OPEN_STATES
    from cases.selectors import supervision_list

    totals = supervision_list(user).order_by().aggregate(
        overdue=Count("pk", filter=overdue_q(now)),
        flagged=Count("pk", filter=Q(state__in=OPEN_STATES, flagged_at__isnull=False)),
    )
    return [_count(totals["overdue"], _("件已超时"), "danger", "overdue=true&sort=due_at"),
            _count(totals["flagged"], _("件已转督办"), "danger", "flagged=true")]


def _editor_counts(user, now):
    from responsibilities.selectors import editable_lists

    drafts = sum(1 for duty_list in editable_lists(user) if duty_list.draft is not None)
    return [_count(drafts, ngettext("份草稿未发布", "份草稿未发布", drafts), "action")]


def _exemption_counts(user, now):
    from assessment.models import ExemptionRequest
    from assessment.permissions import counties_for

    county_ids = [pk for pk, viewer in counties_for(user).items() if viewer.reviewer]
    totals = ExemptionRequest.objects.filter(county_id__in=county_ids, status=ExemptionRequest.Status.PENDING).aggregate(
        waiting=Count("pk"), late=Count("pk", filter=Q(due_at__lt=now)))
    return [_count(totals["waiting"], _("件免责申请待审核"), "action"), _count(totals["late"], _("件已超时"), "danger")]


def _admission_counts(user, now):
    from admission.selectors import waiting_counts

    return [_count(n, label, tone) for n, label, tone in waiting_counts(user, now)]


TILE_COUNTS = {
    "assessment:exemptions": _exemption_counts,
    "admission:index": _admission_counts,
    "cases:township_list": _township_counts,
    "cases:triage_queue": _triage_counts,
    "cases:department_queue": _department_counts,
    "cases:supervision": _supervision_counts,
    "responsibilities:editor_index": _editor_counts,
}


def add_tile_counts(user, tiles):
    """Give each tile whose page lists work its `counts`: [{count, label, tone}], tone being "action"
    (waits for this user) or "danger" (late or flagged); a zero is shown too, so "nothing waits" is
    visible at a glance. Returns the tiles."""
    now = timezone.now()
    for tile in tiles:
        counter = TILE_COUNTS.get(tile.get("name"))
        if counter is not None:
            tile["counts"] = counter(user, now)
    return tiles
