"""Routes under /admission/ (职责准入)."""

from django.urls import path

from admission import views

app_name = "admission"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("registry/", views.registry, name="registry"),
    path("registry/export.xlsx", views.registry_export, name="registry_export"),
    path("public/", views.public_register, name="public_register"),
    path("public/<str:number>/", views.public_detail, name="public_detail"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("<int:pk>/attach/", views.attach, name="attach"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/check/", views.check, name="check"),
    path("<int:pk>/consult/", views.consult, name="consult"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/return/", views.return_, name="return"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/arrival/", views.arrival, name="arrival"),
    path("<int:pk>/renew/", views.renew, name="renew"),
    path("<int:pk>/retire/", views.retire, name="retire"),
]
