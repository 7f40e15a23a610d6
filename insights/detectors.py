"""The detectors of policy jams (堵点). Each is a named function

    detector(history, thresholds) -> [Draft]

reading one county's case history for one period (load_history: the cases with any event in the period and
their events up to its end, as plain values) and returning what it finds. Thresholds are
settings.INSIGHTS_THRESHOLDS (see config/settings.py for what each means) over DEFAULTS below, overridden per
county by insights.models.CountyThresholds. The item detectors judge cases with a list item; list_gap judges the
cases that matched none; pushed_down_without_means and hot_spot read their figures set-based (SQL aggregation)
from cases, assessment and admission, which know nothing of this app.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cases.audit import CaseAction
from cases.choices import Stage
from cases.deadlines import is_overdue
from cases.models import Case, CaseEvent
from governance.models import Unit
from insights.models import Detector

# The steps by which a case changes hands because whose it is was disputed.
HANDOFFS = {CaseAction.RETURNED, CaseAction.REFUSED_UNADMITTED, CaseAction.DECLINED, CaseAction.REASSIGNED}
ASSIGNMENTS = {CaseAction.ASSIGNED, CaseAction.REASSIGNED}
# The events the item detectors and list_gap read from the history (load_history loads only these: a case's
# reported/resolved/closed rows are most of the log and none of them is read). A detector reading another action
# adds it here.
EVENTS_READ = HANDOFFS | ASSIGNMENTS | {CaseAction.CLAIMED, CaseAction.EXTENSION_REQUESTED, CaseAction.ESCALATED,
                                        CaseAction.OPEN311_RECEIVED}


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
    county: Unit | None = None  # the set-based detectors query the period themselves
    since: datetime | None = None
    until: datetime | None = None

    def by_item(self):
        groups = defaultdict(list)
        for case_id, case in self.cases.items():
            if case.item_code:
                groups[case.item_code].append(case_id)
        return groups

    def title(self, code, case_ids):
        return self.cases[case_ids[0]].item_title or code


# Defaults of the thresholds of the later detectors; settings.INSIGHTS_THRESHOLDS may override any of them.
DEFAULTS = {
    # list_gap: two unmatched cases are alike when their word sets overlap this much (Jaccard) ...
    "gap_similarity": 0.25,
    # ... and a group of alike cases this large suggests a new list item.
    "gap_min_cluster": 3,
    # pushed_down_without_means: signals (refusals 未经准入, exemptions 权责不匹配, resources not arrived) per department.
    "means_min_signals": 3,
    # hot_spot: a body's rate is far from its peers when its robust z-score (median/MAD) is at least this ...
    "hot_spot_z": 3.5,
    # ... and its rate is at least this multiple of the peers' median: where peers agree closely (a large county's
    # townships), the z-score alone makes a hot spot of a small excess (6.0 % against 4.6 % gave z 6.7).
    "hot_spot_min_ratio": 1.5,
    # ... judged only on bodies with this many cases (feedbacks, resolutions) and among this many peers.
    "hot_spot_min_cases": 5,
    "hot_spot_min_peers": 5,
}


def thresholds():
    return {**DEFAULTS, **settings.INSIGHTS_THRESHOLDS}


def period_bounds(start, end):
    """The aware datetimes of [start, end) in the county's (the site's) time zone."""
    tz = timezone.get_current_timezone()
    return datetime.combine(start, time.min, tz), datetime.combine(end, time.min, tz)


def load_history(county, start, end, now=None):
    """One county's cases with any event in [start, end), with their events before `end` that the detectors read
    (EVENTS_READ)."""
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
    history = History(now=min(now, until), cases=cases, county=county, since=since, until=until)
    events = CaseEvent.objects.filter(case_id__in=list(cases), created_at__lt=until, action__in=EVENTS_READ).order_by(
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



# --- list_gap (清单空白) -------------------------------------------------------------------------------------------

UNDECIDED = "undecided"


def _gap_candidates(history):
    """Case ids that matched no list item, or that the routing service answered `undecided` (recorded on the
    Open311 intake event as data.routing_verdict). A withdrawn report is no evidence on either road."""
    live = {pk for pk, case in history.cases.items() if case.state != "withdrawn"}
    ids = {pk for pk in live if not history.cases[pk].item_code}
    for pk in live:
        if any(e.data.get("routing_verdict") == UNDECIDED for e in history.events.get(pk, ())):
            ids.add(pk)
    return sorted(ids)


def _clusters(token_sets, similarity):
    """Single-linkage groups of case ids whose word sets overlap (Jaccard) at least `similarity`; pairs are found
    through an inverted index of the words, so unrelated cases are never compared. Deterministic.

    A month of a large county brings thousands of alike requests (bench/bench_insights.py), so: cases with the same
    word set are one node (Jaccard 1), and a pair already in one group is not compared again — the groups are those
    of comparing every pair."""
    parent = {pk: pk for pk in token_sets}

    def root(pk):
        while parent[pk] != pk:
            parent[pk] = parent[parent[pk]]
            pk = parent[pk]
        return pk

    def join(a, b):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    same = {}
    for pk in sorted(token_sets):
        words = frozenset(token_sets[pk])
        if words in same:
            join(same[words], pk)
        else:
            same[words] = pk
    postings = defaultdict(list)
    for words, pk in same.items():
        for word in words:
            postings[word].append(pk)
    failed = set()
    for word in sorted(postings):
        ids = sorted(postings[word])
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if (a, b) in failed or root(a) == root(b):
                    continue
                sa, sb = token_sets[a], token_sets[b]
                if len(sa & sb) / len(sa | sb) >= similarity:
                    join(a, b)
                else:
                    failed.add((a, b))
    groups = defaultdict(list)
    for pk in sorted(token_sets):
        groups[root(pk)].append(pk)
    return list(groups.values())


def list_gap(history, limits):
    """Cases that matched no list item (or were routed `undecided`) and say the same thing: grouped by the
    routing service's words (routing.text.tokenize) with a Jaccard threshold; a large enough group with words in
    common is a matter no list names — propose a new item."""
    from routing.text import tokenize

    ids = _gap_candidates(history)
    if len(ids) < limits["gap_min_cluster"]:
        return []
    texts = Case.objects.filter(pk__in=ids).values_list("pk", "title", "description")
    token_sets = {pk: set(tokenize(f"{title}\n{description}")) for pk, title, description in texts}
    token_sets = {pk: words for pk, words in token_sets.items() if words}
    drafts = []
    for group in _clusters(token_sets, limits["gap_similarity"]):
        if len(group) < limits["gap_min_cluster"]:
            continue
        counts = Counter(word for pk in group for word in token_sets[pk])
        common = [w for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n * 2 >= len(group)][:6]
        if not common:
            continue
        words = "、".join(common)
        drafts.append(Draft(
            detector=Detector.LIST_GAP, subject_key="gap:" + "|".join(sorted(common[:3])), item_code="",
            item_title=words, weight=float(len(group)),
            summary=_("%(n)s 件案件未能匹配任何清单事项，内容相近（共同词语：%(words)s），说明清单中缺少这类事项，"
                      "建议研究新增一个清单事项并明确责任部门。") % {"n": len(group), "words": words},
            evidence={"case_ids": group, "cases": len(group), "flagged": len(group), "words": common,
                      "examples": group[:3]},
        ))
    return drafts


# --- pushed_down_without_means (未随附资源下沉) ---------------------------------------------------------------------

def _refusals_by_department(history):
    """{department id: {case ids}} of the period's refusals 未经准入, by the department the cited item names."""
    from responsibilities.models import ListItem

    rows = list(CaseEvent.objects.filter(
        case__township__parent=history.county, action=CaseAction.REFUSED_UNADMITTED,
        created_at__gte=history.since, created_at__lt=history.until).values_list("case_id", "data"))
    codes = {(data or {}).get("list_item") for _pk, data in rows} - {None}
    owner = dict(ListItem.objects.filter(code__in=codes, department__isnull=False).order_by("code", "pk")
                 .values_list("code", "department_id"))  # the latest version's department wins
    lead = dict(Case.objects.filter(pk__in=[pk for pk, _d in rows]).values_list("pk", "lead_department_id"))
    out = defaultdict(set)
    for pk, data in rows:
        department = owner.get((data or {}).get("list_item")) or lead.get(pk)
        if department:
            out[department].add(pk)
    return out


def _mismatch_exemptions_by_department(history):
    """{department id: {case ids}} of exemptions granted in the period for 权责不匹配: to the department that asked,
    or, for a township's, to the department of the case's item (or its lead department)."""
    from assessment.models import ExemptionReason, ExemptionRequest

    rows = ExemptionRequest.objects.filter(
        county=history.county, status=ExemptionRequest.Status.APPROVED,
        reason__in=[ExemptionReason.OUTSIDE_LIST, ExemptionReason.NOT_DELEGATED],
        decided_at__gte=history.since, decided_at__lt=history.until,
    ).values_list("case_id", "body_id", "body__kind", "case__list_item__department_id", "case__lead_department_id")
    out = defaultdict(set)
    for case_id, body_id, body_kind, item_department, lead in rows:
        department = body_id if body_kind == "department" else (item_department or lead)
        if department:
            out[department].add(case_id)
    return out


def _missing_resources_by_department(history):
    """{department id: {(admission number, resource, township)}} of admitted duties whose promised resources a
    township reported 未到位 or 部分到位 (as reported by the end of the period)."""
    from admission.models import AdmissionState, ArrivalStatus, ResourceArrival

    rows = ResourceArrival.objects.filter(
        resource__request__county=history.county, resource__request__state=AdmissionState.APPROVED,
        status__in=[ArrivalStatus.MISSING, ArrivalStatus.PARTIAL], updated_at__lt=history.until,
    ).values_list("resource__request__department_id", "resource__request__number", "resource__description",
                  "township__short_name", "township__name")
    out = defaultdict(set)
    for department, number, resource, short_name, name in rows:
        out[department].add((number or "", resource, short_name or name))  # Unit.display_name
    return out


def pushed_down_without_means(history, limits):
    """A department whose duties reach the townships without the means: townships refuse its matters as 未经准入,
    exemptions are granted for 权责不匹配, and the resources promised with its admitted duties did not arrive."""
    refused = _refusals_by_department(history)
    exempted = _mismatch_exemptions_by_department(history)
    missing = _missing_resources_by_department(history)
    departments = sorted(set(refused) | set(exempted) | set(missing))
    _name_units(history, departments)
    drafts = []
    for department in departments:
        r, e, m = refused.get(department, set()), exempted.get(department, set()), missing.get(department, set())
        signals = len(r) + len(e) + len(m)
        if signals < limits["means_min_signals"]:
            continue
        name = history.units.get(department, "")
        drafts.append(Draft(
            detector=Detector.PUSHED_DOWN_WITHOUT_MEANS, subject_key=f"unit:{department}", item_code="",
            item_title=name, unit_id=department, weight=float(signals),
            summary=_("%(dept)s的职责下沉未随附人财物或权限：本期乡镇以“未经准入”拒收 %(refused)s 件，因权责不匹配免责 "
                      "%(exempted)s 件，准入事项资源未到位或部分到位 %(missing)s 项。建议按职责准入规定补齐资源，"
                      "或将事项收回部门办理。") % {"dept": name, "refused": len(r), "exempted": len(e),
                                             "missing": len(m)},
            evidence={"case_ids": sorted(r | e), "refused": sorted(r), "exempted": sorted(e),
                      "resources_missing": [list(x) for x in sorted(m)], "flagged": signals},
        ))
    return drafts


# --- hot_spot -------------------------------------------------------------------------------------------------------

def _median(values):
    ordered = sorted(values)
    n = len(ordered)
    return (ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2) if n else 0.0


def robust_z(value, peers):
    """(value - median) / (1.4826 × MAD) of the peers; when more than half the peers agree exactly (MAD = 0), the
    mean absolute deviation (× 1.2533) stands in for it (Iglewicz & Hoaglin). None when the peers do not vary."""
    median = _median(peers)
    mad = _median([abs(p - median) for p in peers])
    scale = 1.4826 * mad if mad else 1.2533 * sum(abs(p - median) for p in peers) / len(peers)
    return ((value - median) / scale if scale else None), median


def _rates(history, limits):
    """[(body id, kind, metric, rate, numerator, denominator, population)] of the period, from three grouped
    queries (set-based: nothing per case)."""
    from django.db.models import Count, Q

    period = dict(created_at__gte=history.since, created_at__lt=history.until)
    reported = Case.objects.filter(township__parent=history.county, **period).values(
        "township_id", "township__population").annotate(n=Count("pk"))
    events = CaseEvent.objects.filter(case__township__parent=history.county, **period)
    feedback = Q(action__in=[CaseAction.CLOSED, CaseAction.REOPENED])
    figures = dict(
        feedbacks=Count("pk", filter=feedback), unsatisfied=Count("pk", filter=Q(action=CaseAction.REOPENED)),
        resolved=Count("case_id", filter=Q(action=CaseAction.RESOLVED), distinct=True),
        reopened=Count("case_id", filter=Q(action=CaseAction.REOPENED), distinct=True))
    rows = []
    for row in reported:
        if row["township__population"]:
            rows.append((row["township_id"], "township", "whistle", row["n"] * 10000 / row["township__population"],
                         row["n"], row["township__population"]))
    for key, kind in (("case__township_id", "township"), ("case__lead_department_id", "department")):
        for row in events.exclude(**{f"{key}__isnull": True}).values(key).annotate(**figures):
            if row["resolved"] >= limits["hot_spot_min_cases"]:
                rows.append((row[key], kind, "reopen", row["reopened"] / row["resolved"], row["reopened"],
                             row["resolved"]))
            if row["feedbacks"] >= limits["hot_spot_min_cases"]:
                rows.append((row[key], kind, "unsatisfied", row["unsatisfied"] / row["feedbacks"], row["unsatisfied"],
                             row["feedbacks"]))
    return rows


METRIC_SENTENCES = {  # gettext_noop by its own name, which makemessages knows (an alias would not be extracted)
    "whistle": (gettext_noop("万人吹哨率"), gettext_noop("每万名常住人口 %(value).1f 件（%(num)s 件 / %(den)s 人）"),
                gettext_noop("同类单位中位数 %(median).1f 件")),
    "reopen": (gettext_noop("重办率"), gettext_noop("%(pct).0f%%（办结 %(den)s 件中 %(num)s 件被评价不满意重办）"),
               gettext_noop("同类单位中位数 %(mpct).0f%%")),
    "unsatisfied": (gettext_noop("不满意率"), gettext_noop("%(pct).0f%%（%(den)s 次评价中 %(num)s 次不满意）"),
                    gettext_noop("同类单位中位数 %(mpct).0f%%")),
}


def hot_spot(history, limits):
    """A township or department whose whistle rate (cases per 10,000 residents, where the population is known),
    reopen rate or dissatisfaction rate is far above its peers' (robust z-score against the peers' median)."""
    rows = _rates(history, limits)
    by_metric = defaultdict(list)
    for row in rows:
        by_metric[(row[1], row[2])].append(row)
    flagged = []
    for (kind, metric), group in sorted(by_metric.items()):
        if len(group) < limits["hot_spot_min_peers"]:
            continue
        for body, _kind, _metric, value, num, den in group:
            peers = [r[3] for r in group if r[0] != body]
            z, median = robust_z(value, peers)
            if z is not None and z >= limits["hot_spot_z"] and value >= limits["hot_spot_min_ratio"] * median:
                flagged.append((body, kind, metric, value, num, den, z, median))
    _name_units(history, [f[0] for f in flagged])
    drafts = []
    for body, kind, metric, value, num, den, z, median in flagged:
        label, figure, peer = METRIC_SENTENCES[metric]
        values = {"value": value, "pct": value * 100, "num": num, "den": den, "median": median, "mpct": median * 100}
        name = history.units.get(body, "")
        case_ids = _hot_spot_cases(history, body, kind, metric)
        drafts.append(Draft(
            detector=Detector.HOT_SPOT, subject_key=f"unit:{body}|{metric}", item_code="", item_title=name,
            unit_id=body, weight=round(z, 3),
            summary=_("%(name)s的%(label)s为%(figure)s，明显高于%(peer)s（稳健 z 值 %(z).1f），建议了解原因：是否有清单未覆盖的"
                      "集中问题，或办理力量不足。") % {"name": name, "label": _(label), "figure": _(figure) % values,
                                           "peer": _(peer) % values, "z": z},
            evidence={"case_ids": case_ids, "metric": metric, "value": round(value, 4), "peer_median": round(median, 4),
                      "z": round(z, 3), "numerator": num, "denominator": den, "body_kind": kind},
        ))
    return drafts


def _hot_spot_cases(history, body, kind, metric, limit=20):
    """Example cases behind a hot spot: the reopened ones (reopen, dissatisfaction) or the latest reported."""
    if metric == "whistle":
        qs = Case.objects.filter(township_id=body, created_at__gte=history.since, created_at__lt=history.until)
        return sorted(qs.order_by("-created_at", "-pk").values_list("pk", flat=True)[:limit])
    field_name = "case__township_id" if kind == "township" else "case__lead_department_id"
    qs = CaseEvent.objects.filter(action=CaseAction.REOPENED, created_at__gte=history.since,
                                  created_at__lt=history.until, **{field_name: body})
    return sorted(set(qs.values_list("case_id", flat=True)[:limit * 3]))[:limit]


DETECTORS = {
    Detector.DISPUTED_ITEM: disputed_item,
    Detector.WRONG_OWNER: wrong_owner,
    Detector.IMPOSSIBLE_DEADLINE: impossible_deadline,
    Detector.LIST_GAP: list_gap,
    Detector.PUSHED_DOWN_WITHOUT_MEANS: pushed_down_without_means,
    Detector.HOT_SPOT: hot_spot,
}
