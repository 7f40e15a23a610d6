"""The automatic exemption rules of 尽职免责, one named function each (issue 11).

Each rule reads one case's audit trail (CaseEvent rows, oldest first) and its row, and says how a body's
figures must treat the case. They are pure functions: assessment.facts applies them, the tests call them.

Event actions are cases.audit.CaseAction (the values stored in CaseEvent.action);
`case.refused_unadmitted` is the refusal 未经准入 of the admission work (issue 12).
"""

from dataclasses import dataclass

from cases.audit import CaseAction

# The refusal 未经准入 of the admission work (issue 12); the agreed stored value, whether or not the enum has it yet.
REFUSED_UNADMITTED = getattr(CaseAction, "REFUSED_UNADMITTED", "case.refused_unadmitted")
INFO_REQUESTED = CaseAction.INFO_REQUESTED
INFO_ANSWERED = CaseAction.INFO_ANSWERED
ASSIGNED = CaseAction.ASSIGNED
REASSIGNED = CaseAction.REASSIGNED

# Exemption codes stored on a fact (CaseFact.exempt_code) and shown beside every figure.
EXEMPT_UNADMITTED = "auto:refused_unadmitted"
EXEMPT_NEGATIVE_LIST = "auto:negative_list"
EXEMPT_LEAD_FAILED = "auto:lead_failed_on_assisting_item"
REQUEST_PREFIX = "request:"


@dataclass(frozen=True)
class Interval:
    start: object
    end: object


def refused_unadmitted(events):
    """未经准入: a case refused because it never passed admission counts against nobody."""
    return EXEMPT_UNADMITTED if any(e.action == REFUSED_UNADMITTED for e in events) else ""


def township_negative_list(case):
    """A matter on the negative list (上级部门收回事项) is not the township's to answer for."""
    return EXEMPT_NEGATIVE_LIST if case.item_kind == "negative" else ""


def township_lead_failed(case, lead_missed):
    """A 配合履职事项 (the township only assists) whose lead department missed its deadline: the township
    is not marked down for the lead's failure."""
    return EXEMPT_LEAD_FAILED if case.item_kind == "assisting" and lead_missed else ""


def paused_intervals(events, now):
    """Time the clock stood still waiting for the township's answer (补充材料): a department is not marked
    down for it. The deadlines already move by it (cases.deadlines.resume); this takes it out of the
    department's stage times as well. An unanswered request runs to `now`."""
    intervals, started = [], None
    for e in events:
        if e.action == INFO_REQUESTED and started is None:
            started = e.created_at
        elif e.action == INFO_ANSWERED and started is not None:
            intervals.append(Interval(started, e.created_at))
            started = None
    if started is not None:
        intervals.append(Interval(started, now))
    return intervals


def department_clock_start(events, department_id):
    """A case reassigned to a department late: its clock starts at its own assignment (the last
    assigned/reassigned event naming it), not at the report or the first assignment."""
    start = None
    for e in events:
        data = e.data or {}
        if e.action == ASSIGNED and data.get("lead_department") == department_id:
            start = e.created_at
        elif e.action == REASSIGNED and data.get("to_department") == department_id:
            start = e.created_at
    return start


def township_held_hours(fact):
    """The only time counted against a township: its feedback and its answers to information requests.
    Time a department or the dispatch centre held the case is theirs, never the township's."""
    return (fact.feedback_hours or 0.0) + (fact.info_answer_hours or 0.0)


def exempt_label(code):
    """Human reason of an exemption code, for the figures, the exports and the snapshot."""
    from django.utils.translation import gettext as _

    from assessment.models import ExemptionReason

    labels = {
        EXEMPT_UNADMITTED: _("自动免责：未经准入被拒收"),
        EXEMPT_NEGATIVE_LIST: _("自动免责：负面清单事项"),
        EXEMPT_LEAD_FAILED: _("自动免责：配合事项牵头部门未按时办理"),
    }
    if code.startswith(REQUEST_PREFIX):
        reason = code[len(REQUEST_PREFIX):]
        return _("免责申请已批准：%(reason)s") % {"reason": ExemptionReason(reason).label if reason in
                                                  ExemptionReason.values else reason}
    return labels.get(code, code)
