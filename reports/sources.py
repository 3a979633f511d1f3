"""What the reports read from other apps, behind one accessor each.

Permits (key dates, monthly investment) and the projects app's city-library fields (属地, cross-district
projects, 上报市级, 城市更新计划 batch) are read through these functions only, so a report's columns stay
the same whichever app supplies a figure.
"""

from __future__ import annotations


def key_dates(project_ids) -> dict[int, dict]:
    """{project id: {planning_permit, construction_permit, works_started_on, …, library_exit_on}}."""
    from permits.selectors import key_dates as permits_key_dates

    return permits_key_dates(project_ids)


def investment_figures(project_ids, *, year: int, as_of=None) -> dict[int, dict]:
    """{project id: {year_planned, year_completed, since_start, percent_complete, progress_text (形象进度),
    progress_on}} from the monthly investment reports (amounts in 万元, percent as 45.5)."""
    from permits.selectors import investment_figures as permits_figures

    return permits_figures(project_ids, year=year, as_of=as_of)


def latest_narratives(project_ids, *, as_of=None) -> dict[int, tuple[str, object]]:
    """{project id: (进展情况 of the latest monthly report that has one, the day it was reported)}."""
    from django.utils import timezone

    from permits.selectors import current_monthly_reports

    reports = current_monthly_reports().filter(project_id__in=list(project_ids)).exclude(narrative="")
    if as_of is not None:
        reports = reports.filter(month__lte=as_of)
    found = {}
    for project_id, narrative, submitted_at in reports.order_by("project_id", "-month", "-pk").values_list(
        "project_id", "narrative", "submitted_at"
    ):
        if project_id not in found:
            found[project_id] = (narrative, timezone.localtime(submitted_at).date())
    return found


def related_fields() -> tuple[str, ...]:
    """Relations a report row reads besides the ledger's own (select_related)."""
    return ("city_plan_batch",)


def locality(project) -> str:
    """属地（街镇/园区）."""
    return project.locality


def reported_to_city_on(project):
    return project.reported_to_city_on


def city_plan_batch(project):
    """The 城市更新计划 batch the project was admitted in, or None."""
    return project.city_plan_batch


def batch_label(batch) -> str:
    return batch.name if batch is not None else ""


def batch_date(batch):
    return batch.approved_on if batch is not None else None


# Dates the projects app keeps on the project itself (permits writes them there, issue 11); the permits
# selector's answer wins where it has one.
PROJECT_DATES = ("works_started_on", "completion_accepted_on", "library_exit_on")


def project_dates(project, dates: dict) -> dict:
    merged = {name: getattr(project, name) for name in PROJECT_DATES}
    merged.update({key: value for key, value in dates.items() if value not in (None, "")})
    return merged


def district_names_of(project_ids) -> dict[int, str]:
    """区域 of the cross-district projects among these: {id: "海淀区、西城区"} (lead district first)."""
    from projects.models import Project

    through = Project.districts.through.objects.filter(project_id__in=list(project_ids))
    listed: dict[int, list[str]] = {}
    for project_id, name in through.order_by("district__code").values_list("project_id", "district__name"):
        listed.setdefault(project_id, []).append(name)
    if not listed:
        return {}
    leads = dict(Project.objects.filter(pk__in=list(listed)).values_list("pk", "district__name"))
    names = {}
    for project_id, districts in listed.items():
        lead = leads.get(project_id)
        ordered = [lead] + [name for name in districts if name != lead] if lead else districts
        names[project_id] = "、".join(ordered)
    return names
