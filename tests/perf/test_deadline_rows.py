"""Issue 16: the deadline table's rows (deadline list, home pages, project pages) are written in Python
(renewal/deadline_html.py) — the same HTML the templates wrote, for every kind of row."""

import datetime
import re

import pytest
from django.template import engines
from django.utils import timezone

from renewal.calendar import LightAnswer
from renewal.choices import DeadlineRule, DeadlineState, Light
from renewal.deadline_html import deadline_row
from renewal.models import Deadline, Organization
from renewal.selectors import DeadlineRow

D = datetime.date.fromisoformat

# The row as templates/includes/deadline_table.html wrote it before issue 16 (its specification); its
# light is templates/includes/light.html, which other pages still include.
TEMPLATE_ROW = engines["django"].from_string(
    """{% with d=row.deadline %}
    <tr data-deadline="{{ d.pk }}">
      <td>{% include "includes/light.html" %}</td>
      <td class="text-break" data-duty>
        <div class="fw-semibold">{% if row.subject_url %}<a href="{{ row.subject_url }}">{{ d.title }}</a>{% else %}{{ d.title }}{% endif %}</div>
        <div class="small" data-project>{% if row.project_url %}<a href="{{ row.project_url }}">{{ d.project_label|default:d.subject_repr }}</a>{% else %}{{ d.project_label|default:d.subject_repr }}{% endif %}</div>
        <div class="small text-muted">{{ d.describe_amount }}{% if d.basis %} · {{ d.basis }}{% endif %}</div>
      </td>
      {% if not compact %}<td class="text-nowrap">{{ d.start_date|date:"Y年n月j日" }}</td>{% endif %}
      <td class="text-nowrap">{{ d.due_date|date:"Y年n月j日" }}{% if d.counts_calendar_years %}前{% endif %}{% if compact %}<div class="small text-muted">{{ d.start_date|date:"Y年n月j日" }}起算</div>{% endif %}</td>
      <td>{{ d.responsible_organization|default:"—" }}</td>
    </tr>
  {% endwith %}"""
)


def normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


def _deadline(pk, **fields):
    values = {
        "title": "入库联合审查",
        "subject_repr": "实施主体<甲>",
        "project_label": "110108-2026-0001 学院路&街区",
        "rule": DeadlineRule.WORKING_DAYS,
        "amount": 10,
        "start_date": D("2026-11-02"),
        "due_date": D("2026-11-16"),
        "state": DeadlineState.OPEN,
        "basis": "",
        "provisional": False,
    }
    values.update(fields)
    deadline = Deadline(pk=pk, **values)
    return deadline


def rows():
    fire = Organization(name="区消防救援局<西>")
    answers = {
        "red": LightAnswer(Light.RED, 0, 3),
        "yellow": LightAnswer(Light.YELLOW, 2, 0),
        "today": LightAnswer(Light.YELLOW, 0, 0),
        "green": LightAnswer(Light.GREEN, 12, 0),
    }
    closed_at = timezone.make_aware(datetime.datetime(2026, 11, 20, 23, 30), datetime.UTC)  # 21st in Beijing
    made = [
        DeadlineRow(
            _deadline(1, basis="《办法》第十条"), answers["red"], "/projects/1/", "/projects/1/", True
        ),
        DeadlineRow(_deadline(2, project_label="", provisional=True), answers["yellow"]),
        DeadlineRow(_deadline(3, responsible_organization=fire), answers["today"], None, "/p/?a=1&b=2", True),
        DeadlineRow(_deadline(4, rule=DeadlineRule.CALENDAR_YEARS, amount=2), answers["green"]),
        DeadlineRow(_deadline(5, rule=DeadlineRule.FIXED_DATE, amount=None), answers["green"]),
        DeadlineRow(_deadline(6, state=DeadlineState.MET, closed_on=D("2026-11-10")), answers["green"]),
        DeadlineRow(
            _deadline(
                7, state=DeadlineState.MET, closed_on=D("2026-11-20"), late_workdays=4, provisional=True
            ),
            answers["red"],
        ),
        DeadlineRow(_deadline(8, state=DeadlineState.CANCELLED, closed_at=closed_at), answers["green"]),
        DeadlineRow(_deadline(9, state=DeadlineState.SUSPENDED), answers["green"]),
        DeadlineRow(_deadline(10, start_date=None, title="<补正>"), answers["red"]),
    ]
    return made


@pytest.mark.parametrize("compact", [False, True])
def test_every_kind_of_deadline_row_is_the_same_html_as_the_template_wrote(compact, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    for row in rows():
        expected = TEMPLATE_ROW.render({"row": row, "compact": compact})
        assert normalised(deadline_row(row, compact)) == normalised(expected), row.deadline.pk


def test_the_deadline_table_writes_its_rows_in_python(monkeypatch):
    """The table no longer includes light.html per row."""
    from django.template.loader import render_to_string

    from renewal import deadline_html

    written = []
    real = deadline_html.deadline_row
    monkeypatch.setattr(
        deadline_html, "deadline_row", lambda row, compact: written.append(row) or real(row, compact)
    )
    html = render_to_string("includes/deadline_table.html", {"rows": rows()[:3]})
    assert len(written) == 3 and html.count("<tr data-deadline=") == 3


def test_the_fast_format_html_escapes_as_django_does():
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    from renewal.deadline_html import format_html_fast

    args = ('<a href="x">&\'', mark_safe("<b>safe</b>"), 12, gettext_lazy("已完成"), None, 1.5)
    template = "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{k}</td>"
    fast = format_html_fast(template, *args, k="<k>")
    assert fast == format_html(template, *args, k="<k>")
    assert hasattr(fast, "__html__")


@pytest.mark.django_db
def test_a_home_page_reads_the_calendar_once_and_counts_as_before(client):
    """Issue 16: the counts and the ten rows share one calendar snapshot (two queries, not four); the
    counts are those light_counts gives on its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from renewal.choices import Role
    from renewal.models import Deadline
    from renewal.selectors import light_counts
    from tests.factories import user
    from tests.projects.factories import ProjectFactory, open_project_deadline

    staff = user(Role.STAFF)
    today = timezone.localdate()
    for start, amount in ((today - datetime.timedelta(days=60), 10), (today, 2), (today, 30)):
        open_project_deadline(ProjectFactory(), start, amount=amount)
    client.force_login(staff)
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    calendar_reads = [q for q in captured.captured_queries if "renewal_workcalendarday" in q["sql"]]
    assert len(calendar_reads) == 1
    alone = light_counts(Deadline.objects.visible_to(staff).open())
    assert response.context["light_counts"] == [
        (light, alone[light]) for light in (Light.RED, Light.YELLOW, Light.GREEN)
    ]
    assert sorted(alone.values()) == [1, 1, 1]
