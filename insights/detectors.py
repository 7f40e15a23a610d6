"""The detectors of policy jams (堵点). Each is a named function

    detector(history, thresholds) -> [Draft]

reading one county's case history for one period (load_history: the cases with any event in the period and
their events up to its end, as plain values) and returning what it finds. Thresholds are
settings.INSIGHTS_THRESHOLDS (see config/settings.py for what each means). Cases that match no list item are
not judged here (that is the list-gap detector, still to be built).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import CaseAction
from cases.choices import Stage
from cases.deadlines import is_overdue
from cases.models import Case, CaseEvent
from governance.models import Unit
from insights.models import Detector

# The steps by which a case changes hands because whose it is was disputed.
HANDOFFS = {CaseAction.RETURNED, CaseAction.REFUSED_UNADMITTED, CaseAction.DECLINED, CaseAction.REASSIGNED}
ASSIGNMENTS = {CaseAction.ASSIGNED, CaseAction.REASSIGNED}


@dataclass
class Draft:
    detector: str
    subject_key: str
    item_code: str
    item_title: str
    weight: float
    summary: str
    evidence: dict
    unit_id: int | None = None


@dataclass
class History:
    now: datetime
    cases: dict  # case id -> SimpleNamespace(item_code, item_title, state, stage, due_at, paused_at)
    events: dict = field(default_factory=dict)  # case id -> [SimpleNamespace(action, unit_id, data, at)], in order
    units: dict = field(default_factory=dict)  # unit id -> display name (filled for the departments named)

    def by_item(self):
        groups = defaultdict(list)
        for case_id, case in self.cases.items():
            if case.item_code:
                groups[case.item_code].append(case_id)
        return groups

    def title(self, code, case_ids):
        return self.cases[case_ids[0]].item_title or code


def thresholds():
    return dict(settings.INSIGHTS_THRESHOLDS)


def period_bounds(start, end):
    """The aware datetimes of [start, end) in the county's (the site's) time zone."""
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tz), datetime.combine(end, time.min, tz)


def load_history(county, start, end, now=None):
    """One county's cases with any event in [start, end), with all their events before `end`."""
    since, until = period_bounds(start, end)
    now = now or timezone.now()
    in_period = CaseEvent.objects.filter(
        case__township__parent=county, created_at__gte=since, created_at__lt=until).values("case_id")
    cases = {}
    for row in Case.objects.filter(pk__in=in_period).values(
            "pk", "list_item__code", "list_item__title", "state", "stage", "due_at", "paused_at"):
        cases[row["pk"]] = SimpleNamespace(item_code=row["list_item__code"] or "",
                                           item_title=row["list_item__title"] or "", state=row["state"],
                                           stage=row["stage"], due_at=row["due_at"], paused_at=row["paused_at"])
    history = History(now=min(now, until), cases=cases)
    events = CaseEvent.objects.filter(case_id__in=list(cases), created_at__lt=until).order_by(
        "case_id", "created_at", "pk").values_list("case_id", "action", "actor_unit_id", "data", "created_at")
    for case_id, action, unit_id, data, at in events.iterator(chunk_size=5000):
        history.events.setdefault(case_id, []).append(SimpleNamespace(action=action, unit_id=unit_id,
                                                                      data=data or {}, at=at))
    return history


def _name_units(history, ids):
    missing = [pk for pk in ids if pk is not None and pk not in history.units]
    for unit in Unit.objects.filter(pk__in=missing):
        history.units[unit.pk] = unit.display_name


def _share(part, whole):
    return round(part / whole, 3) if whole else 0.0


def disputed_item(history, limits):
    """An item whose cases keep changing hands (returned to the township, refused, declined by the department,
    reassigned): the list does not say clearly whose the matter is."""
    drafts = []
    for code, case_ids in history.by_item().items():
        if len(case_ids) < limits["min_cases"]:
            continue
        counts = {pk: sum(e.action in HANDOFFS for e in history.events.get(pk, ())) for pk in case_ids}
        disputed = sorted(pk for pk, n in counts.items() if n >= limits["disputed_handoffs_per_case"])
        share = _share(len(disputed), len(case_ids))
        if not disputed or share < limits["disputed_share"]:
            continue
        title = history.title(code, case_ids)
        actions = Counter(e.action for pk in disputed for e in history.events.get(pk, ()) if e.action in HANDOFFS)
        drafts.append(Draft(
            detector=Detector.DISPUTED_ITEM, subject_key=f"item:{code}", item_code=code, item_title=title,
            weight=round(len(disputed) * share, 3),
            summary=_("“%(item)s”的 %(total)s 件案件中有 %(n)s 件被反复退回、拒收、退办或改派，说明清单未讲清该事项由谁负责，"
                      "建议修订该事项的职责表述或归属。") % {"item": title, "total": len(case_ids), "n": len(disputed)},
            evidence={"case_ids": disputed, "cases": len(case_ids), "flagged": len(disputed), "share": share,
                      "actions": dict(actions)},
        ))
    return drafts


def _passed_on(events):
    """(from department, to department) for each time a department declined a case or had it reassigned away."""
    moves, declined_by = [], None
    for event in events:
        if event.action == CaseAction.DECLINED:
            declined_by = event.data.get("department")
        elif event.action == CaseAction.ASSIGNED and declined_by is not None:
            moves.append((declined_by, event.data.get("lead_department")))
            declined_by = None
        elif event.action == CaseAction.REASSIGNED:
            source = event.data.get("from_department") or declined_by
            moves.append((source, event.data.get("to_department")))
            declined_by = None
    return [(a, b) for a, b in moves if a and b and a != b]


def wrong_owner(history, limits):
    """An item whose cases one department keeps passing (declining, or having them reassigned) to the same other
    department: the owner named in the list is probably the wrong one."""
    drafts = []
    for code, case_ids in history.by_item().items():
        passed = defaultdict(lambda: defaultdict(set))  # from -> to -> case ids
        for pk in case_ids:
            for source, target in _passed_on(history.events.get(pk, ())):
                passed[source][target].add(pk)
        for source, targets in passed.items():
            all_cases = set().union(*targets.values())
            target, cases = max(targets.items(), key=lambda kv: (len(kv[1]), -kv[0]))
            share = _share(len(cases), len(all_cases))
            if len(cases) < limits["wrong_owner_cases"] or share < limits["wrong_owner_share"]:
                continue
            _name_units(history, [source, target])
            title = history.title(code, case_ids)
            drafts.append(Draft(
                detector=Detector.WRONG_OWNER, subject_key=f"item:{code}|unit:{source}", item_code=code,
                item_title=title, unit_id=source, weight=round(len(cases) * share, 3),
                summary=_("“%(item)s”的案件中有 %(n)s 件由%(source)s退回或改派给%(target)s办理，建议研究将该事项的牵头部门"
                          "调整为%(target)s。") % {"item": title, "n": len(cases), "source": history.units.get(source, ""),
                                               "target": history.units.get(target, "")},
                evidence={"case_ids": sorted(cases), "cases": len(all_cases), "flagged": len(cases), "share": share,
                          "from_department": source, "to_department": target,
                          "to_department_name": history.units.get(target, "")},
            ))
    return drafts


def _claimed_at_once(events, hours):
    """The time of the case's first claim made within `hours` of its (re)assignment, or None."""
    assigned_at = None
    for event in events:
        if event.action in ASSIGNMENTS:
            assigned_at = event.at
        elif event.action == CaseAction.CLAIMED and assigned_at is not None:
            if event.at - assigned_at <= timedelta(hours=hours):
                return event.at
            assigned_at = None
    return None


def _struggled(case, events, claimed_at, now):
    """After the claim: an extension was asked for, the resolution deadline was missed (escalated), or it is overdue now."""
    for event in events:
        if event.at < claimed_at:
            continue
        if event.action == CaseAction.EXTENSION_REQUESTED:
            return True
        if event.action == CaseAction.ESCALATED and event.data.get("stage") == Stage.RESOLUTION:
            return True
    return case.stage == Stage.RESOLUTION and is_overdue(case, now)


def impossible_deadline(history, limits):
    """An item whose cases, even when the department claims them at once, mostly need an extension or miss the
    resolution deadline: the time limit is too short, or the means are missing."""
    drafts = []
    for code, case_ids in history.by_item().items():
        prompt = {}
        for pk in case_ids:
            claimed_at = _claimed_at_once(history.events.get(pk, ()), limits["prompt_claim_hours"])
            if claimed_at is not None:
                prompt[pk] = claimed_at
        if len(prompt) < limits["min_cases"]:
            continue
        late = sorted(pk for pk, at in prompt.items()
                      if _struggled(history.cases[pk], history.events.get(pk, ()), at, history.now))
        share = _share(len(late), len(prompt))
        if not late or share < limits["deadline_struggle_share"]:
            continue
        title = history.title(code, case_ids)
        drafts.append(Draft(
            detector=Detector.IMPOSSIBLE_DEADLINE, subject_key=f"item:{code}", item_code=code, item_title=title,
            weight=round(len(late) * share, 3),
            summary=_("“%(item)s”的案件即使及时签收，%(total)s 件中仍有 %(n)s 件需要延期或超过办结时限，建议延长该事项的办理时限"
                      "或补充人员、经费。") % {"item": title, "total": len(prompt), "n": len(late)},
            evidence={"case_ids": late, "cases": len(prompt), "flagged": len(late), "share": share},
        ))
    return drafts


DETECTORS = {
    Detector.DISPUTED_ITEM: disputed_item,
    Detector.WRONG_OWNER: wrong_owner,
    Detector.IMPOSSIBLE_DEADLINE: impossible_deadline,
}
