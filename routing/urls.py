from django.urls import path

from routing import views

app_name = "routing"

urlpatterns = [
    path("lookup/", views.lookup, name="lookup"),
    # /lists/edit/departments/: list editors keep the routing profiles of their jurisdiction's departments
    path("edit/departments/", views.profile_index, name="profile_index"),
    path("edit/departments/<str:code>/", views.profile_edit, name="profile_edit"),
]
