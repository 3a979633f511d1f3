from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from renewal import views, views_jobs
from renewal.accounts import PortalAuthenticationForm

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # Browsers ask for /favicon.ico whatever the page says; answer with the static icon.
    path("favicon.ico", views.favicon),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=PortalAuthenticationForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("deadlines/", views.DeadlineListView.as_view(), name="deadline_list"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("audit/export/", views.AuditExportView.as_view(), name="audit_export"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("jobs/", views_jobs.JobListView.as_view(), name="job_list"),
    path("jobs/<int:pk>/", views_jobs.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/download/", views_jobs.JobDownloadView.as_view(), name="job_download"),
    path("inbox/", views_jobs.InboxView.as_view(), name="inbox"),
    path(
        "attachments/<int:pk>/download/", views.AttachmentDownloadView.as_view(), name="attachment_download"
    ),
    path("projects/", include("projects.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("reports/", include("reports.urls")),
    path("review/", include("review.urls")),
    path("supervision/", include("supervision.urls")),
    path("permits/", include("permits.urls")),
    path("publicity/", include("review.public_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("renewal.api.urls")),
    path("api/v1/", include("projects.api.urls")),
    path("api/v1/", include("review.api.urls")),
    path("api/v1/", include("supervision.api_urls")),
    path("api/v1/", include("dashboard.api_urls")),
    path("api/v1/", include("permits.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, so the page needs no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]

# Error pages in Chinese inside the portal's layout (templates/400.html, 403.html, 404.html, 500.html).
handler400 = "renewal.views.bad_request"
handler403 = "renewal.views.permission_denied"
handler404 = "renewal.views.page_not_found"
handler500 = "django.views.defaults.server_error"  # renders 500.html without a request or the database
