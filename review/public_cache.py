"""The public notice list as anonymous readers see it, kept for a short while (issue 16).

公示公告 is the one page anyone may read, and the one that takes load (a notice in the news). A page of it
is the same for every anonymous reader on a given day, so its HTML is kept per query string and day for
settings.PUBLIC_PAGE_CACHE_SECONDS (default 60; 0 turns it off). Any change to a notice — published,
moved, closed, withdrawn — renews the version at once (signals connected in review/apps.py; the bulk close
of expired notices calls `notices_changed` itself), so only a renamed project can show its old name for
at most that long. Signed-in users and any reader with a message to show get the page computed afresh.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache

VERSION_KEY = "review:public-list:version"


def seconds() -> int:
    return getattr(settings, "PUBLIC_PAGE_CACHE_SECONDS", 60)


def notices_changed(**kwargs) -> None:
    cache.set(VERSION_KEY, time.time_ns(), None)


def cacheable(request) -> bool:
    return bool(seconds()) and not request.user.is_authenticated and not len(messages.get_messages(request))


def key_for(request, today) -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, time.time_ns(), None)
        version = cache.get(VERSION_KEY, 0)
    return f"review:public-list:{version}:{today.isoformat()}:{request.GET.urlencode()}"
