"""Routes under /lists/. Per-version permalinks (/lists/<code>/v/<n>/) never change meaning:
published versions are immutable."""

from django.urls import path, register_converter

from responsibilities import views


class ExportFormat:
    regex = "xlsx|csv"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(ExportFormat, "fmt")

app_name = "responsibilities"

urlpatterns = [
    path("", views.index, name="index"),
    # Editing (list editors and administrators)
    path("edit/", views.editor_index, name="editor_index"),
    path("edit/new/", views.list_new, name="list_new"),
    path("edit/<slug:code>/draft/start/", views.draft_start, name="draft_start"),
    path("edit/<slug:code>/draft/", views.draft_detail, name="draft"),
    path("edit/<slug:code>/draft/discard/", views.draft_discard, name="draft_discard"),
    path("edit/<slug:code>/draft/items/add/", views.item_add, name="item_add"),
    path("edit/<slug:code>/draft/items/<str:item_code>/", views.item_edit, name="item_edit"),
    path("edit/<slug:code>/draft/items/<str:item_code>/remove/", views.item_remove, name="item_remove"),
    path("edit/<slug:code>/draft/items/<str:item_code>/move/", views.item_move, name="item_move"),
    path("edit/<slug:code>/draft/import/", views.draft_import, name="draft_import"),
    path("edit/<slug:code>/draft/import/jobs/<int:pk>/", views.import_job_detail, name="import_job"),
    path("edit/<slug:code>/draft/import/jobs/<int:pk>/status/", views.import_job_status, name="import_job_status"),
    path("edit/<slug:code>/draft/import/jobs/<int:pk>/import-valid/", views.import_job_import_valid,
         name="import_job_import_valid"),
    path("edit/<slug:code>/draft/import/template.<fmt:fmt>", views.import_template, name="import_template"),
    path("edit/<slug:code>/draft/publish/", views.draft_publish, name="draft_publish"),
    # Public
    path("<slug:code>/", views.list_current, name="list"),
    path("<slug:code>/history/", views.history, name="history"),
    path("<slug:code>/diff/", views.diff, name="diff"),
    path("<slug:code>/v/<int:number>/", views.version_detail, name="version"),
    path("<slug:code>/v/<int:number>/print/", views.version_print, name="version_print"),
    path("<slug:code>/v/<int:number>/export.<fmt:fmt>", views.version_export, name="version_export"),
    path("<slug:code>/v/<int:number>/items/<str:item_code>/", views.item_detail, name="item"),
]
