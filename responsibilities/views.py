"""HTML pages for responsibility lists: public reading (no login) and draft editing for list editors.

Views are thin: parse input, call one selector or service, render. Every state change is a POST
with CSRF; access checks live in the selectors (public pages only ever see published versions).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.cache import ProcessLRU
from config.forms import service_errors_into_form
from governance.models import Unit, UnitKind
from responsibilities import imports, selectors, services
from responsibilities.exceptions import ListConflict, ListPermissionDenied
from responsibilities.forms import DutyListForm, ImportForm, ListItemForm, PublicFilterForm, PublishForm
from responsibilities.models import ListVersion, VersionStatus
from responsibilities.permissions import can_edit_list, editor_scope_q
from responsibilities.provenance import item_provenance

PAGE_SIZE = 100


# --- Public --------------------------------------------------------------------------------


@require_GET
def index(request):
    return render(request, "responsibilities/index.html", {"groups": selectors.public_list_index()})


@require_GET
def list_current(request, code):
    """The current published version of a list (the stable per-version permalink is /v/<n>/)."""
    version = selectors.current_version(code)
    url = reverse("responsibilities:version", args=[code, version.number])
    if request.GET:
        url += "?" + request.GET.urlencode()
    return redirect(url)


# The unfiltered pages of a public version, rendered once per process: a published or superseded version
# never changes (database triggers), so its filter form and each page of its items are the same HTML for
# everyone in a language. Only the page around them (header, status, other versions, the signed-in user)
# is rendered per request. At most 64 blocks (about 60 KB each) are kept, least recently read dropped.
_RENDERED = ProcessLRU(64)


def clear_rendered():
    """Forget this process's rendered blocks (tests)."""
    _RENDERED.clear()


def _rendered_blocks(request, version, page_number):
    key = (version.pk, get_language(), page_number)
    blocks = _RENDERED.get(key)
    if blocks is not None:
        return blocks
    all_items = selectors.version_items(version)
    page = Paginator(selectors.filter_items(all_items), PAGE_SIZE).get_page(page_number)
    context = {"version": version, "duty_list": version.duty_list, "page": page,
               "form": PublicFilterForm(None, departments=selectors.departments_of(all_items)),
               "groups": selectors.group_items(page.object_list)}
    blocks = {name: mark_safe(render_to_string(f"responsibilities/snippets/version_{name}.html", context, request))  # noqa: S308 - our own templates, escaped when rendered
              for name in ("filter", "items")}
    _RENDERED.put(key, blocks)
    return blocks


@require_GET
def version_detail(request, code, number):
    version, versions = selectors.version_get_with_versions(code, number)
    context = {
        "version": version, "duty_list": version.duty_list, "versions": versions,
        "can_edit": can_edit_list(request.user, version.duty_list),
    }
    if set(request.GET) <= {"page"}:  # unfiltered: the cached blocks
        summary = selectors.version_summary(version)
        page_number = Paginator(range(summary["total"]), PAGE_SIZE).get_page(request.GET.get("page")).number
        context.update(summary, filtered=False, blocks=_rendered_blocks(request, version, page_number))
        return render(request, "responsibilities/version_detail.html", context)
    all_items = selectors.version_items(version)
    form = PublicFilterForm(request.GET, departments=selectors.departments_of(all_items))
    filters = form.cleaned_data if form.is_valid() else {}
    items = selectors.filter_items(
        all_items, query=filters.get("q", ""), kind=filters.get("kind", ""), category=filters.get("category", ""),
        department=filters.get("department", ""),
    )
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(selectors.version_summary(version), form=form, page=page,
                   groups=selectors.group_items(page.object_list), matched=len(items),
                   filtered=bool(filters and any(filters.values())), query=filters.get("q", ""))
    return render(request, "responsibilities/version_detail.html", context)


@require_GET
def version_print(request, code, number):
    version = selectors.version_get(code, number)
    items = selectors.sort_for_display(selectors.version_items(version))
    return render(request, "responsibilities/version_print.html", {
        "version": version, "duty_list": version.duty_list, "groups": selectors.group_items(items), "total": len(items),
    })


@require_GET
def version_export(request, code, number, fmt):
    version = selectors.version_get(code, number)
    items = selectors.sort_for_display(selectors.version_items(version))
    dataset = imports.dataset_for_items(items, title=f"v{version.number}")
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx" else "text/csv; charset=utf-8"
    )
    response = HttpResponse(imports.export_bytes(dataset, fmt), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{code}-v{version.number}.{fmt}"'
    return response


@require_GET
def item_detail(request, code, number, item_code):
    version = selectors.version_get(code, number)
    item = selectors.item_get(version, item_code)
    return render(request, "responsibilities/item_detail.html", {
        "version": version, "duty_list": version.duty_list, "item": item,
        "responsible": selectors.responsible_body(item),
        "history": selectors.item_history(version.duty_list, item_code),
        "provenance": item_provenance(item, version.duty_list),
    })


@require_GET
def history(request, code):
    version = selectors.current_version(code)
    duty_list = version.duty_list
    return render(request, "responsibilities/history.html", {
        "duty_list": duty_list, "versions": selectors.version_list(duty_list), "current": version,
    })


@require_GET
def diff(request, code):
    current = selectors.current_version(code)
    versions = selectors.version_list(current.duty_list)
    numbers = [v.number for v in versions]
    try:
        new_number = int(request.GET.get("to") or current.number)
        old_number = int(request.GET.get("from") or (new_number - 1))
    except ValueError:
        new_number, old_number = current.number, current.number - 1
    if old_number not in numbers or new_number not in numbers:
        return render(request, "responsibilities/diff.html", {
            "duty_list": current.duty_list, "versions": versions, "diff": None, "old_number": old_number,
            "new_number": new_number,
        })
    old = selectors.version_get(code, old_number)
    new = selectors.version_get(code, new_number)
    return render(request, "responsibilities/diff.html", {
        "duty_list": current.duty_list, "versions": versions, "diff": selectors.version_diff(old, new),
        "old_number": old_number, "new_number": new_number,
    })


# --- Editing ------------------------------------------------------------------------------


def _editor_jurisdictions(user):
    return Unit.objects.filter(editor_scope_q(user, "path"), kind=UnitKind.GOVERNMENT, is_active=True)


@login_required
@require_GET
def editor_index(request):
    lists = selectors.editable_lists(request.user)
    return render(request, "responsibilities/editor/index.html", {"lists": lists})


@login_required
@require_http_methods(["GET", "POST"])
def list_new(request):
    selectors.editable_lists(request.user)  # access check: editors and administrators only
    form = DutyListForm(request.POST or None, jurisdictions=_editor_jurisdictions(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            duty_list = services.list_create(actor=request.user, **form.cleaned_data)
        except ListPermissionDenied as exc:
            raise PermissionDenied(exc.message)
        except ValidationError as exc:
            service_errors_into_form(form, exc)
        else:
            messages.success(request, _("清单已创建，请在草稿中添加事项。"))
            return redirect("responsibilities:draft", code=duty_list.code)
    return render(request, "responsibilities/editor/list_form.html", {"form": form})


@login_required
@require_POST
def draft_start(request, code):
    duty_list = selectors.list_for_editor(request.user, code)
    try:
        services.list_draft_start(duty_list=duty_list, actor=request.user)
    except ListConflict as exc:
        messages.warning(request, exc.message)
    except ListPermissionDenied as exc:
        raise PermissionDenied(exc.message)
    else:
        messages.success(request, _("已新建草稿，内容复制自现行版本。"))
    return redirect("responsibilities:draft", code=code)


@login_required
@require_GET
def draft_detail(request, code):
    duty_list, draft = selectors.draft_for_editor(request.user, code)
    items = selectors.sort_for_display(selectors.version_items(draft))
    current = ListVersion.objects.filter(duty_list=duty_list, status=VersionStatus.PUBLISHED).first()
    diff = selectors.version_diff(current, draft) if current else None
    return render(request, "responsibilities/editor/draft.html", {
        "duty_list": duty_list, "draft": draft, "groups": selectors.group_items(items), "total": len(items),
        "events": selectors.list_events(duty_list, limit=15), "current": current, "diff": diff,
        "added_codes": {i.code for i in diff.added} if diff else set(),
        "changed_codes": {c.new.code for c in diff.changed} if diff else set(),
    })


def _service_call(request, func, **kwargs):
    """Run an editing service for a POST view; turn its domain errors into messages or 403."""
    try:
        return func(actor=request.user, **kwargs), None
    except ListPermissionDenied as exc:
        raise PermissionDenied(exc.message)
    except ListConflict as exc:
        messages.error(request, exc.message)
        return None, exc


@login_required
@require_http_methods(["GET", "POST"])
def item_add(request, code):
    duty_list, draft = selectors.draft_for_editor(request.user, code)
    form = ListItemForm(request.POST or None, version=draft)
    if request.method == "POST" and form.is_valid():
        try:
            item, error = _service_call(request, services.list_item_add, version=draft, **form.cleaned_data)
        except ValidationError as exc:
            service_errors_into_form(form, exc)
        else:
            if error is None:
                messages.success(request, _("已添加事项 %(code)s %(title)s。") % {"code": item.code, "title": item.title})
                return redirect(reverse("responsibilities:draft", args=[code]) + f"#item-{item.code}")
            return redirect("responsibilities:draft", code=code)
    return render(request, "responsibilities/editor/item_form.html", {"duty_list": duty_list, "draft": draft, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, code, item_code):
    duty_list, draft, item = selectors.draft_item_for_editor(request.user, code, item_code)
    form = ListItemForm(request.POST or None, instance=item, version=draft)
    if request.method == "POST" and form.is_valid():
        original = selectors.draft_item_for_editor(request.user, code, item_code)[2]
        try:
            item, error = _service_call(request, services.list_item_update, item=original, **form.cleaned_data)
        except ValidationError as exc:
            service_errors_into_form(form, exc)
        else:
            if error is None:
                messages.success(request, _("已保存事项 %(code)s。") % {"code": item.code})
                return redirect(reverse("responsibilities:draft", args=[code]) + f"#item-{item.code}")
            return redirect("responsibilities:draft", code=code)
    return render(request, "responsibilities/editor/item_form.html", {
        "duty_list": duty_list, "draft": draft, "form": form, "item": item,
    })


@login_required
@require_POST
def item_remove(request, code, item_code):
    _duty_list, _draft, item = selectors.draft_item_for_editor(request.user, code, item_code)
    _result, error = _service_call(request, services.list_item_remove, item=item)
    if error is None:
        messages.success(request, _("已删除事项 %(code)s %(title)s。") % {"code": item.code, "title": item.title})
    return redirect("responsibilities:draft", code=code)


@login_required
@require_POST
def item_move(request, code, item_code):
    _duty_list, _draft, item = selectors.draft_item_for_editor(request.user, code, item_code)
    direction = request.POST.get("direction", "")
    try:
        _service_call(request, services.list_item_move, item=item, direction=direction)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(reverse("responsibilities:draft", args=[code]) + f"#item-{item.code}")


@login_required
@require_POST
def draft_discard(request, code):
    _duty_list, draft = selectors.draft_for_editor(request.user, code)
    _result, error = _service_call(request, services.list_draft_discard, version=draft)
    if error is None:
        messages.success(request, _("草稿已删除。"))
    return redirect("responsibilities:editor_index")


@login_required
@require_http_methods(["GET", "POST"])
def draft_import(request, code):
    """Upload: the file is checked here (size, type, zip expansion, columns), then read and imported by a
    Celery job (every import, whatever its size: one road, one result page) whose page shows the progress."""
    duty_list, draft = selectors.draft_for_editor(request.user, code)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            content = imports.check_upload(upload)
            job, error = _service_call(
                request, services.import_job_create, version=draft, filename=upload.name, content=content,
                mode=form.cleaned_data["mode"], valid_only=form.cleaned_data["valid_only"],
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                service_errors_into_form(form, exc)
            else:
                form.add_error("file", exc)
        else:
            if error is not None:
                return redirect("responsibilities:draft", code=code)
            return redirect("responsibilities:import_job", code=code, pk=job.pk)
    return render(request, "responsibilities/editor/import.html", {
        "duty_list": duty_list, "draft": draft, "form": form, "headers": imports.HEADERS,
        "jobs": draft.import_jobs.filter(created_by=request.user).defer("content")[:5],
    })


@login_required
@require_GET
def import_job_detail(request, code, pk):
    """The job's progress and result. While it runs the page reloads itself (meta refresh, no script)."""
    job = selectors.import_job_for_user(request.user, code, pk)
    return render(request, "responsibilities/editor/import_job.html", {
        "duty_list": job.version.duty_list, "draft": job.version, "job": job,
        "can_choose": job.created_by_id == request.user.pk,
    })


@login_required
@require_GET
def import_job_status(request, code, pk):
    """The same progress as JSON, for a script or a monitoring tool."""
    job = selectors.import_job_for_user(request.user, code, pk)
    return JsonResponse({
        "id": job.pk, "status": job.status, "status_label": job.get_status_display(), "running": job.is_running,
        "rows_total": job.rows_total, "rows_processed": job.rows_processed, "percent": job.percent,
        "valid_rows": job.valid_count, "error_rows": job.row_errors, "result": job.result, "error": job.error,
        "progress_text": render_to_string("responsibilities/snippets/import_progress.html", {"job": job}).strip(),
    }, headers={"Cache-Control": "no-store"})


@login_required
@require_POST
def import_job_import_valid(request, code, pk):
    job = selectors.import_job_for_user(request.user, code, pk)
    try:
        _result, error = _service_call(request, services.import_job_import_valid_rows, job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("responsibilities:import_job", code=code, pk=job.pk)


@login_required
@require_GET
def import_template(request, code, fmt):
    selectors.list_for_editor(request.user, code)
    response = HttpResponse(
        imports.export_bytes(imports.template_dataset(), fmt),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if fmt == "xlsx" else "text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="list-import-template.{fmt}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def draft_publish(request, code):
    duty_list, draft = selectors.draft_for_editor(request.user, code)
    current = ListVersion.objects.filter(duty_list=duty_list, status=VersionStatus.PUBLISHED).first()
    form = PublishForm(request.POST or None, initial={"change_note": draft.change_note})
    if request.method == "POST" and form.is_valid():
        try:
            version, error = _service_call(
                request, services.list_publish, version=draft,
                effective_date=form.cleaned_data["effective_date"], change_note=form.cleaned_data["change_note"],
            )
        except ValidationError as exc:
            service_errors_into_form(form, exc)
        else:
            if error is None:
                messages.success(request, _("已发布第 %(n)s 版，公众页面已更新。") % {"n": version.number})
                return redirect("responsibilities:version", code=code, number=version.number)
            return redirect("responsibilities:draft", code=code)
    diff = selectors.version_diff(current, draft) if current else None
    return render(request, "responsibilities/editor/publish.html", {
        "duty_list": duty_list, "draft": draft, "current": current, "diff": diff, "form": form,
        "item_count": len(selectors.version_items(draft)),
    })
