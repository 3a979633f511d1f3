"""`{% ledger_row row %}`: one row of the project library ledger, written in Python.

Fifty rows of twelve cells through the template engine were most of the ledger page's time at city
scale (about 1 ms a row: some fifty variable lookups, filters and an include each; issue 16). The row is
the same HTML the template wrote — tests/perf/test_ledger_row.py renders both and compares them — and
its light is `light_badge`, the Python twin of templates/includes/light.html for an open deadline.
"""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from projects.choices import Stage
from renewal.choices import Light

register = template.Library()

PROVISIONAL = mark_safe(  # a constant
    '<span class="badge text-bg-light border ms-1" title="涉及尚未确认的年度日历">暂定</span>'
)


def light_badge(row) -> str:
    """includes/light.html for an open deadline's row (the ledger lights only open ones)."""
    light, deadline = row.light, row.deadline
    colour = Light(light.light)
    if colour == Light.RED:
        text = f"逾期{light.working_days_overdue}个工作日"
    elif deadline.counts_calendar_years:
        text = f"{date_format(deadline.due_date, 'Y年n月j日')}前"
    elif light.working_days_left == 0:
        text = "今日到期"
    else:
        text = f"剩{light.working_days_left}个工作日"
    badge = format_html(
        '<span class="badge text-bg-{}" data-light="{}"><span class="light light-{}"></span>{}</span>',
        colour.badge,
        colour.value,
        colour.value,
        text,
    )
    return badge + PROVISIONAL if deadline.provisional else badge


def _date(value) -> str:
    return date_format(value) if value else "—"


@register.simple_tag
def ledger_row(row) -> str:
    project = row.project
    url = project.get_absolute_url()
    listed = list(project.districts.all())
    district = format_html("{}", project.district.name)
    if len(listed) > 1:
        others = [d.name for d in listed if d.pk != project.district_id]
        district += format_html(
            '<div class="small text-muted" data-testid="cross-district">跨区：{}</div>', "、".join(others)
        )
    if project.locality:
        district += format_html('<div class="small text-muted">{}</div>', project.locality)
    category = format_html("{}", project.category.name if project.category else "—")
    if project.sub_type:
        category += format_html('<div class="small text-muted">{}</div>', project.sub_type.name)
    entity = format_html("{}", project.implementing_entity.name if project.implementing_entity else "—")
    if project.coordinating_entity:
        entity += format_html(
            '<div class="small text-muted">统筹：{}</div>', project.coordinating_entity.name
        )
    stage = Stage(project.stage)
    worst = row.worst
    if worst is None:
        deadline = mark_safe('<span class="text-muted">—</span>')  # a constant
    else:
        more = f" 等{len(row.deadlines)}项" if len(row.deadlines) > 1 else ""
        deadline = light_badge(worst) + format_html(
            '<div class="small text-muted">{}{}</div>', worst.deadline.title, more
        )
    investment = "—" if project.total_investment is None else floatformat(project.total_investment, 2)
    cells = [
        ("text-nowrap", format_html('<a href="{}">{}</a>', url, project.code or "（未编号）")),
        ("", format_html('<a href="{}">{}</a>', url, project.name)),
        ("text-nowrap", district),
        ("", category),
        ("", format_html("{}", project.get_path_display())),
        ("", format_html('<span class="badge text-bg-{}">{}</span>', stage.badge, stage.label)),
        ("", format_html("{}", project.get_library_display())),
        ("", entity),
        ("text-end text-nowrap", format_html("{}", investment)),
        ("text-nowrap", format_html("{}", _date(project.received_on))),
        ("text-nowrap", format_html("{}", _date(project.admitted_on))),
    ]
    return format_html(
        '<tr data-project="{}">{}<td class="text-nowrap" data-worst-light="{}">{}</td></tr>',
        project.pk,
        format_html_join(
            "",
            "<td{}>{}</td>",
            ((mark_safe(f' class="{css}"') if css else "", html) for css, html in cells),  # constant classes
        ),
        worst.light.light.value if worst else "none",
        deadline,
    )
