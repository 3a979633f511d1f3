"""The owners' vote on a plan (民法典 第二百七十八条, cited by the old-building measures 第十一条): who took
part and who agreed, by area of the exclusive parts and by heads, checked against the thresholds.

Exact arithmetic (Fraction over Decimal): a threshold of two thirds or three quarters is never rounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

# 第二百七十八条 第二款: 第一款（六）（七）（八）项 need three quarters of those taking part.
SPECIAL_MATTERS = ("rebuild", "common_parts_use", "raise_fund")
FIGURES = (
    ("total_area", "专有部分总面积"),
    ("holders_count", "物业权利人（业主）总数"),
    ("participant_area", "参与表决业主专有部分面积"),
    ("participant_count", "参与表决人数"),
    ("agree_area", "同意业主专有部分面积"),
    ("agree_count", "同意人数"),
    ("vote_date", "表决日期"),
)
TWO_THIRDS = Fraction(2, 3)
THREE_QUARTERS = Fraction(3, 4)
HALF = Fraction(1, 2)


def _exact(value) -> Fraction:
    return Fraction(Decimal(str(value)))


@dataclass(frozen=True)
class VoteCheck:
    missing: tuple[str, ...]
    failures: tuple[str, ...]
    special: bool

    @property
    def passed(self) -> bool:
        return not self.missing and not self.failures


def percent(part: Fraction, whole: Fraction) -> str:
    """A share for a message, two decimals (display only; the check itself is exact)."""
    return f"{float(part / whole * 100):.2f}%" if whole else "—"


def check_vote(vote: dict) -> VoteCheck:
    """Participation ≥ 2/3 of area and of heads; agreement ≥ 3/4 of participants (area and heads) for
    改建/重建, change of use of common parts and raising the maintenance fund, more than half otherwise."""
    special = any(vote.get(name) for name in SPECIAL_MATTERS)
    missing = tuple(label for name, label in FIGURES if vote.get(name) in (None, ""))
    if missing:
        return VoteCheck(missing, (), special)
    total_area, heads = _exact(vote["total_area"]), _exact(vote["holders_count"])
    part_area, part_heads = _exact(vote["participant_area"]), _exact(vote["participant_count"])
    agree_area, agree_heads = _exact(vote["agree_area"]), _exact(vote["agree_count"])
    failures = []
    if total_area <= 0 or heads <= 0:
        failures.append("专有部分总面积和业主总数应大于零")
        return VoteCheck((), tuple(failures), special)
    if part_area / total_area < TWO_THIRDS:
        failures.append(f"参与表决的专有部分面积占比{percent(part_area, total_area)}，未达三分之二")
    if part_heads / heads < TWO_THIRDS:
        failures.append(f"参与表决人数占比{percent(part_heads, heads)}，未达三分之二")
    if part_area > 0 and part_heads > 0:
        if special:
            if agree_area / part_area < THREE_QUARTERS:
                failures.append(f"同意面积占参与表决面积{percent(agree_area, part_area)}，未达四分之三")
            if agree_heads / part_heads < THREE_QUARTERS:
                failures.append(f"同意人数占参与表决人数{percent(agree_heads, part_heads)}，未达四分之三")
        else:
            if agree_area / part_area <= HALF:
                failures.append(f"同意面积占参与表决面积{percent(agree_area, part_area)}，未过半数")
            if agree_heads / part_heads <= HALF:
                failures.append(f"同意人数占参与表决人数{percent(agree_heads, part_heads)}，未过半数")
    return VoteCheck((), tuple(failures), special)
