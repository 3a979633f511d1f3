from django.urls import path

from projects.views import intake

app_name = "projects"

urlpatterns = [
    path("new/", intake.ProjectCreateView.as_view(), name="project_create"),
    path("inbox/", intake.IntakeInboxView.as_view(), name="intake_inbox"),
    path("<int:pk>/", intake.ProjectDetailView.as_view(), name="project_detail"),
    path("<int:pk>/edit/", intake.ProjectEditView.as_view(), name="project_edit"),
    path("<int:pk>/attachments/", intake.AttachmentUploadView.as_view(), name="attachment_upload"),
    path("<int:pk>/actions/<slug:action>/", intake.ProjectActionView.as_view(), name="project_action"),
    path("<int:pk>/notice/", intake.AdmissionNoticeView.as_view(), name="admission_notice"),
    path("opinions/<int:pk>/", intake.OpinionView.as_view(), name="opinion"),
    # ledger (list, export) — projects/views/ledger.py
    # import — projects/views/imports.py
]
