"""The portal's settings plus the bare comparison views (bench/urls.py); used only by `make bench`."""

from renewal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
