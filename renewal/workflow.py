"""The transition helper every workflow in the portal uses (ARCHITECTURE.md, "Where logic lives").

A workflow is one table of allowed transitions. Each transition says from which states it runs, who may
act (a predicate on the user and the object), what must hold (guards that say what is missing), the audit
action it writes and the deadline kinds it opens and closes. `Workflow.apply` locks the row, checks all of
that on the locked copy, changes the state, writes the audit event, and runs the step's own changes in the
same transaction; side effects are deferred with `transaction.on_commit`. `Workflow.available_for` answers
the same questions without acting, so buttons and the API's `actions/` come from the table too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction

from renewal import audit_actions
from renewal.services import record_event


class TransitionRefused(Exception):
    """A transition the rules do not allow; the message says why and what is missing."""

    def __init__(self, message: str, missing: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.missing = missing or []


Guard = Callable[..., str | None]  # returns a message (what is missing) or None
Actor = Callable[..., bool]  # (user, obj) → may this user take this step on this object?


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple[str, ...]
    target: str | None  # None: the action records something without changing the state
    guards: tuple[Guard, ...] = ()
    reason_required: bool = False
    actor: Actor | None = None  # who may act; None: anybody the view lets through
    actor_refusal: str = ""  # why others may not, in words a user understands
    opens: tuple[str, ...] = ()  # deadline kinds (renewal.deadline_kinds) the step opens
    closes: tuple[str, ...] = ()  # deadline kinds the step closes
    confirm: str = ""  # the question asked before an irreversible step
    exposes_opinion: bool = False  # the audit event carries one department's opinion
    system: bool = False  # taken by the portal itself (a scheduled task), never offered to a user

    def may_act(self, user, obj) -> bool:
        if self.system:
            return user is None
        if self.actor is None:
            return True
        return bool(user is not None and getattr(user, "is_authenticated", False) and self.actor(user, obj))


@dataclass(frozen=True)
class Availability:
    """One transition as a user sees it now: allowed, or the reason it is refused."""

    action: str
    label: str
    allowed: bool
    reason: str = ""
    confirm: str = ""
    reason_required: bool = False
    permitted: bool = True  # the user is among those who may take this step at all

    def as_dict(self) -> dict:
        return {
            "name": self.action,
            "label": self.label,
            "allowed": self.allowed,
            "reason": self.reason,
            "confirm": self.confirm,
            "reason_required": self.reason_required,
        }


_WORKFLOWS: dict[str, Workflow] = {}


def workflows() -> dict[str, Workflow]:
    return dict(_WORKFLOWS)


@dataclass
class Workflow:
    name: str
    state_field: str
    state_labels: dict[str, str]
    transitions: Iterable[Transition]
    # A guard checked before every transition of the table: when it answers, the record is read-only and
    # nothing may happen to it (an exited project, issue 11 / Haidian guidance 五(七)).
    read_only: Guard | None = None
    _by_action: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self):
        self.transitions = tuple(self.transitions)
        self._by_action = {t.action: t for t in self.transitions}
        _WORKFLOWS[self.name] = self
        audit_actions.register(
            *(
                audit_actions.AuditAction(
                    self.audit_code(t.action),
                    t.label,
                    exposes_opinion=t.exposes_opinion,
                    states=dict(self.state_labels),
                )
                for t in self.transitions
            )
        )

    def audit_code(self, action: str) -> str:
        return f"{self.name}.{action}"

    def get(self, action: str) -> Transition:
        return self._by_action[action]

    def label(self, state: str) -> str:
        return self.state_labels.get(state, state)

    def available(self, obj, **context) -> list[Transition]:
        """Transitions allowed from the object's current state (guards not evaluated)."""
        state = getattr(obj, self.state_field)
        return [t for t in self._by_action.values() if state in t.sources]

    def refusal(self, obj, action: str, *, user=None, reason: str | None = None, **context) -> str:
        """Why the user may not take this step now ("" when allowed). reason=None skips the reason check."""
        try:
            self.check(obj, action, user=user, reason=reason, **context)
        except TransitionRefused as refused:
            return refused.message
        return ""

    def available_for(self, user, obj, **context) -> list[Availability]:
        """Every transition of the table, each allowed or with the reason it is refused (a reason the user
        must still type is not counted as missing)."""
        rows = []
        for transition in self.transitions:
            permitted = transition.may_act(user, obj)
            message = self.refusal(obj, transition.action, user=user, reason=None, **context)
            rows.append(
                Availability(
                    transition.action,
                    transition.label,
                    allowed=not message,
                    reason=message,
                    confirm=transition.confirm,
                    reason_required=transition.reason_required,
                    permitted=permitted,
                )
            )
        return rows

    def allowed_actions(self, user, obj, **context) -> set[str]:
        return {row.action for row in self.available_for(user, obj, **context) if row.allowed}

    def check(self, obj, action: str, *, reason: str | None = "", user=None, **context) -> Transition:
        transition = self.get(action)
        if self.read_only is not None and (message := self.read_only(obj, **context)):
            raise TransitionRefused(message)
        if user is not None and not transition.may_act(user, obj):
            raise TransitionRefused(transition.actor_refusal or f"您不能{transition.label}。")
        state = getattr(obj, self.state_field)
        if state not in transition.sources:
            allowed = "、".join(self.label(s) for s in transition.sources)
            raise TransitionRefused(
                f"当前状态为“{self.label(state)}”，不能{transition.label}（仅在“{allowed}”状态下可以）。"
            )
        if transition.reason_required and reason is not None and not reason.strip():
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
            # Who may act is checked on the locked row, with the guards (a system step has no actor check).
            transition = self.check(locked, action, reason=reason, user=actor, **context)
            before = getattr(locked, self.state_field)
            if transition.target is not None:
                setattr(locked, self.state_field, transition.target)
            if effects is not None:
                effects(locked)  # the step's own changes: fields, deadlines; runs inside the lock
            locked.save()
            record_event(
                actor=actor,
                action=self.audit_code(action),
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
