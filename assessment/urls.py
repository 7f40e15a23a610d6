from django.urls import path

from assessment import views

app_name = "assessment"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("cases/", views.drilldown, name="drilldown"),
    path("export.xlsx", views.export_xlsx, name="export"),
    path("print/", views.print_report, name="print"),
    path("formula/", views.formula, name="formula"),
    path("close/", views.close_month, name="close"),
    path("reopen/", views.reopen_month, name="reopen"),
    path("exemptions/", views.exemption_list, name="exemptions"),
    path("exemptions/new/", views.exemption_new, name="exemption_new"),
    path("exemptions/<int:pk>/", views.exemption_detail, name="exemption_detail"),
    path("exemptions/<int:pk>/evidence/<int:evidence_pk>/", views.exemption_evidence, name="exemption_evidence"),
    path("public/", views.public_summary, name="public"),
]
