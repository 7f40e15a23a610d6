"""What each role can do, shown as tiles on the home page and as links in the header.

URL names belong to the apps that implement them; an entry whose page is not installed is left out.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

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
    ("responsibilities:lookup", _("这件事归谁管？"), _("输入事项，查询负责的单位")),
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
