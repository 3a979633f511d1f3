"""The joint-review inbox's table rows, written in Python: `{% inbox_plan_rows rows %}` (staff, entities),
`{% inbox_department_review_rows rows %}` and `{% inbox_pre_review_rows comments %}` (a department).

Fifty rows through the template engine were the larger part of the inbox's rendering at city scale
(three `{% url %}`, an include and some thirty lookups a row; issue 16). The rows are the HTML the template
wrote — tests/perf/test_review_inbox.py renders both and compares them — and their lights are
`light_badge`, the Python twin of templates/includes/light.html for an open deadline (the inbox lights
only open ones).
"""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe

from projects.templatetags.ledger_rows import light_badge
from renewal.deadline_html import format_html_fast as format_html
from review.choices import PlanState

register = template.Library()

# Constants, so marked safe once.
DASH = mark_safe("—")
MAJOR_PROJECT = mark_safe(' <span class="badge text-bg-light border">须市政府批准</span>')
NOT_SUBMITTED = mark_safe('<span class="text-muted">尚未报送</span>')
NOT_ASKED = mark_safe('<span class="text-muted">未提请</span>')

# A key no page shows, reversed once per list in place of each row's key.
MARKER = 918273645


class Links:
    """reverse() once per list and URL name, then each row's key put in: a staff page has 150 links, and a
    reverse() took 20–40 µs on the benchmark machine (filling one in, under 1 µs)."""

    def __init__(self, *names):
        self.parts = {name: reverse(name, args=[MARKER]).split(str(MARKER)) for name in names}

    def __call__(self, name, key) -> str:
        head, tail = self.parts[name]
        return f"{head}{int(key)}{tail}"


def _rows(html_rows) -> str:
    return mark_safe("\n".join(html_rows))  # each row built by format_html


def _clock(row, *, titled: bool = False) -> str:
    """The cell of a row's earliest open clock: its due date (after its title, or 到期), and its light."""
    if row is None:
        return DASH
    deadline = row.deadline
    due = date_format(deadline.due_date)
    if titled:
        text = format_html('<div class="small">{} {}</div>', deadline.title, due)
    else:
        text = format_html('<div class="small">到期 {}</div>', due)
    return text + light_badge(row)


def plan_row(row, links: Links) -> str:
    plan = row.plan
    project = plan.project
    state = PlanState(plan.state)
    name = format_html('<a href="{}">{}</a>', links("review:plan_detail", plan.pk), project.name)
    if plan.major_project:
        name += MAJOR_PROJECT
    version = format_html("第{}版", plan.current_version) if plan.current_version else NOT_SUBMITTED
    actions = format_html(
        '<a class="btn btn-sm btn-link" href="{}">签核历程</a>', links("review:history", plan.project_id)
    )
    if row.review_round:
        progress = format_html(
            '<span data-progress>{}/{}</span> <span class="small text-muted">（第{}轮已答复/会签部门）</span>',
            row.answered,
            row.total,
            row.review_round.number,
        )
        if row.awaiting_confirmation:
            progress += format_html(
                '<div class="small text-info">{} 项修改后同意待确认</div>', row.awaiting_confirmation
            )
        actions = (
            format_html(
                '<a class="btn btn-sm btn-outline-primary" href="{}">会签情况</a> ',
                links("review:joint_round", plan.pk),
            )
            + actions
        )
    else:
        progress = NOT_ASKED
    return format_html(
        '<tr data-plan="{}"><td>{}</td><td>{}</td><td><span class="badge text-bg-{}">{}</span></td>'
        '<td class="text-nowrap">{}</td><td>{}</td><td>{}</td><td class="text-nowrap">{}</td></tr>',
        plan.pk,
        project.code or DASH,
        name,
        state.badge,
        state.label,
        version,
        progress,
        _clock(row.earliest, titled=True),
        actions,
    )


@register.simple_tag
def inbox_plan_rows(rows) -> str:
    links = Links("review:plan_detail", "review:joint_round", "review:history")
    return _rows(plan_row(row, links) for row in rows)


def department_review_row(item, links: Links) -> str:
    review = item.review
    review_round = review.review_round
    project = review_round.plan.project
    return format_html(
        '<tr data-review="{}"><td style="min-width: 10rem">{}<div class="small text-muted">{}</div></td>'
        "<td>第{}轮 · 第{}版</td>"
        '<td class="small">{}</td><td>{}</td>'
        '<td class="text-nowrap"><a class="btn btn-sm btn-primary" href="{}">提出意见</a></td></tr>',
        review.pk,
        project.name,
        project.code,
        review_round.number,
        review_round.version,
        review.matters or DASH,
        _clock(item.deadline),
        links("review:department_review", review.pk),
    )


@register.simple_tag
def inbox_department_review_rows(rows) -> str:
    links = Links("review:department_review")
    return _rows(department_review_row(item, links) for item in rows)


def pre_review_row(comment, links: Links) -> str:
    project = comment.plan.project
    # The template's date filter read the time in the current time zone (a request at 23:30 UTC is the next
    # day in Beijing).
    requested = (
        date_format(timezone.localtime(comment.requested_at), "Y年n月j日") if comment.requested_at else ""
    )
    return format_html(
        '<tr data-pre-review="{}"><td>{}<div class="small text-muted">{}</div></td><td>第{}版</td><td>{}</td>'
        '<td class="text-nowrap"><a class="btn btn-sm btn-outline-primary" href="{}">答复预审意见</a></td></tr>',
        comment.pk,
        project.name,
        project.code,
        comment.version,
        requested,
        links("review:pre_review_comment", comment.pk),
    )


@register.simple_tag
def inbox_pre_review_rows(comments) -> str:
    links = Links("review:pre_review_comment")
    return _rows(pre_review_row(comment, links) for comment in comments)
