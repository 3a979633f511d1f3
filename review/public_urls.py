from django.urls import path

from review.views import public

app_name = "publicity"

urlpatterns = [
    path("", public.PublicNoticeListView.as_view(), name="list"),
    path("<int:pk>/", public.PublicNoticeDetailView.as_view(), name="detail"),
    path("<int:pk>/comment/", public.PublicCommentView.as_view(), name="comment"),
    path("<int:pk>/received/", public.PublicCommentReceivedView.as_view(), name="received"),
    path("receipt/", public.ReceiptLookupView.as_view(), name="receipt"),
]
