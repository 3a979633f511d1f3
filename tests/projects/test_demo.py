"""The projects demo (projects/demo.py, run by `manage.py load_demo`) shows the product on any day: intake
clocks in every light, required materials on every application past draft, goals that fit each project.
Loaded here with the kernel's demo only (review/demo.py builds on it and is tested with the review app)."""

import datetime
import io
import re

import pytest
from django.urls import reverse

from projects import demo as projects_demo
from projects.choices import REQUIRED_INTAKE_MATERIALS, Stage
from projects.models import Project
from renewal import calendar as workdays
from renewal import demo as renewal_demo
from renewal.choices import DeadlineState, Light
from renewal.models import Attachment, Deadline
from renewal.selectors import deadlines_with_lights

DAYS = [
    datetime.date(2026, 3, 4),  # a Wednesday
    datetime.date(2026, 3, 7),  # a Saturday
    datetime.date(2026, 10, 9),  # the first working day after the National Day holiday
    datetime.date(2026, 2, 24),  # the first working day after the Spring Festival holiday
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def load(monkeypatch, day):
    monkeypatch.setattr("renewal.calendar.today", lambda: day)
    out = io.StringIO()
    context = renewal_demo.load(out)
    projects_demo.load(out, context=context)
    return context["users"], out.getvalue()


def intake_review(name) -> Deadline:
    project = Project.objects.get(name=name)
    return Deadline.objects.for_subject(project).open().get(kind="intake_review")


@pytest.mark.django_db
@pytest.mark.parametrize("day", DAYS, ids=lambda d: d.isoformat())
def test_intake_clocks_show_every_light_on_any_day(monkeypatch, day):
    load(monkeypatch, day)
    red, yellow, green = (
        intake_review("【演示】清河街道毛纺北小区综合整治"),
        intake_review("【演示】学院路街道展春园小区综合整治"),
        intake_review("【演示】花园路街道牡丹园小区老旧电梯更新"),
    )
    rows = {row.deadline.pk: row.light for row in deadlines_with_lights([red, yellow, green], today=day)}
    assert rows[red.pk].light == Light.RED and 2 <= rows[red.pk].working_days_overdue <= 3
    assert rows[yellow.pk].light == Light.YELLOW and 1 <= rows[yellow.pk].working_days_left <= 3
    assert rows[green.pk].light == Light.GREEN
    # Receipt days are real working days in the past, and the due dates follow the calendar.
    for deadline in (red, yellow):
        assert deadline.start_date < day
        assert workdays.add_working_days(deadline.start_date, 10).due == deadline.due_date
        assert workdays.WorkCalendar(deadline.start_date, deadline.start_date).is_workday(deadline.start_date)
    assert green.start_date == day


@pytest.mark.django_db
def test_applications_past_draft_have_their_materials_as_valid_pdfs(monkeypatch):
    load(monkeypatch, DAYS[0])
    applications = Project.objects.filter(name__startswith="【演示】", source="application")
    stages = set(applications.values_list("stage", flat=True))
    assert {Stage.DRAFT, Stage.SUBMITTED, Stage.UNDER_REVIEW, Stage.SUPPLEMENT, Stage.REJECTED} <= stages
    assert {Stage.WITHDRAWN, Stage.RESERVE, Stage.IMPLEMENTATION} <= stages
    for project in applications.exclude(stage=Stage.DRAFT):
        files = Attachment.objects.for_object(project)
        assert set(files.values_list("kind", flat=True)) >= set(REQUIRED_INTAKE_MATERIALS), project.name
        for attachment in files:
            content = attachment.file.open("rb").read()
            attachment.file.close()
            assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
            offset = int(re.search(rb"startxref\n(\d+)\n", content).group(1))
            assert content[offset:].startswith(b"xref")  # the cross-reference table is where it says
            for number, position in enumerate(re.findall(rb"(\d{10}) 00000 n", content), start=1):
                assert content[int(position) :].startswith(f"{number} 0 obj".encode())
    withdrawn = applications.get(stage=Stage.WITHDRAWN)
    assert withdrawn.withdrawal_reason
    assert {d.state for d in Deadline.objects.for_subject(withdrawn)} == {DeadlineState.CANCELLED}


@pytest.mark.django_db
def test_goals_fit_each_project_and_the_draft_is_its_entitys_only(client, monkeypatch):
    users, _ = load(monkeypatch, DAYS[0])
    projects = list(Project.objects.filter(name__startswith="【演示】").select_related("sub_type"))
    goals = [p.renewal_goal for p in projects]
    assert all(goals) and len(set(goals)) == len(goals)
    for project in projects:
        if "电梯" in project.sub_type.name:
            assert "电梯" in project.renewal_goal, project.name
        if project.sub_type.category.code == "industrial" and "楼宇" in project.sub_type.name:
            assert "产业" in project.renewal_goal or "企业" in project.renewal_goal, project.name

    # The draft of hd_entity itself (another draft only names it as 统筹主体, awaiting confirmation).
    draft = Project.objects.get(stage=Stage.DRAFT, name__startswith="【演示】", coordination_state="")
    client.force_login(users["hd_staff"])
    ledger = client.get(reverse("projects:project_list")).content.decode()
    assert draft.name not in ledger
    assert "86000.00" in ledger  # 西苑片区: the ledger shows 万元, as stored
    client.force_login(users["hd_entity"])
    page = client.get(reverse("projects:project_detail", args=[draft.pk])).content.decode()
    assert 'data-material="资金匡算" data-present="no"' in page  # the draft still lacks one material


@pytest.mark.django_db
def test_loading_twice_creates_nothing_more(monkeypatch):
    load(monkeypatch, DAYS[0])
    count = Project.objects.count()
    _, output = load(monkeypatch, DAYS[0])
    assert Project.objects.count() == count and "未重复创建" in output


@pytest.mark.django_db
def test_demo_shows_the_library_levels_cross_district_removal_and_locality(monkeypatch, client):
    """Issue 10: a 跨区 project, projects reported to the city and a batch, a removed project, 属地 filled."""
    from projects.choices import Library

    users, _ = load(monkeypatch, datetime.date(2026, 3, 4))
    demo = Project.objects.filter(name__startswith="【演示】")
    assert not demo.filter(locality="").exists()
    cross = demo.get(code="HD-2025-KQ01")
    assert {d.code for d in cross.districts.all()} == {"110108", "110102"}
    assert demo.filter(reported_to_city_on__isnull=False, city_plan_batch__isnull=True).exists()
    assert demo.filter(city_plan_batch__isnull=False).count() == 2
    assert demo.get(stage=Stage.REMOVED).library == Library.REMOVED
    client.force_login(users["hd_staff"])
    page = client.get(reverse("projects:city_plan")).content.decode()
    assert "【演示】2025年第一批" in page
