from django import template

from renewal.dates import chinese_dates as readable_dates

register = template.Library()


@register.filter
def chinese_dates(text) -> str:
    """ISO dates inside a stored text (an audit event's states) as 2026年3月4日; the data is unchanged."""
    return readable_dates(text)


@register.filter
def event_state(code, action="") -> str:
    """An audit event's from/to state as a person reads it: `{{ event.to_state|event_state:event.action }}`
    — the label of the event's own workflow, dates in Chinese."""
    from renewal.selectors import event_state_label

    return event_state_label(action or "", code)


@register.simple_tag
def deadline_row(row, compact=False):
    """One row of includes/deadline_table.html, written in Python (renewal/deadline_html.py; issue 16)."""
    from django.utils.safestring import mark_safe

    from renewal.deadline_html import deadline_row as write

    return mark_safe(write(row, bool(compact)))  # every value escaped there


@register.simple_tag(takes_context=True)
def linked_deadline_rows(context, rows):
    """The deadline rows with links to their objects and projects for the signed-in viewer; rows a view
    already linked (selectors.attach_links) cost no query, others one query per kind of object."""
    from renewal.selectors import attach_links

    user = context.get("user")
    rows = list(rows or [])
    if user is not None and user.is_authenticated:
        attach_links(rows, user)
    return rows
