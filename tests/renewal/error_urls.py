"""The portal's URLs plus one that fails, to see the 500 page the way a user would."""

from django.urls import path

from renewal.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def fail(request):
    raise RuntimeError("a bug")


urlpatterns = [*urlpatterns, path("test-fail/", fail)]
