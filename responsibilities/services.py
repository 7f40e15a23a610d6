"""Every write to responsibility lists, one function per action.

Each function runs in one transaction, checks that the actor may edit the list's scope, locks the
rows it changes (select_for_update), re-checks the version's state and writes an explicit ListEvent.
Published versions are immutable: only a draft can be changed, and the database triggers of
migration 0003 refuse anything that slips past these checks (admin, raw ORM, SQL console).
"""

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.models import Membership, Role, UnitKind
from responsibilities.exceptions import ListConflict, ListPermissionDenied
from responsibilities.models import (
    DutyList,
    ImportJob,
    ImportJobStatus,
    ListEvent,
    ListItem,
    ListVersion,
    VersionStatus,
)
from responsibilities.permissions import can_edit_list, can_edit_scope

# The item fields an editor sets; `position` is managed by add/move/reorder.
ITEM_FIELDS = [
    "code", "title", "description", "legal_basis", "kind", "category", "department", "response_hours",
    "resolution_days", "keywords",
]
POSITION_STEP = 10
logger = logging.getLogger(__name__)
# Path segments under /lists/ that a list code must not shadow (see responsibilities/urls.py).
RESERVED_LIST_CODES = {"edit", "lookup"}


def _event(*, duty_list, actor, action, version=None, item_code="", data=None):
    return ListEvent.objects.create(
        duty_list=duty_list, actor=actor, action=action, version_number=version.number if version else None,
        item_code=item_code or "", data=data or {},
    )


def _require_editor(actor, duty_list):
    if not can_edit_list(actor, duty_list):
        raise ListPermissionDenied(_("您不是该清单所属辖区的清单编辑，不能修改或发布该清单。"))


def _lock_draft(version):
    """Lock the version row and make sure it is still a draft (another editor may have published it)."""
    locked = ListVersion.objects.select_for_update().select_related("duty_list__jurisdiction").get(pk=version.pk)
    if locked.status != VersionStatus.DRAFT:
        raise ListConflict(_("该版本已经发布，不能再修改；请新建草稿后编辑。"))
    return locked


def _display(value):
    if value is None:
        return ""
    if hasattr(value, "pk"):
        return str(value)
    return value


def _clean_item(item, *, exclude_code_check=False):
    """Model rules (ListItem.clean) plus a Chinese message for a duplicate code in the version."""
    errors = {}
    try:
        item.full_clean(exclude=["version", "position"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors = exc.message_dict
    if (
        not exclude_code_check
        and item.code
        and "code" not in errors
        and ListItem.objects.filter(version_id=item.version_id, code=item.code).exclude(pk=item.pk).exists()
    ):
        errors["code"] = [_("本版本中已有编码为 %(code)s 的事项。") % {"code": item.code}]
    if errors:
        raise ValidationError(errors)


# --- Lists and versions ---------------------------------------------------------------------


@transaction.atomic
def list_create(*, actor, code, name, level, jurisdiction, unit=None, description=""):
    """Create a list for a scope, with an empty draft version 1 to fill in."""
    if not can_edit_scope(actor, jurisdiction):
        raise ListPermissionDenied(_("您只能为本单位及下级辖区创建清单。"))
    if jurisdiction.kind != UnitKind.GOVERNMENT:
        raise ValidationError({"jurisdiction": _("制定辖区必须是一级政府（党委政府）。")})
    if unit is not None and not unit.path.startswith(jurisdiction.path):
        raise ValidationError({"unit": _("定制清单的适用单位必须在制定辖区之内。")})
    if unit is not None and unit.level != level:
        raise ValidationError({"unit": _("适用单位的层级必须与清单的适用层级一致。")})
    if code in RESERVED_LIST_CODES:
        raise ValidationError({"code": _("清单编码 %(code)s 是系统保留字，请换一个。") % {"code": code}})
    if DutyList.objects.filter(code=code).exists():
        raise ValidationError({"code": _("清单编码 %(code)s 已被使用。") % {"code": code}})
    duty_list = DutyList(
        code=code, name=name, level=level, jurisdiction=jurisdiction, unit=unit, description=description,
        created_by=actor,
    )
    duty_list.full_clean(validate_unique=False)
    duty_list.save()
    version = ListVersion.objects.create(duty_list=duty_list, number=1, created_by=actor)
    _event(duty_list=duty_list, actor=actor, action="list.created", version=version, data={"code": code, "name": name})
    return duty_list


@transaction.atomic
def list_draft_start(*, duty_list, actor, change_note=""):
    """Start a new draft, a copy of the current published version (or empty when none exists).

    The list row is locked so two editors starting a draft at once get one draft and a clear message.
    """
    _require_editor(actor, duty_list)
    duty_list = DutyList.objects.select_for_update().get(pk=duty_list.pk)
    if duty_list.versions.filter(status=VersionStatus.DRAFT).exists():
        raise ListConflict(_("该清单已有一个草稿，请继续编辑现有草稿。"))
    return _start_draft(duty_list, actor, change_note)


def _start_draft(duty_list, actor, change_note):
    """The draft itself (the caller holds the list row lock and has checked there is no draft)."""
    published = duty_list.versions.filter(status=VersionStatus.PUBLISHED).first()
    number = (duty_list.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    draft = ListVersion.objects.create(
        duty_list=duty_list, number=number, based_on=published, change_note=change_note, created_by=actor
    )
    copied = 0
    if published is not None:
        copies = [
            ListItem(version=draft, position=item.position, admission_ref=item.admission_ref,
                     **{name: getattr(item, name) for name in ITEM_FIELDS})
            for item in published.items.all()
        ]
        ListItem.objects.bulk_create(copies)
        copied = len(copies)
    _event(
        duty_list=duty_list, actor=actor, action="version.draft_started", version=draft,
        data={"based_on": published.number if published else None, "items": copied},
    )
    return draft


@transaction.atomic
def list_draft_discard(*, version, actor):
    """Throw a draft away (its items with it). The audit log keeps the record."""
    _require_editor(actor, version.duty_list)
    version = _lock_draft(version)
    count = version.items.count()
    version.items.all().delete()
    version.delete()
    _event(duty_list=version.duty_list, actor=actor, action="version.draft_discarded", version=version,
           data={"items": count})


@transaction.atomic
def list_publish(*, version, actor, effective_date, change_note=None):
    """Publish a draft with its effective date; the previous published version becomes superseded.

    The list row is locked first, so two editors publishing at once cannot both win.
    """
    from responsibilities.selectors import version_diff

    _require_editor(actor, version.duty_list)
    DutyList.objects.select_for_update().get(pk=version.duty_list_id)
    version = _lock_draft(version)
    if effective_date is None:
        raise ValidationError({"effective_date": _("请填写生效日期。")})
    if not version.items.exists():
        raise ValidationError(_("草稿中还没有任何事项，不能发布。"))
    now = timezone.now()
    previous = (
        ListVersion.objects.select_for_update()
        .filter(duty_list_id=version.duty_list_id, status=VersionStatus.PUBLISHED)
        .first()
    )
    summary = {}
    if previous is not None:
        diff = version_diff(previous, version)
        summary = {"added": len(diff.added), "removed": len(diff.removed), "changed": len(diff.changed)}
        previous.status = VersionStatus.SUPERSEDED
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at"])
    version.status = VersionStatus.PUBLISHED
    version.published_at = now
    version.published_by = actor
    version.effective_date = effective_date
    if change_note is not None:
        version.change_note = change_note
    # Cite the carried proposals the note does not name yet (the note of a draft started by a proposal already
    # names it: "依据修订建议 RP-… 修订"; citing it again would say it twice).
    citation = carried_refs_citation([ref for ref in version.carried_refs
                                      if not re.search(re.escape(ref) + r"(?!\d)", version.change_note)])
    if citation:
        version.change_note = f"{version.change_note.rstrip()}\n{citation}".strip()
    version.save(update_fields=["status", "published_at", "published_by", "effective_date", "change_note"])
    _event(
        duty_list=version.duty_list, actor=actor, action="version.published", version=version,
        data={
            "effective_date": effective_date.isoformat(),
            "supersedes": previous.number if previous else None,
            "items": version.items.count(),
            **summary,
            **({"carried_refs": version.carried_refs} if version.carried_refs else {}),
        },
    )
    _notify_published(version, actor)
    return version


def _notify_published(version, actor):
    """Tell the dispatchers and list editors inside the list's jurisdiction that a new version is in force
    (dispatchers triage cases against it). notification_send emails after commit."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from governance.services import notification_send

    duty_list = version.duty_list
    recipients = (
        get_user_model().objects.filter(
            is_active=True,
            memberships__in=Membership.objects.filter(
                is_active=True, role__in=[Role.DISPATCHER, Role.EDITOR], unit__path__startswith=duty_list.jurisdiction.path
            ),
        )
        .exclude(pk=actor.pk)
        .distinct()
    )
    notification_send(
        recipients=list(recipients),
        kind="list.published",
        title=_("%(name)s 第 %(number)s 版已发布") % {"name": duty_list.name, "number": version.number},
        body=_("生效日期：%(date)s。") % {"date": version.effective_date.isoformat()},
        url=reverse("responsibilities:version", args=[duty_list.code, version.number]),
        subject=f"list:{duty_list.pk}",
        dedupe_key=f"list-published:{version.pk}",
    )


# --- Items of a draft -------------------------------------------------------------------------


@transaction.atomic
def list_item_add(*, version, actor, **fields):
    _require_editor(actor, version.duty_list)
    version = _lock_draft(version)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown item fields: {sorted(unknown)}")
    last = version.items.aggregate(p=Max("position"))["p"] or 0
    item = ListItem(version=version, position=last + POSITION_STEP, **fields)
    _clean_item(item)
    item.save()
    _event(duty_list=version.duty_list, actor=actor, action="item.added", version=version, item_code=item.code,
           data={"title": item.title})
    return item


@transaction.atomic
def list_item_update(*, item, actor, **fields):
    """Change fields of a draft item; the audit event records each changed field, old and new."""
    _require_editor(actor, item.version.duty_list)
    version = _lock_draft(item.version)
    item = ListItem.objects.select_for_update().get(pk=item.pk, version=version)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown item fields: {sorted(unknown)}")
    old_code = item.code
    changes = {}
    for name, value in fields.items():
        old = getattr(item, name)
        if old != value:
            changes[name] = [_display(old), _display(value)]
            setattr(item, name, value)
    if not changes:
        return item
    if "code" in changes and ListItem.objects.filter(
        version__duty_list=version.duty_list, version__status__in=[VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED],
        code=old_code,
    ).exists():
        # The code is how the public follows an item through versions (item history, diffs).
        raise ValidationError({"code": _(
            "编码“%(code)s”已在已发布的版本中使用，用于追溯事项的历史，不能修改；如确需替换，请删除该事项后新增。"
        ) % {"code": old_code}})
    _clean_item(item)
    item.save(update_fields=list(fields))
    _event(duty_list=version.duty_list, actor=actor, action="item.changed", version=version, item_code=old_code,
           data={k: [str(a), str(b)] for k, (a, b) in changes.items()})
    return item


@transaction.atomic
def list_item_remove(*, item, actor):
    _require_editor(actor, item.version.duty_list)
    version = _lock_draft(item.version)
    item = ListItem.objects.select_for_update().get(pk=item.pk, version=version)
    item.delete()
    _event(duty_list=version.duty_list, actor=actor, action="item.removed", version=version, item_code=item.code,
           data={"title": item.title})


@transaction.atomic
def list_item_move(*, item, actor, direction):
    """Move an item one place up or down within its kind and category group (the order shown to the public)."""
    if direction not in ("up", "down"):
        raise ValidationError(_("移动方向无效。"))
    _require_editor(actor, item.version.duty_list)
    version = _lock_draft(item.version)
    items = list(version.items.select_for_update().order_by("position", "code"))
    group = [i for i in items if (i.kind, i.category) == (item.kind, item.category)]
    index = next(n for n, i in enumerate(group) if i.pk == item.pk)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(group):
        return item
    a, b = group[index], group[other_index]
    _renumber(items)
    a.position, b.position = b.position, a.position
    ListItem.objects.bulk_update(items, ["position"])
    _event(duty_list=version.duty_list, actor=actor, action="item.moved", version=version, item_code=item.code,
           data={"direction": direction, "swapped_with": b.code})
    return a


@transaction.atomic
def list_items_reorder(*, version, actor, codes):
    """Set the order of a draft's items from a list of codes (codes not named keep their order, after)."""
    _require_editor(actor, version.duty_list)
    version = _lock_draft(version)
    items = list(version.items.select_for_update().order_by("position", "code"))
    rank = {code: n for n, code in enumerate(codes)}
    items.sort(key=lambda i: (rank.get(i.code, len(rank)), i.position, i.code))
    _renumber(items)
    ListItem.objects.bulk_update(items, ["position"])
    _event(duty_list=version.duty_list, actor=actor, action="version.reordered", version=version,
           data={"codes": [i.code for i in items][:500]})


def _renumber(items):
    for n, item in enumerate(items, start=1):
        item.position = n * POSITION_STEP


# --- Admitted duties (职责准入) ------------------------------------------------------------------
# The admission app decides, with its own authority (the county's admission reviewer), that a duty goes
# onto a township list or comes off it; these two functions place that decision in the list's next
# draft. Publication stays the list editor's step. The caller has checked its actor's authority.


def _draft_for_admission(duty_list, actor, ref):
    DutyList.objects.select_for_update().get(pk=duty_list.pk)
    draft = duty_list.versions.select_for_update().filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        draft = _start_draft(duty_list, actor, _("职责准入 %(ref)s") % {"ref": ref})
    return draft


@transaction.atomic
def list_item_add_admitted(*, duty_list, actor, admission_ref, **fields):
    """Add an admitted duty to the next draft of `duty_list` (starting that draft if there is none).
    An item with the same code already in the draft is updated instead. Returns (draft, item)."""
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown item fields: {sorted(unknown)}")
    if not admission_ref:
        raise ValueError("admission_ref is required")
    draft = _draft_for_admission(duty_list, actor, admission_ref)
    item = draft.items.select_for_update().filter(code=fields.get("code")).first()
    action = "item.changed" if item else "item.added"
    if item is None:
        last = draft.items.aggregate(p=Max("position"))["p"] or 0
        item = ListItem(version=draft, position=last + POSITION_STEP)
    for name, value in fields.items():
        setattr(item, name, value)
    item.admission_ref = admission_ref
    _clean_item(item)
    item.save()
    _event(duty_list=duty_list, actor=actor, action=action, version=draft, item_code=item.code,
           data={"title": item.title, "admission_ref": admission_ref})
    return draft, item


@transaction.atomic
def list_items_remove_admitted(*, duty_list, actor, admission_ref):
    """Take the items of an admission record out of the next draft of `duty_list` (retiring a duty).
    Returns (draft, number of items removed)."""
    draft = _draft_for_admission(duty_list, actor, admission_ref)
    items = list(draft.items.select_for_update().filter(admission_ref=admission_ref))
    for item in items:
        item.delete()
        _event(duty_list=duty_list, actor=actor, action="item.removed", version=draft, item_code=item.code,
               data={"title": item.title, "admission_ref": admission_ref})
    return draft, len(items)


# --- Revision proposals (修订建议) ----------------------------------------------------------------
# Another app (insights) reviews proposals to revise a list, drawn from case evidence; once one is accepted, a
# list editor places its change in the next draft with list_draft_apply_change. The change is plain data and
# the proposal is known here only by its reference string, which the published version's change note cites.

CHANGE_OPS = ("add", "update")


def carried_refs_citation(refs):
    """The sentence of a change note that cites the proposals a version carries ("" when none)."""
    if not refs:
        return ""
    return _("依据修订建议 %(refs)s。") % {"refs": "、".join(refs)}


@transaction.atomic
def list_draft_apply_change(*, duty_list, actor, ref, change):
    """Place one revision in the next draft of `duty_list` (starting that draft, copied from the published
    version, if there is none) and record `ref` among the refs the draft carries. Returns (draft, item).

    change = {"op": "add", "fields": {...ITEM_FIELDS...}}       a new item
           | {"op": "update", "code": "PH-010", "fields": {...}}  new values for some fields of the draft's item
    `fields` may name the department by id ("department": 7) or as a Unit. Invalid changes raise
    ValidationError and leave nothing written (a draft started here is rolled back with the rest)."""
    from governance.models import Unit

    _require_editor(actor, duty_list)
    if not ref:
        raise ValueError("ref is required")
    op, fields = change.get("op"), dict(change.get("fields") or {})
    if op not in CHANGE_OPS:
        raise ValidationError(_("修订方式无效。"))
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise ValidationError(_("修订内容包含未知字段：%(names)s。") % {"names": "、".join(sorted(unknown))})
    if "department" in fields and fields["department"] is not None and not isinstance(fields["department"], Unit):
        fields["department"] = Unit.objects.filter(pk=fields["department"]).first()
        if fields["department"] is None:
            raise ValidationError({"department": _("所选部门不存在。")})
    DutyList.objects.select_for_update().get(pk=duty_list.pk)
    draft = duty_list.versions.select_for_update().filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        draft = _start_draft(duty_list, actor, _("依据修订建议 %(ref)s 修订") % {"ref": ref})
    if op == "add":
        last = draft.items.aggregate(p=Max("position"))["p"] or 0
        item, changes = ListItem(version=draft, position=last + POSITION_STEP, **fields), None
    else:
        item = draft.items.select_for_update().filter(code=change.get("code") or "").first()
        if item is None:
            raise ValidationError({"code": _("清单草稿中没有编码为 %(code)s 的事项，无法修订。") % {
                "code": change.get("code") or ""}})
        changes = {}
        for name, value in fields.items():
            old = getattr(item, name)
            if old != value:
                changes[name] = [str(_display(old)), str(_display(value))]
                setattr(item, name, value)
    _clean_item(item)
    item.save()
    if ref not in draft.carried_refs:
        draft.carried_refs = [*draft.carried_refs, ref]
        draft.save(update_fields=["carried_refs"])
    data = {"title": item.title, "revision_ref": ref}
    if changes is not None:
        data.update(changes)
    _event(duty_list=duty_list, actor=actor, action="item.added" if op == "add" else "item.changed", version=draft,
           item_code=item.code, data=data)
    return draft, item


# --- Bulk import ------------------------------------------------------------------------------


@dataclass
class ImportReport:
    rows: list = field(default_factory=list)  # responsibilities.imports.RowResult
    imported: bool = False
    created: int = 0
    updated: int = 0
    removed: int = 0

    @property
    def error_rows(self):
        return [r for r in self.rows if r.errors]

    @property
    def valid_rows(self):
        return [r for r in self.rows if not r.errors]


@transaction.atomic
def list_import(*, version, actor, dataset, mode="merge", valid_only=False):
    """Import rows of a spreadsheet (a tablib.Dataset) into a draft.

    mode "merge": rows add new items or update the item with the same code; other items stay.
    mode "replace": the draft's items become exactly the valid rows of the file.
    When any row is invalid nothing is written, unless `valid_only` is set: then the valid rows are.
    Returns an ImportReport with a result for every row.
    """
    from responsibilities.imports import validate_rows

    if mode not in ("merge", "replace"):
        raise ValidationError({"mode": _("导入方式无效。")})
    _require_editor(actor, version.duty_list)
    version = _lock_draft(version)
    report = ImportReport(rows=validate_rows(dataset))
    if not report.rows:
        raise ValidationError(_("文件中没有数据行。"))
    if report.error_rows and not valid_only:
        return report
    if not report.valid_rows:
        return report
    existing = {item.code: item for item in version.items.select_for_update()}
    incoming_codes = {row.code for row in report.valid_rows}
    if mode == "replace":
        stale = [item.pk for code, item in existing.items() if code not in incoming_codes]
        report.removed = len(stale)
        ListItem.objects.filter(pk__in=stale).delete()
    to_create, to_update = [], []
    position = 0
    if mode == "merge":
        position = max((item.position for item in existing.values()), default=0)
    for row in report.valid_rows:
        current = existing.get(row.code)
        if current is not None:
            for name in ITEM_FIELDS:
                setattr(current, name, row.fields[name])
            if mode == "replace":
                position += POSITION_STEP
                current.position = position
            to_update.append(current)
        else:
            position += POSITION_STEP
            to_create.append(ListItem(version=version, position=position, **row.fields))
    if to_update:
        ListItem.objects.bulk_update(to_update, ITEM_FIELDS + ["position"])
    try:
        with transaction.atomic():
            ListItem.objects.bulk_create(to_create)
    except IntegrityError:  # pragma: no cover - validate_rows already refuses duplicate codes
        raise ListConflict(_("导入的事项编码与草稿中的事项冲突，请检查后重试。"))
    report.created, report.updated, report.imported = len(to_create), len(to_update), True
    _event(
        duty_list=version.duty_list, actor=actor, action="version.imported", version=version,
        data={
            "mode": mode, "valid_only": valid_only, "rows": len(report.rows), "created": report.created,
            "updated": report.updated, "removed": report.removed, "skipped_rows": [r.row for r in report.error_rows],
        },
    )
    return report


# --- Import jobs (the import above, run by a Celery worker with its progress recorded) -----------
# A job whose worker was killed stops updating its row (it does so every PROGRESS_EVERY rows): after
# this long another run may take it over (redelivery by acks_late, or import_jobs_resume).
IMPORT_JOB_STALE = timedelta(minutes=2)


def _enqueue_import_job(job_id):
    def send():
        from responsibilities.tasks import import_job_run

        import_job_run.delay(job_id)

    # robust: a broker outage must not fail the request that has committed; import_jobs_resume retries.
    transaction.on_commit(send, robust=True)


@transaction.atomic
def import_job_create(*, version, actor, filename, content, mode="merge", valid_only=False):
    """Queue an import of an uploaded file (already checked by imports.check_upload) into a draft."""
    if mode not in ("merge", "replace"):
        raise ValidationError({"mode": _("导入方式无效。")})
    _require_editor(actor, version.duty_list)
    version = _lock_draft(version)
    job = ImportJob.objects.create(
        version=version, created_by=actor, filename=filename.replace("\x00", "")[:255], content=content, mode=mode, valid_only=valid_only,
    )
    _enqueue_import_job(job.pk)
    return job


def _job_update(job_id, **fields):
    fields["updated_at"] = timezone.now()
    return ImportJob.objects.filter(pk=job_id).update(**fields)


def _error_dicts(results):
    return [{"row": r.row, "code": r.code, "title": r.title, "errors": [str(e) for e in r.errors]}
            for r in results if r.errors]


def import_job_run(job_id, *, retrying=False):
    """Run an import job; safe to run again (a retried or redelivered task) or in two workers at once.

    1. Claim the job by compare-and-set: a pending job, or one whose run has stopped updating it
       (IMPORT_JOB_STALE) or that this same task is retrying. Anyone else finds it claimed and stops.
    2. Read the stored file (row counts recorded as it is streamed), then check every row, recording
       rows processed and each row error as they come.
    3. Errors and no "valid rows" choice: stop at needs_choice, nothing written (the editor decides).
       Otherwise go on to import_job_apply, which imports exactly once.
    """
    from responsibilities.imports import load_bytes, validate_rows

    runnable = [ImportJobStatus.PENDING]
    claim = ImportJob.objects.filter(pk=job_id)
    stale = timezone.now() - IMPORT_JOB_STALE
    restartable = Q(status__in=[ImportJobStatus.READING, ImportJobStatus.VALIDATING])
    if not retrying:
        restartable &= Q(updated_at__lt=stale)
    claimed = claim.filter(Q(status__in=runnable) | restartable).update(
        status=ImportJobStatus.READING, rows_processed=0, rows_total=None, row_errors=[], valid_count=0,
        error="", updated_at=timezone.now(),
    )
    if not claimed:
        job = ImportJob.objects.filter(pk=job_id).only("status", "updated_at").first()
        if job is not None and job.status == ImportJobStatus.APPLYING:
            return import_job_apply(job_id)
        return None
    job = ImportJob.objects.get(pk=job_id)
    try:
        dataset = load_bytes(job.filename, bytes(job.content), on_row=lambda n: _job_update(job_id, rows_processed=n))
    except ValidationError as exc:
        _job_update(job_id, status=ImportJobStatus.FAILED, error=" ".join(exc.messages), content=b"")
        return None
    _job_update(job_id, status=ImportJobStatus.VALIDATING, rows_total=len(dataset), rows_processed=0)

    def progress(checked, results):
        errors = _error_dicts(results)
        _job_update(job_id, rows_processed=checked, row_errors=errors, valid_count=len(results) - len(errors))

    results = validate_rows(dataset, on_progress=progress)
    errors = _error_dicts(results)
    if not results:
        _job_update(job_id, status=ImportJobStatus.FAILED, error=_("文件中没有数据行。"), content=b"")
        return None
    if errors and not job.valid_only:
        _job_update(job_id, status=ImportJobStatus.NEEDS_CHOICE)
        return None
    if not ImportJob.objects.filter(pk=job_id, status=ImportJobStatus.VALIDATING).update(
        status=ImportJobStatus.APPLYING, updated_at=timezone.now()
    ):
        return None
    return import_job_apply(job_id)


def import_job_apply(job_id):
    """Import an applying job's rows with list_import, exactly once: the job row is locked and marked
    imported in the same transaction as the import, so a retry finds it done."""
    from responsibilities.imports import load_bytes

    try:
        with transaction.atomic():
            job = ImportJob.objects.select_for_update().select_related("version__duty_list", "created_by").filter(
                pk=job_id, status=ImportJobStatus.APPLYING
            ).first()
            if job is None:
                return None
            dataset = load_bytes(job.filename, bytes(job.content))
            report = list_import(
                version=job.version, actor=job.created_by, dataset=dataset, mode=job.mode, valid_only=job.valid_only,
            )
            errors = _error_dicts(report.rows)
            fields = {"rows_total": len(report.rows), "rows_processed": len(report.rows), "row_errors": errors,
                      "valid_count": len(report.valid_rows)}
            if report.imported:
                fields.update(status=ImportJobStatus.IMPORTED, content=b"", result={
                    "created": report.created, "updated": report.updated, "removed": report.removed,
                    "skipped": len(errors),
                })
            else:  # the rows changed meaning since they were checked (a department removed): the editor decides again
                fields.update(status=ImportJobStatus.NEEDS_CHOICE)
            _job_update(job_id, **fields)
            return report
    except (ValidationError, ListConflict, ListPermissionDenied) as exc:
        message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        _job_update(job_id, status=ImportJobStatus.FAILED, error=message, content=b"")
        return None


@transaction.atomic
def import_job_import_valid_rows(*, job, actor):
    """The editor's choice after seeing the row errors: import the valid rows, skipping the others."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.created_by_id != actor.pk:
        raise ListPermissionDenied(_("只有上传文件的编辑可以导入该文件。"))
    if locked.status != ImportJobStatus.NEEDS_CHOICE:
        raise ListConflict(_("该导入任务已经处理，不能再次导入。"))
    if not locked.valid_count:
        raise ValidationError(_("文件中没有有效行可以导入。"))
    _require_editor(actor, locked.version.duty_list)
    locked.valid_only, locked.status = True, ImportJobStatus.APPLYING
    locked.save(update_fields=["valid_only", "status", "updated_at"])
    _enqueue_import_job(locked.pk)
    return locked


def import_jobs_resume():
    """Periodic: queue again the jobs a broker outage left pending or a killed worker left behind."""
    from responsibilities.tasks import import_job_run

    stale = timezone.now() - IMPORT_JOB_STALE
    ids = list(ImportJob.objects.filter(
        status__in=[ImportJobStatus.PENDING, ImportJobStatus.READING, ImportJobStatus.VALIDATING,
                    ImportJobStatus.APPLYING],
        updated_at__lt=stale,
    ).values_list("pk", flat=True)[:100])
    for job_id in ids:
        import_job_run.delay(job_id)
    return len(ids)
