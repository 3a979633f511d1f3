"""`{% ledger_row row %}`: one row of the project library ledger, written in Python.

Fifty rows of twelve cells through the template engine were most of the ledger page's time at city
scale (about 1 ms a row: some fifty variable lookups, filters and an include each; issue 16), and
Django's `format_html` still spent half a millisecond a row checking every argument for lazy strings.
The row is built from plain values (`projects.selectors.ledger_page_rows`) with the standard library's
`html.escape` — what Django's `escape` calls — and is the same HTML the template wrote:
tests/perf/test_ledger_row.py renders both and compares them. Its light is `light_badge`, the Python
twin of templates/includes/light.html for an open deadline.
"""

from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

from projects.choices import Library, Path, Stage
from renewal.deadline_html import PROVISIONAL, open_light

register = template.Library()

STAGES = {stage.value: (stage.badge, escape(str(stage.label))) for stage in Stage}
PATHS = {value: escape(str(label)) for value, label in Path.choices}
LIBRARIES = {value: escape(str(label)) for value, label in Library.choices}
CENT = Decimal("0.01")


def _badge(light, deadline) -> str:
    html = open_light(light, deadline)
    return html + PROVISIONAL if deadline.provisional else html


def light_badge(row) -> SafeString:
    """includes/light.html for an open deadline's row (the ledger lights only open ones)."""
    return mark_safe(_badge(row.light, row.deadline))  # escaped above


def _date(value) -> str:
    return escape(date_format(value)) if value else "—"


def _investment(value) -> str:
    """`floatformat:2` of a total investment: two places, halves rounded up."""
    return "—" if value is None else str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def _detail_url():
    """The project page's URL pattern as a format string: one reverse per page, not one per row."""
    return reverse("projects:project_detail", args=[0]).replace("/0/", "/{}/")


@register.simple_tag(takes_context=True)
def ledger_row(context, row) -> SafeString:
    """One `projects.selectors.LedgerPageRow` as a <tr>."""
    url_format = context.get("_ledger_detail_url")
    if url_format is None:
        url_format = context["_ledger_detail_url"] = _detail_url()  # kept for the page's other rows
    return mark_safe(render_row(row, url_format))  # every value escaped in render_row


def render_row(row, url_format: str) -> str:
    v = row.values
    url = url_format.format(v.pk)
    district = escape(v.district_name)
    if len(row.districts) > 1:
        others = "、".join(name for pk, name in row.districts if pk != v.district_id)
        district += f'<div class="small text-muted" data-testid="cross-district">跨区：{escape(others)}</div>'
    if v.locality:
        district += f'<div class="small text-muted">{escape(v.locality)}</div>'
    category = escape(v.category_name) if v.category_name else "—"
    if v.sub_type_name:
        category += f'<div class="small text-muted">{escape(v.sub_type_name)}</div>'
    entity = escape(v.implementing_name) if v.implementing_name else "—"
    if v.coordinating_name:
        entity += f'<div class="small text-muted">统筹：{escape(v.coordinating_name)}</div>'
    badge, stage = STAGES[v.stage]
    worst = row.worst
    if worst is None:
        deadline, worst_light = '<span class="text-muted">—</span>', "none"
    else:
        more = f" 等{row.deadline_count}项" if row.deadline_count > 1 else ""
        deadline = (
            _badge(worst.light, worst.deadline)
            + f'<div class="small text-muted">{escape(worst.deadline.title)}{more}</div>'
        )
        worst_light = worst.light.light.value
    return (
        f'<tr data-project="{v.pk}">'
        f'<td class="text-nowrap"><a href="{url}">{escape(v.code or "（未编号）")}</a></td>'
        f'<td><a href="{url}">{escape(v.name)}</a></td>'
        f'<td class="text-nowrap">{district}</td>'
        f"<td>{category}</td>"
        f"<td>{PATHS.get(v.path) or escape(v.path)}</td>"
        f'<td><span class="badge text-bg-{badge}">{stage}</span></td>'
        f"<td>{LIBRARIES.get(v.library) or escape(v.library)}</td>"
        f"<td>{entity}</td>"
        f'<td class="text-end text-nowrap">{_investment(v.total_investment)}</td>'
        f'<td class="text-nowrap">{_date(v.received_on)}</td>'
        f'<td class="text-nowrap">{_date(v.admitted_on)}</td>'
        f'<td class="text-nowrap" data-worst-light="{worst_light}">{deadline}</td></tr>'
    )


# --- the intake inbox (templates/projects/intake_inbox.html) ---------------------------------------------

# `Project.only(...)` of an intake inbox row: its six cells and nothing else (a project has some fifty
# columns and five related objects the inbox never shows).
INTAKE_ROW_FIELDS = ("code", "name", "stage", "received_on", "category__name", "sub_type__name")


@register.simple_tag(takes_context=True)
def intake_row(context, project, lights) -> SafeString:
    """One row of the staff's and entities' intake inbox: a project (`INTAKE_ROW_FIELDS`) and its open
    deadlines with their lights, as the inbox template wrote it (issue 16: tests/perf/test_ledger_row.py)."""
    url_format = context.get("_ledger_detail_url")
    if url_format is None:
        url_format = context["_ledger_detail_url"] = _detail_url()
    return mark_safe(render_intake_row(project, lights, url_format))  # every value escaped below


def render_intake_row(project, lights, url_format: str) -> str:
    category = escape(str(project.category)) if project.category else "—"
    if project.sub_type:
        category += f" · {escape(str(project.sub_type))}"
    badge, stage = STAGES[project.stage]
    if lights:
        clocks = "".join(
            f'<div class="small">{escape(row.deadline.title)} {_date(row.deadline.due_date)} '
            f"{_badge(row.light, row.deadline)}</div>"
            for row in lights
        )
    elif project.stage == Stage.SUPPLEMENT:
        clocks = '<span class="small text-muted">待补正，计时中止</span>'
    else:
        clocks = "—"
    return (
        f"<tr><td>{escape(project.code or '（未受理）')}</td>"
        f'<td><a href="{url_format.format(project.pk)}">{escape(project.name or "（未命名）")}</a></td>'
        f"\n    <td>{category}</td>"
        f'\n    <td><span class="badge text-bg-{badge}">{stage}</span></td>'
        f"\n    <td>{_date(project.received_on)}</td>"
        f"\n    <td>{clocks}</td></tr>"
    )
