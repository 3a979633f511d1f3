"""Issue 10, items 9–19: plans and joint review checked against the texts. Each test names its article."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from projects.models import DistrictLibrarySettings, Project, SubType
from renewal import deadline_kinds
from renewal.attachments import attach
from renewal.choices import DeadlineState, DepartmentCode
from renewal.models import AuditEvent, Deadline
from renewal.workflow import TransitionRefused
from review import services
from review.choices import DEADLINE_DEPARTMENT_REVIEW, Decision, DeliverableKind, PlanFact, PlanState
from review.models import DepartmentReview, ImplementationPlan, RoutingRule
from review.vote import check_vote
from review.workflows import PLAN
from tests.review.helpers import PDF, World, attach_submission

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return World()


def fresh(plan):
    return ImplementationPlan.objects.get(pk=plan.pk)


def review_of(plan, world, code):
    return DepartmentReview.objects.get(
        review_round__plan=plan,
        review_round__number=fresh(plan).latest_round_number,
        department=world.departments[code],
    )


def agree_all_pending(plan, world):
    for review in DepartmentReview.objects.filter(review_round__plan=plan, decision=Decision.PENDING):
        services.record_decision(review, actor=world.reviewer_of(review), decision=Decision.AGREE, text="")
    return fresh(plan)


# --- item 13: 修改后同意 is confirmed against a corrected version submitted during the round ----------------


def test_agree_after_change_needs_a_corrected_version_and_the_opinion_names_it(world):
    """DOMAIN.md §3 step 7 / 联合审查办法 第十条: 修改后同意 counts once the entity's corrected version
    (报批稿) is confirmed; the opinion is issued on that version and names the version each department saw."""
    plan = services.start_joint_review(world.three_department_plan(), actor=world.staff)
    housing = review_of(plan, world, DepartmentCode.HOUSING)
    services.record_decision(
        housing,
        actor=world.reviewers[DepartmentCode.HOUSING],
        decision=Decision.AGREE_AFTER_CHANGE,
        text="补充停车位",
    )
    housing.refresh_from_db()
    assert housing.reviewed_version == 1

    # No "confirm" without a new version.
    with pytest.raises(TransitionRefused, match="尚未报送按该部门意见修改后的新版本"):
        services.confirm_change(housing, actor=world.staff)
    # A corrected version must change something.
    with pytest.raises(TransitionRefused, match="与第1版相同"):
        services.submit_correction(fresh(plan), actor=world.entity)

    plan = fresh(plan)
    content = dict(plan.content, phasing={"phases": "增设机械停车位 120 个"})
    plan = services.save_plan(plan, actor=world.entity, modules=content, facts=list(plan.declared_facts))
    assert plan.state == PlanState.JOINT_REVIEW
    plan = services.submit_correction(plan, actor=world.entity, note="已补充停车位")
    assert plan.current_version == 2 and plan.versions.count() == 2

    services.confirm_change(review_of(plan, world, DepartmentCode.HOUSING), actor=world.staff)
    housing.refresh_from_db()
    assert housing.change_confirmed_version == 2 and housing.counts_as_agreement
    plan = agree_all_pending(plan, world)
    assert plan.state == PlanState.PASSED

    plan = services.issue_opinion(plan, actor=world.staff)
    opinion = plan.opinions.get()
    assert opinion.version == 2
    client = Client()
    client.force_login(world.staff)
    html = client.get(reverse("review:opinion_print", args=[plan.pk])).content.decode()
    assert "（第2版" in html and "已按意见修改" not in html
    assert "对照第2版（报批稿）确认修改落实" in html
    assert html.count('data-testid="reviewed-version"') == 3


def test_the_entity_edits_during_the_round_only_to_answer_an_agree_after_change(world):
    """Issue 10 item 13: outside a pending 修改后同意 the plan is frozen during joint review."""
    plan = services.start_joint_review(world.three_department_plan(), actor=world.staff)
    assert "修改后同意" in PLAN.refusal(fresh(plan), "save", user=world.entity)
    assert "没有待落实" in PLAN.refusal(fresh(plan), "submit_correction", user=world.entity)


# --- item 9: submission materials (联合审查办法 第六条; 海淀指引 三(三)) ------------------------------------


def test_submission_needs_the_application_and_licences_article_6(world):
    plan = world.draft_plan()
    attach(plan, SimpleUploadedFile("文本.pdf", PDF), kind=DeliverableKind.TEXT, actor=world.entity)
    refusal = PLAN.refusal(fresh(plan), "submit", user=world.entity)
    assert "联合审查申请书（第六条（一））" in refusal and "合法有效证照（第六条（二））" in refusal
    attach_submission(plan, world.entity, kinds=(DeliverableKind.APPLICATION, DeliverableKind.LICENCE))
    assert PLAN.refusal(fresh(plan), "submit", user=world.entity) == ""


@pytest.mark.parametrize(
    "modules, annex, label",
    [
        (
            {"basic_info": {"scope": "片区", "encumbrance": True}},
            DeliverableKind.ANNEX_RIGHT_HOLDER_CONSENT,
            "他项权益人书面同意意见（第六条（四））",
        ),
        (
            {"basic_info": {"scope": "片区", "entity_not_rights_holder": True}},
            DeliverableKind.ANNEX_AUTHORISATION,
            "授权说明",
        ),
        (
            {"architecture": {"fire_design_method": "消防性能化设计"}},
            DeliverableKind.ANNEX_FIRE,
            "消防专家评审意见",
        ),
    ],
)
def test_conditional_annexes_haidian_3_3(world, modules, annex, label):
    plan = world.draft_plan(modules=modules)
    attach_submission(plan, world.entity)
    assert label in PLAN.refusal(fresh(plan), "submit", user=world.entity)
    attach_submission(plan, world.entity, kinds=(annex,))
    assert PLAN.refusal(fresh(plan), "submit", user=world.entity) == ""


def test_expert_review_needs_the_adoption_table_on_resubmission(world):
    """海淀指引 三(三) 附件: 专家评审意见采信情况表 where experts reviewed (联合审查办法 第九条)."""
    plan = world.submitted_plan()
    services.record_expert_review(
        plan, actor=world.staff, held_on=datetime.date(2026, 2, 27), experts="王工", opinions="可行"
    )
    plan = services.return_for_revision(fresh(plan), actor=world.staff, items=["补充采信情况"])
    assert "专家评审意见采信情况表" in PLAN.refusal(fresh(plan), "submit", user=world.entity)


def test_tables_and_drawings_are_deliverable_kinds():
    assert {DeliverableKind.TABLES.value, DeliverableKind.DRAWINGS.value} <= set(DeliverableKind.values)


# --- item 10: the owners' vote (民法典 第二百七十八条) ---------------------------------------------------------

VOTE = {
    "common_decision": True,
    "total_area": "9000",
    "holders_count": 90,
    "participant_area": "6000",  # exactly two thirds
    "participant_count": 60,  # exactly two thirds
    "agree_area": "4500",
    "agree_count": 45,
    "vote_date": "2026-01-10",
}


def test_vote_thresholds_are_exact_article_278():
    assert check_vote(VOTE).passed  # 2/3 participation and 3/4 agreement are reached exactly
    assert check_vote(dict(VOTE, rebuild=True, agree_count=45, agree_area="4500")).passed  # 3/4 exactly
    below = check_vote(dict(VOTE, rebuild=True, agree_count=44))
    assert not below.passed and "未达四分之三" in below.failures[0]
    short = check_vote(dict(VOTE, participant_count=59))
    assert "参与表决人数占比65.56%，未达三分之二" in short.failures
    half = check_vote(dict(VOTE, agree_count=30, agree_area="3000"))  # exactly half is not more than half
    assert [f for f in half.failures if "未过半数" in f] and len(half.failures) == 2
    assert check_vote(dict(VOTE, agree_count=31, agree_area="3000.01")).passed
    # 第二百七十八条 第二款: raising the fund needs 3/4, using it more than half.
    assert not check_vote(dict(VOTE, raise_fund=True, agree_count=31, agree_area="3000.01")).passed
    assert check_vote(dict(VOTE, use_fund=True, agree_count=31, agree_area="3000.01")).passed
    assert check_vote({"common_decision": True}).missing


def test_submission_refused_when_the_vote_falls_short(world):
    vote = dict(VOTE, rebuild=True, agree_count=40)
    plan = world.draft_plan(modules={"basic_info": {"scope": "片区"}, "consultation": vote})
    attach_submission(plan, world.entity, kinds=(*_submission(), DeliverableKind.ANNEX_VOTE))
    refusal = PLAN.refusal(fresh(plan), "submit", user=world.entity)
    assert "民法典第二百七十八条" in refusal and "同意人数占参与表决人数66.67%，未达四分之三" in refusal
    bad = services.clean_module("consultation", dict(VOTE, agree_count=61))[1]
    assert bad == {"agree_count": "同意人数不能多于参与表决人数。"}


def _submission():
    return (DeliverableKind.TEXT, DeliverableKind.APPLICATION, DeliverableKind.LICENCE)


# --- item 12: unregistered buildings (联合审查办法 第七条); item 5: the city renewal plan (第二条、第五条) -----


def test_unregistered_buildings_need_the_determination_before_joint_review_article_7(world):
    modules = {"basic_info": {"scope": "片区"}, "unregistered": {"involved": True, "area": "320"}}
    plan = world.submitted_plan(modules=modules)
    with pytest.raises(TransitionRefused, match="第七条"):
        services.start_joint_review(plan, actor=world.staff)
    with pytest.raises(TransitionRefused, match="公示日期不能早于认定日期"):
        services.record_unregistered_determination(
            plan,
            actor=world.staff,
            document="海政认定〔2026〕3号",
            determined_on=datetime.date(2026, 2, 10),
            publicity_on=datetime.date(2026, 2, 2),
        )
    services.record_unregistered_determination(
        plan,
        actor=world.staff,
        document="海政认定〔2026〕3号",
        determined_on=datetime.date(2026, 2, 2),
        publicity_on=datetime.date(2026, 2, 10),
    )
    assert AuditEvent.objects.filter(action="plan.record_unregistered_determination").exists()
    assert services.start_joint_review(fresh(plan), actor=world.staff).state == PlanState.JOINT_REVIEW


def test_no_joint_review_outside_the_city_renewal_plan_articles_2_and_5(world):
    plan = world.submitted_plan()
    Project.objects.filter(pk=plan.project_id).update(city_plan_batch=None, reported_to_city_on=None)
    with pytest.raises(TransitionRefused, match="尚未上报市级并纳入城市更新计划"):
        services.start_joint_review(fresh(plan), actor=world.staff)


# --- item 14, 15: the letter prints the plan's figures; the department limit is a service standard ----------


def test_the_opinion_prints_the_plan_figures_not_the_intake(world):
    plan = world.opinion_issued_plan()
    client = Client()
    client.force_login(world.entity)
    html = client.get(reverse("review:opinion_print", args=[plan.pk])).content.decode()
    assert "86000 平方米" in html and "50000 万元" in html  # the plan's figures
    assert "资金匡算" not in html and "日期暂定" not in html


def test_provisional_due_dates_are_shown_to_staff_and_never_printed(world):
    plan = world.opinion_issued_plan()
    Deadline.objects.for_subject(plan.project).update(provisional=True)
    staff, entity = Client(), Client()
    staff.force_login(world.staff)
    entity.force_login(world.entity)
    url = reverse("review:opinion_print", args=[plan.pk])
    staff_html = staff.get(url).content.decode()
    assert 'data-testid="provisional-note"' in staff_html
    letter = staff_html.split("<article", 1)[1]
    assert "暂定" not in letter
    assert 'data-testid="provisional-note"' not in entity.get(url).content.decode()


def test_the_department_limit_is_an_internal_service_standard(settings):
    kind = deadline_kinds.get(DEADLINE_DEPARTMENT_REVIEW)
    assert kind.setting == "JOINT_REVIEW_WORKDAYS" and "内部服务标准" in kind.basis
    assert "第" not in kind.basis and "条" not in kind.basis


# --- item 16: city approval (《老旧低效楼宇更新实施办法（试行）》第十八条) -------------------------------------


def test_city_approval_is_recorded_on_the_project_and_not_needed_for_the_opinion(world):
    plan = world.passed_plan(major_project=True)
    assert Project.objects.get(pk=plan.project_id).needs_city_approval
    plan = services.issue_opinion(plan, actor=world.staff)  # checked at works start, not here
    project = Project.objects.get(pk=plan.project_id)
    assert "第十八条" in project.city_approval_missing()
    services.record_city_approval(
        plan, actor=world.staff, reference="京政函〔2026〕12号", approved_on=datetime.date(2026, 2, 27)
    )
    project.refresh_from_db()
    assert project.city_approval_document == "京政函〔2026〕12号" and project.city_approval_missing() is None


def test_a_district_can_require_city_approval_for_every_project(world):
    project = world.implementation_project()
    assert not project.needs_city_approval
    DistrictLibrarySettings.objects.update_or_create(
        district=project.district, defaults={"city_approval_for_all": True}
    )
    assert Project.objects.get(pk=project.pk).needs_city_approval


# --- item 17: land clocks (联合审查办法 第十八条) ------------------------------------------------------------


def transition_plan(world):
    plan = world.draft_plan(modules={"basic_info": {"scope": "片区"}, "land": {"method": "五年过渡期"}})
    attach_submission(plan, world.entity)
    plan = services.start_joint_review(services.submit(plan, actor=world.entity), actor=world.staff)
    return agree_all_pending(plan, world)


def test_no_land_clocks_for_a_plan_using_the_transition_policy_article_18(world):
    plan = transition_plan(world)
    with pytest.raises(TransitionRefused, match="过渡期政策批准"):
        services.issue_opinion(plan, actor=world.staff)
    services.record_transition_approval(
        plan, actor=world.staff, document="海政函〔2026〕8号", approved_on=datetime.date(2026, 2, 2)
    )
    plan = services.issue_opinion(fresh(plan), actor=world.staff)
    assert not Deadline.objects.for_subject(plan.project).filter(kind__startswith="land_").exists()
    client = Client()
    client.force_login(world.staff)
    html = client.get(reverse("review:opinion_print", args=[plan.pk])).content.decode()
    assert "按照相关规定执行（过渡期政策批准：海政函〔2026〕8号" in html and "2年内" not in html


def test_staff_record_an_extension_or_exception_of_a_land_limit_with_reason_and_document(world):
    """第十八条 "原则上": an extension or an exception, with reason and document, audited."""
    plan = world.opinion_issued_plan()
    first = Deadline.objects.for_subject(plan.project).get(kind="land_first_phase")
    with pytest.raises(TransitionRefused, match="依据文件"):
        services.adjust_land_deadline(
            plan, actor=world.staff, kind="land_first_phase", reason="x", document=""
        )
    with pytest.raises(TransitionRefused, match="应晚于原到期日"):
        services.adjust_land_deadline(
            plan,
            actor=world.staff,
            kind="land_first_phase",
            reason="征地",
            document="海政函1号",
            new_due=first.due_date,
        )
    later = first.due_date + datetime.timedelta(days=180)
    services.adjust_land_deadline(
        plan,
        actor=world.staff,
        kind="land_first_phase",
        reason="征地补偿协商",
        document="海政函〔2026〕9号",
        new_due=later,
    )
    first.refresh_from_db()
    assert first.due_date == later and "海政函〔2026〕9号" in first.basis
    event = AuditEvent.objects.filter(action="plan.adjust_land_deadline").latest("pk")
    assert "征地补偿协商" in event.reason and event.data["due_after"] == later.isoformat()
    services.adjust_land_deadline(
        plan, actor=world.staff, kind="land_all", reason="项目终止", document="海政函〔2026〕10号"
    )
    assert Deadline.objects.for_subject(plan.project).get(kind="land_all").state == DeadlineState.CANCELLED
    with pytest.raises(TransitionRefused):
        services.adjust_land_deadline(
            fresh(plan), actor=world.entity, kind="land_all", reason="x", document="y"
        )


# --- item 11: routing (联合审查办法 第十二条) ------------------------------------------------------------------


def routed_codes(plan):
    return {org.department_code for org, _ in services.routed_departments(fresh(plan))}


def test_planning_and_the_lead_department_are_always_asked_article_12_2_and_3(world):
    RoutingRule.objects.filter(fact=PlanFact.ALWAYS, department_code=DepartmentCode.PLANNING).update(
        is_active=True  # as migrated (review 0011); the test World switches it off
    )
    plan = world.three_department_plan()
    codes = routed_codes(plan)
    assert {
        DepartmentCode.PLANNING,
        DepartmentCode.HOUSING,
    } <= codes  # planning (三); lead of 老旧街区改造 (二)
    project = plan.project
    project.sub_type = SubType.objects.filter(lead_department=DepartmentCode.EDUCATION).first()
    project.save(update_fields=["sub_type"])
    matters = dict((org.department_code, m) for org, m in services.routed_departments(fresh(plan)))
    assert "项目牵头部门，第十二条（二）" in matters[DepartmentCode.EDUCATION][0]


@pytest.mark.parametrize(
    "modules, codes",
    [
        (
            {"assessment": {"industrial_land_efficiency": True}},
            {DepartmentCode.ECONOMY_IT, DepartmentCode.ZGC},
        ),
        ({"planning": {"water_facilities": "雨污分流改造"}}, {DepartmentCode.WATER}),
        ({"architecture": {"accessibility": True}}, {DepartmentCode.DISABLED_FEDERATION}),
        (
            {"operation": {"business_change": True}},
            {DepartmentCode.COMMERCE, DepartmentCode.MARKET_REGULATION},
        ),
    ],
)
def test_facts_route_to_their_departments_article_12_4_7_8(world, modules, codes):
    plan = world.draft_plan(modules={"basic_info": {"scope": "片区"}, **modules})
    assert codes <= routed_codes(plan)


def test_the_unregistered_buildings_department_is_designated_not_defaulted_article_12_7(world):
    modules = {"basic_info": {"scope": "片区"}, "unregistered": {"involved": True, "area": "320"}}
    plan = world.submitted_plan(modules=modules)
    services.record_unregistered_determination(
        plan,
        actor=world.staff,
        document="海政认定〔2026〕3号",
        determined_on=datetime.date(2026, 2, 2),
        publicity_on=datetime.date(2026, 2, 10),
    )
    RoutingRule.objects.filter(fact=PlanFact.UNREGISTERED_BUILDINGS).delete()
    assert DepartmentCode.URBAN_MANAGEMENT not in routed_codes(plan)
    with pytest.raises(TransitionRefused, match="未登记建筑物处理审查部门尚未设置"):
        services.start_joint_review(fresh(plan), actor=world.staff)
    RoutingRule.objects.create(
        fact=PlanFact.UNREGISTERED_BUILDINGS, department_code=DepartmentCode.PLANNING, matters="区政府指定"
    )
    assert services.start_joint_review(fresh(plan), actor=world.staff).state == PlanState.JOINT_REVIEW


# --- item 18: late is visible (DOMAIN.md §4) -------------------------------------------------------------------


def test_a_department_answering_after_its_due_date_is_late_with_working_days(world, monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: datetime.date(2026, 3, 2))
    plan = services.start_joint_review(world.three_department_plan(), actor=world.staff)
    review = review_of(plan, world, DepartmentCode.HOUSING)
    deadline = Deadline.objects.for_subject(review).get()
    assert deadline.due_date == datetime.date(2026, 3, 16)  # 10 working days, the service standard
    monkeypatch.setattr("renewal.calendar.today", lambda: datetime.date(2026, 3, 20))
    services.record_decision(review, actor=world.reviewer_of(review), decision=Decision.AGREE, text="")
    deadline.refresh_from_db()
    assert deadline.state == DeadlineState.MET and deadline.late_workdays == 4
    assert deadline.outcome_label == "逾期完成"
    event = AuditEvent.objects.filter(action="deadline.close").latest("pk")
    assert event.data["late_workdays"] == 4


# --- item 19: the modules and the catalogue carry what the Haidian guidance names --------------------------


def test_modules_and_catalogue_have_the_items_the_guidance_names():
    from review.modules import BY_CODE

    labels = {f.label for module in BY_CODE.values() for f in module.fields}
    for item in (
        "分功能建筑规模",
        "水务设施",
        "平面布局及内部装修",
        "土地价款缴纳方式",
        "插花地",
        "过渡期政策适用条件",
        "政府资金支持及税费减免",
        "综合效益分析",
    ):
        assert any(item in label for label in labels), item
    names = set(SubType.objects.values_list("name", flat=True))
    assert {
        "绿色慢行交通改造",
        "黑臭水体治理",
        "生态清洁小流域建设",
        "稳妥清理不规范地名",
        "适老化、适儿化无障碍环境改造",
        "城市文化遗产资源调查",
        "土壤污染状况调查",
    } <= names


def test_a_city_level_department_can_be_asked_article_12_8(world):
    """第十二条（八）: "涉及市级部门职责范围的，应提请市级部门审查" — staff may add a city-level department."""
    from renewal.choices import OrganizationKind, Role
    from tests.factories import OrganizationFactory, user

    city = OrganizationFactory(
        kind=OrganizationKind.CITY,
        department_code=DepartmentCode.PLANNING,
        district=None,
        name="市规划自然资源委",
    )
    officer = user(Role.REVIEWER, organization=city)
    other_district = OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT, department_code=DepartmentCode.PLANNING, district=None, name="x"
    )
    other_district.district = World(district_code="110102").departments[DepartmentCode.PLANNING].district
    other_district.save()
    with pytest.raises(TransitionRefused, match="只能选择本区的行业主管部门或市级部门"):
        services.start_joint_review(world.three_department_plan(), actor=world.staff, add=[other_district])
    plan = services.start_joint_review(
        world.three_department_plan(world.implementation_project(name="市级事项项目")),
        actor=world.staff,
        add=[city],
    )
    review = DepartmentReview.objects.get(review_round__plan=plan, department=city)
    assert DepartmentReview.objects.visible_to(officer).filter(pk=review.pk).exists()
    assert DepartmentReview.objects.visible_to(officer).count() == 1
    services.record_decision(review, actor=officer, decision=Decision.AGREE, text="")
    review.refresh_from_db()
    assert review.decision == Decision.AGREE
