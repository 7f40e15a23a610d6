from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views
from governance import views as governance_views

admin.site.site_header = settings.PLATFORM_NAME
admin.site.site_title = settings.PLATFORM_NAME
admin.site.index_title = "系统管理"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("notifications/", governance_views.notifications, name="notifications"),
    path("notifications/read/", governance_views.notifications_mark_read, name="notifications_mark_read"),
    path("accounts/login/", governance_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/", governance_views.otp_setup, name="otp_setup"),
    path("accounts/2fa/verify/", governance_views.otp_verify, name="otp_verify"),
    path("accounts/2fa/backup-codes/", governance_views.otp_backup_codes, name="otp_backup_codes"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("lists/", include("routing.urls")),  # /lists/lookup/: the public 这件事归谁管？
    path("lists/", include("responsibilities.urls")),
    path("cases/", include("cases.urls")),
    path("assessment/", include("assessment.urls")),
    path("admission/", include("admission.urls")),
    path("insights/", include("insights.urls")),
    path("", include("config.api_urls")),
    path("admin/", admin.site.urls),
]
