"""Joint review (会签): routing, parallel opinions, re-review, 修改后同意, the opinion and its land limits,
the printable pages, the inbox and scoping (联合审查办法 第十条–第十二条, 第十八条)."""

import datetime
import re
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.services import housing_commission
from renewal.choices import DeadlineState, DepartmentCode, Role
from renewal.models import Attachment, AuditEvent, Deadline
from renewal.workflow import TransitionRefused
from review import services
from review.choices import CommentKind, Decision, PlanState, RequestStatus
from review.models import (
    DepartmentReview,
    ImplementationPlan,
    PreReviewComment,
    ReviewRound,
    RevisionRequest,
    RoutingRule,
)
from review.selectors import project_history
from review.workflows import PLAN
from tests.factories import user
from tests.review.helpers import PDF, World, submit_correction

pytestmark = pytest.mark.django_db

ALWAYS = {DepartmentCode.DISTRICT_GOVERNMENT, DepartmentCode.HOUSING, DepartmentCode.DEVELOPMENT_REFORM}


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def clock(monkeypatch):
    """clock(date): what renewal.calendar.today answers (opinion dates, deadline clocks, lights)."""

    def set_today(day):
        monkeypatch.setattr("renewal.calendar.today", lambda: day)

    return set_today


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def codes_of(routed) -> set[str]:
    return {org.department_code for org, _ in routed}


def reviews_of(plan, number=None) -> dict[str, DepartmentReview]:
    """Department code → review of the given round (default: the latest)."""
    rounds = ReviewRound.objects.filter(plan=plan).order_by("-number")
    review_round = rounds.get(number=number) if number else rounds.first()
    return {
        r.department.department_code: r
        for r in DepartmentReview.objects.filter(review_round=review_round).select_related("department")
    }


def decide(world, review, decision, text=""):
    return services.record_decision(review, actor=world.reviewer_of(review), decision=decision, text=text)


def in_review(world, project=None) -> ImplementationPlan:
    """A plan in joint review before exactly the three ALWAYS departments."""
    return services.start_joint_review(world.three_department_plan(project), actor=world.staff)


def passed(world, project=None) -> ImplementationPlan:
    plan = in_review(world, project)
    for review in reviews_of(plan).values():
        decide(world, review, Decision.AGREE)
    plan.refresh_from_db()
    assert plan.state == PlanState.PASSED
    return plan


def resubmit(world, plan) -> ImplementationPlan:
    """The entity submits a new version and staff mark every open request resolved."""
    plan = services.submit(plan, actor=world.entity, note="按联合审查意见修改")
    for item in plan.revision_requests.filter(status=RequestStatus.OPEN):
        services.mark_request(item, actor=world.staff, resolved=True)
    return plan


# --- routing ----------------------------------------------------------------------------------------


def test_routing_follows_the_plan_facts(world):
    plain = world.three_department_plan()
    assert codes_of(services.routed_departments(plain)) == ALWAYS

    project = world.implementation_project(name="海淀文保街区更新")
    heritage = world.submitted_plan(
        project,
        modules={"positioning": {"positioning": "历史街区保护更新"}, "funding": {"total": "800"}},
        facts=["heritage", "special_fire_design"],
    )
    routed = {org.department_code: matters for org, matters in services.routed_departments(heritage)}
    assert set(routed) == ALWAYS | {
        DepartmentCode.PLANNING,
        DepartmentCode.CULTURE_TOURISM,
        DepartmentCode.FIRE,
    }
    # 规划自然资源 reviews both facts: its matters list both rules (第十二条（三）).
    assert any("风貌管控" in m for m in routed[DepartmentCode.PLANNING])
    assert any("消防设计" in m for m in routed[DepartmentCode.PLANNING])

    plan = services.start_joint_review(heritage, actor=world.staff)
    reviews = reviews_of(plan)
    assert set(reviews) == set(routed)
    assert "风貌管控" in reviews[DepartmentCode.PLANNING].matters
    assert Deadline.objects.filter(kind="department_review", state=DeadlineState.OPEN).count() == 6


def test_administrator_edits_the_routing_table_in_admin(world, client):
    admin_user = user(Role.ADMINISTRATOR, district_code=None, is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    plan = world.three_department_plan()
    assert codes_of(services.routed_departments(plan)) == ALWAYS

    # Deactivate the 发展改革 rule through the changelist's editable column.
    rule = RoutingRule.objects.get(fact="always", department_code=DepartmentCode.DEVELOPMENT_REFORM)
    changelist = reverse("admin:review_routingrule_changelist") + "?department_code=development_reform"
    page = client.get(changelist)
    assert page.status_code == 200 and 'name="form-0-is_active"' in page.content.decode()
    response = client.post(
        changelist,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
            "form-0-id": str(rule.pk),
            "_save": "保存",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert rule.is_active is False
    assert codes_of(services.routed_departments(plan)) == ALWAYS - {DepartmentCode.DEVELOPMENT_REFORM}

    # Add a rule: every plan also goes to 区城市管理委.
    response = client.post(
        reverse("admin:review_routingrule_add"),
        {
            "fact": "always",
            "department_code": DepartmentCode.URBAN_MANAGEMENT,
            "matters": "市容环境和城市管理",
            "basis": "联合审查办法 第十二条（八）",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    expected = (ALWAYS - {DepartmentCode.DEVELOPMENT_REFORM}) | {DepartmentCode.URBAN_MANAGEMENT}
    assert codes_of(services.routed_departments(plan)) == expected
    plan = services.start_joint_review(plan, actor=world.staff)
    reviews = reviews_of(plan)
    assert set(reviews) == expected
    assert reviews[DepartmentCode.URBAN_MANAGEMENT].matters == "市容环境和城市管理"


def test_departments_of_another_district_are_never_routed(world, client):
    xicheng = World(district_code="110102")
    plan = world.three_department_plan()
    routed = services.routed_departments(plan)
    assert routed and all(org.district_id == plan.project.district_id for org, _ in routed)
    plan = services.start_joint_review(plan, actor=world.staff)
    assert all(r.department.district_id == plan.project.district_id for r in reviews_of(plan).values())

    foreign = xicheng.departments[DepartmentCode.FIRE]
    with pytest.raises(TransitionRefused):
        services.change_departments(plan, actor=world.staff, add=[foreign])
    # Through the page the refusal never names the other district's organisation.
    client.force_login(world.staff)
    response = client.post(
        reverse("review:change_departments", args=[plan.pk]), {"add": [foreign.pk]}, follow=True
    )
    html = html_of(response)
    assert "只能增加本区的行业主管部门" in html and foreign.name not in html
    assert not DepartmentReview.objects.filter(department=foreign).exists()
    # The add form offers only this district's departments.
    html = html_of(client.get(reverse("review:joint_round", args=[plan.pk])))
    assert world.departments[DepartmentCode.FIRE].name in html and foreign.name not in html


# --- parallel opinions --------------------------------------------------------------------------------


def test_two_agree_one_disagrees_returns_the_plan_with_every_opinion_kept(world, client):
    plan = in_review(world)
    reviews = reviews_of(plan)
    answers = {
        DepartmentCode.DISTRICT_GOVERNMENT: (Decision.AGREE, ""),
        DepartmentCode.HOUSING: (Decision.AGREE, "同意实施"),
        DepartmentCode.DEVELOPMENT_REFORM: (Decision.DISAGREE, "资金来源不落实"),
    }
    for code, (decision, text) in answers.items():
        review = reviews[code]
        client.force_login(world.reviewer_of(review))
        response = client.post(
            reverse("review:department_review", args=[review.pk]), {"decision": decision, "text": text}
        )
        assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.REVISION
    kept = reviews_of(plan)
    assert {code: (r.decision, r.text) for code, r in kept.items()} == answers
    review_round = ReviewRound.objects.get(plan=plan)
    assert review_round.outcome == "returned" and review_round.completed_at is not None
    requests = list(RevisionRequest.objects.filter(plan=plan))
    assert [(r.text, r.status) for r in requests] == [("资金来源不落实", RequestStatus.OPEN)]
    assert requests[0].source == f"第1轮联合审查·{world.departments[DepartmentCode.DEVELOPMENT_REFORM].name}"
    assert AuditEvent.objects.filter(action="plan.return_after_review").count() == 1


def test_a_revision_request_per_disagreement(world):
    plan = in_review(world)
    reviews = reviews_of(plan)
    decide(world, reviews[DepartmentCode.DISTRICT_GOVERNMENT], Decision.DISAGREE, "建筑高度超出控规")
    decide(world, reviews[DepartmentCode.HOUSING], Decision.AGREE)
    decide(world, reviews[DepartmentCode.DEVELOPMENT_REFORM], Decision.DISAGREE, "资金来源不落实")
    plan.refresh_from_db()
    assert plan.state == PlanState.REVISION
    assert sorted(plan.revision_requests.values_list("text", flat=True)) == [
        "建筑高度超出控规",
        "资金来源不落实",
    ]


def test_re_review_goes_only_to_the_department_that_disagreed(world, client):
    plan = in_review(world)
    first = reviews_of(plan)
    decide(world, first[DepartmentCode.DISTRICT_GOVERNMENT], Decision.AGREE)
    housing = decide(world, first[DepartmentCode.HOUSING], Decision.AGREE, "同意")
    decide(world, first[DepartmentCode.DEVELOPMENT_REFORM], Decision.DISAGREE, "资金来源不落实")
    plan = services.start_joint_review(
        resubmit(world, ImplementationPlan.objects.get(pk=plan.pk)), actor=world.staff
    )
    second = reviews_of(plan, 2)
    pending = {code for code, r in second.items() if r.decision == Decision.PENDING}
    assert pending == {DepartmentCode.DEVELOPMENT_REFORM}
    carried = second[DepartmentCode.HOUSING]
    assert carried.carried_over and carried.text == "同意" and carried.decided_at == housing.decided_at
    # Only the department asked again has a clock in round 2.
    round_two_clocks = Deadline.objects.filter(
        kind="department_review", object_id__in=[r.pk for r in second.values()], state=DeadlineState.OPEN
    )
    assert [d.object_id for d in round_two_clocks] == [second[DepartmentCode.DEVELOPMENT_REFORM].pk]

    client.force_login(world.staff)
    html = html_of(client.get(reverse("review:joint_round", args=[plan.pk])))
    round_two = html[html.index('data-round="2"') : html.index('data-round="1"')]
    assert round_two.count("沿用第1轮意见") == 2
    assert "未通过，退回修改" in html[html.index('data-round="1"') :]

    decide(world, second[DepartmentCode.DEVELOPMENT_REFORM], Decision.AGREE, "资金已落实")
    plan.refresh_from_db()
    assert plan.state == PlanState.PASSED


def test_re_review_of_all_departments_when_staff_choose_all(world):
    plan = in_review(world)
    first = reviews_of(plan)
    decide(world, first[DepartmentCode.DISTRICT_GOVERNMENT], Decision.AGREE)
    decide(world, first[DepartmentCode.HOUSING], Decision.AGREE)
    decide(world, first[DepartmentCode.DEVELOPMENT_REFORM], Decision.DISAGREE, "资金来源不落实")
    plan = resubmit(world, ImplementationPlan.objects.get(pk=plan.pk))
    plan = services.start_joint_review(plan, actor=world.staff, all_departments=True)
    second = reviews_of(plan, 2)
    assert {r.decision for r in second.values()} == {Decision.PENDING}
    assert not any(r.carried_over for r in second.values())


def test_agree_after_change_holds_the_round_until_staff_confirm(world, client):
    plan = in_review(world)
    reviews = reviews_of(plan)
    conditional = reviews[DepartmentCode.HOUSING]
    client.force_login(world.reviewer_of(conditional))
    url = reverse("review:department_review", args=[conditional.pk])
    # 修改后同意 without text: the service's message next to the text field, nothing recorded.
    response = client.post(url, {"decision": Decision.AGREE_AFTER_CHANGE, "text": " "})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'data-error="text">“修改后同意”须写明意见内容。<', html)
    conditional.refresh_from_db()
    assert conditional.decision == Decision.PENDING

    response = client.post(url, {"decision": Decision.AGREE_AFTER_CHANGE, "text": "补充无障碍设施设计后同意"})
    assert response.status_code == 302
    decide(world, reviews[DepartmentCode.DISTRICT_GOVERNMENT], Decision.AGREE)
    decide(world, reviews[DepartmentCode.DEVELOPMENT_REFORM], Decision.AGREE)
    plan.refresh_from_db()
    review_round = ReviewRound.objects.get(plan=plan)
    assert plan.state == PlanState.JOINT_REVIEW and review_round.completed_at is None

    # The reviewer may not confirm; staff may, once the corrected version is in (issue 10 item 13).
    submit_correction(world, plan, "补充无障碍设计专篇")
    confirm = reverse("review:confirm_change", args=[conditional.pk])
    assert client.post(confirm).status_code == 403
    client.force_login(world.staff)
    html = html_of(client.get(reverse("review:joint_round", args=[plan.pk])))
    assert "确认已按意见修改" in html and "待确认修改" in html
    response = client.post(confirm, {"note": "已补充无障碍设计专篇"}, follow=True)
    assert "已确认按" in html_of(response)
    plan.refresh_from_db()
    review_round.refresh_from_db()
    assert plan.state == PlanState.PASSED and review_round.outcome == "passed"
    conditional.refresh_from_db()
    assert conditional.change_confirmed_by == world.staff and conditional.counts_as_agreement


def test_a_department_cannot_answer_twice(world, client):
    plan = in_review(world)
    review = reviews_of(plan)[DepartmentCode.HOUSING]
    reviewer = world.reviewer_of(review)
    client.force_login(reviewer)
    url = reverse("review:department_review", args=[review.pk])
    assert client.post(url, {"decision": Decision.AGREE, "text": ""}).status_code == 302
    response = client.post(url, {"decision": Decision.DISAGREE, "text": "改变主意"}, follow=True)
    assert "当前状态为“同意”，不能提出会签意见（仅在“待审查”状态下可以）。" in html_of(response)
    review.refresh_from_db()
    assert review.decision == Decision.AGREE and review.text == ""
    # The page no longer offers the form.
    assert 'data-testid="decision-form"' not in html_of(client.get(url))
    with pytest.raises(TransitionRefused, match="仅在“待审查”状态下可以"):
        services.record_decision(review, actor=reviewer, decision=Decision.AGREE, text="")


def test_a_department_cannot_answer_after_the_round_ended(world, client):
    plan = in_review(world)
    first = reviews_of(plan)
    decide(world, first[DepartmentCode.DISTRICT_GOVERNMENT], Decision.AGREE)
    decide(world, first[DepartmentCode.HOUSING], Decision.AGREE)
    decide(world, first[DepartmentCode.DEVELOPMENT_REFORM], Decision.DISAGREE, "资金来源不落实")
    plan = services.start_joint_review(
        resubmit(world, ImplementationPlan.objects.get(pk=plan.pk)), actor=world.staff
    )
    old = first[DepartmentCode.HOUSING]
    with pytest.raises(TransitionRefused, match="当前状态为“同意”，不能提出会签意见"):
        services.record_decision(
            old, actor=world.reviewer_of(old), decision=Decision.DISAGREE, text="补充意见"
        )

    # A department removed while pending cannot answer once the round has passed without it.
    second = reviews_of(plan, 2)
    pending = second[DepartmentCode.DEVELOPMENT_REFORM]
    services.change_departments(
        plan, actor=world.staff, remove={pending.department_id: "经区政府专题会研究，资金事项另行审查"}
    )
    plan.refresh_from_db()
    assert plan.state == PlanState.PASSED
    client.force_login(world.reviewer_of(pending))
    url = reverse("review:department_review", args=[pending.pk])
    assert "本轮联合审查已结束，不能再提出意见。" in html_of(client.get(url))
    response = client.post(url, {"decision": Decision.AGREE, "text": ""}, follow=True)
    assert "本轮联合审查已结束，不能再提出意见。" in html_of(response)
    pending.refresh_from_db()
    assert pending.decision == Decision.PENDING


def test_a_department_cannot_answer_for_another(world, client):
    plan = in_review(world)
    reviews = reviews_of(plan)
    housing = reviews[DepartmentCode.HOUSING]
    planner = world.reviewers[DepartmentCode.DEVELOPMENT_REFORM]
    with pytest.raises(TransitionRefused, match="只有被分送的部门可以提出本部门的审查意见。"):
        services.record_decision(housing, actor=planner, decision=Decision.AGREE, text="")
    # Another department's reviewer does not even see the row; staff see it but may not answer.
    client.force_login(planner)
    url = reverse("review:department_review", args=[housing.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"decision": Decision.AGREE}).status_code == 404
    client.force_login(world.staff)
    page = html_of(client.get(url))
    assert 'data-testid="decision-form"' not in page
    assert client.post(url, {"decision": Decision.AGREE, "text": ""}).status_code == 403
    housing.refresh_from_db()
    assert housing.decision == Decision.PENDING


def test_removal_needs_a_reason(world, client):
    plan = in_review(world)
    housing = reviews_of(plan)[DepartmentCode.HOUSING]
    with pytest.raises(TransitionRefused, match="移出会签部门须说明原因"):
        services.change_departments(plan, actor=world.staff, remove={housing.department_id: "  "})
    client.force_login(world.staff)
    url = reverse("review:change_departments", args=[plan.pk])
    response = client.post(
        url, {"remove": housing.department_id, f"reason_{housing.department_id}": ""}, follow=True
    )
    assert "移出会签部门须填写原因。" in html_of(response)
    housing.refresh_from_db()
    assert housing.is_active

    response = client.post(
        url,
        {"remove": housing.department_id, f"reason_{housing.department_id}": "本项目不涉及住房事项"},
        follow=True,
    )
    html = html_of(response)
    housing.refresh_from_db()
    assert not housing.is_active and housing.removed_reason == "本项目不涉及住房事项"
    assert "data-removed" in html and "本项目不涉及住房事项" in html
    assert Deadline.objects.for_subject(housing).get().state == DeadlineState.CANCELLED

    # Adding a department during the round opens its clock.
    fire = world.departments[DepartmentCode.FIRE]
    client.post(url, {"add": [fire.pk]})
    added = DepartmentReview.objects.get(review_round__plan=plan, department=fire)
    assert added.is_active and Deadline.objects.for_subject(added).open().count() == 1

    with pytest.raises(TransitionRefused, match="移出会签部门须说明原因"):
        services.start_joint_review(
            world.three_department_plan(world.implementation_project(name="另一项目")),
            actor=world.staff,
            remove={world.departments[DepartmentCode.HOUSING].pk: ""},
        )


# --- opinion -------------------------------------------------------------------------------------------


def test_major_project_city_approval_is_recorded_and_printed(world, clock, client):
    """Old-building measures 第十八条: the city's approval is needed before implementation (checked at works
    start, issue 10 item 16), not before the opinion; once recorded the letter prints it."""
    clock(datetime.date(2026, 3, 2))
    plan = world.three_department_plan()
    plan.major_project = True
    plan.save(update_fields=["major_project"])
    plan = services.start_joint_review(plan, actor=world.staff)
    for review in reviews_of(plan).values():
        decide(world, review, Decision.AGREE)
    plan.refresh_from_db()
    assert PLAN.refusal(plan, "issue_opinion", user=world.staff) == ""
    client.force_login(world.staff)
    assert client.get(reverse("review:opinion_print", args=[plan.pk])).status_code == 404

    plan = services.record_city_approval(
        plan, actor=world.staff, reference="京政函〔2026〕12号", approved_on=datetime.date(2026, 2, 27)
    )
    plan = services.issue_opinion(plan, actor=world.staff)
    assert plan.state == PlanState.OPINION_ISSUED
    html = html_of(client.get(reverse("review:opinion_print", args=[plan.pk])))
    approval = re.search(r'data-testid="city-approval">(.*?)</p>', html, re.S).group(1)
    assert "京政函〔2026〕12号" in approval and "2026年2月27日" in approval
    history = html_of(client.get(reverse("review:history", args=[plan.project_id])))
    row = re.search(r'<tr data-kind="city_approval">(.*?)</tr>', history, re.S).group(1)
    assert "登记市政府批准" in row and "京政函〔2026〕12号" in row and "2026年2月27日" in row
    assert history.index('data-kind="city_approval"') < history.index('data-kind="opinion"')

    ordinary = passed(world, world.implementation_project(name="普通项目"))
    with pytest.raises(TransitionRefused, match="不属于须经市政府批准"):
        services.record_city_approval(
            ordinary, actor=world.staff, reference="x", approved_on=datetime.date(2026, 3, 1)
        )


def test_opinion_numbers_run_per_district_and_year(world, clock):
    xicheng = World(district_code="110102")
    clock(datetime.date(2026, 3, 2))
    first = services.issue_opinion(passed(world), actor=world.staff)
    second = services.issue_opinion(
        passed(world, world.implementation_project(name="第二个项目")), actor=world.staff
    )
    other = services.issue_opinion(passed(xicheng), actor=xicheng.staff)
    clock(datetime.date(2027, 1, 4))
    next_year = services.issue_opinion(
        passed(world, world.implementation_project(name="次年项目")), actor=world.staff
    )
    numbers = [plan.opinions.get().number for plan in (first, second, other, next_year)]
    assert numbers == [
        "海淀城更联审〔2026〕1号",
        "海淀城更联审〔2026〕2号",
        "西城城更联审〔2026〕1号",
        "海淀城更联审〔2027〕1号",
    ]


def test_printable_opinion_lists_every_department(world, clock, client):
    clock(datetime.date(2026, 3, 2))
    plan = in_review(world)
    first = reviews_of(plan)
    decide(world, first[DepartmentCode.DISTRICT_GOVERNMENT], Decision.AGREE, "符合分区规划")
    decide(world, first[DepartmentCode.HOUSING], Decision.AGREE_AFTER_CHANGE, "补充无障碍设计")
    decide(world, first[DepartmentCode.DEVELOPMENT_REFORM], Decision.DISAGREE, "资金来源不落实")
    plan = services.start_joint_review(
        resubmit(world, ImplementationPlan.objects.get(pk=plan.pk)), actor=world.staff
    )
    second = reviews_of(plan, 2)
    # 修改后同意 that was never confirmed is asked again, together with the department that disagreed.
    assert {c for c, r in second.items() if r.decision == Decision.PENDING} == {
        DepartmentCode.HOUSING,
        DepartmentCode.DEVELOPMENT_REFORM,
    }
    decide(world, second[DepartmentCode.HOUSING], Decision.AGREE, "已补充")
    decide(world, second[DepartmentCode.DEVELOPMENT_REFORM], Decision.AGREE, "资金已落实")
    plan.refresh_from_db()
    plan = services.issue_opinion(plan, actor=world.staff, conclusion="同意该实施方案，请按方案组织实施。")

    client.force_login(world.entity)
    html = html_of(client.get(reverse("review:opinion_print", args=[plan.pk])))
    assert re.search(r'data-testid="opinion-number">海淀城更联审〔2026〕1号<', html)
    assert re.search(r'data-testid="opinion-date">2026年3月2日<', html)
    assert "同意该实施方案，请按方案组织实施。" in html
    assert plan.project.name in html
    table = re.search(r'data-testid="department-opinions">(.*?)</table>', html, re.S).group(1)
    rows = dict(re.findall(r'<tr data-department="([^"]+)">(.*?)</tr>', table, re.S))
    assert set(rows) == {world.departments[c].name for c in ALWAYS}
    government = rows[world.departments[DepartmentCode.DISTRICT_GOVERNMENT].name]
    assert "符合分区规划" in government and "第1轮" in government
    assert "第2轮" in rows[world.departments[DepartmentCode.DEVELOPMENT_REFORM].name]
    assert "资金已落实" in rows[world.departments[DepartmentCode.DEVELOPMENT_REFORM].name]
    issuer = housing_commission(plan.project.district).name
    assert re.search(rf'data-testid="issuer">{re.escape(issuer)}<', html)
    assert "会同有关行业主管部门" in html
    limits = re.search(r'data-testid="land-limits">(.*?)</p>', html, re.S).group(1)
    # 2 years → 2028-03-02 (Thursday); 5 years → 2031-03-02 is a Sunday, so the next working day.
    assert "2年内（2028年3月2日前" in limits and "5年内（2031年3月3日前" in limits
    assert f'href="/review/plans/{plan.pk}/"' in html


@pytest.mark.parametrize(
    ("issued", "first_phase", "all_land"),
    [
        # 2026-10-08 is the Thursday after National Day, a working day; 2029-10-08 a Monday.
        (datetime.date(2024, 10, 8), datetime.date(2026, 10, 8), datetime.date(2029, 10, 8)),
        # 2027-03-31 a Wednesday; 2030-03-31 a Sunday → Monday 1 April (民法典 第二百零三条).
        (datetime.date(2025, 3, 31), datetime.date(2027, 3, 31), datetime.date(2030, 4, 1)),
        # 2026-02-19 falls in the Spring Festival holiday (15–23 Feb) → Tuesday 24 Feb.
        (datetime.date(2024, 2, 19), datetime.date(2026, 2, 24), datetime.date(2029, 2, 19)),
        # 29 February → 28 February; Saturday 2026-02-28 is a make-up working day, so it stays.
        (datetime.date(2024, 2, 29), datetime.date(2026, 2, 28), datetime.date(2029, 2, 28)),
    ],
)
def test_land_deadlines_two_and_five_calendar_years_after_the_opinion(
    world, clock, client, issued, first_phase, all_land
):
    clock(issued)
    plan = services.issue_opinion(passed(world), actor=world.staff)
    deadlines = {
        d.kind: d for d in Deadline.objects.for_subject(plan.project).filter(kind__startswith="land_")
    }
    assert deadlines["land_first_phase"].due_date == first_phase
    assert deadlines["land_all"].due_date == all_land
    assert deadlines["land_all"].start_date == issued and deadlines["land_all"].rule == "calendar_years"
    # Years after the seeded calendar are shown as provisional.
    assert deadlines["land_all"].provisional is True
    client.force_login(world.staff)
    limits = re.search(
        r'data-testid="land-limits">(.*?)</p>',
        html_of(client.get(reverse("review:opinion_print", args=[plan.pk]))),
        re.S,
    ).group(1)
    chinese = lambda d: f"{d.year}年{d.month}月{d.day}日"  # noqa: E731
    assert f"2年内（{chinese(first_phase)}前" in limits
    # Issue 10 item 14: an official letter carries no "日期暂定"; staff see it outside the letter.
    assert f"5年内（{chinese(all_land)}前）" in limits and "暂定" not in limits


def test_opinion_page_is_404_before_any_opinion(world, client):
    plan = passed(world)
    client.force_login(world.staff)
    assert client.get(reverse("review:opinion_print", args=[plan.pk])).status_code == 404


# --- the department's page ------------------------------------------------------------------------


def test_department_page_shows_plan_version_matters_clock_and_other_opinions(
    world, client, clock, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    clock(datetime.date(2026, 3, 2))
    plan = in_review(world)
    reviews = reviews_of(plan)
    decide(world, reviews[DepartmentCode.DISTRICT_GOVERNMENT], Decision.AGREE, "符合分区规划")
    housing = reviews[DepartmentCode.HOUSING]
    client.force_login(world.reviewer_of(housing))
    url = reverse("review:department_review", args=[housing.pk])
    html = html_of(client.get(url))
    assert plan.project.name in html and "第1轮联合审查" in html
    assert f'href="/review/plans/{plan.pk}/versions/"' in html
    assert "项目类型和改造方式" in html  # the matters the routing table gave 住建
    # 10 working days from Monday 2 March 2026 → 16 March; 10 working days left → green.
    assert "2026年3月16日" in html and 'data-light="green"' in html
    other = re.search(
        rf'<tr data-other="{world.departments[DepartmentCode.DISTRICT_GOVERNMENT].name}">(.*?)</tr>',
        html,
        re.S,
    ).group(1)
    # Another department's decision, never its text (DOMAIN.md §1).
    assert "同意" in other and "符合分区规划" not in other
    assert 'data-testid="decision-form"' in html

    # A file that is not an allowed type: the message next to the field, nothing recorded.
    response = client.post(
        url,
        {
            "decision": Decision.DISAGREE,
            "text": "不符合",
            "attachments": [SimpleUploadedFile("意见.exe", b"MZ\x90\x00binary")],
        },
    )
    assert response.status_code == 400
    assert re.search(
        r'data-error="attachments">文件“意见.exe”的内容不是允许的类型', response.content.decode()
    )
    housing.refresh_from_db()
    assert housing.decision == Decision.PENDING

    response = client.post(
        url,
        {
            "decision": Decision.AGREE_AFTER_CHANGE,
            "text": "补充无障碍设计",
            "attachments": [SimpleUploadedFile("审查意见.pdf", PDF), SimpleUploadedFile("附图.pdf", PDF)],
        },
        follow=True,
    )
    html = html_of(response)
    housing.refresh_from_db()
    assert housing.decision == Decision.AGREE_AFTER_CHANGE
    files = Attachment.objects.for_object(housing)
    assert sorted(files.values_list("original_name", flat=True)) == ["审查意见.pdf", "附图.pdf"]
    assert set(files.values_list("kind", flat=True)) == {"部门审查意见附件"}
    assert "审查意见.pdf" in html and 'data-testid="decision-form"' not in html
    # Staff see the files on the round page; the download is scoped like its review.
    client.force_login(world.staff)
    assert "审查意见.pdf" in html_of(client.get(reverse("review:joint_round", args=[plan.pk])))
    assert client.get(reverse("attachment_download", args=[files.first().pk])).status_code == 200
    # Another department reads the decisions but never their text, nor the names of files it may not open.
    client.force_login(world.reviewers[DepartmentCode.DISTRICT_GOVERNMENT])
    html = html_of(client.get(reverse("review:joint_round", args=[plan.pk])))
    assert "修改后同意" in html and "补充无障碍设计" not in html and "审查意见.pdf" not in html
    assert client.get(reverse("attachment_download", args=[files.first().pk])).status_code == 404


# --- inbox -------------------------------------------------------------------------------------------


def test_inbox_shows_each_role_its_own_work(world, client, clock):
    clock(datetime.date(2026, 3, 2))
    plan = in_review(world)
    reviews = reviews_of(plan)
    decide(world, reviews[DepartmentCode.DISTRICT_GOVERNMENT], Decision.AGREE)
    pre = world.three_department_plan(world.implementation_project(name="预审项目"))
    services.request_pre_review(
        pre, actor=world.staff, departments=[world.departments[DepartmentCode.HOUSING]]
    )
    comment = PreReviewComment.objects.get(plan=pre)

    url = reverse("review:review_inbox")
    client.force_login(world.reviewer_of(reviews[DepartmentCode.HOUSING]))
    html = html_of(client.get(url))
    row = re.search(rf'<tr data-review="{reviews[DepartmentCode.HOUSING].pk}">(.*?)</tr>', html, re.S).group(
        1
    )
    assert plan.project.name in row and 'data-light="green"' in row and "2026年3月16日" in row
    assert f'href="/review/department-reviews/{reviews[DepartmentCode.HOUSING].pk}/"' in row
    assert f'href="{reverse("review:pre_review_comment", args=[comment.pk])}"' in html
    # The department that already answered has nothing left in this plan.
    client.force_login(world.reviewer_of(reviews[DepartmentCode.DISTRICT_GOVERNMENT]))
    html = html_of(client.get(url))
    assert "data-review=" not in html and "data-pre-review=" not in html

    client.force_login(world.staff)
    html = html_of(client.get(url))
    row = re.search(rf'<tr data-plan="{plan.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "<span data-progress>1/3</span>" in row and 'data-light="green"' in row
    assert f'data-plan="{pre.pk}"' in html  # in pre-review

    other_entity = user(Role.ENTITY)
    client.force_login(other_entity)
    assert "data-plan=" not in html_of(client.get(url))
    client.force_login(world.entity)
    html = html_of(client.get(url))
    assert f'data-plan="{plan.pk}"' in html and f'data-plan="{pre.pk}"' in html


def shapes(queries) -> Counter:
    return Counter(re.sub(r"\b\d+\b", "N", q["sql"]) for q in queries)


def inbox_queries(client, who) -> list:
    client.force_login(who)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("review:review_inbox"))
    assert response.status_code == 200
    return captured.captured_queries


def add_plans(world, count):
    """count plans in review (one opinion recorded each), and one plan further on with land deadlines."""
    for index in range(count):
        plan = in_review(world, world.implementation_project(name=f"收件箱项目{index}"))
        decide(world, reviews_of(plan)[DepartmentCode.DISTRICT_GOVERNMENT], Decision.AGREE)
    services.issue_opinion(
        passed(world, world.implementation_project(name=f"已出具意见{count}")), actor=world.staff
    )


def test_inbox_query_count_does_not_grow_with_rows(world, client, clock):
    clock(datetime.date(2026, 3, 2))
    housing_reviewer = world.reviewers[DepartmentCode.HOUSING]
    add_plans(world, 2)
    small = {
        who: inbox_queries(client, u)
        for who, u in (("staff", world.staff), ("reviewer", housing_reviewer), ("entity", world.entity))
    }
    add_plans(world, 10)
    large = {
        who: inbox_queries(client, u)
        for who, u in (("staff", world.staff), ("reviewer", housing_reviewer), ("entity", world.entity))
    }
    html = html_of(client.get(reverse("review:review_inbox")))
    assert html.count("data-plan=") == 14
    for who in small:
        assert len(small[who]) == len(large[who]), (who, shapes(large[who]) - shapes(small[who]))
    client.force_login(housing_reviewer)
    assert html_of(client.get(reverse("review:review_inbox"))).count("data-review=") == 12


# --- scoping -----------------------------------------------------------------------------------------


def test_another_districts_staff_gets_404_on_every_page(world, client, clock):
    clock(datetime.date(2026, 3, 2))
    plan = in_review(world)
    reviews = reviews_of(plan)
    decide(world, reviews[DepartmentCode.DISTRICT_GOVERNMENT], Decision.AGREE)
    decide(world, reviews[DepartmentCode.HOUSING], Decision.AGREE_AFTER_CHANGE, "补充")
    decide(world, reviews[DepartmentCode.DEVELOPMENT_REFORM], Decision.AGREE)
    opinion_plan = services.issue_opinion(
        passed(world, world.implementation_project(name="已出具")), actor=world.staff
    )
    housing = reviews[DepartmentCode.HOUSING]

    outsider = user(Role.STAFF, district_code="110102")
    client.force_login(outsider)
    gets = [
        reverse("review:department_review", args=[housing.pk]),
        reverse("review:joint_round", args=[plan.pk]),
        reverse("review:opinion_print", args=[opinion_plan.pk]),
        reverse("review:history", args=[plan.project_id]),
        reverse("review:history", args=[opinion_plan.project_id]),
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        (reverse("review:department_review", args=[housing.pk]), {"decision": Decision.AGREE}),
        (reverse("review:confirm_change", args=[housing.pk]), {}),
        (
            reverse("review:change_departments", args=[plan.pk]),
            {"remove": housing.department_id, f"reason_{housing.department_id}": "越权"},
        ),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    html = html_of(client.get(reverse("review:review_inbox")))
    assert plan.project.name not in html and opinion_plan.project.name not in html
    housing.refresh_from_db()
    assert housing.is_active and housing.change_confirmed_at is None

    # An entity of another organisation: 404 on the project's pages too.
    client.force_login(user(Role.ENTITY))
    for url in gets[1:]:
        assert client.get(url).status_code == 404, url
    # The project's own entity reads the opinion and the history.
    client.force_login(world.entity)
    for url in gets[1:]:
        assert client.get(url).status_code == 200, url


# --- history -----------------------------------------------------------------------------------------


def test_history_lists_everything_in_time_order_with_redacted_comments(world, client, clock):
    # Ten days ago, so that the 15-working-day publicity window is open now and the comment is
    # submitted at the real present, like every other recorded time of this history.
    clock(timezone.localdate() - datetime.timedelta(days=10))
    plan = world.three_department_plan()
    services.request_pre_review(
        plan, actor=world.staff, departments=[world.departments[DepartmentCode.PLANNING]]
    )
    comment = PreReviewComment.objects.get(plan=plan)
    services.answer_pre_review(
        comment, actor=world.reviewers[DepartmentCode.PLANNING], text="补充交通影响评价"
    )
    plan = services.return_for_revision(plan, actor=world.staff, items=["补充交通影响评价"])
    plan = resubmit(world, plan)
    services.record_expert_review(
        plan, actor=world.staff, held_on=datetime.date(2026, 2, 27), experts="王工、赵工", opinions="方案可行"
    )
    plan = services.start_joint_review(plan, actor=world.staff)
    for review in reviews_of(plan).values():
        decide(world, review, Decision.AGREE, "同意")
    plan.refresh_from_db()
    plan = services.issue_opinion(plan, actor=world.staff)
    plan = services.publish(plan, actor=world.staff)
    publicity = plan.publicities.get()
    secret = {
        "phone": "13912345678",
        "id": "11010819900307123X",
        "email": "lisi.home@example.com",
        "name": "李四",
        "contact": "010-62551234",
    }
    public_comment = services.submit_comment(
        publicity,
        kind=CommentKind.OBJECTION,
        text=f"我是{secret['name']}，身份证{secret['id']}，电话{secret['phone']}，邮箱{secret['email']}，担心施工噪声",
        name=secret["name"],
        contact=secret["contact"],
    )
    services.respond_to_comment(
        public_comment,
        actor=world.staff,
        response=f"{secret['name']}您好：已要求夜间停工，电话{secret['phone']}已回访",
    )

    entries = project_history(plan.project, world.staff)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    kinds = {e.kind for e in entries}
    assert {
        "version",
        "pre_review",
        "revision_request",
        "expert_review",
        "review_round",
        "department_opinion",
        "opinion",
        "publicity",
        "public_comment",
        "audit",
    } <= kinds

    client.force_login(world.entity)
    html = html_of(client.get(reverse("review:history", args=[plan.project_id])))
    for value in secret.values():
        assert value not in html, value
    assert "＊＊＊" in html and "担心施工噪声" in html and "已要求夜间停工" in html
    milestones = [
        "报送实施方案第1版",
        "提出预审意见",
        "提出修改要求",
        "报送实施方案第2版",
        "修改要求已解决",
        "专家评审",
        "第1轮联合审查开始",
        "第1轮联合审查结束：通过",
        f"出具联合审查意见 海淀城更联审〔{(timezone.localdate() - datetime.timedelta(days=10)).year}〕1号",
        "发布公示",
        "收到公示意见（异议）",
        "答复公示意见",
    ]
    table = html[html.index('data-testid="history"') :]
    positions = [table.index(m) for m in milestones]
    assert positions == sorted(positions), list(zip(milestones, positions, strict=True))
    starts, ends = timezone.localtime(publicity.starts_at), timezone.localtime(publicity.ends_at)
    window = (
        f"{starts.year}年{starts.month}月{starts.day}日至{ends.year}年{ends.month}月{ends.day}日（15个工作日"
    )
    assert window in html
    assert "提请联合审查" in html  # an audit event of the plan
    assert "待审查 → 同意" in html and "agree" not in table  # decision codes shown with their labels
    for review in reviews_of(plan).values():
        assert f"第1轮 · {review.department.name}：同意" in html


def test_history_of_a_project_without_plan_shows_its_audit_trail(world, client):
    project = world.implementation_project()
    client.force_login(world.staff)
    html = html_of(client.get(reverse("review:history", args=[project.pk])))
    rows = re.findall(r'<tr data-kind="audit"[^>]*>(.*?)</tr>', html, re.S)
    assert any("转入实施项目库" in row for row in rows)
    assert 'data-kind="version"' not in html


# --- admin -------------------------------------------------------------------------------------------


def test_review_models_are_read_only_in_admin(world, client, clock):
    clock(datetime.date(2026, 3, 2))
    publicity = world.publicity()
    services.submit_comment(
        publicity,
        kind=CommentKind.SUPPORT,
        text="支持",
        contact="13800001111",
        name="王五",
        now=publicity.starts_at,
    )
    client.force_login(user(Role.ADMINISTRATOR, district_code=None, is_staff=True, is_superuser=True))
    for model in (
        "implementationplan",
        "planversion",
        "reviewround",
        "departmentreview",
        "jointreviewopinion",
        "publicity",
        "publiccomment",
    ):
        changelist = client.get(reverse(f"admin:review_{model}_changelist"))
        assert changelist.status_code == 200, model
        assert client.get(reverse(f"admin:review_{model}_add")).status_code == 403, model
        html = changelist.content.decode()
        assert "13800001111" not in html and "王五" not in html
    assert client.get(reverse("admin:review_routingrule_add")).status_code == 200
    plan = publicity.plan
    change = client.get(reverse("admin:review_implementationplan_change", args=[plan.pk]))
    assert change.status_code == 200 and 'name="_save"' not in change.content.decode()
    assert (
        client.post(
            reverse("admin:review_implementationplan_delete", args=[plan.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


# --- after an accepted objection: re-review, a new opinion and its land deadlines -----------------------


def objection_accepted(world, clock) -> ImplementationPlan:
    """A plan whose publicity ended with an accepted objection, resubmitted with the request resolved."""
    clock(datetime.date(2026, 3, 2))
    publicity = world.publicity()
    comment = services.submit_comment(
        publicity, kind=CommentKind.OBJECTION, text="遮挡采光", contact="13800002222", now=publicity.starts_at
    )
    services.respond_to_comment(comment, actor=world.staff, response="经核实，调整楼栋布局", accept=True)
    return resubmit(world, ImplementationPlan.objects.get(pk=publicity.plan_id))


def test_re_review_after_an_accepted_objection_asks_every_department_again(world, clock):
    """The plan changed after publicity: agreements given to the earlier version are not carried over."""
    plan = objection_accepted(world, clock)
    plan = services.start_joint_review(plan, actor=world.staff)
    assert plan.state == PlanState.JOINT_REVIEW
    second = [r for r in reviews_of(plan, 2).values() if r.is_active]
    assert len(second) == len(reviews_of(plan, 1))
    assert all(r.decision == Decision.PENDING and not r.carried_over for r in second)


def test_a_new_opinion_replaces_the_land_deadlines_of_the_withdrawn_one(world, clock):
    plan = objection_accepted(world, clock)
    plan = services.start_joint_review(plan, actor=world.staff, all_departments=True)
    for review in reviews_of(plan).values():
        decide(world, review, Decision.AGREE)
    clock(datetime.date(2026, 6, 1))
    plan = services.issue_opinion(ImplementationPlan.objects.get(pk=plan.pk), actor=world.staff)
    open_land = Deadline.objects.for_subject(plan.project).open().filter(kind__startswith="land_")
    assert sorted(open_land.values_list("kind", "start_date")) == [
        ("land_all", datetime.date(2026, 6, 1)),
        ("land_first_phase", datetime.date(2026, 6, 1)),
    ]


def test_departments_removed_when_the_round_starts_keep_their_reason(world, client):
    housing = world.departments[DepartmentCode.HOUSING]
    plan = services.start_joint_review(
        world.three_department_plan(), actor=world.staff, remove={housing.pk: "本项目不涉及住房事项"}
    )
    assert {c for c, r in reviews_of(plan).items() if r.is_active} == ALWAYS - {DepartmentCode.HOUSING}
    client.force_login(world.staff)
    html = html_of(client.get(reverse("review:joint_round", args=[plan.pk])))
    assert html.count("本项目不涉及住房事项") == 1
    history = html_of(client.get(reverse("review:history", args=[plan.project_id])))
    assert f"{housing.name}（本项目不涉及住房事项）" in history or f"{housing.name}移出会签" in history
