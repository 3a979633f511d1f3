"""The portal's URLs and, under /bench/bare/, the bare views each page is compared with."""

from django.urls import path

from bench import bare
from renewal.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401

urlpatterns = [
    path("bench/bare/<slug:table>/", bare.BareListView.as_view(), name="bench_bare"),
    *urlpatterns,
]
