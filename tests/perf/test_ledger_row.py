"""Issue 16: the ledger's rows are written in Python (projects/templatetags/ledger_rows.py) — the same
HTML the template wrote, row for row, in every case a row can show."""

import datetime
import re

import pytest
from django.template import engines
from django.test import RequestFactory

from projects.models import Project
from projects.selectors import (
    ledger_open_deadlines,
    ledger_page_rows,
    ledger_page_values,
    ledger_queryset,
    ledger_rows,
)
from projects.templatetags.ledger_rows import _detail_url, _investment, render_row
from renewal.choices import OrganizationKind, Role
from tests.factories import OrganizationFactory, district, user
from tests.projects.factories import ProjectFactory, open_project_deadline

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat

# The row as templates/projects/project_list.html wrote it before issue 16 (its specification).
TEMPLATE_ROW = engines["django"].from_string(
    "{% with project=row.project %}"
    + """    <tr data-project="{{ project.pk }}">{% url 'projects:project_detail' project.pk as detail_url %}
      <td class="text-nowrap"><a href="{{ detail_url }}">{{ project.code|default:"（未编号）" }}</a></td>
      <td><a href="{{ detail_url }}">{{ project.name }}</a></td>
      <td class="text-nowrap">{{ project.district.name }}{% with listed=project.districts.all %}{% if listed|length > 1 %}<div class="small text-muted" data-testid="cross-district">跨区：{% for d in listed %}{% if d.pk != project.district_id %}{{ d.name }}{% if not forloop.last %}、{% endif %}{% endif %}{% endfor %}</div>{% endif %}{% endwith %}{% if project.locality %}<div class="small text-muted">{{ project.locality }}</div>{% endif %}</td>
      <td>{{ project.category.name|default:"—" }}{% if project.sub_type %}<div class="small text-muted">{{ project.sub_type.name }}</div>{% endif %}</td>
      <td>{{ project.get_path_display }}</td>
      <td><span class="badge text-bg-{{ row.stage.badge }}">{{ row.stage.label }}</span></td>
      <td>{{ project.get_library_display }}</td>
      <td>{{ project.implementing_entity.name|default:"—" }}{% if project.coordinating_entity %}<div class="small text-muted">统筹：{{ project.coordinating_entity.name }}</div>{% endif %}</td>
      <td class="text-end text-nowrap">{% if project.total_investment is not None %}{{ project.total_investment|floatformat:2 }}{% else %}—{% endif %}</td>
      <td class="text-nowrap">{{ project.received_on|date|default:"—" }}</td>
      <td class="text-nowrap">{{ project.admitted_on|date|default:"—" }}</td>
      <td class="text-nowrap" data-worst-light="{{ row.worst.light.light.value|default:'none' }}">{% if row.worst %}{% include "includes/light.html" with row=row.worst %}<div class="small text-muted">{{ row.worst.deadline.title }}{% if row.deadlines|length > 1 %} 等{{ row.deadlines|length }}项{% endif %}</div>{% else %}<span class="text-muted">—</span>{% endif %}</td>
    </tr>
"""
    + "{% endwith %}"
)


def written(queryset) -> dict[int, str]:
    """{project id: its row as `{% ledger_row %}` writes it from the page's values}."""
    rows = ledger_page_rows(ledger_page_values(queryset), ledger_open_deadlines(queryset))
    return {row.values.pk: render_row(row, _detail_url()) for row in rows}


def normalised(html: str) -> str:
    # The template left a trailing "、" after the other districts when the lead district was listed last
    # (跨区：西城区、); the Python row joins them properly.
    return re.sub(r">\s+<", "><", str(html)).strip().replace("、</div>", "</div>")


def test_every_kind_of_row_is_the_same_html_as_the_template_wrote(monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: D("2025-06-03"))  # a Tuesday after 端午
    entity = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district(), name="实施<主体>&")
    town = OrganizationFactory(kind=OrganizationKind.TOWN, district=district(), name="学院路街道")
    ProjectFactory(code="", locality="", total_investment=None, received_on=None)
    full = ProjectFactory(
        implementing_entity=entity,
        coordinating_entity=town,
        locality="中关村科学城",
        received_on=D("2025-03-03"),
        admitted_on=D("2025-04-01"),
        total_investment="12345.678",
    )
    full.districts.add(district(), district("110102"))
    ProjectFactory(category=None, sub_type=None)
    red = ProjectFactory()
    open_project_deadline(red, D("2025-03-03"))  # 10 working days: long overdue on 3 June
    yellow = ProjectFactory()
    open_project_deadline(yellow, D("2025-05-28"), amount=5)  # due 5 June: 2 working days left
    open_project_deadline(yellow, D("2025-05-30"), amount=20, title="补正材料")
    green = ProjectFactory()
    open_project_deadline(green, D("2025-06-01"), amount=20)
    due_today = ProjectFactory()
    open_project_deadline(due_today, D("2025-05-19"), amount=10)  # the 10th working day is 3 June
    provisional = ProjectFactory()
    open_project_deadline(provisional, D("2027-12-20"), amount=20)  # reaches into 2028: not in the table
    staff = user(Role.STAFF)
    request = RequestFactory().get("/projects/")
    request.user = staff
    queryset = ledger_queryset(staff).order_by("pk")
    rows, fast = ledger_rows(queryset), written(queryset)
    assert len(rows) == 8 and list(fast) == [row.project.pk for row in rows]
    lights = set()
    for row in rows:
        expected = TEMPLATE_ROW.render({"row": row}, request)
        assert normalised(fast[row.project.pk]) == normalised(expected), row.project.name
        lights.add(row.worst.light.light.value if row.worst else None)
        if row.worst is not None and row.worst.deadline.provisional:
            lights.add("provisional")
    assert {"red", "yellow", "green", None, "provisional"} <= lights
    assert any("今日到期" in html for html in fast.values())


def test_calendar_year_clocks_read_as_a_date(monkeypatch):
    """A clock counted in calendar years (the first land procedures, 第十八条) shows its date."""
    from renewal import services
    from review.deadlines import DEADLINE_LAND_FIRST_PHASE

    monkeypatch.setattr("renewal.calendar.today", lambda: D("2025-06-02"))
    project = ProjectFactory()
    services.open_deadline(project, kind=DEADLINE_LAND_FIRST_PHASE, start=D("2025-05-20"))
    staff = user(Role.STAFF)
    request = RequestFactory().get("/projects/")
    request.user = staff
    (row,) = ledger_rows(ledger_queryset(staff))
    assert row.worst.deadline.counts_calendar_years
    (html,) = written(ledger_queryset(staff)).values()
    assert "2027年5月20日前" in html
    assert normalised(html) == normalised(TEMPLATE_ROW.render({"row": row}, request))


@pytest.mark.parametrize(
    "value", ["0", "0.005", "0.015", "2.675", "12345.678", "99999999.995", "1E+3", "7", "0.1", "3.14159"]
)
def test_investment_is_written_as_floatformat_writes_it(value):
    from decimal import Decimal

    from django.template.defaultfilters import floatformat

    assert _investment(Decimal(value)) == floatformat(Decimal(value), 2)


def test_a_page_of_rows_is_read_without_model_instances(client):
    """Issue 16: a page's rows are values (one query), their districts and lights one query each."""
    staff = user(Role.STAFF)
    for _ in range(3):
        project = ProjectFactory()
        open_project_deadline(project, D("2025-03-03"))
    client.force_login(staff)
    response = client.get("/projects/")
    rows = response.context["rows"]
    assert len(rows) == 3 and all(isinstance(row.values, tuple) for row in rows)
    assert all(row.worst is not None and row.deadline_count == 1 for row in rows)


# The intake inbox's row as templates/projects/intake_inbox.html wrote it before issue 16.
TEMPLATE_INTAKE_ROW = engines["django"].from_string(
    """  <tr><td>{{ project.code|default:"（未受理）" }}</td><td><a href="{% url 'projects:project_detail' project.pk %}">{{ project.name|default:"（未命名）" }}</a></td>
    <td>{{ project.category|default:"—" }}{% if project.sub_type %} · {{ project.sub_type }}{% endif %}</td>
    <td><span class="badge text-bg-{{ project.stage_badge }}">{{ project.get_stage_display }}</span></td>
    <td>{{ project.received_on|date|default:"—" }}</td>
    <td>{% for row in lights %}<div class="small">{{ row.deadline.title }} {{ row.deadline.due_date|date }} {% include "includes/light.html" %}</div>{% empty %}{% if project.stage == "supplement" %}<span class="small text-muted">待补正，计时中止</span>{% else %}—{% endif %}{% endfor %}</td></tr>
"""
)


def test_every_kind_of_intake_row_is_the_same_html_as_the_template_wrote(client, monkeypatch):
    from projects.choices import Stage
    from renewal import services
    from review.deadlines import DEADLINE_LAND_FIRST_PHASE

    monkeypatch.setattr("renewal.calendar.today", lambda: D("2025-06-03"))
    entity = user(Role.ENTITY)
    mine = {"implementing_entity": entity.organization}
    ProjectFactory(stage=Stage.DRAFT, code="", name="", category=None, sub_type=None, **mine)
    ProjectFactory(name="<b>老旧小区</b>&", received_on=D("2025-03-03"), **mine)
    ProjectFactory(stage=Stage.SUPPLEMENT, **mine)
    ProjectFactory(stage=Stage.UNDER_REVIEW, sub_type=None, **mine)
    lit = ProjectFactory(received_on=D("2025-05-28"), **mine)
    open_project_deadline(lit, D("2025-03-03"), title="受理<审查>")  # red
    open_project_deadline(lit, D("2025-05-28"), amount=5)  # yellow
    open_project_deadline(lit, D("2025-06-01"), amount=20)  # green
    open_project_deadline(lit, D("2025-05-19"), amount=10)  # due today
    open_project_deadline(lit, D("2027-12-20"), amount=20)  # provisional
    services.open_deadline(lit, kind=DEADLINE_LAND_FIRST_PHASE, start=D("2025-05-20"))  # calendar years
    client.force_login(entity)
    response = client.get("/projects/inbox/")
    html = normalised(response.content.decode())
    rows = response.context["rows"]
    assert len(rows) == 5
    # Issue 16: a row reads its six cells, not the project's fifty columns and five related objects.
    assert all({"location", "renewal_goal"} <= project.get_deferred_fields() for project, _ in rows)
    full = {
        p.pk: p
        for p in Project.objects.select_related("category", "sub_type").filter(pk__in=[p.pk for p, _ in rows])
    }
    for project, lights in rows:
        expected = normalised(TEMPLATE_INTAKE_ROW.render({"project": full[project.pk], "lights": lights}))
        assert expected in html, project.pk
    assert "待补正，计时中止" in html and "今日到期" in html and "2027年5月20日前" in html and "暂定" in html
    assert "&lt;b&gt;老旧小区&lt;/b&gt;&amp;" in html
