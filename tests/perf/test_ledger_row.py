"""Issue 16: the ledger's rows are written in Python (projects/templatetags/ledger_rows.py) — the same
HTML the template wrote, row for row, in every case a row can show."""

import datetime
import re

import pytest
from django.template import engines
from django.test import RequestFactory

from projects.selectors import ledger_queryset, ledger_rows
from projects.templatetags.ledger_rows import ledger_row
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
    rows = ledger_rows(ledger_queryset(staff).order_by("pk"))
    assert len(rows) == 8
    lights = set()
    for row in rows:
        expected = TEMPLATE_ROW.render({"row": row}, request)
        assert normalised(ledger_row(row)) == normalised(expected), row.project.name
        lights.add(row.worst.light.light.value if row.worst else None)
        if row.worst is not None and row.worst.deadline.provisional:
            lights.add("provisional")
    assert {"red", "yellow", "green", None, "provisional"} <= lights
    assert any("今日到期" in ledger_row(row) for row in rows)


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
    html = ledger_row(row)
    assert "2027年5月20日前" in html
    assert normalised(html) == normalised(TEMPLATE_ROW.render({"row": row}, request))
