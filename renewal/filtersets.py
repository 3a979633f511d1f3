"""Filters of the kernel's lists: one FilterSet for the HTML list, its export and the API.

Choices are built from what the requesting user may see (the actions, people and kinds of object
present in their part of the audit trail), so a select never offers a value that finds nothing and
never names something out of scope.
"""

import django_filters
from django import forms
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Min, Q

from renewal import choice_cache
from renewal.choices import DeadlineOutcome, DeadlineState
from renewal.inputs import BoundedDateFilter, ModelChoiceFilter
from renewal.models import AuditEvent, Deadline, District, Organization

SYSTEM_ACTOR = "system"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _facts(events) -> dict:
    """What the choices are made of: per action its smallest label and object type; the (account, name)
    pairs of the actors; the object types."""
    events = events.order_by()
    return {
        "actions": {
            row["action"]: (row["label"], row["object_type"])
            for row in events.values("action").annotate(
                label=Min("action_label"), object_type=Min("content_type")
            )
        },
        "actors": set(events.values_list("actor_id", "actor_name").distinct()),
        "types": set(events.exclude(content_type=None).values_list("content_type", flat=True).distinct()),
    }


def _least(a, b):
    if a is None or b is None:
        return b if a is None else a
    return min(a, b)


def _merge(old: dict, new: dict) -> dict:
    actions = dict(old["actions"])
    for action, (label, object_type) in new["actions"].items():
        known = actions.get(action)
        actions[action] = (
            (label, object_type)
            if known is None
            else (_least(known[0], label), _least(known[1], object_type))
        )
    return {"actions": actions, "actors": old["actors"] | new["actors"], "types": old["types"] | new["types"]}


def audit_facts(events) -> dict:
    """The facts of the events in scope, kept between requests (renewal/choice_cache.py)."""
    return choice_cache.accumulated("audit", events, _facts, _merge)


def action_choices(facts) -> list[tuple[str, str]]:
    """(action code, Chinese label) of the actions present, labelled as a person reads them.

    A label such as "开启期限：入库联合审查" names the action by the part before the colon; two actions
    with the same words (提交 an application, 提交 a plan) are told apart by the kind of object."""
    labels = {action: (label or action).split("：")[0] for action, (label, _) in facts["actions"].items()}
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    choices = []
    for action, (_, object_type) in facts["actions"].items():
        label = labels[action]
        if seen[label] > 1:
            kind = ContentType.objects.get_for_id(object_type) if object_type else None
            model = kind.model_class() if kind is not None else None
            label = f"{label}（{model._meta.verbose_name if model else action}）"
        choices.append((action, label))
    return sorted(choices, key=lambda choice: (choice[1], choice[0]))


def actor_choices(facts) -> list[tuple[str, str]]:
    """The people who appear in the events (by account), and 系统 for what no person did."""
    choices, system = [], False
    for actor_id, name in facts["actors"]:
        if actor_id is None:
            system = True
        else:
            choices.append((str(actor_id), name))
    choices.sort(key=lambda choice: (choice[1], int(choice[0])))
    return choices + ([(SYSTEM_ACTOR, "系统")] if system else [])


def object_type_choices(facts) -> list[tuple[str, str]]:
    choices = []
    for type_id in facts["types"]:
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is not None:
            choices.append((str(type_id), str(model._meta.verbose_name)))
    return sorted(choices, key=lambda choice: choice[1])


def visible_organizations(request):
    user = _user(request)
    if user is None:
        return Organization.objects.none()
    return Organization.objects.visible_to(user).order_by("district__code", "kind", "name")


class AuditFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("date_from"), cleaned.get("date_to")
        if first and last and first > last:
            self.add_error("date_to", "截止日期不能早于起始日期。")
        if cleaned.get("object_id") and not cleaned.get("object_type"):
            self.add_error("object_type", "按对象编号筛选时，请选择对象类型。")
        return cleaned


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.ChoiceFilter(label="操作", empty_label="全部操作")
    actor = django_filters.ChoiceFilter(label="操作人", method="filter_actor", empty_label="全部人员")
    organization = ModelChoiceFilter(
        label="单位",
        queryset=visible_organizations,
        method="filter_organization",
        empty_label="全部单位",
        help_text="操作人所在单位，或被操作对象所属单位",
    )
    date_from = BoundedDateFilter(
        label="起始日期", field_name="created_at", lookup_expr="date__gte", widget=DATE_WIDGET
    )
    date_to = BoundedDateFilter(
        label="截止日期", field_name="created_at", lookup_expr="date__lte", widget=DATE_WIDGET
    )
    object_type = django_filters.ChoiceFilter(
        label="对象类型", field_name="content_type", empty_label="全部对象"
    )
    object_id = django_filters.CharFilter(label="对象编号", field_name="object_id", lookup_expr="exact")
    q = django_filters.CharFilter(
        label="对象名称", method="filter_text", help_text="对象名称中的文字，如项目名称或编号"
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "actor", "organization", "date_from", "date_to", "object_type", "object_id", "q"]
        form = AuditFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, **kwargs):
        super().__init__(data, queryset, request=request, **kwargs)
        user = _user(request)
        events = AuditEvent.objects.visible_to(user) if user is not None else AuditEvent.objects.none()
        facts = audit_facts(events)
        self.filters["action"].extra["choices"] = action_choices(facts)
        self.filters["actor"].extra["choices"] = actor_choices(facts)
        self.filters["object_type"].extra["choices"] = object_type_choices(facts)

    def filter_actor(self, queryset, name, value):
        if value == SYSTEM_ACTOR:
            return queryset.filter(actor__isnull=True)
        return queryset.filter(actor_id=value)

    def filter_organization(self, queryset, name, value):
        return queryset.filter(
            Q(actor__organization=value) | Q(organization=value) | Q(co_organization=value)
        )

    def filter_text(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(object_repr__icontains=term)
        return queryset

    def applied_filters(self) -> dict[str, str]:
        """The parameters actually given, as strings (for the audit trail of an export)."""
        return {name: self.data.get(name) for name in self.filters if self.data.get(name)}

    def described_filters(self) -> dict[str, str]:
        """The filters given, in words ("操作": "确认入库"), for the export's title and audit event."""
        if not self.is_bound or not self.form.is_valid():
            return {}
        described = {}
        for name, value in self.applied_filters().items():
            field = self.form.fields[name]
            shown = value
            choices = dict((str(k), v) for k, v in getattr(field, "choices", ()) or ())
            if str(value) in choices:
                shown = choices[str(value)]
            elif name == "organization" and self.form.cleaned_data.get(name) is not None:
                shown = str(self.form.cleaned_data[name])
            described[str(field.label)] = str(shown)
        return described


# --- deadlines -------------------------------------------------------------------------------------

# The list's state filter: the workflow states, with a met deadline split into on time and late.
DEADLINE_STATE_FILTERS = [
    (DeadlineState.OPEN.value, DeadlineState.OPEN.label),
    (DeadlineOutcome.ON_TIME.value, DeadlineOutcome.ON_TIME.label),
    (DeadlineOutcome.LATE.value, DeadlineOutcome.LATE.label),
    (DeadlineState.MET.value, "已完成（按时与逾期）"),
    (DeadlineState.SUSPENDED.value, DeadlineState.SUSPENDED.label),
    (DeadlineState.CANCELLED.value, DeadlineState.CANCELLED.label),
    ("closed", "全部已关闭"),
    ("all", "全部"),
]


def filter_deadline_state(queryset, value: str):
    if value == DeadlineOutcome.ON_TIME:
        return queryset.filter(state=DeadlineState.MET).filter(Q(late_workdays=0) | Q(late_workdays=None))
    if value == DeadlineOutcome.LATE:
        return queryset.filter(state=DeadlineState.MET, late_workdays__gt=0)
    if value == "closed":
        return queryset.exclude(state=DeadlineState.OPEN)
    if value in DeadlineState.values:
        return queryset.filter(state=value)
    return queryset


NO_ORGANIZATION = "none"


def visible_deadline_districts(request):
    """Every district for a city-level user or an administrator; otherwise only the user's own."""
    user = _user(request)
    if user is None:
        return District.objects.none()
    if user.is_administrator or user.is_city_level:
        return District.objects.order_by("code")
    return District.objects.filter(pk=user.district_id)


def responsible_organizations(request):
    """Organisations responsible for a deadline the user may see (a select that never finds nothing)."""
    user = _user(request)
    if user is None:
        return Organization.objects.none()
    ids = choice_cache.accumulated(
        "responsible",
        Deadline.objects.visible_to(user),
        lambda deadlines: set(
            deadlines.order_by()
            .exclude(responsible_organization=None)
            .values_list("responsible_organization", flat=True)
            .distinct()
        ),
        set.union,
    )
    return Organization.objects.filter(pk__in=ids).order_by("district__code", "kind", "name")


class DeadlineFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(
        label="状态", choices=DEADLINE_STATE_FILTERS, method="filter_state", empty_label=None
    )
    q = django_filters.CharFilter(label="项目或事项", method="filter_text")
    # The dashboard's drill-down (issue 14): overdue by responsible organisation, per district, and the
    # deadlines met late in one year — the list shows the rows the dashboard counted.
    responsible_organization = ModelChoiceFilter(
        label="责任单位",
        queryset=responsible_organizations,
        empty_label="全部责任单位",
        null_label="未指定责任单位",
        null_value=NO_ORGANIZATION,
    )
    district = ModelChoiceFilter(label="区", queryset=visible_deadline_districts, empty_label="全部区")
    due_date__gte = BoundedDateFilter(
        label="到期日自", field_name="due_date", lookup_expr="gte", widget=DATE_WIDGET
    )
    due_date__lte = BoundedDateFilter(
        label="到期日至", field_name="due_date", lookup_expr="lte", widget=DATE_WIDGET
    )
    late_year = django_filters.NumberFilter(
        label="逾期完成年度",
        method="filter_late_year",
        min_value=2000,
        max_value=2100,
        help_text="该年度内完成、但晚于到期日的期限",
        error_messages={
            "invalid": "逾期完成年度应为四位年份，如2026。",
            "min_value": "逾期完成年度应在2000至2100年之间。",
            "max_value": "逾期完成年度应在2000至2100年之间。",
        },
    )

    class Meta:
        model = Deadline
        fields = {"kind": ["exact"], "due_date": ["gte", "lte"], "provisional": ["exact"]}
        filter_overrides = {models.DateField: {"filter_class": BoundedDateFilter}}

    def filter_state(self, queryset, name, value):
        return filter_deadline_state(queryset, value)

    def filter_late_year(self, queryset, name, value):
        """Met after the due date (late_workdays > 0), closed in that calendar year."""
        return queryset.filter(state=DeadlineState.MET, late_workdays__gt=0, closed_on__year=int(value))

    def filter_text(self, queryset, name, value):
        for term in value.split():
            queryset = queryset.filter(
                Q(project_label__icontains=term) | Q(subject_repr__icontains=term) | Q(title__icontains=term)
            )
        return queryset
