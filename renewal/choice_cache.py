"""Filter choices drawn from what a user's scope holds, kept between requests and brought up to date
by reading only the rows added since (issue 16).

The audit trail's actions, people and kinds of object, and the deadline list's responsible
organisations, are "what is present in the user's part of the table" — at city scale a GROUP BY over
hundreds of thousands of rows on every page (220 ms for the audit trail's three selects). Both tables
only grow, so the answer is kept per scope (the scoped query's SQL names the scope) with the highest
primary key it has read; each request reads only the rows above it and merges what they add. A row
committed late with a lower key than one already read, or a row removed, is caught when the answer
is rebuilt from scratch, at most settings.CHOICES_CACHE_SECONDS later (0 turns the cache off).
"""

import hashlib
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache


def seconds() -> int:
    return getattr(settings, "CHOICES_CACHE_SECONDS", 300)


def accumulated(name: str, queryset, collect: Callable, merge: Callable):
    """collect(queryset) → facts; merge(old facts, facts of newer rows) → facts. Returns the facts for
    the whole queryset, reading only rows added since the cached answer was made."""
    lifetime = seconds()
    if not lifetime:
        return collect(queryset)
    newest = queryset.model._default_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
    scope = hashlib.sha256(str(queryset.order_by().values("pk").query).encode()).hexdigest()[:32]
    key = f"choices:{name}:{scope}"
    cached = cache.get(key)
    now = time.time()
    if cached is None or now - cached[0] > lifetime:
        born, facts = now, collect(queryset.filter(pk__lte=newest))
    else:
        born, mark, facts = cached
        if newest <= mark:
            return facts  # nothing added: no write (a cache write per page was a file rename in the bench)
        facts = merge(facts, collect(queryset.filter(pk__gt=mark, pk__lte=newest)))
    cache.set(key, (born, newest, facts), lifetime)
    return facts
