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
    ],
    Role.OFFICER: [
        ("cases:department_queue", _("部门待办"), _("签收（报到）并办理交办给本部门的事项")),
    ],
    Role.SUPERVISOR: [
        ("cases:supervision", _("督办中心"), _("查看辖区内超时、重办的事项，催办和改派")),
    ],
    Role.EDITOR: [
        ("responsibilities:editor_index", _("清单编辑"), _("编辑责任清单草稿、导入、预览差异并发布")),
    ],
}
PUBLIC_TILES = [
    ("responsibilities:index", _("责任清单公开"), _("查阅各级公布的责任清单和负面清单")),
    ("routing:lookup", _("这件事归谁管？"), _("输入事项，查询负责的单位")),
]


def resolve_tiles(specs):
    tiles = []
    for name, title, description in specs:
        try:
            tiles.append({"url": reverse(name), "title": title, "description": description, "name": name})
        except NoReverseMatch:
            continue
    return tiles


def role_tiles(user):
    """Tiles for every role the user holds, once each, in the fixed order of ROLE_TILES (a person
    who reports and supervises always sees reporting first, whatever order they were granted in)."""
    roles = {membership.role for membership in memberships_of(user)}
    return resolve_tiles([spec for role, specs in ROLE_TILES.items() if role in roles for spec in specs])


def public_tiles():
    return resolve_tiles(PUBLIC_TILES)


# --- Pending work on the home tiles ---------------------------------------------------------------


def _count(count, label, tone="info"):
    return {"count": count, "label": label, "tone": tone}


def _township_counts(user, now):
    from cases.models import OPEN_STATES, CaseState
    from cases.selectors import township_cases

    totals = township_cases(user).order_by().aggregate(
        feedback=Count("pk", filter=Q(state=CaseState.RESOLVED)),
        info=Count("pk", filter=Q(state__in=OPEN_STATES, info_requested_at__isnull=False)),
    )
    return [
        _count(totals["feedback"], _("件待评价"), "action"),
        _count(totals["info"], _("件待补充材料"), "action"),
    ]


def _triage_counts(user, now):
    from cases.deadlines import overdue_q
    from cases.selectors import triage_queue

    totals = triage_queue(user).order_by().aggregate(waiting=Count("pk"), overdue=Count("pk", filter=overdue_q(now)))
    return [_count(totals["waiting"], _("件待研判"), "action"), _count(totals["overdue"], _("件已超时"), "danger")]


def _department_counts(user, now):
    from cases.deadlines import overdue_q
    from cases.selectors import department_queue

    totals = department_queue(user).order_by().aggregate(
        unclaimed=Count("pk", filter=Q(claimed_at__isnull=True)), overdue=Count("pk", filter=overdue_q(now))
    )
    return [_count(totals["unclaimed"], _("件待签收"), "action"), _count(totals["overdue"], _("件已超时"), "danger")]


def _supervision_counts(user, now):
    from cases.deadlines import overdue_q
    from cases.models import OPEN_STATES
    from cases.selectors import supervision_list

    totals = supervision_list(user).order_by().aggregate(
        overdue=Count("pk", filter=overdue_q(now)),
        flagged=Count("pk", filter=Q(state__in=OPEN_STATES, flagged_at__isnull=False)),
    )
    return [_count(totals["overdue"], _("件已超时"), "danger"), _count(totals["flagged"], _("件已转督办"), "danger")]


def _editor_counts(user, now):
    from responsibilities.selectors import editable_lists

    drafts = sum(1 for duty_list in editable_lists(user) if duty_list.draft is not None)
    return [_count(drafts, ngettext("份草稿未发布", "份草稿未发布", drafts), "action")]


TILE_COUNTS = {
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
