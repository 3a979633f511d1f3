from django.urls import path

from projects.views import catalogue, coordination, imports, intake, ledger, library

app_name = "projects"

urlpatterns = [
    path("new/", intake.ProjectCreateView.as_view(), name="project_create"),
    path("inbox/", intake.IntakeInboxView.as_view(), name="intake_inbox"),
    path("<int:pk>/", intake.ProjectDetailView.as_view(), name="project_detail"),
    path("<int:pk>/edit/", intake.ProjectEditView.as_view(), name="project_edit"),
    path("<int:pk>/attachments/", intake.AttachmentUploadView.as_view(), name="attachment_upload"),
    path("<int:pk>/actions/<slug:action>/", intake.ProjectActionView.as_view(), name="project_action"),
    path("<int:pk>/notice/", intake.AdmissionNoticeView.as_view(), name="admission_notice"),
    path("<int:pk>/coordination/", coordination.CoordinationView.as_view(), name="coordination"),
    path("<int:pk>/catalogue/", catalogue.CatalogueView.as_view(), name="catalogue"),
    path("opinions/<int:pk>/", intake.OpinionView.as_view(), name="opinion"),
    path("", ledger.ProjectListView.as_view(), name="project_list"),
    path("city-plan/", library.CityPlanView.as_view(), name="city_plan"),
    path("export/", ledger.ProjectExportView.as_view(), name="project_export"),
    path("import/", imports.ImportUploadView.as_view(), name="import_upload"),
    path("import/<int:pk>/", imports.ImportPreviewView.as_view(), name="import_preview"),
    path("import/<int:pk>/commit/", imports.ImportCommitView.as_view(), name="import_commit"),
]
