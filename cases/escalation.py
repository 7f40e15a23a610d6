"""The deadline sweep (督办升级): warnings before a deadline, escalation up the chain after it.

cases.tasks.sweep_deadlines calls sweep() every DEADLINE_SWEEP_SECONDS from Celery beat.

Who hears what:
    warning (预警, at warn_at)       the people who must act: triage -> the dispatch centre's
                                    dispatchers; response -> the lead department's officers;
                                    resolution -> the officer who claimed it (else the officers);
                                    feedback -> the reporter (else the township's reporters)
    escalation level N             the supervisors of chain[N-1], where chain is the responsible
                                    unit followed by its ancestors: triage -> dispatch centre,
                                    county, city, ...; response/resolution -> lead department,
                                    county, city, ...; feedback -> township, county, city, ...
                                    A unit without supervisors hands its turn to the next unit up
                                    that has some, so an escalation never goes unheard.
Level 1 comes when due_at passes; level N+1 comes ESCALATION_STEP_HOURS after level N, until
the top of the chain (then next_escalation_at is cleared).

Why it is safe (the database is the source of truth, not the queue):
  1. Each batch is one transaction that locks its rows with SELECT … FOR UPDATE SKIP LOCKED, so two
     sweeps at once (two workers, two beats) take disjoint rows; PostgreSQL re-evaluates the WHERE
     on a row that changed before we locked it, and we re-check every row again in Python.
  2. The level is raised by compare-and-set (UPDATE … WHERE escalation_level = old), the audit
     events and the in-app notifications are inserted in the same transaction: a worker killed
     mid-batch rolls all of it back and the next run does the batch again.
  3. Notifications carry a dedupe_key per case, stage start, level and recipient: a repeat cannot
     notify twice. Each is written as a pending email of the outbox (governance.outbox) in the same
     transaction; the outbox task sends it exactly once, whether or not the after-commit kick
     reached the broker.
  4. The same semantics on both databases. PostgreSQL: one UPDATE … WHERE id IN (SELECT … FOR
     UPDATE SKIP LOCKED) RETURNING raises a batch, multi-row INSERTs write its events and
     notifications. SQLite (the embedded `make run`): the transaction is BEGIN IMMEDIATE, so sweeps
     are serialised by the database's write lock; the batch is selected, raised by compare-and-set
     per level and written with bulk_create. tests/cases/test_sweep_sqlite.py runs the sweep tests
     on SQLite.
"""

import functools
import json
import logging
import time
from datetime import timedelta
from types import SimpleNamespace

from django.conf import settings
from django.db import connection, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.audit import CaseAction
from cases.models import OPEN_STATES, Case, CaseEvent, Stage
from governance.models import Notification, Role, Unit, UnitKind

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
MAX_BATCHES = 200  # per run and per kind of work; the next run continues
ESCALATION_KIND = CaseAction.ESCALATED.value
WARNING_KIND = CaseAction.DEADLINE_WARNING.value

STAGE_LABELS = {
    Stage.TRIAGE: "分拨研判",
    Stage.RESPONSE: "部门签收",
    Stage.RESOLUTION: "部门办结",
    Stage.FEEDBACK: "乡镇反馈",
}


def step():
    return timedelta(hours=settings.CASE_DEADLINES["escalation_step_hours"])


_PLACEHOLDER = 987654321


@functools.cache
def _case_url_pattern():
    try:
        return reverse("cases:detail", args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")
    except NoReverseMatch:  # the case page is routed by the cases app; keep the link meaningful
        return "/cases/{}/"


def case_url(case_id):
    """The case page's path: reversed once per process, then formatted (a sweep links thousands of cases)."""
    return _case_url_pattern().format(case_id)


def _clock_key(case):
    """Identifies one run of one stage's clock (a stage entered again is a new clock)."""
    started = case.stage_started_at.isoformat() if case.stage_started_at else "-"
    return f"case:{case.pk}:{case.stage}:{started}"


class Directory:
    """Units and people looked up during one sweep, each at most once (a fixed number of queries per batch)."""

    def __init__(self):
        self.units = {}
        self.dispatch_by_parent = {}
        self.people = {}  # (unit_id, role) -> [users]

    def load_units(self, ids):
        missing = {i for i in ids if i and i not in self.units}
        if missing:
            found = list(Unit.objects.filter(pk__in=missing))
            ancestor_ids = {a for u in found for a in u.ancestor_ids()} - self.units.keys() - missing
            found += list(Unit.objects.filter(pk__in=ancestor_ids))
            self.units.update({u.pk: u for u in found})

    def load_dispatch_centres(self, parent_ids):
        missing = {p for p in parent_ids if p and p not in self.dispatch_by_parent}
        if missing:
            for parent_id in missing:
                self.dispatch_by_parent[parent_id] = None
            for unit in Unit.objects.filter(parent_id__in=missing, kind=UnitKind.DISPATCH, is_active=True).order_by(
                "sort_order", "pk"
            ):
                if self.dispatch_by_parent[unit.parent_id] is None:
                    self.dispatch_by_parent[unit.parent_id] = unit
                    self.units[unit.pk] = unit

    def prepare(self, cases):
        self.load_units({c.township_id for c in cases} | {c.lead_department_id for c in cases}
                        | {c.dispatch_centre_id for c in cases})
        self.load_dispatch_centres({self.units[c.township_id].parent_id for c in cases
                                    if c.stage == Stage.TRIAGE and not c.dispatch_centre_id})

    def responsible_unit(self, case):
        township = self.units[case.township_id]
        if case.stage == Stage.TRIAGE:
            if case.dispatch_centre_id:
                return self.units[case.dispatch_centre_id]
            return self.dispatch_by_parent.get(township.parent_id) or self.units.get(township.parent_id) or township
        if case.stage in (Stage.RESPONSE, Stage.RESOLUTION) and case.lead_department_id:
            return self.units[case.lead_department_id]
        return township

    def chain(self, case):
        unit = self.responsible_unit(case)
        return [unit] + [self.units[pk] for pk in reversed(unit.ancestor_ids()) if pk in self.units]

    def members(self, units, role):
        from django.contrib.auth import get_user_model

        missing = [u.pk for u in units if (u.pk, role) not in self.people]
        if missing:
            for pk in missing:
                self.people[(pk, role)] = []
            users = (
                get_user_model().objects.filter(
                    memberships__unit_id__in=missing, memberships__role=role, memberships__is_active=True,
                    is_active=True,
                ).values_list("memberships__unit_id", "pk").distinct()
            )
            for unit_id, user_id in users:
                self.people[(unit_id, role)].append(user_id)
        return {u.pk: self.people[(u.pk, role)] for u in units}

    def prepare_people(self, cases, *, role_for):
        by_role = {}
        for case in cases:
            for units, role in role_for(case):
                by_role.setdefault(role, set()).update(units)
        for role, units in by_role.items():
            self.members(list(units), role)


# --- Recipients -------------------------------------------------------------------------------


def _escalation_targets(directory, case, level):
    """(nominal unit, unit actually notified, supervisor ids) for escalation `level` (1-based)."""
    chain = directory.chain(case)
    nominal = chain[min(level, len(chain)) - 1]
    for unit in chain[min(level, len(chain)) - 1:]:
        ids = directory.people.get((unit.pk, Role.SUPERVISOR))
        if ids is None:
            ids = directory.members([unit], Role.SUPERVISOR)[unit.pk]
        if ids:
            return nominal, unit, ids
    return nominal, None, []


def _warning_units(directory, case):
    """[(units, role)] whose members must act on the running stage."""
    township = directory.units[case.township_id]
    if case.stage == Stage.TRIAGE:
        return [([directory.responsible_unit(case)], Role.DISPATCHER)]
    if case.stage in (Stage.RESPONSE, Stage.RESOLUTION) and case.lead_department_id:
        return [([directory.units[case.lead_department_id]], Role.OFFICER)]
    return [([township], Role.REPORTER)]


def _warning_recipients(directory, case):
    if case.stage == Stage.RESOLUTION and case.claimed_by_id:
        return [case.claimed_by_id]
    if case.stage == Stage.FEEDBACK and case.reporter_id:
        return [case.reporter_id]
    ids = []
    for units, role in _warning_units(directory, case):
        for unit_ids in directory.members(units, role).values():
            ids += unit_ids
    return ids


def _notifications(case, kind, title, body, key, user_ids):
    url = case_url(case.pk)
    return [
        (uid, kind, title[:200], body, url, f"case:{case.pk}", f"{key}:u{uid}")
        for uid in dict.fromkeys(user_ids)
    ]


def _postgres():
    return connection.vendor == "postgresql"


_NOTIFICATION_COLUMNS = ["recipient_id", "kind", "title", "body", "url", "subject", "dedupe_key"]


def _insert_notifications(rows, now):
    """Bulk counterpart of governance.services.notification_send (same dedupe_key scheme): inserts what
    is new (a row whose dedupe_key exists is left alone) as pending emails of the outbox, and kicks the
    outbox after commit. rows: (recipient_id, kind, title, body, url, subject, dedupe_key)."""
    if not rows:
        return
    if _postgres():
        # One statement per batch: the columns travel as arrays (unnest), the constants once.
        table = Notification._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (recipient_id, kind, title, body, url, subject, dedupe_key, created_at, "  # noqa: S608
                "email_pending, email_attempts) "
                "SELECT r, k, t, b, u, s, d, %s, true, 0 FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], "
                "%s::text[], %s::text[], %s::text[]) AS rows(r, k, t, b, u, s, d) "
                "ON CONFLICT (dedupe_key) DO NOTHING",
                [now, *(list(column) for column in zip(*rows, strict=True))],
            )
    else:
        Notification.objects.bulk_create(
            [Notification(**dict(zip(_NOTIFICATION_COLUMNS, row, strict=True)), email_pending=True) for row in rows],
            ignore_conflicts=True,
        )
    from governance.outbox import kick_on_commit

    kick_on_commit()


def _insert_events(events, now):
    """events: (case_id, actor, action, state, reason, data) -> append-only CaseEvent rows (one actor)."""
    if not events:
        return
    if _postgres():
        table = CaseEvent._meta.db_table
        actor = events[0][1]
        assert all(e[1] is actor for e in events), "one batch, one actor (the system)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (case_id, actor_id, actor_name, action, from_state, to_state, reason, data, "  # noqa: S608
                "created_at) SELECT c, %s, %s, a, s, s, r, d::jsonb, %s "
                "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[]) AS rows(c, a, s, r, d)",
                [actor.pk, actor.first_name or "系统", now,
                 [e[0] for e in events], [e[2] for e in events], [e[3] for e in events], [e[4] for e in events],
                 [json.dumps(e[5], ensure_ascii=False) for e in events]],
            )
    else:
        CaseEvent.objects.bulk_create([
            CaseEvent(case_id=case_id, actor_id=actor.pk, actor_name=actor.first_name or "系统", action=action,
                      from_state=state, to_state=state, reason=reason, data=data)
            for case_id, actor, action, state, reason, data in events
        ])


# --- The work ---------------------------------------------------------------------------------


def _open(qs):
    return qs.filter(state__in=OPEN_STATES, paused_at__isnull=True)


def overdue_queryset(now):
    """Cases whose first escalation is due: served by the partial index case_sweep_first_esc."""
    return _open(Case.objects.filter(due_at__lte=now, escalation_level=0))


def further_queryset(now):
    """Escalated cases due for the next level: served by the partial index case_open_next_esc."""
    return _open(Case.objects.filter(next_escalation_at__lte=now, escalation_level__gt=0))


def warning_queryset(now):
    """Cases past their warning point and not yet warned: served by the partial index case_open_warn_at."""
    return _open(Case.objects.filter(warn_at__lte=now, warned_at__isnull=True))


def _system_actor():
    """governance.services.system_user(), safe when two sweeps create it at the same moment on a new database."""
    from django.db import IntegrityError

    from governance.services import system_user

    try:
        with transaction.atomic():
            return system_user()
    except IntegrityError:  # the other sweep created it first
        return system_user()


def _lock_batch(qs, order, limit):
    return list(
        qs.select_for_update(skip_locked=True, of=("self",))
        .order_by(order, "pk")
        .only(
            "pk", "number", "title", "state", "stage", "stage_started_at", "due_at", "paused_at", "warn_at",
            "warned_at", "escalation_level", "next_escalation_at", "township_id", "lead_department_id",
            "dispatch_centre_id", "claimed_by_id", "reporter_id",
        )[:limit]
    )


_RETURNED = ["id", "number", "title", "state", "stage", "stage_started_at", "due_at", "paused_at", "escalation_level",
             "township_id", "lead_department_id", "dispatch_centre_id"]


def _lock_and_raise(now, qs, order, limit):
    """Lock up to `limit` due rows and raise their level by one; returns the rows with the level they had.

    PostgreSQL, in one statement: UPDATE … WHERE id IN (SELECT … WHERE <due> … FOR UPDATE SKIP LOCKED).
    PostgreSQL re-evaluates the inner WHERE on a row changed by a transaction that committed before
    we locked it, so a row another sweep just escalated (level raised, next_escalation_at moved on)
    is not taken; a row another sweep holds is skipped."""
    if not _postgres():
        return _select_and_raise(now, qs, order, limit)
    inner = qs.select_for_update(skip_locked=True, of=("self",)).order_by(order, "pk").values("pk")[:limit]
    inner_sql, inner_params = inner.query.sql_with_params()
    table = Case._meta.db_table
    sql = (
        f"UPDATE {table} SET escalation_level = {table}.escalation_level + 1, escalated_at = %s, "  # noqa: S608
        f"next_escalation_at = %s, updated_at = %s "
        f"WHERE {table}.id IN ({inner_sql}) RETURNING {', '.join(f'{table}.{c}' for c in _RETURNED)}"
    )  # names from the model, the inner query compiled by Django, every value a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now + step(), now, *inner_params])
        rows = cursor.fetchall()
    cases = []
    for row in rows:
        case = SimpleNamespace(**dict(zip(_RETURNED, row, strict=True)))
        case.pk = case.id
        case.escalation_level -= 1  # the level it had when we took it
        cases.append(case)
    return cases


def _select_and_raise(now, qs, order, limit):
    """The same on a database without SKIP LOCKED (SQLite): the caller's transaction already holds the
    database's write lock (BEGIN IMMEDIATE), so no other sweep runs between the SELECT and the UPDATE;
    the UPDATE still raises each level by compare-and-set, and a row that does not match rolls the
    batch back rather than be escalated twice."""
    cases = _lock_batch(qs, order, limit)
    by_level = {}
    for case in cases:
        by_level.setdefault(case.escalation_level, []).append(case.pk)
    for level, pks in by_level.items():
        raised = Case.objects.filter(pk__in=pks, escalation_level=level).update(
            escalation_level=level + 1, escalated_at=now, next_escalation_at=now + step(), updated_at=now,
        )
        if raised != len(pks):
            raise RuntimeError(f"escalation lost a compare-and-set at level {level}: {raised} of {len(pks)}")
    return cases


def escalate_batch(now, qs, order, *, batch_size=BATCH_SIZE, directory=None, system=None):
    """Raise the level of one batch of due cases in one transaction. Returns {level: count}.

    The rows are locked and raised by _lock_and_raise; then, still in the transaction: each case's
    chain decides who is notified and whether it has reached the top (next_escalation_at cleared),
    the system's CaseEvents and the deduplicated notifications are inserted. Any error rolls the
    whole batch back and a later run does it again.
    """
    directory = directory or Directory()
    with transaction.atomic():
        cases = _lock_and_raise(now, qs, order, batch_size)
        if not cases:
            return {}
        for case in cases:  # the statement's WHERE already re-checked each row; assert it, loudly
            if case.state not in OPEN_STATES or case.paused_at is not None or case.due_at is None:
                raise RuntimeError(f"escalation took a case that is not due: {case.pk}")
        system = system or _system_actor()
        directory.prepare(cases)
        counts, at_top, events, notifications = {}, [], [], []
        # Translated once per batch, formatted per case (gettext per case was a tenth of the sweep's time).
        reason_text = _("%(stage)s超过时限，升级至第%(level)d级督办：%(unit)s")
        title_text = _("督办：%(number)s %(title)s")
        body_text = _("该事项%(stage)s已超过时限（%(due)s），现升级至第%(level)d级督办，请督促办理。")
        for case in cases:
            level = case.escalation_level + 1
            counts[level] = counts.get(level, 0) + 1
            chain_length = len(directory.chain(case))
            following = now + step() if level < chain_length else None
            if following is None:
                at_top.append(case.pk)
            nominal, notified, user_ids = _escalation_targets(directory, case, level)
            stage_label = STAGE_LABELS.get(case.stage, case.stage)
            reason = reason_text % {
                "stage": stage_label, "level": level, "unit": nominal.display_name,
            }
            events.append((case.pk, system, CaseAction.ESCALATED.value, case.state, reason, {
                "level": level, "stage": case.stage, "due_at": case.due_at.isoformat(),
                "unit": nominal.pk, "notified_unit": notified.pk if notified else None,
                "recipients": user_ids, "next_escalation_at": following.isoformat() if following else None,
            }))
            title = title_text % {"number": case.number, "title": case.title}
            body = body_text % {
                "stage": stage_label, "due": timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M"), "level": level,
            }
            notifications += _notifications(case, ESCALATION_KIND, title, body, f"{_clock_key(case)}:esc{level}", user_ids)
        if at_top:  # the top of the chain: nobody further up to tell
            Case.objects.filter(pk__in=at_top).update(next_escalation_at=None)
        _insert_events(events, now)
        _insert_notifications(notifications, now)
    return counts


def warn_batch(now, *, batch_size=BATCH_SIZE, directory=None, system=None):
    """Send the 预警 of one batch, exactly once per clock (warned_at marks it, dedupe_key guards it)."""
    directory = directory or Directory()
    with transaction.atomic():
        cases = [
            c for c in _lock_batch(warning_queryset(now), "warn_at", batch_size)
            if c.state in OPEN_STATES and c.warned_at is None and c.paused_at is None and c.warn_at and c.warn_at <= now
        ]
        if not cases:
            return 0
        system = system or _system_actor()
        directory.prepare(cases)
        directory.prepare_people(cases, role_for=lambda c: _warning_units(directory, c))
        events, notifications = [], []
        reason_text = _("%(stage)s即将到期（%(due)s）")
        title_text = _("时限预警：%(number)s %(title)s")
        body_text = _("该事项%(stage)s将于 %(due)s 到期，请及时办理。")
        for case in cases:
            user_ids = _warning_recipients(directory, case)
            stage_label = STAGE_LABELS.get(case.stage, case.stage)
            due = timezone.localtime(case.due_at).strftime("%Y-%m-%d %H:%M") if case.due_at else ""
            events.append((case.pk, system, CaseAction.DEADLINE_WARNING.value, case.state,
                           reason_text % {"stage": stage_label, "due": due},
                           {"stage": case.stage, "due_at": case.due_at.isoformat() if case.due_at else None,
                            "recipients": user_ids}))
            title = title_text % {"number": case.number, "title": case.title}
            body = body_text % {"stage": stage_label, "due": due}
            notifications += _notifications(case, WARNING_KIND, title, body, f"{_clock_key(case)}:warn", user_ids)
        Case.objects.filter(pk__in=[c.pk for c in cases], warned_at__isnull=True).update(warned_at=now)
        _insert_events(events, now)
        _insert_notifications(notifications, now)
    return len(cases)


def sweep(now=None, *, batch_size=BATCH_SIZE):
    """One run of the deadline sweep. Idempotent; safe to run concurrently. Returns counts.

    1. Warnings: open, unpaused cases past warn_at and not yet warned -> 预警 to those who must act.
    2. First escalation: open, unpaused cases past due_at at level 0 -> level 1.
    3. Further escalation: escalated cases past next_escalation_at -> the next level up the chain.
    Each step works in batches, one transaction per batch, until nothing is left (or MAX_BATCHES).
    """
    started = time.monotonic()
    now = now or timezone.now()
    directory = Directory()
    system = _system_actor()
    warned = 0
    for _batch in range(MAX_BATCHES):
        count = warn_batch(now, batch_size=batch_size, directory=directory, system=system)
        warned += count
        if count < batch_size:
            break
    by_level = {}
    for queryset, order in ((overdue_queryset(now), "due_at"), (further_queryset(now), "next_escalation_at")):
        for _batch in range(MAX_BATCHES):
            counts = escalate_batch(now, queryset, order, batch_size=batch_size, directory=directory, system=system)
            for level, count in counts.items():
                by_level[level] = by_level.get(level, 0) + count
            if sum(counts.values()) < batch_size:
                break
    return {
        "warned": warned,
        "escalated": sum(by_level.values()),
        "by_level": {str(k): v for k, v in sorted(by_level.items())},
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
    }
