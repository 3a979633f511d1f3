"""Reactions to audit events: what happens after a step has committed (notifications, follow-up tasks).

Dependencies point one way (renewal ← projects ← review ← permits ← supervision), yet a later app must
act when an earlier one takes a step (谁审查、谁监管: an issued joint-review opinion creates supervision tasks
in the supervision app; a 补正 request notifies the entity). Every step already writes exactly one audit
event with a registered code, so a later app registers a handler for that code here, explicitly, in its
AppConfig.ready(); `record_event` calls the handlers after the transaction commits. Nothing listens to
model saves, and the list of reactions is one registry that can be read (`reactions_for`).

A handler receives the committed `AuditEvent`. It runs outside the step's transaction: a failing handler
never undoes the step; it is logged (and raised in tests, REACTIONS_RAISE=True, so bugs are not hidden).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

Handler = Callable[..., None]
_HANDLERS: dict[str, list[Handler]] = defaultdict(list)


def react_to(*actions: str):
    """Decorator: run the handler after commit of every audit event with one of these action codes."""

    def register(handler: Handler) -> Handler:
        for action in actions:
            if handler not in _HANDLERS[action]:
                _HANDLERS[action].append(handler)
        return handler

    return register


def reactions_for(action: str) -> list[Handler]:
    return list(_HANDLERS.get(action, ()))


def _run(handler: Handler, event) -> None:
    try:
        handler(event)
    except Exception:
        logger.exception("reaction %s to %s failed", getattr(handler, "__qualname__", handler), event.action)
        if getattr(settings, "REACTIONS_RAISE", False):
            raise


def dispatch(events) -> None:
    """Schedule the handlers of these saved events for after the current transaction commits."""
    for event in events:
        for handler in _HANDLERS.get(event.action, ()):
            transaction.on_commit(lambda handler=handler, event=event: _run(handler, event))
