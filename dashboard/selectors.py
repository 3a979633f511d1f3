"""The leadership dashboard's figures (DOMAIN.md §5 领导驾驶舱), read once for the page and the API.

Every figure is an aggregate in the database over what the user may see (`visible_to`), so the number of
queries does not grow with the number of projects. Each element carries the ledger or deadline-list URL
that shows the same rows (`url`), so a click on a chart opens the filtered list with the same count.

Fields other apps add while this app is built (projects: locality, districts, reported_to_city_on,
city_plan_batch; permits: completion_accepted_on, library_exit_on, monthly reports) are read when present.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import CharField, Count, F, Min, Q, Sum, Value
from django.db.models.functions import TruncMonth
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from dashboard.models import InvestmentTarget
from projects.choices import Library, Stage
from projects.models import Category, Project, SubType
from renewal import calendar as workdays
from renewal.choices import DeadlineState, DepartmentCode, Role
from renewal.filtersets import NO_ORGANIZATION
from renewal.models import Deadline, District, Organization

WAN_PER_YI = Decimal(10000)
NO_CODE = "none"
TREND_MONTHS = 12

# (key, label, Project date field) of the monthly trend; a field not (yet) on the model gives no series.
TREND_SERIES = [
    ("applications", "申请受理", "received_on"),
    ("admissions", "入库", "admitted_on"),
    ("opinions", "联合审查意见", "review_opinion_on"),
    ("completions", "竣工验收", "completion_accepted_on"),
    ("exits", "出库", "library_exit_on"),
]


TARGET_EDITORS = (Role.STAFF, Role.ADMINISTRATOR)


def url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


# --- arithmetic as the district reports it --------------------------------------------------------


def yi(amount_wan) -> Decimal:
    """万元 (as stored) → 亿元, unrounded."""
    return Decimal(amount_wan or 0) / WAN_PER_YI


def money(value) -> float:
    """亿元 shown and sent with 2 decimals, rounded half-up once."""
    return float(Decimal(value or 0).quantize(Decimal("0.01"), ROUND_HALF_UP))


def completion_percent(done, target) -> tuple[int | None, float | None]:
    """Completed against target: a whole percent rounded half-up (88.83 / 69 → 129) and the 1-decimal
    figure for the tooltip (128.7); None without a target."""
    if not target:
        return None, None
    ratio = Decimal(done) * 100 / Decimal(target)
    return int(ratio.quantize(Decimal(1), ROUND_HALF_UP)), float(
        ratio.quantize(Decimal("0.1"), ROUND_HALF_UP)
    )


def growth_percent(next_target, this_target) -> float | None:
    """Next year's target against this year's target with 2 decimals (89 vs 69 → 28.99)."""
    if not this_target or next_target is None:
        return None
    ratio = (Decimal(next_target) - Decimal(this_target)) * 100 / Decimal(this_target)
    return float(ratio.quantize(Decimal("0.01"), ROUND_HALF_UP))


def growth_label(value: float | None) -> str:
    """+28.99% / -3.50% / 持平 0.00%."""
    if value is None:
        return ""
    return f"{value:+.2f}%" if value else "0.00%"


# --- scope ------------------------------------------------------------------------------------------


@dataclass
class Scope:
    """What one user looks at: their visible projects and deadlines, optionally narrowed to one district
    (a city leader drilling in), for one year."""

    user: object
    district: District | None = None
    year: int = 0
    today: datetime.date = field(default_factory=workdays.today)

    def __post_init__(self):
        self.year = self.year or self.today.year

    def projects(self):
        """Visible projects; in one district, those it leads or lists (跨区), as its own users see them."""
        queryset = Project.objects.visible_to(self.user).order_by()
        if not self.district:
            return queryset
        if has_field(Project, "districts"):
            listed = Project.districts.through.objects.filter(district_id=self.district.pk).values(
                "project_id"
            )
            return queryset.filter(Q(district=self.district) | Q(pk__in=listed))
        return queryset.filter(district=self.district)

    def deadlines(self):
        queryset = Deadline.objects.visible_to(self.user).order_by()
        return queryset.filter(district=self.district) if self.district else queryset

    def targets(self):
        queryset = InvestmentTarget.objects.visible_to(self.user).order_by()
        return queryset.filter(district=self.district) if self.district else queryset

    def districts(self):
        """Districts the dashboard compares: every district for a city-level user, else their own."""
        if self.district:
            return [self.district]
        if self.user.is_administrator or self.user.is_city_level:
            return list(District.objects.order_by("code"))
        return list(District.objects.filter(pk=self.user.district_id))

    def ledger_url(self, **params) -> str | None:
        """The ledger filtered to the same rows, or None when the ledger has no such filter (no link is
        better than a link to a list with a different count)."""
        from projects.filtersets import ProjectFilterSet

        if any(name not in ProjectFilterSet.base_filters for name in params):
            return None
        if self.district:
            params.setdefault("district", self.district.pk)
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return self.ledger_path + (f"?{query}" if query else "")

    @cached_property
    def ledger_path(self) -> str:
        """Reversed once per scope: a page links a few hundred chart elements to it."""
        return reverse("projects:project_list")

    def deadlines_url(self, **params) -> str:
        """The deadline list with the filters it has (state, due date); narrowed to the district or the
        responsible organisation where that list offers the filter."""
        from renewal.filtersets import DeadlineFilterSet

        if self.district and "district" in DeadlineFilterSet.base_filters:
            params.setdefault("district", self.district.pk)
        params = {k: v for k, v in params.items() if k in DeadlineFilterSet.base_filters or k == "sort"}
        return self.deadlines_path + "?" + urlencode(params)

    @cached_property
    def deadlines_path(self) -> str:
        return reverse("deadline_list")


def row(code, label, count, investment_wan, url) -> dict:
    return {
        "code": str(code),
        "label": label,
        "count": count,
        "investment": money(yi(investment_wan)),
        "url": url,
    }


# --- pipeline -----------------------------------------------------------------------------------------


def pipeline_groups(scope: Scope) -> list[dict]:
    """One pass over the visible projects: count and investment per stage, library, category, sub-type and
    city-plan batch, with how many were reported to the city — what the funnel, the libraries, the
    categories and the batches are read from (a few hundred groups, one scan instead of two)."""
    keys = ["stage", "library", "category_id", "sub_type_id"]
    extra = {}
    if has_field(Project, "city_plan_batch"):
        keys.append("city_plan_batch_id")
    if has_field(Project, "reported_to_city_on"):
        reported = Q(reported_to_city_on__isnull=False)
        extra = {
            "reported": Count("pk", filter=reported),
            "reported_money": Sum("total_investment", filter=reported),
        }
    return list(
        scope.projects().values(*keys).annotate(n=Count("pk"), money=Sum("total_investment"), **extra)
    )


def summed(groups, key) -> dict:
    totals: dict = {}
    for g in groups:
        entry = totals.setdefault(g.get(key), {"n": 0, "money": Decimal(0)})
        entry["n"] += g["n"]
        entry["money"] += g["money"] or 0
    return totals


def by_stage(scope: Scope, groups: list[dict]) -> list[dict]:
    """Projects per stage in pipeline order (the funnel); stages nobody can list (草稿) are left out when
    empty, so the counts add up to the ledger's total for the same user."""
    counts = summed(groups, "stage")
    rows = []
    for stage in Stage:
        found = counts.pop(stage.value, None)
        if found is None and stage == Stage.DRAFT:
            continue
        rows.append(
            row(
                stage.value,
                stage.label,
                found["n"] if found else 0,
                found["money"] if found else 0,
                scope.ledger_url(stage=stage.value),
            )
        )
    for code, found in counts.items():  # a stage no longer in the choices still counts
        rows.append(row(code, code, found["n"], found["money"], scope.ledger_url(stage=code)))
    return rows


def by_category(scope: Scope, groups: list[dict]) -> list[dict]:
    """Projects per category, each with its sub-types (Haidian guidance 二), from the pipeline's pass."""
    per_sub_type: dict = {}
    for g in groups:
        entry = per_sub_type.setdefault((g["category_id"], g["sub_type_id"]), {"n": 0, "money": Decimal(0)})
        entry["n"] += g["n"]
        entry["money"] += g["money"] or 0
    grouped = [
        {"category_id": category_id, "sub_type_id": sub_type_id, **totals}
        for (category_id, sub_type_id), totals in per_sub_type.items()
    ]
    # Names from the catalogue (a few dozen rows), not grouped by with every project.
    catalogue = {c["pk"]: c for c in Category.objects.values("pk", "code", "name", "order")}
    subs = {
        t["pk"]: t
        for t in SubType.objects.filter(
            pk__in=[r["sub_type_id"] for r in grouped if r["sub_type_id"]]
        ).values("pk", "name", "order")
    }
    for r in grouped:
        c = catalogue.get(r["category_id"], {})
        t = subs.get(r["sub_type_id"], {})
        r.update(
            category__code=c.get("code"),
            category__name=c.get("name"),
            category__order=c.get("order", 0),
            sub_type__name=t.get("name"),
            sub_type__order=t.get("order", 0),
        )
    categories: dict = {}
    for r in grouped:
        key = r["category_id"]
        entry = categories.setdefault(
            key,
            {
                "order": (r["category__order"] if key else 999, key or 0),
                "code": r["category__code"] or NO_CODE,
                "label": r["category__name"] or "未分类",
                "count": 0,
                "money": Decimal(0),
                "url": scope.ledger_url(category=key) if key else None,
                "sub_types": [],
            },
        )
        entry["count"] += r["n"]
        entry["money"] += r["money"] or 0
        if r["sub_type_id"]:
            entry["sub_types"].append(
                (
                    (r["sub_type__order"], r["sub_type_id"]),
                    row(
                        r["sub_type_id"],
                        r["sub_type__name"],
                        r["n"],
                        r["money"],
                        scope.ledger_url(category=key, sub_type=r["sub_type_id"]),
                    ),
                )
            )
    rows = []
    for entry in sorted(categories.values(), key=lambda e: e["order"]):
        item = row(entry["code"], entry["label"], entry["count"], entry["money"], entry["url"])
        item["sub_types"] = [sub for _, sub in sorted(entry["sub_types"], key=lambda pair: pair[0])]
        rows.append(item)
    return rows


def library(scope: Scope, groups: list[dict]) -> dict:
    """Reserve vs implementation library (and exited); 上报市级 vs 纳入城市更新计划 by batch."""
    counts = summed(groups, "library")
    items = [
        row(
            lib.value,
            lib.label,
            counts.get(lib.value, {}).get("n", 0),
            counts.get(lib.value, {}).get("money"),
            scope.ledger_url(library=lib.value),
        )
        for lib in Library
        if lib != Library.NONE and (lib != Library.EXITED or lib.value in counts)
    ]
    result = {"items": items, "reported_to_city": None, "city_plan_batches": []}
    if has_field(Project, "reported_to_city_on"):
        result["reported_to_city"] = row(
            "reported",
            "上报市级",
            sum(g["reported"] for g in groups),
            sum((g["reported_money"] or 0 for g in groups), Decimal(0)),
            scope.ledger_url(reported_to_city="true"),
        )
    if has_field(Project, "city_plan_batch"):
        from projects.models import CityPlanBatch

        per_batch = summed([g for g in groups if g["city_plan_batch_id"]], "city_plan_batch_id")
        batches = (
            CityPlanBatch.objects.filter(pk__in=list(per_batch)).order_by("approved_on", "pk")
            if per_batch
            else []
        )
        result["city_plan_batches"] = [
            row(
                batch.pk,
                batch.name,
                per_batch[batch.pk]["n"],
                per_batch[batch.pk]["money"],
                scope.ledger_url(city_plan_batch=batch.pk),
            )
            for batch in batches
        ]
    return result


def under_publicity(scope: Scope, groups: list[dict], limit: int = 10) -> dict:
    """Projects whose plan is under publicity now (stage 公示), the ones ending soonest first."""
    projects = scope.projects().filter(stage=Stage.PUBLICITY)
    total = summed(groups, "stage").get(Stage.PUBLICITY.value, {"n": 0, "money": 0})
    items = [
        {
            "id": p["pk"],
            "code": p["code"],
            "label": p["name"],
            "ends": p["publicity_end"].date().isoformat() if p["publicity_end"] else None,
            "url": reverse("projects:project_detail", args=[p["pk"]]),
        }
        for p in projects.order_by("publicity_end", "pk").values("pk", "code", "name", "publicity_end")[
            :limit
        ]
    ]
    return {
        "count": total["n"],
        "investment": money(yi(total["money"])),
        "url": scope.ledger_url(stage=Stage.PUBLICITY.value),
        "items": items,
    }


# --- districts ----------------------------------------------------------------------------------------


def by_district(scope: Scope, investment: dict, overdue_by_district: dict) -> list[dict]:
    """Projects per district; a project spanning several districts counts in each of them (so these
    counts may add up to more than the total). With each district's target, completion and overdue count
    for the city leader's ranking."""
    counts = defaultdict(lambda: {"n": 0, "money": Decimal(0)})
    for r in scope.projects().values("district_id").annotate(n=Count("pk"), money=Sum("total_investment")):
        counts[r["district_id"]]["n"] += r["n"]
        counts[r["district_id"]]["money"] += r["money"] or 0
    if has_field(Project, "districts"):
        extra = (
            Project.districts.through.objects.filter(project__in=scope.projects().values("pk"))
            .exclude(district_id=F("project__district_id"))
            .values("district_id")
            .annotate(n=Count("project_id"), money=Sum("project__total_investment"))
        )
        for r in extra:
            counts[r["district_id"]]["n"] += r["n"]
            counts[r["district_id"]]["money"] += r["money"] or 0
    rows = []
    for place in scope.districts():
        found = counts.get(place.pk, {"n": 0, "money": 0})
        item = row(place.code, place.name, found["n"], found["money"], scope.ledger_url(district=place.pk))
        figures = investment["by_district"].get(place.pk, {})
        item.update(
            district_id=place.pk,
            target=figures.get("target"),
            completed=figures.get("completed", 0.0),
            percent=figures.get("percent"),
            overdue=overdue_by_district.get(place.pk, 0),
            dashboard_url=reverse("dashboard:index") + f"?district={place.code}",
        )
        rows.append(item)
    return rows


# --- investment ---------------------------------------------------------------------------------------


def monthly_reports():
    """The counting monthly reports (permits app: project_id, month, invested in 万元), or None before
    that app is installed."""
    if not apps.is_installed("permits"):
        return None
    try:
        from permits.selectors import current_monthly_reports
    except ImportError:
        return None
    return current_monthly_reports().order_by()


def investment(scope: Scope) -> dict:
    """The year's fixed-asset investment target against the completed figure (monthly reports), next
    year's target against this year's, split by lead department and by locality, month by month."""
    year = scope.year
    targets = list(
        scope.targets()
        .filter(year__in=(year, year + 1))
        .values("year", "district_id", "lead_department", "locality", "amount", "source_document")
    )
    total = {year: Decimal(0), year + 1: Decimal(0)}
    has_total = {year: False, year + 1: False}
    district_targets: dict = defaultdict(Decimal)
    department_targets: dict = defaultdict(Decimal)
    locality_targets: dict = defaultdict(Decimal)
    sources = []
    for t in targets:
        if not t["lead_department"] and not t["locality"]:
            total[t["year"]] += t["amount"]
            has_total[t["year"]] = True
            if t["year"] == year:
                district_targets[t["district_id"]] += t["amount"]
        elif t["year"] == year and t["lead_department"]:
            department_targets[t["lead_department"]] += t["amount"]
        elif t["year"] == year:
            locality_targets[t["locality"]] += t["amount"]
        if t["source_document"] not in sources:
            sources.append(t["source_document"])

    reports = monthly_reports()
    months: dict = {}
    by_department: dict = {}
    by_locality: dict = {}
    by_district_done: dict = {}
    if reports is not None:
        reports = reports.filter(project_id__in=scope.projects().values("pk"), month__year=year)
        months = {
            r["month"].month: yi(r["done"]) for r in reports.values("month").annotate(done=Sum("invested"))
        }
        by_department = {
            r["project__sub_type__lead_department"] or "": yi(r["done"])
            for r in reports.values("project__sub_type__lead_department").annotate(done=Sum("invested"))
        }
        if has_field(Project, "locality"):
            by_locality = {
                r["project__locality"] or "": yi(r["done"])
                for r in reports.values("project__locality").annotate(done=Sum("invested"))
            }
        by_district_done = {
            r["project__district_id"]: yi(r["done"])
            for r in reports.values("project__district_id").annotate(done=Sum("invested"))
        }
    completed = sum(months.values(), Decimal(0))
    target = total[year] if has_total[year] else None
    next_target = total[year + 1] if has_total[year + 1] else None
    percent, precise = completion_percent(completed, target)
    growth = growth_percent(next_target, target)

    def split(targets_by_key: dict, done_by_key: dict, label, url) -> list[dict]:
        rows = []
        for key in sorted(set(targets_by_key) | set(done_by_key), key=lambda k: (k == "", str(k))):
            goal = targets_by_key.get(key)
            whole, tenth = completion_percent(done_by_key.get(key, 0), goal)
            rows.append(
                {
                    "code": key or NO_CODE,
                    "label": label(key),
                    "target": money(goal) if goal is not None else None,
                    "completed": money(done_by_key.get(key, 0)),
                    "percent": whole,
                    "percent_precise": tenth,
                    "url": url(key) if key else None,
                }
            )
        return rows

    departments = dict(DepartmentCode.choices)
    last_month = 12 if year < scope.today.year else scope.today.month if year == scope.today.year else 0
    cumulative, monthly = Decimal(0), []
    for month in range(1, 13):
        cumulative += months.get(month, Decimal(0))
        monthly.append(
            {
                "month": f"{year}-{month:02d}",
                "completed": money(months.get(month, 0)),
                "cumulative": money(cumulative) if month <= last_month else None,
            }
        )
    return {
        "year": year,
        "unit": "亿元",
        "target": money(target) if target is not None else None,
        "completed": money(completed),
        "percent": percent,
        "percent_precise": precise,
        "next_year": year + 1,
        "next_year_target": money(next_target) if next_target is not None else None,
        "growth_percent": growth,
        "growth_label": growth_label(growth),
        "sources": sources,
        "reports_available": reports is not None,
        # Where the figures come from: the works list with the monthly reports, the targets page (staff).
        "completed_url": url_or_none("permits:list"),
        "target_url": url_or_none("dashboard:targets")
        if scope.user.effective_role in TARGET_EDITORS
        else None,
        "by_department": split(
            department_targets,
            by_department,
            lambda code: departments.get(code, code) if code else "未指定牵头部门",
            lambda code: scope.ledger_url(lead_department=code),
        ),
        "by_locality": split(
            locality_targets,
            by_locality,
            lambda name: name or "未填属地",
            lambda name: scope.ledger_url(locality=name),
        ),
        "monthly": monthly,
        "by_district": {
            pk: {
                "target": money(district_targets[pk]) if pk in district_targets else None,
                "completed": money(by_district_done.get(pk, 0)),
                "percent": completion_percent(by_district_done.get(pk, 0), district_targets.get(pk))[0],
            }
            for pk in set(district_targets) | set(by_district_done)
        },
    }


# --- supervision ----------------------------------------------------------------------------------------


def workdays_overdue(due_dates, today: datetime.date) -> dict:
    """Working days overdue of each past due date, as a red light counts them (after the due date up to
    and including today, at least 1), from one calendar snapshot and one pass over its days — not a walk
    per deadline."""
    if not due_dates:
        return {}
    first = min(due_dates)
    snapshot = workdays.snapshot_for([first], today)
    running, counted, day = 0, {}, first
    while day <= today:
        if day > first:
            running += snapshot.is_workday(day)
        counted[day] = running
        day += datetime.timedelta(days=1)  # calendar stepping; the table decides what is a working day
    return {due: max(counted[today] - counted[due], 1) for due in set(due_dates)}


def overdue(scope: Scope) -> tuple[dict, dict]:
    """Open deadlines past their due date by responsible organisation, with working days overdue from the
    calendar table (one snapshot); deadlines met late this year; organisations ranked by overdue count.
    Also the overdue count per district (for the city ranking)."""
    today = scope.today
    # Per organisation (and district): how many, and the oldest due date — the most working days overdue,
    # since the count only grows with the age of the due date. A few dozen rows whatever the deadlines.
    grouped = list(
        scope.deadlines()
        .filter(state=DeadlineState.OPEN, due_date__lt=today)
        .values("responsible_organization_id", "district_id")
        .annotate(n=Count("*"), due_date=Min("due_date"))
    )
    late = list(
        scope.deadlines()
        .filter(state=DeadlineState.MET, late_workdays__gt=0, closed_on__year=scope.year)
        .values("responsible_organization_id")
        .annotate(n=Count("*"), days=Sum("late_workdays"))  # from the index deadline_met_late alone
    )
    # Organisation names once, for the few organisations named (not joined to every deadline).
    named = {g["responsible_organization_id"] for g in grouped} | {
        r["responsible_organization_id"] for r in late
    }
    names = (
        dict(Organization.objects.filter(pk__in=named - {None}).values_list("pk", "name")) if named else {}
    )
    for g in grouped:
        g["responsible_organization__name"] = names.get(g["responsible_organization_id"])
    for r in late:
        r["responsible_organization__name"] = names.get(r["responsible_organization_id"])
    late.sort(key=lambda r: (-r["n"], r["responsible_organization__name"] or ""))
    overdue_days = workdays_overdue([g["due_date"] for g in grouped], today)
    yesterday = today - datetime.timedelta(days=1)  # calendar day before today: "due before today"
    organizations: dict = {}
    per_district: dict = defaultdict(int)
    for g in grouped:
        days = overdue_days[g["due_date"]]
        key = g["responsible_organization_id"]
        entry = organizations.get(key)
        if entry is None:
            entry = organizations[key] = {
                "code": str(key) if key else NO_CODE,
                "label": g["responsible_organization__name"] or "未指定责任单位",
                "count": 0,
                "max_workdays_overdue": 0,
                "url": scope.deadlines_url(
                    state="open",
                    due_date__lte=yesterday.isoformat(),
                    responsible_organization=key or NO_ORGANIZATION,
                ),
            }
        entry["count"] += g["n"]
        entry["max_workdays_overdue"] = max(entry["max_workdays_overdue"], days)
        per_district[g["district_id"]] += g["n"]
    ranking = sorted(
        organizations.values(), key=lambda e: (-e["count"], -e["max_workdays_overdue"], e["label"])
    )
    for rank, entry in enumerate(ranking, start=1):
        entry["rank"] = rank
    late_rows = [
        {
            "code": str(r["responsible_organization_id"] or NO_CODE),
            "label": r["responsible_organization__name"] or "未指定责任单位",
            "count": r["n"],
            "total_workdays_late": r["days"] or 0,
            "url": scope.deadlines_url(
                state="late",
                late_year=scope.year,
                responsible_organization=r["responsible_organization_id"] or NO_ORGANIZATION,
                sort="-closed_on",
            ),
        }
        for r in late
    ]
    result = {
        "count": sum(e["count"] for e in ranking),
        "url": scope.deadlines_url(state="open", due_date__lte=yesterday.isoformat(), sort="due_date"),
        "by_organization": ranking,
        "late_this_year": {
            "year": scope.year,
            "count": sum(r["count"] for r in late_rows),
            "url": scope.deadlines_url(state="late", late_year=scope.year, sort="-closed_on"),
            "by_organization": late_rows,
        },
    }
    return result, dict(per_district)


# --- trend ------------------------------------------------------------------------------------------


def month_starts(today: datetime.date, count: int = TREND_MONTHS) -> list[datetime.date]:
    first = today.replace(day=1)
    months = []
    for _ in range(count):
        months.append(first)
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return months[::-1]


def month_end(start: datetime.date) -> datetime.date:
    following = (start.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def monthly_trend(scope: Scope) -> dict:
    """Applications, admissions, joint-review opinions, completions and exits per month (last 12 months),
    counted from the projects' milestone dates — one grouped count per series, all in one query (UNION
    ALL): a dozen rows per series whatever the number of projects, and little for the ORM to compile."""
    months = month_starts(scope.today)
    present = [(key, label, field) for key, label, field in TREND_SERIES if has_field(Project, field)]
    first, last = months[0], month_end(months[-1])
    grouped = [
        scope.projects()
        .filter(**{f"{date_field}__gte": first, f"{date_field}__lte": last})
        .annotate(series=Value(key, output_field=CharField()), month=TruncMonth(date_field))
        .values("series", "month")
        .annotate(n=Count("pk"))
        .order_by()
        for key, _, date_field in present
    ]
    found: dict = defaultdict(int)
    if grouped:
        union = grouped[0].union(*grouped[1:], all=True) if len(grouped) > 1 else grouped[0]
        for r in union:
            month = r["month"].date() if isinstance(r["month"], datetime.datetime) else r["month"]
            found[(r["series"], month)] += r["n"]
    counts = {
        f"{key}_{index}": found[(key, month)] for key, _, _ in present for index, month in enumerate(months)
    }
    series = [
        {
            "code": key,
            "label": label,
            "counts": [counts[f"{key}_{index}"] for index in range(len(months))],
            "urls": [
                scope.ledger_url(
                    **{f"{date_field}_after": m.isoformat(), f"{date_field}_before": month_end(m).isoformat()}
                )
                for m in months
            ],
        }
        for key, label, date_field in present
    ]
    return {"months": [m.strftime("%Y-%m") for m in months], "series": series}


# --- everything ------------------------------------------------------------------------------------------


def dashboard(scope: Scope) -> dict:
    """The figures of the page and of `GET /api/v1/dashboard/`, under exactly the issue's keys."""
    groups = pipeline_groups(scope)
    money_figures = investment(scope)
    overdue_figures, overdue_by_district = overdue(scope)
    districts = by_district(scope, money_figures, overdue_by_district)
    money_figures.pop("by_district")
    return {
        "by_stage": by_stage(scope, groups),
        "by_category": by_category(scope, groups),
        "by_district": districts,
        "library": library(scope, groups),
        "investment": money_figures,
        "overdue": overdue_figures,
        "under_publicity": under_publicity(scope, groups),
        "monthly_trend": monthly_trend(scope),
    }


# --- a short cache per scope ------------------------------------------------------------------------------

CACHE_PREFIX = "dashboard:v1"


def cache_key(scope: Scope) -> str:
    """Users who see the same rows share the figures: the administrator's (everything), or one role's in
    one organisation and district (what `visible_to` reads) — per database, district drilled into, year
    and day."""
    user = scope.user
    if user.is_superuser or user.is_administrator:
        who = "all"
    else:
        who = f"{user.role}-{user.effective_role}-{int(user.is_city_level)}-{user.district_id}-{user.organization_id}"
    place = scope.district.pk if scope.district else "-"
    database = connection.settings_dict.get("NAME")
    generation = cache.get(f"{CACHE_PREFIX}:{database}:generation", 0)
    return f"{CACHE_PREFIX}:{database}:{generation}:{who}:{place}:{scope.year}:{scope.today.isoformat()}"


def forget_cached_figures() -> None:
    """Staff who have just entered a target see it at once: every scope's cached figures are dropped (by
    moving to a new generation of keys; the old ones expire by themselves)."""
    key = f"{CACHE_PREFIX}:{connection.settings_dict.get('NAME')}:generation"
    try:
        cache.set(key, cache.get(key, 0) + 1, None)
    except Exception:  # the cache is an optimisation
        pass


def cached_dashboard(scope: Scope) -> tuple[dict, datetime.datetime]:
    """The figures, computed at most once a minute per scope (settings.DASHBOARD_CACHE_SECONDS, default 60;
    0 switches the cache off): a leaders' overview may be a minute old — the page says when it was computed
    ("数据更新于 HH:MM"; the API's Last-Modified header); only a target entered by staff drops them
    (forget_cached_figures). An unreachable cache only costs the computation. Returns the figures and
    when they were computed."""
    seconds = getattr(settings, "DASHBOARD_CACHE_SECONDS", 60)
    if seconds > 0:
        try:
            key = cache_key(scope)
            found = cache.get(key)
        except Exception:  # the cache is an optimisation, never a reason to fail the page
            key, found = None, None
        if found is not None:
            return found
    computed = (dashboard(scope), timezone.now())
    if seconds > 0 and key is not None:
        try:
            cache.set(key, computed, seconds)
        except Exception:  # idem
            pass
    return computed
