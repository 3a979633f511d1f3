from django.urls import path

from review.views import joint, moderation, plans, public

app_name = "review"

urlpatterns = [
    path("projects/<int:pk>/plan/start/", plans.PlanStartView.as_view(), name="plan_start"),
    path("plans/<int:pk>/", plans.PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", plans.PlanEditView.as_view(), name="plan_edit"),
    path("plans/<int:pk>/actions/<slug:action>/", plans.PlanActionView.as_view(), name="plan_action"),
    path("plans/<int:pk>/deliverables/", plans.DeliverableUploadView.as_view(), name="plan_upload"),
    path("plans/<int:pk>/versions/", plans.PlanVersionsView.as_view(), name="plan_versions"),
    path("plans/<int:pk>/expert-reviews/", plans.ExpertReviewView.as_view(), name="expert_review"),
    path("requests/<int:pk>/mark/", plans.RequestMarkView.as_view(), name="request_mark"),
    path("pre-review/<int:pk>/", plans.PreReviewCommentView.as_view(), name="pre_review_comment"),
    path("inbox/", joint.ReviewInboxView.as_view(), name="review_inbox"),
    path("department-reviews/<int:pk>/", joint.DepartmentReviewView.as_view(), name="department_review"),
    path("department-reviews/<int:pk>/confirm/", joint.ConfirmChangeView.as_view(), name="confirm_change"),
    path("plans/<int:pk>/departments/", joint.ChangeDepartmentsView.as_view(), name="change_departments"),
    path("plans/<int:pk>/review/", joint.JointRoundView.as_view(), name="joint_round"),
    path("plans/<int:pk>/opinion/", joint.OpinionPrintView.as_view(), name="opinion_print"),
    path("projects/<int:pk>/history/", joint.HistoryView.as_view(), name="history"),
    path("publicities/<int:pk>/comments/", public.PublicityCommentsView.as_view(), name="publicity_comments"),
    path("comments/<int:pk>/respond/", public.CommentRespondView.as_view(), name="comment_respond"),
    path("moderation/", moderation.ModerationView.as_view(), name="moderation"),
    path(
        "comments/<int:pk>/moderate/<slug:action>/",
        moderation.ModerateView.as_view(),
        name="comment_moderate",
    ),
]
