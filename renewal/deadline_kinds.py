"""The registry of deadline kinds: each kind's rule, length, legal basis, responsible party and reminders.

`renewal.services.open_deadline(subject, kind=…, start=…)` takes everything else from here, and so do the
deadline calculator (`manage.py workdays due`, `/api/v1/workdays/due/`) and the reminder sweep. Each app
registers its own kinds from its `deadlines.py` when Django starts (AppConfig.ready), so a kind is written
once, in the app whose step opens it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings

from renewal.choices import DeadlineRule


class UnknownDeadlineKind(KeyError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code

    def __str__(self):
        return f"未知的期限类型：{self.code}。已登记的类型：{'、'.join(registered_codes())}"


@dataclass(frozen=True)
class ReminderPolicy:
    """Who is told what and when (DOMAIN.md §5); read by the reminder sweep."""

    at_yellow: bool = True  # when the light turns yellow
    on_due_day: bool = True
    overdue_every_workdays: int = 5  # then again every N working days while overdue (weekly)
    escalate_when_red: bool = True  # tell the supervising staff too


@dataclass(frozen=True)
class DeadlineKind:
    code: str
    label: str
    rule: str  # DeadlineRule
    length: int = 0  # working days or calendar years; ignored when `setting` is given
    setting: str = ""  # a setting that holds the length where the texts leave it open
    basis: str = ""  # legal basis, document and article
    responsible: str = ""  # who must act, in words (the row's organisation is set when it opens)
    minimum: bool = False  # the length is a minimum: the step may choose a longer one, never shorter
    reminders: ReminderPolicy = field(default_factory=ReminderPolicy)

    @property
    def amount(self) -> int:
        return int(getattr(settings, self.setting)) if self.setting else self.length

    def describe(self) -> str:
        unit = "个工作日" if self.rule == DeadlineRule.WORKING_DAYS else "年"
        return f"{'不少于' if self.minimum else ''}{self.amount}{unit}"

    def resolve_amount(self, amount: int | None) -> int:
        """The length to use: the registered one, or a longer one where the kind allows it."""
        if amount is None or amount == self.amount:
            return self.amount
        if not self.minimum:
            raise ValueError(f"{self.label}的期限固定为{self.describe()}，不能改为{amount}。")
        if amount < self.amount:
            unit = "个工作日" if self.rule == DeadlineRule.WORKING_DAYS else "年"
            raise ValueError(f"{self.label}不得少于{self.amount}{unit}。")
        return amount

    def due(self, start: datetime.date, amount: int | None = None) -> tuple[datetime.date, bool]:
        """The due date (and whether it is provisional) the portal would open for this kind from start."""
        from renewal.services import compute_due

        return compute_due(self.rule, start, self.resolve_amount(amount))

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "rule": self.rule,
            "rule_label": DeadlineRule(self.rule).label,
            "length": self.amount,
            "minimum": self.minimum,
            "basis": self.basis,
            "responsible": self.responsible,
        }


_REGISTRY: dict[str, DeadlineKind] = {}


def register(*kinds: DeadlineKind) -> None:
    for kind in kinds:
        existing = _REGISTRY.get(kind.code)
        if existing is not None and existing != kind:
            raise ValueError(f"deadline kind {kind.code!r} is registered twice with different definitions")
        _REGISTRY[kind.code] = kind


def get(code: str) -> DeadlineKind:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise UnknownDeadlineKind(code) from None


def all_kinds() -> list[DeadlineKind]:
    return list(_REGISTRY.values())


def registered_codes() -> list[str]:
    return list(_REGISTRY)


def label(code: str) -> str:
    kind = _REGISTRY.get(code)
    return kind.label if kind else code
