"""The vocabulary of audit actions: every code the trail may hold, its Chinese label, the labels of the
states it records, and whether it exposes one department's opinion (which other departments never read).

Workflows register their transitions here automatically (`renewal.workflow.Workflow`); other writers
register theirs in their app's `audit.py`. `renewal.services.record_event` refuses a code that is not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class AuditAction:
    code: str
    label: str
    exposes_opinion: bool = False
    states: Mapping[str, str] = field(default_factory=dict)  # labels of the from/to codes it records

    def state_label(self, code: str) -> str:
        return self.states.get(code, code)


_REGISTRY: dict[str, AuditAction] = {}


class UnknownAuditAction(ValueError):
    pass


def register(*actions: AuditAction) -> None:
    for action in actions:
        existing = _REGISTRY.get(action.code)
        if existing is not None and existing != action:
            raise ValueError(f"audit action {action.code!r} is registered twice with different definitions")
        _REGISTRY[action.code] = action


def get(code: str) -> AuditAction:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise UnknownAuditAction(f"未登记的审计操作：{code}") from None


def is_registered(code: str) -> bool:
    return code in _REGISTRY


def label(code: str) -> str:
    action = _REGISTRY.get(code)
    return action.label if action else code


def state_label(action_code: str, state_code: str) -> str:
    """A state code as its own workflow names it (草稿 → 已受理 for intake, 编制中 → 已报送 for plans)."""
    action = _REGISTRY.get(action_code)
    return action.state_label(state_code) if action else state_code


def opinion_actions() -> tuple[str, ...]:
    return tuple(code for code, action in _REGISTRY.items() if action.exposes_opinion)


def choices() -> list[tuple[str, str]]:
    return sorted(((code, action.label) for code, action in _REGISTRY.items()), key=lambda row: row[1])


def all_actions() -> list[AuditAction]:
    return list(_REGISTRY.values())
