from django.urls import path

from insights import views

app_name = "insights"

urlpatterns = [
    path("", views.index, name="index"),
    path("thresholds/", views.thresholds, name="thresholds"),
    path("findings/<int:pk>/", views.finding_detail, name="finding"),
    path("findings/<int:pk>/propose/", views.propose, name="propose"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/accept/", views.accept, name="accept"),
    path("proposals/<int:pk>/reject/", views.reject, name="reject"),
    path("proposals/<int:pk>/apply/", views.apply, name="apply"),
    path("report.xlsx", views.report_export, name="report_export"),
    path("print/", views.report_print, name="report_print"),
]
