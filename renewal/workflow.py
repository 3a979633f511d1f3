"""The transition helper every workflow in the portal uses (ARCHITECTURE.md, "Where logic lives").

A workflow is one table of allowed transitions. `Workflow.apply` checks that the action is allowed
from the current state and that its guards pass (saying what is missing if not), locks the row,
changes the state, writes the audit event, and runs the step's own changes (opening or closing
deadlines) in the same transaction; side effects are deferred with `transaction.on_commit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from renewal.choices import DeadlineState
from renewal.services import record_event


class TransitionRefused(Exception):
    """A transition the rules do not allow; the message says why and what is missing."""

    def __init__(self, message: str, missing: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.missing = missing or []


Guard = Callable[..., str | None]  # returns a message (what is missing) or None

# Every workflow registers its state labels here, so audit trails can show 已受理 rather than "submitted".
_STATE_LABELS: dict[str, str] = {}


def register_state_labels(labels: dict[str, str]) -> None:
    _STATE_LABELS.update({str(code): str(label) for code, label in labels.items()})


def state_label(code: str) -> str:
    return _STATE_LABELS.get(code, code)


register_state_labels(dict(DeadlineState.choices))


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: the action records something without changing the state
    guards: tuple[Guard, ...] = ()
    reason_required: bool = False


@dataclass
class Workflow:
    name: str
    state_field: str
    state_labels: dict[str, str]
    transitions: Iterable[Transition]
    _by_action: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self):
        self._by_action = {t.action: t for t in self.transitions}
        register_state_labels(self.state_labels)

    def get(self, action: str) -> Transition:
        return self._by_action[action]

    def label(self, state: str) -> str:
        return self.state_labels.get(state, state)

    def available(self, obj, **context) -> list[Transition]:
        """Transitions allowed from the object's current state (guards not evaluated)."""
        state = getattr(obj, self.state_field)
        return [t for t in self._by_action.values() if state in t.sources]

    def check(self, obj, action: str, *, reason: str = "", **context) -> Transition:
        transition = self.get(action)
        state = getattr(obj, self.state_field)
        if state not in transition.sources:
            allowed = "、".join(self.label(s) for s in transition.sources)
            raise TransitionRefused(
                f"当前状态为“{self.label(state)}”，不能{transition.label}（仅在“{allowed}”状态下可以）。"
            )
        if transition.reason_required and not (reason or "").strip():
            raise TransitionRefused(f"{transition.label}须填写原因。", ["原因"])
        missing = [message for guard in transition.guards if (message := guard(obj, **context))]
        if missing:
            raise TransitionRefused(f"不能{transition.label}：" + "；".join(missing) + "。", missing)
        return transition

    def apply(
        self,
        obj,
        action: str,
        *,
        actor,
        reason: str = "",
        request=None,
        data: dict | None = None,
        effects: Callable | None = None,
        on_commit: Callable | None = None,
        **context,
    ):
        """Run one transition on a locked copy of obj and return it (obj itself is not mutated)."""
        with transaction.atomic():
            locked = type(obj).objects.select_for_update().get(pk=obj.pk)
            transition = self.check(locked, action, reason=reason, **context)
            before = getattr(locked, self.state_field)
            if transition.target is not None:
                setattr(locked, self.state_field, transition.target)
            if effects is not None:
                effects(locked)  # the step's own changes: fields, deadlines; runs inside the lock
            locked.save()
            record_event(
                actor=actor,
                action=f"{self.name}.{action}",
                action_label=transition.label,
                obj=locked,
                from_state=before,
                to_state=getattr(locked, self.state_field),
                reason=reason,
                data=data,
                request=request,
            )
            if on_commit is not None:
                transaction.on_commit(lambda: on_commit(locked))
        return locked
