"""Issue 16: the joint-review inbox (/review/inbox/) writes its rows in Python
(review/templatetags/inbox_rows.py) — the same HTML the template wrote, row for row, in every case a row
can show — reads a department's keys in one query (no COUNT over the same joins) and loads only the
columns a row shows."""

import datetime
import re

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.choices import Stage
from renewal import services as kernel
from renewal.choices import OrganizationKind, Role
from review.choices import DEADLINE_DEPARTMENT_REVIEW, DEADLINE_LAND_FIRST_PHASE, Decision, PlanState
from review.models import DepartmentReview, ImplementationPlan, PreReviewComment, ReviewRound
from tests.factories import OrganizationFactory, user
from tests.projects.factories import ProjectFactory, open_project_deadline

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat
TODAY = D("2025-06-03")  # a Tuesday after 端午

# The lists as templates/review/joint_inbox.html wrote them before issue 16 (their specification).
TEMPLATE_PLAN_ROWS = engines["django"].from_string(
    """<tbody>{% for row in rows %}
  <tr data-plan="{{ row.plan.pk }}">
    <td>{{ row.plan.project.code|default:"—" }}</td>
    <td><a href="{% url 'review:plan_detail' row.plan.pk %}">{{ row.plan.project.name }}</a>{% if row.plan.major_project %} <span class="badge text-bg-light border">须市政府批准</span>{% endif %}</td>
    <td><span class="badge text-bg-{{ row.plan.state_badge }}">{{ row.plan.get_state_display }}</span></td>
    <td class="text-nowrap">{% if row.plan.current_version %}第{{ row.plan.current_version }}版{% else %}<span class="text-muted">尚未报送</span>{% endif %}</td>
    <td>{% if row.review_round %}<span data-progress>{{ row.answered }}/{{ row.total }}</span> <span class="small text-muted">（第{{ row.review_round.number }}轮已答复/会签部门）</span>{% if row.awaiting_confirmation %}<div class="small text-info">{{ row.awaiting_confirmation }} 项修改后同意待确认</div>{% endif %}{% else %}<span class="text-muted">未提请</span>{% endif %}</td>
    <td>{% if row.earliest %}{% with row=row.earliest %}<div class="small">{{ row.deadline.title }} {{ row.deadline.due_date|date }}</div>{% include "includes/light.html" %}{% endwith %}{% else %}—{% endif %}</td>
    <td class="text-nowrap">{% if row.review_round %}<a class="btn btn-sm btn-outline-primary" href="{% url 'review:joint_round' row.plan.pk %}">会签情况</a>{% endif %}
      <a class="btn btn-sm btn-link" href="{% url 'review:history' row.plan.project_id %}">签核历程</a></td>
  </tr>
  {% empty %}<tr><td colspan="7" class="text-muted">暂无实施方案。</td></tr>{% endfor %}</tbody>"""
)
TEMPLATE_DEPARTMENT_ROWS = engines["django"].from_string(
    """<tbody>{% for item in department_rows %}
  <tr data-review="{{ item.review.pk }}">
    <td style="min-width: 10rem">{{ item.review.review_round.plan.project.name }}<div class="small text-muted">{{ item.review.review_round.plan.project.code }}</div></td>
    <td>第{{ item.review.review_round.number }}轮 · 第{{ item.review.review_round.version }}版</td>
    <td class="small">{{ item.review.matters|default:"—" }}</td>
    <td>{% if item.deadline %}{% with row=item.deadline %}<div class="small">到期 {{ row.deadline.due_date|date }}</div>{% include "includes/light.html" %}{% endwith %}{% else %}—{% endif %}</td>
    <td class="text-nowrap"><a class="btn btn-sm btn-primary" href="{% url 'review:department_review' item.review.pk %}">提出意见</a></td>
  </tr>
  {% empty %}<tr><td colspan="5" class="text-muted">没有待提出的会签意见。</td></tr>{% endfor %}</tbody>"""
)
TEMPLATE_PRE_REVIEW_ROWS = engines["django"].from_string(
    """<tbody>{% for c in pre_review_comments %}
  <tr data-pre-review="{{ c.pk }}">
    <td>{{ c.plan.project.name }}<div class="small text-muted">{{ c.plan.project.code }}</div></td>
    <td>第{{ c.version }}版</td>
    <td>{{ c.requested_at|date:"Y年n月j日" }}</td>
    <td class="text-nowrap"><a class="btn btn-sm btn-outline-primary" href="{% url 'review:pre_review_comment' c.pk %}">答复预审意见</a></td>
  </tr>
  {% empty %}<tr><td colspan="4" class="text-muted">没有待答复的预审征求。</td></tr>{% endfor %}</tbody>"""
)


def normalised(html: str) -> str:
    """Whitespace as a browser reads it: any run is one space, and none counts between table cells and
    rows or at the start of a cell (the template indented its rows; the Python rows do not)."""
    html = re.sub(r"\s+", " ", str(html))
    html = re.sub(r"\s*(</?(?:tbody|tr|td)\b)", r"\1", html)
    return re.sub(r"(<(?:tbody|tr|td)\b[^>]*>)\s+", r"\1", html).strip()


def tables(response) -> list[str]:
    return re.findall(r"<tbody>.*?</tbody>", response.content.decode(), flags=re.S)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: TODAY)
    return TODAY


@pytest.fixture
def department():
    return OrganizationFactory(kind=OrganizationKind.DEPARTMENT, name="海淀区<发展改革委>&")


@pytest.fixture
def staff():
    return user(Role.STAFF)


def plan_of(staff, *, state=PlanState.JOINT_REVIEW, version=1, **project):
    stage = Stage.PLAN_PRE_REVIEW if state == PlanState.PRE_REVIEW else Stage.JOINT_REVIEW
    return ImplementationPlan.objects.create(
        project=ProjectFactory(stage=stage, **project), state=state, current_version=version, created_by=staff
    )


def asked(plan, staff, department, *, number=1, decision=Decision.PENDING, matters="", **fields):
    review_round, _ = ReviewRound.objects.get_or_create(
        plan=plan, number=number, defaults={"version": plan.current_version, "started_by": staff}
    )
    return DepartmentReview.objects.create(
        review_round=review_round, department=department, decision=decision, matters=matters, **fields
    )


def test_the_staffs_plan_rows_are_the_html_the_template_wrote(client, today, staff, department):
    other = OrganizationFactory(kind=OrganizationKind.DEPARTMENT, name="海淀区规划自然资源分局")
    # Not yet submitted, without a code, a name to escape; no round, no clock.
    plan_of(staff, state=PlanState.PRE_REVIEW, version=0, code="", name="<旧城>&改造")
    # A major project in its round: one opinion each way, a change to confirm, its open clock overdue.
    major = plan_of(staff, version=2)
    ImplementationPlan.objects.filter(pk=major.pk).update(major_project=True)
    asked(major, staff, department, decision=Decision.AGREE)
    asked(major, staff, other, decision=Decision.AGREE_AFTER_CHANGE)
    pending = asked(major, staff, OrganizationFactory(kind=OrganizationKind.DEPARTMENT))
    kernel.open_deadline(
        pending, kind=DEADLINE_DEPARTMENT_REVIEW, start=D("2025-03-03"), responsible_organization=department
    )
    # A second round: the first one's opinions and a removed department do not count.
    later = plan_of(staff, version=2)
    asked(later, staff, department, decision=Decision.DISAGREE)
    asked(later, staff, department, number=2)
    asked(later, staff, other, number=2, is_active=False)
    # Every light a project clock shows: yellow (and a later clock), green, due today, provisional, a date.
    yellow = plan_of(staff, state=PlanState.PASSED)
    open_project_deadline(yellow.project, D("2025-05-28"), amount=5, title="公示<准备>")
    open_project_deadline(yellow.project, D("2025-05-30"), amount=20, title="补正材料")
    open_project_deadline(plan_of(staff, state=PlanState.PUBLICITY).project, D("2025-06-01"), amount=20)
    open_project_deadline(plan_of(staff, state=PlanState.OPINION_ISSUED).project, D("2025-05-19"), amount=10)
    open_project_deadline(plan_of(staff).project, D("2027-12-20"), amount=20)  # reaches into 2028
    kernel.open_deadline(
        plan_of(staff, state=PlanState.OPINION_ISSUED).project,
        kind=DEADLINE_LAND_FIRST_PHASE,
        start=D("2025-05-20"),
    )

    client.force_login(staff)
    response = client.get(reverse("review:review_inbox"))
    rows = response.context["rows"]
    assert len(rows) == 8
    (table,) = tables(response)
    assert normalised(table) == normalised(TEMPLATE_PLAN_ROWS.render({"rows": rows}))
    for text in ("尚未报送", "未提请", "须市政府批准", "1 项修改后同意待确认", "2/3", "0/1", "第2轮", "暂定"):
        assert text in table, text
    for text in (
        "逾期",
        "剩2个工作日",
        "今日到期",
        "2027年5月20日前",
        "&lt;旧城&gt;&amp;改造",
        "公示&lt;准备&gt;",
    ):
        assert text in table, text
    assert {"red", "yellow", "green"} <= set(re.findall(r'data-light="(\w+)"', table))
    # The rows no longer go through the template engine's include for each light.
    assert "includes/light.html" not in [t.name for t in response.templates]

    ImplementationPlan.objects.all().delete()
    empty = client.get(reverse("review:review_inbox"))
    (table,) = tables(empty)
    assert normalised(table) == normalised(TEMPLATE_PLAN_ROWS.render({"rows": []}))


def test_a_departments_rows_are_the_html_the_template_wrote(client, today, staff, department):
    reviewer = user(Role.REVIEWER, organization=department)
    overdue = asked(plan_of(staff, name="<危旧楼>&"), staff, department, matters="规划<条件>核实")
    kernel.open_deadline(
        overdue, kind=DEADLINE_DEPARTMENT_REVIEW, start=D("2025-03-03"), responsible_organization=department
    )
    soon = asked(plan_of(staff, code="", version=3), staff, department)
    kernel.open_deadline(
        soon, kind=DEADLINE_DEPARTMENT_REVIEW, start=D("2025-05-30"), responsible_organization=department
    )
    asked(plan_of(staff), staff, department, matters="无时限")  # no clock: last, and a dash
    for hour in (10, 23):  # 23:30 UTC is the next day in Beijing: the date shown is Beijing's
        plan = plan_of(staff, state=PlanState.PRE_REVIEW, version=2, name="预审<项目>")
        comment = PreReviewComment.objects.create(plan=plan, version=2, department=department)
        PreReviewComment.objects.filter(pk=comment.pk).update(
            requested_at=datetime.datetime(2025, 6, 2, hour, 30, tzinfo=datetime.UTC)
        )

    client.force_login(reviewer)
    response = client.get(reverse("review:review_inbox"))
    context = response.context
    assert [row.review.pk for row in context["department_rows"]][:2] == [overdue.pk, soon.pk]
    department_table, pre_review_table = tables(response)
    assert normalised(department_table) == normalised(
        TEMPLATE_DEPARTMENT_ROWS.render({"department_rows": context["department_rows"]})
    )
    assert normalised(pre_review_table) == normalised(
        TEMPLATE_PRE_REVIEW_ROWS.render({"pre_review_comments": context["pre_review_comments"]})
    )
    for text in (
        "&lt;危旧楼&gt;&amp;",
        "规划&lt;条件&gt;核实",
        "第1轮 · 第3版",
        "逾期",
        'data-light="green"',
    ):
        assert text in department_table, text
    assert "2025年6月2日" in pre_review_table and "2025年6月3日" in pre_review_table
    assert "预审&lt;项目&gt;" in pre_review_table
    assert "includes/light.html" not in [t.name for t in response.templates]

    DepartmentReview.objects.all().delete()
    PreReviewComment.objects.all().delete()
    empty = client.get(reverse("review:review_inbox"))
    department_table, pre_review_table = tables(empty)
    assert normalised(department_table) == normalised(
        TEMPLATE_DEPARTMENT_ROWS.render({"department_rows": []})
    )
    assert normalised(pre_review_table) == normalised(
        TEMPLATE_PRE_REVIEW_ROWS.render({"pre_review_comments": []})
    )


def test_a_department_reads_its_keys_once_and_the_rows_only_what_they_show(client, staff, department):
    """One query orders the department's pending reviews (its count is the list's length; there was a
    COUNT over the same joins before it), and no query reads a column of the project a row does not show."""
    reviewer = user(Role.REVIEWER, organization=department)
    for _ in range(3):
        asked(plan_of(staff), staff, department)
        plan = plan_of(staff, state=PlanState.PRE_REVIEW)
        PreReviewComment.objects.create(plan=plan, version=1, department=department)
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("review:review_inbox"))
    assert response.context["department_page"].paginator.count == 3
    assert response.context["pre_review_page"].paginator.count == 3
    sql = [q["sql"] for q in queries.captured_queries]
    reading_reviews = [s for s in sql if 'FROM "review_departmentreview"' in s]
    assert len(reading_reviews) == 2, reading_reviews  # the ordered keys, then the page's rows
    assert not any(
        "COUNT(" in s for s in reading_reviews + [s for s in sql if "review_prereviewcomment" in s]
    )
    assert not any('"projects_project"."renewal_goal"' in s for s in sql)
    assert not any('"review_implementationplan"."content"' in s for s in sql)


def test_the_staffs_rows_read_only_what_they_show(client, staff, department):
    """The same number of queries for one plan as for four (a row reading a column left out would cost a
    query each), and none reads a column of the plan or the project a row does not show."""
    client.force_login(staff)

    def inbox():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("review:review_inbox"))
        return response, [q["sql"] for q in queries.captured_queries]

    plan = plan_of(staff)
    asked(plan, staff, department)
    open_project_deadline(plan.project, D("2025-05-28"), amount=5)
    _, few = inbox()
    for _ in range(3):
        plan = plan_of(staff, version=2)
        asked(plan, staff, department, decision=Decision.AGREE_AFTER_CHANGE)
        open_project_deadline(plan.project, D("2025-05-28"), amount=5)
    response, many = inbox()
    assert len(response.context["rows"]) == 4
    assert len(many) == len(few), many
    assert not any('"projects_project"."renewal_goal"' in s for s in many)
    assert not any('"review_implementationplan"."content"' in s for s in many)
    assert not any('"review_departmentreview"."text"' in s for s in many)
