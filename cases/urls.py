from django.urls import path

from cases import views, views_deadlines, views_search

app_name = "cases"

urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/is-ours/", views.is_ours, name="is_ours"),
    path("report/duplicates/", views.report_duplicates, name="report_duplicates"),
    path("township/", views.township_list, name="township_list"),
    path("triage/", views.triage_queue, name="triage_queue"),
    path("department/", views.department_queue, name="department_queue"),
    path("supervision/", views.supervision, name="supervision"),
    path("residents/access-request/", views.resident_access_request, name="resident_access_request"),
    # Desk work across cases (cases.views_search).
    path("search/", views_search.case_search, name="search"),
    path("search/map/", views_search.case_map, name="map"),
    path("search/saved/", views_search.saved_search_save, name="saved_search_save"),
    path("search/saved/<int:pk>/delete/", views_search.saved_search_delete, name="saved_search_delete"),
    path("bulk/assign/", views_search.bulk_assign, name="bulk_assign"),
    path("bulk/urge/", views_search.bulk_urge, name="bulk_urge"),
    path("triage/next/", views_search.triage_next, name="triage_next"),
    path("<int:pk>/sheet/", views_search.assignment_sheet, name="assignment_sheet"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("<int:pk>/triage/", views.case_triage, name="triage"),
    path("<int:pk>/assign/", views.case_assign, name="assign"),
    path("<int:pk>/return/", views.case_return, name="return"),
    path("<int:pk>/refuse-unadmitted/", views.case_refuse_unadmitted, name="refuse_unadmitted"),
    path("<int:pk>/withdraw/", views.case_withdraw, name="withdraw"),
    path("<int:pk>/claim/", views.case_claim, name="claim"),
    path("<int:pk>/decline/", views.case_decline, name="decline"),
    path("<int:pk>/reassign/", views.case_reassign, name="reassign"),
    path("<int:pk>/resolve/", views.case_resolve, name="resolve"),
    path("<int:pk>/feedback/", views.case_feedback, name="feedback"),
    path("<int:pk>/request-info/", views.case_request_info, name="request_info"),
    path("<int:pk>/answer-info/", views.case_answer_info, name="answer_info"),
    path("<int:pk>/comment/", views.case_comment, name="comment"),
    # Deadlines (延期申请, 催办): cases.views_deadlines, owned by the deadlines work.
    path("<int:pk>/extension/", views_deadlines.extension_request, name="extension_request"),
    path("extensions/<int:pk>/decide/", views_deadlines.extension_decide, name="extension_decide"),
    path("<int:pk>/urge/", views_deadlines.urge, name="urge"),
]
