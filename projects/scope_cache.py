"""Answers about project scope kept in the cache between requests (issue 16), renewed on every change.

Two questions cost a scan of the projects table on every ledger page and API call at city scale: which
organisations are a visible project's 实施主体/统筹主体 (the filter's choices), and which projects other
districts list as 跨区 in a district (part of every district user's scope). Both are kept here under a
version number that any change to a project's entities, districts or stage renews (signals connected in
projects/apps.py; bulk writes call `projects_changed` themselves), so a cached answer is never stale for
longer than a request in flight. settings.CHOICES_CACHE_SECONDS = 0 turns the cache off.
"""

import time

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "projects:scope-cache:version"


def enabled() -> int:
    return getattr(settings, "CHOICES_CACHE_SECONDS", 300)


def projects_changed(**kwargs) -> None:
    """A project was saved, deleted or re-listed: every cached answer becomes unreachable (and expires)."""
    cache.set(VERSION_KEY, time.time_ns(), None)


def _version() -> int:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), None)
        version = cache.get(VERSION_KEY, 0)
    return version


def remembered(name: str, compute):
    """compute() once per version and name (name must identify the scope), then from the cache."""
    key = f"projects:scope-cache:{_version()}:{name}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, enabled())
    return value
