"""Which projects a report covers: the ledger's own scoping and filters, or a whole district for a
scheduled run. The report lists exactly what the ledger lists with the same filters (issue 13)."""

from __future__ import annotations

from types import SimpleNamespace

from django.db.models import Q
from django.http import QueryDict

from projects.filtersets import ProjectFilterSet
from projects.models import Project
from projects.selectors import LEDGER_RELATED, ledger_queryset
from renewal.models import Deadline

# Ledger parameters that select rows; paging and the report's own options are not filters.
NOT_FILTERS = ("page", "layout", "as_of")


class InvalidFilters(ValueError):
    """The filters do not validate (e.g. a district outside the user's scope)."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("筛选条件有误：" + "；".join(f"{k}：{'、'.join(v)}" for k, v in errors.items()))


def _query(params) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in (params or {}).items():
        if key in NOT_FILTERS:
            continue
        if isinstance(value, list | tuple):
            query.setlist(key, [str(v) for v in value])
        elif value not in (None, ""):
            query[key] = str(value)
    return query


def filtered(user, params, *, with_deadlines: bool = True):
    """(scoped and filtered projects, the filterset) for the user; InvalidFilters when they do not validate."""
    base = (
        ledger_queryset(user)
        if with_deadlines
        else Project.objects.visible_to(user).select_related(*LEDGER_RELATED)
    )
    filterset = ProjectFilterSet(_query(params), queryset=base, request=SimpleNamespace(user=user))
    if not filterset.is_valid():
        raise InvalidFilters({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs, filterset


def describe_filters(filterset) -> dict[str, str]:
    """{label: value as a person reads it} of the filters given (for the sheet's heading and the log)."""
    described = {}
    data = filterset.form.cleaned_data
    for name, raw in filterset.applied_filters().items():
        field = filterset.form.fields.get(name)
        label = str(field.label) if field is not None and field.label else name
        value = data.get(name, raw)
        if value in (None, "", [], ()):
            continue  # given but empty (e.g. 已上报市级 left at 未知): not a filter
        if hasattr(field, "choices") and not hasattr(value, "pk"):
            value = dict((str(k), v) for k, v in field.choices).get(str(raw), raw)
        described[label] = str(value)
    return described


def scope_name(user, filterset=None) -> str:
    """XX区 of the title: the district filtered on, else the user's district, else 全市."""
    if filterset is not None:
        district = filterset.form.cleaned_data.get("district")
        if district is not None:
            return district.name
    if user is None or user.is_administrator or user.is_city_level:
        return "全市"
    return getattr(user.district, "name", "") or "全市"


def visible_deadlines(user):
    return Deadline.objects.visible_to(user)


def district_projects(district, *, with_deadlines: bool = True):
    """A whole district for a scheduled run (no reader: every project but drafts, every deadline)."""
    from django.db.models import Prefetch

    from projects.choices import Stage

    # A cross-district project belongs to every district it lists (as the ledger shows it there).
    listed = Project.districts.through.objects.filter(district_id=district.pk).values("project_id")
    queryset = (
        Project.objects.filter(Q(district=district) | Q(pk__in=listed))
        .exclude(stage=Stage.DRAFT)
        .select_related(*LEDGER_RELATED)
    )
    if with_deadlines:
        queryset = queryset.prefetch_related(
            Prefetch(
                "deadlines",
                queryset=Deadline.objects.open().order_by("due_date", "pk"),
                to_attr="open_deadlines",
            )
        )
    return queryset
