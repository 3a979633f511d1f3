from django.urls import path

from review.views import public

app_name = "publicity"

urlpatterns = [
    path("", public.PublicNoticeListView.as_view(), name="list"),
    path("<int:pk>/", public.PublicNoticeDetailView.as_view(), name="detail"),
    path("<int:pk>/comment/", public.PublicCommentView.as_view(), name="comment"),
]
