"""Reads for responsibility lists, with the access rules built in.

Public readers see published and superseded versions only; drafts are read through
`draft_for_editor`, which checks the editor's scope. Published and superseded versions never change
(migration 0003), so their items are cached by version id and never invalidated.

The cases app depends on `published_versions_for_unit(s)` and `item_search` (keep their signatures).
"""

import copy
from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Q, Value, When
from django.http import Http404
from django.utils.translation import gettext as _

from config.cache import ProcessLRU
from governance.models import LEVEL_ORDER
from responsibilities.models import DutyList, ItemKind, ListEvent, ListItem, ListVersion, VersionStatus
from responsibilities.permissions import can_edit_any_list, can_edit_list, editor_scope_q

PUBLIC_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)
CACHE_KEY = "responsibilities:version-items:v3:{pk}"
CACHE_SECONDS = 7 * 24 * 3600

# The fields compared by the diff and shown in an item's history, in display order.
DIFF_FIELDS = [
    "title", "kind", "category", "department", "description", "legal_basis", "response_hours", "resolution_days",
    "keywords",
]


# --- Contracts used by the cases app ----------------------------------------------------------


def versions_in_force(on=None):
    """The version of each list in force on the day `on` (today by default): among its public versions,
    the one with the latest effective date not after that day; a version without a date counts from its
    publication. A version published today with a later effective date is 即将生效 (upcoming) and is not
    in force yet: until its date the version it supersedes still is. The one rule for the lookup,
    routing and case matching (published_versions_for_unit, item_search)."""
    import datetime

    from django.db.models import DateField, Exists, OuterRef
    from django.db.models.functions import Coalesce, TruncDate
    from django.utils import timezone

    on = on or timezone.localdate()
    start = Coalesce("effective_date", TruncDate("published_at"), Value(datetime.date.min), output_field=DateField())
    public = ListVersion.objects.filter(status__in=PUBLIC_STATUSES).annotate(in_force_from=start).filter(
        in_force_from__lte=on
    )
    later = public.filter(duty_list_id=OuterRef("duty_list_id")).filter(
        Q(in_force_from__gt=OuterRef("in_force_from"))
        | Q(in_force_from=OuterRef("in_force_from"), number__gt=OuterRef("number"))
    )
    return public.exclude(Exists(later))


def published_versions_for_unit(unit, on=None):
    """The list versions in force (versions_in_force) that apply to `unit`: lists tailored for it, and
    lists of its level made by one of its ancestors (示范县's township list applies to every township of 示范县)."""
    return published_versions_for_units([unit], on)


def published_versions_for_units(units, on=None):
    """The versions in force that apply to any of `units`, in one query whatever their number (a city
    dispatcher's hundred townships)."""
    ancestors_by_level = {}
    unit_ids = []
    for unit in units:
        unit_ids.append(unit.pk)
        ancestors_by_level.setdefault(unit.level, set()).update(unit.ancestor_ids())
    applies = Q(duty_list__unit_id__in=unit_ids)
    for level, ancestor_ids in ancestors_by_level.items():
        applies |= Q(duty_list__unit__isnull=True, duty_list__level=level,
                     duty_list__jurisdiction_id__in=sorted(ancestor_ids))
    return versions_in_force(on).filter(applies)


def item_search(query, *, for_unit=None, kinds=None, limit=10, within=None):
    """Published items matching plain Chinese words, title matches first.

    Chinese has no spaces between words, so matching is by substring on each whitespace-separated term
    (every term must appear in title, description, keywords or legal basis). When that finds fewer than
    `limit` items, items whose keywords occur inside the query are added after them, so a sentence such
    as "饭店油烟扰民" still finds the item with keyword 油烟 (used for triage suggestions from a case title).
    """
    terms = [t for t in (query or "").split() if t]
    if not terms:
        return []
    if within is not None or for_unit is not None:
        pool = within if within is not None else unit_items(for_unit)
        return _search_in(pool, query, terms, kinds, limit)
    versions = versions_in_force()
    items = ListItem.objects.filter(version__in=versions)
    if kinds:
        items = items.filter(kind__in=kinds)
    for term in terms:
        items = items.filter(
            Q(title__icontains=term) | Q(description__icontains=term) | Q(keywords__icontains=term)
            | Q(legal_basis__icontains=term)
        )
    title_hit = Q()
    for term in terms:
        title_hit &= Q(title__icontains=term)
    items = items.annotate(
        title_rank=SqlCase(When(title_hit, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).select_related("department", "version__duty_list")
    found = list(items.order_by("title_rank", "position", "code")[:limit])
    if len(found) < limit:
        seen = {item.pk for item in found}
        for item in _keyword_matches(query, versions, kinds):
            if item.pk not in seen:
                found.append(item)
                seen.add(item.pk)
            if len(found) >= limit:
                break
    return found


def unit_items(unit):
    """Every item of the published versions that apply to `unit` (one query for the versions; their items
    come from the immutable-version cache). The pool `item_search(..., within=...)` searches in memory."""
    pool = []
    for version in published_versions_for_unit(unit).select_related("duty_list"):
        for item in version_items(version):
            item.version = version  # cached copies are per call, so this does not leak
            pool.append(item)
    return pool


def _search_in(pool, query, terms, kinds, limit):
    """item_search's rule on items already in memory: a unit's lists are a few hundred items, so matching
    them in Python costs less than one query, and a page that searches a dozen phrases makes no query."""
    folded = [t.casefold() for t in terms]
    scored = []
    for item in pool:
        if kinds and item.kind not in kinds:
            continue
        folded_text = getattr(item, "_search_text", None)
        if folded_text is None:  # once per item copy: a page tries a dozen phrases on the same pool
            title = (item.title or "").casefold()
            folded_text = item._search_text = (title, " ".join((
                title, (item.description or "").casefold(), (item.keywords or "").casefold(),
                (item.legal_basis or "").casefold())))
        title, text = folded_text
        if all(t in text for t in folded):
            scored.append((0 if all(t in title for t in folded) else 1, item.position, item.code, item))
    scored.sort(key=lambda row: row[:3])
    found = [row[3] for row in scored[:limit]]
    if len(found) < limit:
        seen = {item.pk for item in found}
        for item in _keyword_hits(query, pool, kinds):
            if item.pk not in seen:
                found.append(item)
                seen.add(item.pk)
            if len(found) >= limit:
                break
    return found


def _keyword_hits(text, items, kinds=None):
    """Items with a keyword (or their whole title) inside `text`, most hits first."""
    text = (text or "").casefold()
    scored = []
    for item in items:
        if kinds and item.kind not in kinds:
            continue
        hits = sum(1 for k in item.keyword_list() if len(k) >= 2 and k.casefold() in text)
        if item.title and item.title.casefold() in text:
            hits += 2
        if hits:
            scored.append((-hits, item.position, item.code, item))
    scored.sort(key=lambda row: row[:3])
    return [row[3] for row in scored]


def _keyword_matches(text, versions, kinds=None):
    """Items of the given versions with a keyword (or their whole title) inside `text`, most hits first."""
    pool = []
    for version in versions.select_related("duty_list"):
        for item in version_items(version):
            item.version = version  # cached copies are per call, so this does not leak
            pool.append(item)
    return _keyword_hits(text, pool, kinds)


# --- Public reads ----------------------------------------------------------------------------


def public_list_index():
    """Current published versions grouped by level (top first), then jurisdiction: [(level_label, [version])]."""
    versions = list(
        ListVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .select_related("duty_list__jurisdiction", "duty_list__unit")
        .order_by("duty_list__jurisdiction__path", "duty_list__code")
    )
    groups = []
    for level in LEVEL_ORDER:
        members = [v for v in versions if v.duty_list.level == level]
        if members:
            groups.append((level.label, members))
    return groups


def version_get(code, number):
    """A public (published or superseded) version by its permalink, or 404."""
    version = (
        ListVersion.objects.filter(duty_list__code=code, number=number, status__in=PUBLIC_STATUSES)
        .select_related("duty_list__jurisdiction", "duty_list__unit", "published_by")
        .first()
    )
    if version is None:
        raise Http404(_("没有找到该清单版本。"))
    return version


def version_get_with_versions(code, number):
    """(the public version by its permalink, every public version of its list newest first) in one query, or 404."""
    versions = list(
        ListVersion.objects.filter(duty_list__code=code, status__in=PUBLIC_STATUSES)
        .select_related("duty_list__jurisdiction", "duty_list__unit", "published_by")
        .order_by("-number")
    )
    version = next((v for v in versions if v.number == number), None)
    if version is None:
        raise Http404(_("没有找到该清单版本。"))
    for other in versions:
        other.duty_list = version.duty_list
    return version, versions


def current_version(code):
    version = (
        ListVersion.objects.filter(duty_list__code=code, status=VersionStatus.PUBLISHED)
        .select_related("duty_list")
        .first()
    )
    if version is None:
        raise Http404(_("该清单尚未发布。"))
    return version


def version_list(duty_list, *, include_draft=False):
    statuses = list(PUBLIC_STATUSES) + ([VersionStatus.DRAFT] if include_draft else [])
    return list(duty_list.versions.filter(status__in=statuses).select_related("published_by").order_by("-number"))


_LOCAL_ITEMS = ProcessLRU(256)  # version pk -> items; immutable versions only, so never stale


def clear_process_items():
    """Forget this process's copies of version items (tests)."""
    _LOCAL_ITEMS.clear()
    _SUMMARIES.clear()


def version_items(version):
    """All items of a version with their departments, in display order. Cached for immutable versions:
    in this process (the last 256 versions read), then in the shared cache. Callers get
    their own copies of the items (they may set attributes on them)."""
    if version.status == VersionStatus.DRAFT:
        return _load_items(version)
    items = _LOCAL_ITEMS.get(version.pk)
    if items is None:
        key = CACHE_KEY.format(pk=version.pk)
        items = cache.get(key)
        if items is None:
            items = _load_items(version)
            cache.set(key, items, CACHE_SECONDS)
        _LOCAL_ITEMS.put(version.pk, items)
    return [copy.copy(item) for item in items]


_SUMMARIES = {}  # version pk -> {"total", "counts"}; immutable versions only


def version_summary(version):
    """How many items a public version has, in all and per kind (cached per process: versions never change)."""
    summary = _SUMMARIES.get(version.pk)
    if summary is None:
        items = version_items(version)
        summary = {"total": len(items),
                   "counts": {kind: sum(1 for i in items if i.kind == kind) for kind in ("basic", "assisting", "negative")}}
        if version.status != VersionStatus.DRAFT:
            _SUMMARIES[version.pk] = summary
    return summary


def _load_items(version):
    return list(
        ListItem.objects.filter(version_id=version.pk).select_related("department").order_by("position", "code")
    )


KIND_ORDER = [ItemKind.BASIC, ItemKind.ASSISTING, ItemKind.NEGATIVE]


def sort_for_display(items):
    """Kind (basic, assisting, negative), then the four platforms in their official order, then position."""
    from responsibilities.models import Category

    category_order = {value: n for n, value in enumerate(Category.values)}
    kind_order = {value: n for n, value in enumerate(KIND_ORDER)}
    return sorted(items, key=lambda i: (kind_order.get(i.kind, 9), category_order.get(i.category, 9), i.position, i.code))


def filter_items(items, *, query="", kind="", category="", department=""):
    """Filter a version's items in memory (the version is cached) and rank title matches first.

    Chinese search is by substring (case-insensitive) on title, description, keywords and legal basis;
    every whitespace-separated term must match.
    """
    if kind:
        items = [i for i in items if i.kind == kind]
    if category:
        items = [i for i in items if i.category == category]
    if department:
        items = [i for i in items if str(i.department_id) == str(department)]
    terms = [t.casefold() for t in (query or "").split() if t]
    if not terms:
        return sort_for_display(items)
    ranked = []
    for item in items:
        title = item.title.casefold()
        haystack = " ".join([title, item.description, item.keywords, item.legal_basis]).casefold()
        if all(t in haystack for t in terms):
            ranked.append((0 if all(t in title for t in terms) else 1, item))
    title_hits = sort_for_display([i for r, i in ranked if r == 0])
    other_hits = sort_for_display([i for r, i in ranked if r == 1])
    return title_hits + other_hits


def group_items(items):
    """Consecutive runs of the same kind and category: [{"kind", "kind_label", "category_label", "items"}]."""
    groups = []
    for item in items:
        if not groups or (groups[-1]["kind"], groups[-1]["category"]) != (item.kind, item.category):
            groups.append({
                "kind": item.kind, "kind_label": item.get_kind_display(), "category": item.category,
                "category_label": item.get_category_display(), "items": [],
            })
        groups[-1]["items"].append(item)
    return groups


def departments_of(items):
    seen = {}
    for item in items:
        if item.department_id and item.department_id not in seen:
            seen[item.department_id] = item.department
    return sorted(seen.values(), key=lambda u: (u.sort_order, u.code))


def item_get(version, code):
    for item in version_items(version):
        if item.code == code:
            return item
    raise Http404(_("该版本中没有这个事项。"))


# --- Diff and history ----------------------------------------------------------------------


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str


@dataclass
class ItemChange:
    old: ListItem
    new: ListItem
    fields: list = field(default_factory=list)


@dataclass
class VersionDiff:
    old: ListVersion
    new: ListVersion
    added: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    changed: list = field(default_factory=list)

    @property
    def is_empty(self):
        return not (self.added or self.removed or self.changed)


def _field_text(item, name):
    if name == "department":
        return item.department.display_name if item.department_id else ""
    if name == "kind":
        return item.get_kind_display()
    if name == "category":
        return item.get_category_display()
    value = getattr(item, name)
    return "" if value is None else str(value)


def item_changes(old, new):
    changes = []
    for name in DIFF_FIELDS:
        before, after = _field_text(old, name), _field_text(new, name)
        if name == "department":
            differs = old.department_id != new.department_id
        else:
            differs = getattr(old, name) != getattr(new, name)
        if differs:
            changes.append(FieldChange(name, str(ListItem._meta.get_field(name).verbose_name), before, after))
    return changes


def version_diff(old, new):
    """Items added, removed and changed (field by field) from version `old` to version `new`, by stable code."""
    old_items = {i.code: i for i in version_items(old)}
    new_items = {i.code: i for i in version_items(new)}
    diff = VersionDiff(old=old, new=new)
    diff.added = sort_for_display([i for c, i in new_items.items() if c not in old_items])
    diff.removed = sort_for_display([i for c, i in old_items.items() if c not in new_items])
    for item in sort_for_display([i for c, i in new_items.items() if c in old_items]):
        changes = item_changes(old_items[item.code], item)
        if changes:
            diff.changed.append(ItemChange(old=old_items[item.code], new=item, fields=changes))
    return diff


def item_history(duty_list, code):
    """The item with this code in every public version of the list, oldest first, with what changed:
    [{"version", "item" (None when absent), "status": added|changed|unchanged|removed|absent, "changes"}]."""
    versions = sorted(version_list(duty_list), key=lambda v: v.number)
    items = {
        i.version_id: i
        for i in ListItem.objects.filter(version__in=versions, code=code).select_related("department")
    }
    history, previous = [], None
    for version in versions:
        item = items.get(version.pk)
        if item is None:
            status, changes = ("removed" if previous is not None else "absent"), []
        elif previous is None:
            status, changes = "added", []
        else:
            changes = item_changes(previous, item)
            status = "changed" if changes else "unchanged"
        if not (status == "absent" and not history):
            history.append({"version": version, "item": item, "status": status, "changes": changes})
        previous = item
    return history


# --- Who is responsible for an item (the public lookup itself is routing.views.lookup) ---------------


def responsible_body(item):
    """Who handles a matter that matches this item, in words for the public."""
    if item.kind == ItemKind.BASIC:
        return {
            "responsible": _("乡镇（街道）"),
            "township_role": _("属于乡镇（街道）基本履职事项，由所在乡镇（街道）负责办理。"),
        }
    department = item.department.display_name if item.department_id else ""
    if item.kind == ItemKind.ASSISTING:
        return {
            "responsible": department,
            "township_role": _("由%(dept)s牵头负责，乡镇（街道）配合。") % {"dept": department},
        }
    return {
        "responsible": department,
        "township_role": _("已由上级部门收回（负面清单），由%(dept)s负责，乡镇（街道）可不承担。") % {"dept": department},
    }


# --- Editors ---------------------------------------------------------------------------------


def editable_lists(user):
    """Lists this user may edit, each with `draft` and `published` versions attached (two queries)."""
    if not can_edit_any_list(user):
        raise PermissionDenied(_("只有清单编辑和系统管理员可以编辑清单。"))
    lists = list(DutyList.objects.select_related("jurisdiction", "unit").filter(editor_scope_q(user)))
    versions = ListVersion.objects.filter(duty_list__in=lists, status__in=[VersionStatus.DRAFT, VersionStatus.PUBLISHED])
    by_list = {}
    for version in versions:
        by_list.setdefault(version.duty_list_id, {})[version.status] = version
    for duty_list in lists:
        duty_list.draft = by_list.get(duty_list.pk, {}).get(VersionStatus.DRAFT)
        duty_list.published = by_list.get(duty_list.pk, {}).get(VersionStatus.PUBLISHED)
    return lists


def list_for_editor(user, code):
    """A list the user may edit, or 404 (unknown) / 403 (not this editor's scope)."""
    duty_list = DutyList.objects.select_related("jurisdiction", "unit").filter(code=code).first()
    if duty_list is None:
        raise Http404(_("没有找到该清单。"))
    if not can_edit_list(user, duty_list):
        raise PermissionDenied(_("您不是该清单所属辖区的清单编辑。"))
    return duty_list


def draft_for_editor(user, code):
    """(list, its draft) for an editor of the list; 404 when there is no draft."""
    duty_list = list_for_editor(user, code)
    draft = duty_list.versions.filter(status=VersionStatus.DRAFT).first()
    if draft is None:
        raise Http404(_("该清单目前没有草稿。"))
    draft.duty_list = duty_list
    return duty_list, draft


def draft_item_for_editor(user, code, item_code):
    duty_list, draft = draft_for_editor(user, code)
    item = draft.items.select_related("department").filter(code=item_code).first()
    if item is None:
        raise Http404(_("草稿中没有这个事项。"))
    item.version = draft
    return duty_list, draft, item


def list_events(duty_list, limit=50):
    return list(ListEvent.objects.filter(duty_list=duty_list).select_related("actor").order_by("-created_at", "-id")[:limit])


def import_job_for_user(user, code, pk):
    """An import job of the list `code`: seen only by the editor who uploaded it and by staff; 404 otherwise."""
    from responsibilities.models import ImportJob

    job = ImportJob.objects.select_related("version__duty_list", "created_by").defer("content").filter(
        pk=pk, version__duty_list__code=code
    ).first()
    if job is None or not user.is_authenticated or (job.created_by_id != user.pk and not user.is_staff):
        raise Http404(_("没有找到该导入任务。"))
    return job
