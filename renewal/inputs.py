"""Input bounds shared by forms and filters: dates a person may mean (1949–2100), text without NUL bytes."""

import datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIteratorValue
from django_filters import fields as filter_fields

EARLIEST_DATE = datetime.date(1949, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
DATE_RANGE_MESSAGE = "日期应在1949年1月1日至2100年12月31日之间。"


def within_date_range(value: datetime.date) -> None:
    """Refuse dates like 0001-01-01 or 9999-12-31: nothing in this portal happens outside 1949–2100."""
    if value is not None and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_range")


class BoundedDateField(forms.DateField):
    """A date input that accepts only 1949–2100, with Chinese messages."""

    default_validators = [within_date_range]
    default_error_messages = {"invalid": "请输入有效日期，如 2025-09-26。"}


class BoundedDateFilter(django_filters.DateFilter):
    """A date filter that accepts only 1949–2100 (the filter form says why, in Chinese)."""

    field_class = BoundedDateField


class ListedModelChoiceIterator(filter_fields.ModelChoiceIterator):
    """The choices read with one plain query. Django iterates a ModelChoiceField's queryset through a
    server-side cursor on PostgreSQL (DECLARE … WITH HOLD, FETCH, CLOSE, and the cursor materialised at
    commit): for a filter form's five selects of a few hundred rows, a tenth of the ledger's time at city
    scale (issue 16). The same choices in the same order: the empty one, the null one, then the rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class ListedModelChoiceField(filter_fields.ModelChoiceField):
    iterator = ListedModelChoiceIterator


class ModelChoiceFilter(django_filters.ModelChoiceFilter):
    """django-filter's ModelChoiceFilter whose choices are read with one plain query (above)."""

    field_class = ListedModelChoiceField


class NamedChoiceIterator(ListedModelChoiceIterator):
    """The choices as (primary key, name) pairs read with `values_list`, for models whose label is their name
    (an Organization's `__str__`): a city administrator's 实施主体 select has some 400 options, and building
    400 model instances to read two columns of each was a fifth of the ledger's filter form (issue 16)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for pk, name in list(self.queryset.values_list("pk", "name")):
            yield (ModelChoiceIteratorValue(pk, None), name)


class NamedModelChoiceField(ListedModelChoiceField):
    iterator = NamedChoiceIterator


class NamedModelChoiceFilter(ModelChoiceFilter):
    """A ModelChoiceFilter over a model whose label is its `name` (above); validation reads the chosen row
    as any ModelChoiceField does."""

    field_class = NamedModelChoiceField
