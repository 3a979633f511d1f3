"""Read-only answers of the permits app other apps build on (reports, supervision, dashboard).

Every function takes many projects at once and runs a constant number of queries; none applies scoping:
callers pass ids they already scoped with `Project.objects.visible_to(user)`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Q, Sum

from permits.choices import EXEMPT, NOT_APPLICABLE, LineState, Procedure, Requirement
from permits.models import AnnualInvestmentPlan, MonthlyInvestmentReport, PermitLine, ProjectWorks
from projects.models import Project

CENT = Decimal("0.01")
KEY_DATE_KEYS = (
    "planning_permit",
    "construction_permit",
    "works_started_on",
    "joint_acceptance_applied_on",
    "joint_acceptance_passed_on",
    "completion_accepted_on",
    "registration_on",
    "library_exit_on",
)


def _line_value(line: PermitLine | None, *, not_applicable):
    """A permit line read as a key date: the issue date once granted, 豁免 when confirmed exempt."""
    if line is None:
        return None
    if line.state == LineState.GRANTED:
        return line.issued_on
    if line.state == LineState.CONFIRMED and line.requirement == Requirement.EXEMPT:
        return EXEMPT
    if line.state == LineState.CONFIRMED and line.requirement == Requirement.NOT_APPLICABLE:
        return not_applicable
    return None


def key_dates(project_ids) -> dict[int, dict]:
    """Per project: planning_permit (date, "豁免" or "不适用"), construction_permit (date, "豁免" or None),
    works_started_on, joint_acceptance_applied_on, joint_acceptance_passed_on, completion_accepted_on,
    registration_on, library_exit_on. Three queries whatever the number of projects."""
    ids = list(project_ids)
    result: dict[int, dict] = {pk: dict.fromkeys(KEY_DATE_KEYS) for pk in ids}
    if not ids:
        return result
    for row in Project.objects.filter(pk__in=ids).values(
        "pk", "works_started_on", "completion_accepted_on", "library_exit_on"
    ):
        entry = result[row["pk"]]
        entry["works_started_on"] = row["works_started_on"]
        entry["completion_accepted_on"] = row["completion_accepted_on"]
        entry["library_exit_on"] = row["library_exit_on"]
    for row in ProjectWorks.objects.filter(project_id__in=ids).values(
        "project_id", "joint_acceptance_applied_on", "joint_acceptance_passed_on", "registration_on"
    ):
        entry = result[row["project_id"]]
        for key in ("joint_acceptance_applied_on", "joint_acceptance_passed_on", "registration_on"):
            entry[key] = row[key]
    lines = PermitLine.objects.filter(
        project_id__in=ids, procedure__in=(Procedure.PLANNING_PERMIT, Procedure.CONSTRUCTION_PERMIT)
    ).only("project_id", "procedure", "state", "requirement", "issued_on")
    for line in lines:
        if line.procedure == Procedure.PLANNING_PERMIT:
            result[line.project_id]["planning_permit"] = _line_value(line, not_applicable=NOT_APPLICABLE)
        else:
            result[line.project_id]["construction_permit"] = _line_value(line, not_applicable=None)
    return result


def current_monthly_reports():
    """The counting version of every month's report (older versions are kept but never summed)."""
    return MonthlyInvestmentReport.objects.filter(is_current=True)


def investment_figures(project_ids, *, year: int, as_of: datetime.date | None = None) -> dict[int, dict]:
    """Per project (万元 / percent, Decimal or None): year_planned (本年计划投资), year_completed (本年累计),
    since_start (开工累计), percent_complete (since_start / total investment), progress_text and progress_on
    (形象进度 of the latest month reported, and that month). Months after `as_of` are left out. Four queries."""
    ids = list(project_ids)
    keys = (
        "year_planned",
        "year_completed",
        "since_start",
        "percent_complete",
        "progress_text",
        "progress_on",
    )
    result: dict[int, dict] = {pk: dict.fromkeys(keys) for pk in ids}
    if not ids:
        return result
    reports = current_monthly_reports().filter(project_id__in=ids)
    if as_of is not None:
        reports = reports.filter(month__lte=as_of)
    year_start = datetime.date(year, 1, 1)
    sums = reports.values("project_id").annotate(
        since_start=Sum("invested"),
        year_completed=Sum(
            "invested", filter=Q(month__gte=year_start, month__lt=year_start.replace(year=year + 1))
        ),
    )
    totals = dict(Project.objects.filter(pk__in=ids).values_list("pk", "total_investment"))
    for row in sums:
        entry = result[row["project_id"]]
        # SQLite sums decimals as floats: round once to the 0.01 万元 the figures are typed in.
        entry["since_start"] = Decimal(row["since_start"]).quantize(CENT)
        entry["year_completed"] = Decimal(row["year_completed"] or 0).quantize(CENT)
        total = totals.get(row["project_id"])
        if total:
            entry["percent_complete"] = (entry["since_start"] * 100 / total).quantize(CENT)
    for project_id, amount in AnnualInvestmentPlan.objects.filter(project_id__in=ids, year=year).values_list(
        "project_id", "amount"
    ):
        result[project_id]["year_planned"] = amount
    seen = set()
    for project_id, month, text in reports.order_by("project_id", "-month").values_list(
        "project_id", "month", "progress_text"
    ):
        if project_id not in seen:
            seen.add(project_id)
            result[project_id]["progress_text"], result[project_id]["progress_on"] = text, month
    return result
