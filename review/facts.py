"""Facts of a plan that follow from its own figures (联合审查办法 第十二条 routing), added to the ones the
entity ticks. Pure: reads the plan's content, touches nothing."""

from __future__ import annotations

from decimal import Decimal

from review.choices import PlanFact
from review.modules import EXPERT_FIRE_DESIGN


def derived_facts(content: dict) -> set[str]:
    """Facts that follow from the plan's own figures, added to the ones the entity ticks."""
    facts = set()
    planning = content.get("planning") or {}

    def number(module, name):
        value = (content.get(module) or {}).get(name)
        return Decimal(value) if value not in (None, "") else None

    before, after = number("planning", "building_scale_before"), number("planning", "building_scale")
    if before is not None and after is not None and after > before:
        facts.add(PlanFact.ADDS_SCALE)
    height_before, height_after = (
        number("planning", "building_height_before"),
        number("planning", "building_height"),
    )
    if height_before is not None and height_after is not None and height_after != height_before:
        facts.add(PlanFact.CHANGES_HEIGHT)
    if planning.get("heritage_protection"):
        facts.add(PlanFact.HERITAGE)
    assessment = content.get("assessment") or {}
    if assessment.get("industrial_land_efficiency"):
        facts.add(PlanFact.INDUSTRIAL_LAND)
    if assessment.get("building_performance"):
        facts.add(PlanFact.BUILDING_PERFORMANCE)
    if assessment.get("heritage_survey"):
        facts.add(PlanFact.HERITAGE)
    if (content.get("architecture") or {}).get("fire_design_method") in EXPERT_FIRE_DESIGN:
        facts.add(PlanFact.SPECIAL_FIRE_DESIGN)
    land = content.get("land") or {}
    if land.get("method") == "五年过渡期":
        facts.add(PlanFact.TRANSITION_POLICY)
    if land.get("method") in ("协议方式配置", "有偿方式配置", "划拨") or land.get("extend_term"):
        facts.add(PlanFact.CHANGES_USE)
    if (content.get("unregistered") or {}).get("involved"):
        facts.add(PlanFact.UNREGISTERED_BUILDINGS)
    fiscal = number("funding", "fiscal")
    if fiscal is not None and fiscal > 0:
        facts.add(PlanFact.FISCAL_FUNDS)
    if (content.get("operation") or {}).get("functions"):
        facts.add(PlanFact.OPERATION)
    # 第十二条（七）（八）: water facilities, accessibility (区残联), a major change of business.
    if planning.get("water_facilities"):
        facts.add(PlanFact.WATER_FACILITIES)
    if (content.get("architecture") or {}).get("accessibility"):
        facts.add(PlanFact.ACCESSIBILITY)
    if (content.get("operation") or {}).get("business_change"):
        facts.add(PlanFact.BUSINESS_CHANGE)
    return facts
