"""Helpers for the generated workflow-contract tests."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from renewal.workflow import TransitionRefused


class _Rollback(Exception):
    pass


def accepts(call) -> bool:
    """Whether the service takes the step; nothing it does is kept."""
    try:
        with transaction.atomic():
            call()
            raise _Rollback
    except _Rollback:
        return True
    except (TransitionRefused, PermissionDenied):
        return False
