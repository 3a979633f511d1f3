"""Deadline rows and lights written in Python: the twins of templates/includes/light.html,
deadline_outcome.html and the row of deadline_table.html (issue 16).

Fifty rows through those templates (some forty variable lookups, filters and two includes a row) were
most of the deadline list's time at city scale, and the same table is on every home page and project
page. The HTML is the one the templates wrote: tests/perf/test_deadline_rows.py renders both and compares
them for every kind of row. Every value is escaped with the standard library's `html.escape`, which is
what Django's `escape` calls.
"""

from html import escape

from django.utils import timezone

from renewal.choices import DeadlineRule, DeadlineState, Light

PROVISIONAL = '<span class="badge text-bg-light border ms-1" title="涉及尚未确认的年度日历">暂定</span>'


def cn_date(value) -> str:
    """`|date:"Y年n月j日"` of a date ("" for none)."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def open_light(light, deadline) -> str:
    """The traffic light of an open deadline (light.html's first branch), without the 暂定 badge."""
    colour = Light(light.light)
    if colour == Light.RED:
        text = f"逾期{light.working_days_overdue}个工作日"
    elif deadline.rule == DeadlineRule.CALENDAR_YEARS:
        text = f"{cn_date(deadline.due_date)}前"
    elif light.working_days_left == 0:
        text = "今日到期"
    else:
        text = f"剩{light.working_days_left}个工作日"
    return (
        f'<span class="badge text-bg-{colour.badge}" data-light="{colour.value}">'
        f'<span class="light light-{colour.value}"></span>{escape(text)}</span>'
    )


def outcome(deadline) -> str:
    """deadline_outcome.html: how a closed deadline ended, and when."""
    if deadline.state == DeadlineState.MET:
        if deadline.late_workdays:
            html = (
                f'<span class="badge text-bg-danger" data-outcome="late">'
                f"逾期完成（逾期{deadline.late_workdays}个工作日）</span>"
            )
        else:
            html = '<span class="badge text-bg-success" data-outcome="on_time">按时完成</span>'
    else:
        html = (
            f'<span class="badge text-bg-secondary" data-outcome="{escape(str(deadline.state))}">'
            f"{escape(str(deadline.get_state_display()))}</span>"
        )
    closed = deadline.closed_on or deadline.closed_at
    if closed:
        if hasattr(closed, "tzinfo") and closed.tzinfo is not None:
            closed = timezone.localtime(closed)  # as the |date filter shows an aware time
        ended = "完成" if deadline.state == DeadlineState.MET else "关闭"
        html += f'<div class="small text-muted" data-closed-on>{cn_date(closed)}{ended}</div>'
    return html


def light(row) -> str:
    """light.html: an open deadline's light or a closed one's outcome, then 暂定 if provisional."""
    deadline = row.deadline
    html = open_light(row.light, deadline) if deadline.state == DeadlineState.OPEN else outcome(deadline)
    return html + PROVISIONAL if deadline.provisional else html


def _linked(url, text) -> str:
    return f'<a href="{escape(url)}">{escape(text)}</a>' if url else escape(text)


def deadline_row(row, compact: bool) -> str:
    """One <tr> of includes/deadline_table.html for a DeadlineRow whose links are attached."""
    d = row.deadline
    amount = escape(d.describe_amount())
    if d.basis:
        amount += f" · {escape(d.basis)}"
    due = cn_date(d.due_date) + ("前" if d.rule == DeadlineRule.CALENDAR_YEARS else "")
    start = cn_date(d.start_date)
    if compact:
        due += f'<div class="small text-muted">{start}起算</div>'
        start_cell = ""
    else:
        start_cell = f'<td class="text-nowrap">{start}</td>'
    organization = d.responsible_organization
    return (
        f'<tr data-deadline="{d.pk}"><td>{light(row)}</td>'
        f'<td class="text-break" data-duty><div class="fw-semibold">{_linked(row.subject_url, d.title)}</div>'
        f'<div class="small" data-project>{_linked(row.project_url, d.project_label or d.subject_repr)}</div>'
        f'<div class="small text-muted">{amount}</div></td>'
        f'{start_cell}<td class="text-nowrap">{due}</td>'
        f"<td>{escape(str(organization)) if organization else '—'}</td></tr>"
    )


def format_html_fast(template: str, *args, **kwargs):
    """django.utils.html.format_html without its per-argument checks for lazy strings (half a row's time in
    Python-written table rows): the same escaping — an object with __html__ as it gives itself, anything
    else through `html.escape(str(…))`, which is what Django's `escape` does."""
    from django.utils.safestring import mark_safe

    def esc(value):
        return value.__html__() if hasattr(value, "__html__") else escape(str(value))

    return mark_safe(  # every argument escaped above
        template.format(*(esc(a) for a in args), **{k: esc(v) for k, v in kwargs.items()})
    )
