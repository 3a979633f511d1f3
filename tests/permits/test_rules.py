"""Permits rules: the checklist proposal, the 开工 gate, land clocks, monthly reports, completion, exit."""

import datetime
from decimal import Decimal

import pytest

from permits import selectors, services
from permits.choices import Procedure, Requirement, WorksState
from permits.models import InvestmentMonth, MonthlyInvestmentReport
from projects.choices import Library, Stage
from renewal import deadline_kinds
from renewal.choices import DeadlineState
from renewal.models import AuditEvent, Deadline
from renewal.services import open_deadline
from renewal.workflow import TransitionRefused
from review.choices import DEADLINE_LAND_ALL, DEADLINE_LAND_FIRST_PHASE
from tests.permits.helpers import Site

pytestmark = pytest.mark.django_db

P = Procedure
R = Requirement


def today_is(monkeypatch, day):
    monkeypatch.setattr("renewal.calendar.today", lambda: day)


def proposal(site, **facts):
    site.propose(**facts)
    works = services.works_for(site.project)
    return {procedure: requirement for procedure, requirement, _ in services.propose(works)}


# --- the proposal ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # No change of use, scale or outline: planning permit exempt, no consultation, no facade.
        (
            {"changes_use_scale_outline": False},
            {P.PLANNING_PERMIT: R.EXEMPT, P.MULTI_PLAN: R.NOT_APPLICABLE, P.FACADE_PERMIT: R.NOT_APPLICABLE},
        ),
        # Exempt but facade works in a designated area: the facade permit first.
        (
            {"changes_use_scale_outline": False, "facade_works_in_designated_area": True},
            {P.PLANNING_PERMIT: R.EXEMPT, P.FACADE_PERMIT: R.REQUIRED},
        ),
        # On the exemption list although the scale changes.
        (
            {"changes_use_scale_outline": True, "on_exemption_list": True, "exemption_list_item": "第3项"},
            {P.PLANNING_PERMIT: R.EXEMPT},
        ),
        # Changes: 多规合一 consultation, then the permit.
        (
            {"changes_use_scale_outline": True},
            {P.PLANNING_PERMIT: R.REQUIRED, P.MULTI_PLAN: R.REQUIRED, P.FACADE_PERMIT: R.NOT_APPLICABLE},
        ),
        # 社会投资简易低风险: its own procedure, no consultation.
        ({"changes_use_scale_outline": True, "simple_low_risk": True}, {P.MULTI_PLAN: R.NOT_APPLICABLE}),
        # 限额以下小型工程: no construction permit.
        ({"small_works_under_limit": True}, {P.CONSTRUCTION_PERMIT: R.EXEMPT}),
        # Water works: 开工备案 instead of the permit.
        (
            {"water_works": True, "water_level": "city"},
            {P.CONSTRUCTION_PERMIT: R.NOT_APPLICABLE, P.WATER_START_FILING: R.REQUIRED},
        ),
        ({}, {P.CONSTRUCTION_PERMIT: R.REQUIRED, P.WATER_START_FILING: R.NOT_APPLICABLE}),
        ({"special_construction": True}, {P.FIRE_REVIEW: R.REQUIRED}),
        ({}, {P.FIRE_REVIEW: R.NOT_APPLICABLE, P.DRAWING_REVIEW: R.NOT_APPLICABLE, P.LAND: R.NOT_APPLICABLE}),
        (
            {"drawing_review_class": True, "land_mode": "transition"},
            {P.DRAWING_REVIEW: R.REQUIRED, P.LAND: R.REQUIRED},
        ),
        ({"government_invested": True}, {P.PROJECT_APPROVAL: R.REQUIRED}),
    ],
)
def test_proposal_for_each_combination_of_facts(facts, expected):
    site = Site()
    got = proposal(site, **(facts or {"government_invested": False}))
    for procedure, requirement in expected.items():
        assert got[procedure] == requirement, procedure
    assert len(got) == len(Procedure)


def test_consultation_basis_names_departments_that_took_part():
    site = Site()
    site.propose(changes_use_scale_outline=True, joint_review_departments="区发展改革委、区消防救援支队")
    assert "不再征求已参与联合审查的部门：区发展改革委、区消防救援支队" in site.line(P.MULTI_PLAN).basis


def test_city_matter_construction_permit_from_city_commission():
    site = Site()
    site.propose(city_matter=True)
    assert "市住房城乡建设委" in site.line(P.CONSTRUCTION_PERMIT).basis


def test_staff_change_needs_reason_and_entity_may_not_confirm():
    site = Site()
    site.propose()
    line = site.line(P.FIRE_REVIEW)
    with pytest.raises(TransitionRefused, match="只有本区城市更新主管部门"):
        services.confirm_line(line, actor=site.entity)
    with pytest.raises(TransitionRefused, match="须填写原因"):
        services.change_line(line, actor=site.staff, requirement=R.REQUIRED, basis="特殊建设工程", reason=" ")
    line = services.change_line(
        line, actor=site.staff, requirement=R.REQUIRED, basis="特殊建设工程", reason="复核"
    )
    assert line.requirement == R.REQUIRED and line.state == "confirmed"
    assert AuditEvent.objects.filter(action="permit_line.change", reason="复核").exists()


def test_record_needs_number_date_body():
    site = Site()
    site.propose()
    line = services.confirm_line(site.line(P.CONSTRUCTION_PERMIT), actor=site.staff)
    with pytest.raises(TransitionRefused, match="文号、办结日期、发证机关"):
        services.grant_line(line, actor=site.entity, record={"document_number": ""})


def test_old_building_applicant_must_be_rights_holder():
    from projects.models import SubType

    site = Site(
        sub_type=SubType.objects.get(name="老旧楼宇更新改造"),
        property_right_holders="北京某产权单位",
    )
    site.propose(changes_use_scale_outline=True)
    line = services.confirm_line(site.line(P.PLANNING_PERMIT), actor=site.staff)
    record = {
        "document_number": "建字001",
        "issued_on": datetime.date(2026, 3, 2),
        "issuing_body": "规划分局",
    }
    with pytest.raises(TransitionRefused, match="第十九条"):
        services.grant_line(
            line, actor=site.entity, record={**record, "applicant": site.entity.organization.name}
        )
    line = services.grant_line(line, actor=site.entity, record={**record, "applicant": "北京某产权单位"})
    assert line.state == "granted"


# --- the gate ----------------------------------------------------------------------------------


def test_start_gate_lists_what_is_missing(monkeypatch):
    today_is(monkeypatch, datetime.date(2026, 3, 2))
    site = Site()
    with pytest.raises(TransitionRefused, match="尚未生成许可清单"):
        services.start_works(site.project, actor=site.entity, started_on=datetime.date(2026, 3, 2))
    site.propose(
        changes_use_scale_outline=False, facade_works_in_designated_area=True, special_construction=True
    )
    with pytest.raises(TransitionRefused) as refused:
        services.start_works(site.project, actor=site.entity, started_on=datetime.date(2026, 3, 2))
    assert "“消防设计审查”办理要求尚未确认" in refused.value.message
    for line in site.project.permit_lines.all():
        services.confirm_line(line, actor=site.staff)
    with pytest.raises(TransitionRefused) as refused:
        services.start_works(site.project, actor=site.entity, started_on=datetime.date(2026, 3, 2))
    assert "“立面规划许可”尚未办结" in refused.value.message
    assert "“消防设计审查”尚未办结" in refused.value.message
    assert "建设工程规划许可证”尚未" not in refused.value.message  # exempt


def test_start_gate_needs_city_approval(monkeypatch):
    today_is(monkeypatch, datetime.date(2026, 3, 2))
    site = Site(city_approval_required=True)
    site.propose()
    site.clear_all()
    with pytest.raises(TransitionRefused, match="市政府批准"):
        services.start_works(site.project, actor=site.entity, started_on=datetime.date(2026, 3, 2))


def test_start_works_moves_stage_and_opens_month(monkeypatch):
    today_is(monkeypatch, datetime.date(2026, 3, 2))
    site = Site()
    project = site.started()
    assert project.stage == Stage.CONSTRUCTION and project.works_started_on == datetime.date(2026, 3, 2)
    period = InvestmentMonth.objects.get(project=project)
    deadline = Deadline.objects.for_subject(period).get()
    assert deadline.due_date == datetime.date(2026, 4, 8)  # Mar 31 + 5 working days, 清明 Apr 4–6 skipped


# --- land clocks ---------------------------------------------------------------------------------


def test_land_records_close_the_clocks(monkeypatch):
    today_is(monkeypatch, datetime.date(2026, 3, 2))
    site = Site()
    for kind in (DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL):
        open_deadline(site.project, kind=kind, start=datetime.date(2024, 1, 10))
    site.propose(land_mode="paid_use")
    line = services.confirm_line(site.line(P.LAND), actor=site.staff)
    record = {
        "document_number": "京地出〔2026〕1号",
        "issued_on": datetime.date(2026, 3, 2),
        "issuing_body": "规划分局",
    }
    services.grant_line(line, actor=site.entity, record={**record, "land_scope": "first_phase"})
    first = Deadline.objects.for_subject(site.project).get(kind=DEADLINE_LAND_FIRST_PHASE)
    whole = Deadline.objects.for_subject(site.project).get(kind=DEADLINE_LAND_ALL)
    assert first.state == DeadlineState.MET and first.late_workdays > 0  # due 2026-01-12: late
    assert whole.state == DeadlineState.OPEN


def test_land_all_closes_both_on_time(monkeypatch):
    today_is(monkeypatch, datetime.date(2026, 3, 2))
    site = Site()
    for kind in (DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL):
        open_deadline(site.project, kind=kind, start=datetime.date(2025, 6, 1))
    site.propose(land_mode="allocation")
    line = services.confirm_line(site.line(P.LAND), actor=site.staff)
    services.grant_line(
        line,
        actor=site.entity,
        record={
            "document_number": "划拨1",
            "issued_on": datetime.date(2026, 3, 2),
            "issuing_body": "规划分局",
            "land_scope": "all",
        },
    )
    rows = Deadline.objects.for_subject(site.project).filter(
        kind__in=[DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL]
    )
    assert {(d.state, d.late_workdays) for d in rows} == {(DeadlineState.MET, 0)}


# --- monthly reports ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "due"),
    [
        (datetime.date(2026, 3, 1), datetime.date(2026, 4, 8)),  # 清明 2026-04-04..06
        (datetime.date(2026, 9, 1), datetime.date(2026, 10, 13)),  # 国庆 2026-10-01..07
        (datetime.date(2026, 4, 1), datetime.date(2026, 5, 11)),  # 劳动节 2026-05-01..05, 5-09 makeup
    ],
)
def test_monthly_due_date_across_holidays(month, due):
    assert services.report_due(month)[0] == due


def test_monthly_due_date_into_provisional_year():
    due, provisional = services.report_due(datetime.date(2027, 12, 1))
    assert due.year == 2028 and provisional


def test_reports_versions_derived_totals_and_late_month(monkeypatch):
    today_is(monkeypatch, datetime.date(2026, 1, 5))
    site = Site()
    project = site.started(datetime.date(2026, 1, 5))
    services.record_annual_plan(project, actor=site.entity, year=2026, amount=Decimal("600"))
    today_is(monkeypatch, datetime.date(2026, 3, 20))
    assert services.open_due_months() == 2  # February and March caught up
    jan, feb, mar = InvestmentMonth.objects.filter(project=project).order_by("month")
    today_is(monkeypatch, datetime.date(2026, 2, 3))
    services.submit_report(
        jan, actor=site.entity, data={"invested": Decimal("100"), "progress_text": "基础施工"}
    )
    services.submit_report(
        jan, actor=site.entity, data={"invested": Decimal("120"), "progress_text": "基础施工完成"}
    )
    today_is(monkeypatch, datetime.date(2026, 3, 20))  # February's report due 2026-03-06: late
    services.submit_report(
        feb, actor=site.entity, data={"invested": Decimal("200"), "progress_text": "主体结构"}
    )
    assert MonthlyInvestmentReport.objects.filter(project=project, month=jan.month).count() == 2
    assert Deadline.objects.for_subject(jan).get().late_workdays == 0
    assert Deadline.objects.for_subject(feb).get().late_workdays > 0
    assert Deadline.objects.for_subject(mar).get().state == DeadlineState.OPEN
    figures = selectors.investment_figures([project.pk], year=2026)[project.pk]
    assert figures["year_planned"] == Decimal("600")
    assert figures["year_completed"] == Decimal("320") == figures["since_start"]
    assert figures["percent_complete"] == Decimal("32.00")
    assert figures["progress_text"] == "主体结构" and figures["progress_on"] == datetime.date(2026, 2, 1)
    assert selectors.investment_figures([project.pk], year=2026, as_of=datetime.date(2026, 1, 31))[
        project.pk
    ]["since_start"] == Decimal("120")
    assert services.last_report(project).progress_text == "主体结构"
    # Above 100% of the total investment needs an explanation.
    with pytest.raises(TransitionRefused, match="请填写说明"):
        services.submit_report(
            mar, actor=site.entity, data={"invested": Decimal("900"), "progress_text": "装修"}
        )
    services.submit_report(
        mar,
        actor=site.entity,
        data={"invested": Decimal("900"), "progress_text": "装修", "explanation": "增加投资"},
    )


# --- completion ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accepted", "due"),
    [
        (
            datetime.date(2026, 9, 28),
            datetime.date(2026, 10, 10),
        ),  # 国庆: 9-29, 9-30, 10-8, 10-9, 10-10 (调休)
        (datetime.date(2026, 2, 12), datetime.date(2026, 2, 26)),  # 春节: 2-13, 2-14 (调休), 2-24, 2-25, 2-26
    ],
)
def test_joint_acceptance_five_working_days(accepted, due):
    assert deadline_kinds.get("joint_acceptance_application").due(accepted)[0] == due


def test_completion_with_joint_acceptance(monkeypatch):
    today_is(monkeypatch, datetime.date(2026, 3, 2))
    site = Site()
    site.propose(joint_acceptance_intended=True, risk_level="low", changes_use_scale_outline=True)
    site.clear_all()
    project = site.project
    services.start_works(project, actor=site.entity, started_on=datetime.date(2026, 3, 2))
    today_is(monkeypatch, datetime.date(2026, 9, 28))
    services.record_builder_acceptance(project, actor=site.entity, accepted_on=datetime.date(2026, 9, 28))
    works = services.works_for(project)
    assert Deadline.objects.for_subject(works).get(
        kind="joint_acceptance_application"
    ).due_date == datetime.date(2026, 10, 10)
    with pytest.raises(TransitionRefused, match="尚未登记联合验收申请"):
        services.pass_joint_acceptance(project, actor=site.staff, passed_on=datetime.date(2026, 10, 20))
    today_is(monkeypatch, datetime.date(2026, 10, 9))
    services.apply_joint_acceptance(project, actor=site.entity)
    today_is(monkeypatch, datetime.date(2026, 10, 20))
    services.pass_joint_acceptance(project, actor=site.staff, passed_on=datetime.date(2026, 10, 20))
    project.refresh_from_db()
    assert project.stage == Stage.COMPLETED and project.completion_accepted_on == datetime.date(2026, 10, 20)
    dates = selectors.key_dates([project.pk])[project.pk]
    assert dates["planning_permit"] == datetime.date(2026, 3, 2)
    assert dates["joint_acceptance_applied_on"] == datetime.date(2026, 10, 9)
    assert Deadline.objects.for_subject(works).get(kind="library_exit").due_date == datetime.date(
        2027, 10, 20
    )
    # Registration: the applicant is the construction unit on the planning permit.
    services.record_registration(
        project, actor=site.entity, registered_on=datetime.date(2026, 11, 2), applicant=""
    )


def test_completion_without_joint_acceptance_uses_builder_date(monkeypatch):
    today_is(monkeypatch, datetime.date(2026, 3, 2))
    site = Site()
    project = site.started()
    services.record_builder_acceptance(project, actor=site.entity, accepted_on=datetime.date(2026, 3, 2))
    with pytest.raises(TransitionRefused, match="单独验收"):
        services.accept_separately(project, actor=site.staff, separate=" ")
    services.accept_separately(project, actor=site.staff, separate="规划、消防分别验收合格")
    project.refresh_from_db()
    assert project.completion_accepted_on == datetime.date(2026, 3, 2)
    # Planning permit exempt: no new registration (五(五)).
    with pytest.raises(TransitionRefused, match="不再重新办理不动产登记"):
        services.record_registration(
            project, actor=site.entity, registered_on=datetime.date(2026, 4, 1), applicant="x"
        )
    assert selectors.key_dates([project.pk])[project.pk]["planning_permit"] == "豁免"


# --- the exit ------------------------------------------------------------------------------------


def completed_on(monkeypatch, day):
    today_is(monkeypatch, day)
    site = Site()
    project = site.started(day)
    services.record_builder_acceptance(project, actor=site.entity, accepted_on=day)
    services.accept_separately(project, actor=site.staff, separate="各部门验收合格")
    project.refresh_from_db()
    return project


@pytest.mark.parametrize(
    ("completed", "exit_on"),
    [
        (datetime.date(2026, 3, 2), datetime.date(2027, 3, 2)),
        (datetime.date(2024, 2, 29), datetime.date(2025, 2, 28)),  # 29 February → 28 February
        (datetime.date(2025, 10, 1), datetime.date(2026, 10, 1)),  # a holiday: no shift
    ],
)
def test_exit_on_the_anniversary(monkeypatch, completed, exit_on):
    project = completed_on(monkeypatch, completed)
    assert services.exit_due_projects(today=exit_on - datetime.timedelta(days=1)) == []
    assert services.exit_due_projects(today=exit_on) == [project.pk]
    project.refresh_from_db()
    assert project.stage == Stage.EXITED and project.library == Library.EXITED
    assert project.library_exit_on == exit_on
    event = AuditEvent.objects.get(action="works.exit")
    assert event.actor is None and event.actor_name == "系统" and "五(七)" in event.reason
    # Idempotent; the project is read-only afterwards.
    assert services.exit_due_projects(today=exit_on) == []
    assert services.works_for(project).state == WorksState.EXITED
    with pytest.raises(TransitionRefused, match=r"只读|不能"):
        services.record_annual_plan(project, actor=None, year=2027, amount=Decimal("1"))


def test_missed_week_is_caught_up(monkeypatch):
    project = completed_on(monkeypatch, datetime.date(2026, 3, 2))
    assert services.exit_due_projects(today=datetime.date(2027, 3, 9)) == [project.pk]
    project.refresh_from_db()
    assert project.library_exit_on == datetime.date(2027, 3, 2)
    # The exit's clock is met on the anniversary, not left open (red) nor closed late by the catch-up.
    from renewal.models import Deadline

    (clock,) = Deadline.objects.for_project(project).filter(kind="library_exit")
    assert (clock.state, clock.closed_on, clock.late_workdays) == ("met", datetime.date(2027, 3, 2), 0)


def test_exit_library_command(monkeypatch):
    from django.core.management import call_command

    project = completed_on(monkeypatch, datetime.date(2026, 3, 2))
    call_command("exit_library", "--today", "2027-03-02")
    project.refresh_from_db()
    assert project.stage == Stage.EXITED


# --- selectors ----------------------------------------------------------------------------------


def test_key_dates_constant_queries(django_assert_max_num_queries, monkeypatch):
    today_is(monkeypatch, datetime.date(2026, 3, 2))
    ids = [Site().started().pk for _ in range(3)]
    with django_assert_max_num_queries(3):
        dates = selectors.key_dates([*ids, 999999])
    assert dates[ids[0]]["works_started_on"] == datetime.date(2026, 3, 2)
    assert dates[ids[0]]["construction_permit"] == datetime.date(2026, 3, 2)
    assert dates[999999]["library_exit_on"] is None
    with django_assert_max_num_queries(4):
        selectors.investment_figures(ids, year=2026)


def test_facts_come_from_the_approved_plan(monkeypatch):
    from review.models import ImplementationPlan
    from tests.review.helpers import World

    today_is(monkeypatch, datetime.date(2026, 3, 2))
    world = World()
    plan = world.opinion_issued_plan()
    ImplementationPlan.objects.filter(pk=plan.pk).update(facts=["always", "adds_scale", "transition_policy"])
    facts = services.facts_from_plan(plan.project)
    assert facts["changes_use_scale_outline"] is True and facts["land_mode"] == "transition"
    assert "发展改革委" in facts["joint_review_departments"]
    assert services.facts_from_plan(Site().project) == {}


def test_checklist_is_settled_once_works_start(monkeypatch):
    today_is(monkeypatch, datetime.date(2026, 3, 2))
    site = Site()
    site.started()
    line = site.line(P.FIRE_REVIEW)
    with pytest.raises(TransitionRefused, match="不再调整"):
        services.change_line(line, actor=site.staff, requirement=R.REQUIRED, basis="复核", reason="复核")
