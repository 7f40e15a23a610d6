"""The case vocabulary: states, stages, urgencies, channels and ratings (no models, no imports of cases).

cases.models, cases.deadlines and everything else import these from here, so deadlines (which the
transitions on Case call) never needs cases.models.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseState(models.TextChoices):
    REPORTED = "reported", _("已上报")
    TRIAGED = "triaged", _("研判中")
    ASSIGNED = "assigned", _("已交办")
    RESOLVED = "resolved", _("已办结")
    CLOSED = "closed", _("已结案")
    RETURNED = "returned", _("已退回（属本级职责）")
    WITHDRAWN = "withdrawn", _("已撤回")


# States in which a case is still someone's work and its deadline runs.
# Used by the partial index below and by the deadline sweep.
OPEN_STATES = [CaseState.REPORTED, CaseState.TRIAGED, CaseState.ASSIGNED, CaseState.RESOLVED]


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")


class Channel(models.TextChoices):
    STAFF = "staff", _("基层发现")
    RESIDENT = "resident", _("群众点单")
    OPEN311 = "open311", _("外部系统接入")


class Stage(models.TextChoices):
    """Whose clock is running: the stage a deadline belongs to."""

    TRIAGE = "triage", _("分拨研判")
    RESPONSE = "response", _("部门签收")
    RESOLUTION = "resolution", _("部门办结")
    FEEDBACK = "feedback", _("乡镇反馈")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")
