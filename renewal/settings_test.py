"""Test settings: the production settings with eager Celery and fast hashing.

The real-worker test (tests/integration/test_celery_worker.py) switches eager mode off for itself.
"""

from .settings import *  # noqa: F403
from .settings import VAR_DIR

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = VAR_DIR / "test-media"
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REACTIONS_RAISE = True  # a failing reaction (renewal/reactions.py) fails the test instead of being logged
DASHBOARD_CACHE_SECONDS = 0  # tests reuse user ids across databases: figures are always computed afresh
PUBLIC_PAGE_CACHE_SECONDS = 0  # tests/perf/test_choice_cache.py turns it on
CHOICES_CACHE_SECONDS = 0  # likewise the cached choices (tests/perf/test_choice_cache.py turns them on)
