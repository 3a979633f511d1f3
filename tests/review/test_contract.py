"""The workflow contract of the review app (issue 8), generated over its tables.

For every transition of every review workflow, every role and representative states: the page shows an
enabled button exactly when `available_for(...)` says the step is allowed, exactly when the service accepts
it (tried inside a rolled-back transaction), exactly when `GET …/actions/` lists it allowed. Steps the
portal takes by itself are offered to nobody. No department reads another department's opinion text on any
page, print, history or API response; every audit event of the review app is in the vocabulary and shows
its own workflow's state labels.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from renewal import audit_actions
from renewal.choices import DepartmentCode, Role
from renewal.models import AuditEvent
from review import services
from review.choices import CommentKind, Decision, DeliverableKind, PlanState
from review.models import DepartmentReview, ImplementationPlan, PreReviewComment, ReviewRound
from review.workflows import (
    DEPARTMENT_REVIEW,
    PLAN,
    PLAN_START,
    PRE_REVIEW,
    PUBLIC_COMMENT,
    PUBLIC_COMMENT_MODERATION,
    PUBLICITY,
    REVISION_REQUEST,
    WORKFLOWS,
)
from tests.contract import accepts
from tests.factories import user
from tests.review.helpers import PDF, World, attach_submission, submit_correction

pytestmark = pytest.mark.django_db

ROUTED = DepartmentCode.DEVELOPMENT_REFORM  # always routed (第十二条（六）)
NEVER_ROUTED = DepartmentCode.LANDSCAPING  # only for old trees, which no plan here declares


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return World()


def people(world, request, reviewer) -> dict:
    """Everyone who might try a step: each role of 海淀区, the concerned department's officer, another
    department's, and the staff of another district. (The `users_by_role` fixture is asked for only now:
    its reviewer's department would otherwise be routed too.)"""
    users_by_role = request.getfixturevalue("users_by_role")
    return {
        "staff": world.staff,
        "entity": world.entity,
        "reviewer": reviewer,
        "other_reviewer": world.reviewers[NEVER_ROUTED]
        if reviewer != world.reviewers[NEVER_ROUTED]
        else world.reviewers[ROUTED],
        "leadership": users_by_role[Role.LEADERSHIP],
        "auditor": users_by_role[Role.AUDITOR],
        "administrator": users_by_role[Role.ADMINISTRATOR],
        "outsider": user(Role.STAFF, district_code="110102"),
    }


def enabled(html: str, marker: str) -> bool:
    """An enabled control (a tag carrying the marker, not disabled) is on the page."""
    return any(marker in tag and " disabled" not in tag for tag in re.findall(r"<[a-z]+\b[^>]*>", html))


class Pages:
    """The pages and API answers one person gets, fetched once each."""

    def __init__(self, person):
        self.client = Client()
        self.client.force_login(person)
        self.api = APIClient()
        self.api.force_authenticate(person)
        self.cache = {}

    def html(self, url: str) -> str:
        if url not in self.cache:
            response = self.client.get(url)
            self.cache[url] = response.content.decode() if response.status_code == 200 else ""
        return self.cache[url]

    def listed(self, url: str) -> dict[str, bool]:
        key = ("api", url)
        if key not in self.cache:
            response = self.api.get(url)
            self.cache[key] = (
                {row["name"]: row["allowed"] for row in response.json()}
                if response.status_code == 200
                else {}
            )
        return self.cache[key]


@dataclass(frozen=True)
class Step:
    """Where a step's button is (page url and the marker of its control, optionally within one row) and how
    the service is called with valid input."""

    page: object  # (obj) → url
    marker: str
    call: object  # (world, obj, person) → None
    row: object = None  # (obj) → regex of the row holding the control


def pdf(name):
    return SimpleUploadedFile(f"{name}.pdf", PDF)


def plan_url(plan):
    return reverse("review:plan_detail", args=[plan.pk])


def round_url(obj):
    plan_id = obj.review_round.plan_id if isinstance(obj, DepartmentReview) else obj.pk
    return reverse("review:joint_round", args=[plan_id])


def row_html(html: str, pattern: str | None) -> str:
    if pattern is None:
        return html
    found = re.search(pattern, html, re.S)
    return found.group(0) if found else ""


def _not_in_round(world, plan):
    round_ = ReviewRound.objects.filter(plan=plan).order_by("-number").first()
    present = set(round_.department_reviews.values_list("department_id", flat=True)) if round_ else set()
    return next(org for org in world.departments.values() if org.pk not in present)


PLAN_STEPS = {
    "save": Step(
        plan_url,
        'data-action="edit"',
        lambda w, plan, who: services.save_plan(
            plan, actor=who, modules=plan.content, facts=list(plan.declared_facts)
        ),
    ),
    "upload": Step(
        plan_url,
        'data-action="upload"',
        lambda w, plan, who: services.upload_deliverable(
            plan, pdf("附表"), actor=who, kind=DeliverableKind.TABLES
        ),
    ),
    "submit": Step(plan_url, 'data-action="submit"', lambda w, plan, who: services.submit(plan, actor=who)),
    "request_pre_review": Step(
        plan_url,
        'data-action="request_pre_review"',
        lambda w, plan, who: services.request_pre_review(
            plan, actor=who, departments=[w.departments[DepartmentCode.PLANNING]]
        ),
    ),
    "return_for_revision": Step(
        plan_url,
        'data-action="return_for_revision"',
        lambda w, plan, who: services.return_for_revision(plan, actor=who, items=["补充日照分析"]),
    ),
    "expert_review": Step(
        plan_url,
        'data-action="expert_review"',
        lambda w, plan, who: services.record_expert_review(
            plan, actor=who, held_on=datetime.date(2026, 2, 27), experts="王工", opinions="方案可行"
        ),
    ),
    "start_joint_review": Step(
        plan_url,
        'data-action="start_joint_review"',
        lambda w, plan, who: services.start_joint_review(plan, actor=who),
    ),
    "add_departments": Step(
        round_url,
        'data-action="add-departments"',
        lambda w, plan, who: services.add_departments(plan, actor=who, departments=[_not_in_round(w, plan)]),
    ),
    "set_major_project": Step(
        plan_url,
        'data-action="set_major_project"',
        lambda w, plan, who: services.set_major_project(plan, actor=who, major=True, reason="跨区域项目"),
    ),
    "record_city_approval": Step(
        plan_url,
        'data-action="record_city_approval"',
        lambda w, plan, who: services.record_city_approval(
            plan, actor=who, reference="京政函〔2026〕12号", approved_on=datetime.date(2026, 2, 27)
        ),
    ),
    "issue_opinion": Step(
        plan_url, 'data-action="issue_opinion"', lambda w, plan, who: services.issue_opinion(plan, actor=who)
    ),
    "publish": Step(
        plan_url, 'data-action="publish"', lambda w, plan, who: services.publish(plan, actor=who)
    ),
    "submit_correction": Step(
        plan_url,
        'data-action="submit_correction"',
        lambda w, plan, who: services.submit_correction(plan, actor=who, note="已按意见修改"),
    ),
    "record_unregistered_determination": Step(
        plan_url,
        'data-action="record_unregistered_determination"',
        lambda w, plan, who: services.record_unregistered_determination(
            plan,
            actor=who,
            document="海淀区政府未登记建筑认定〔2026〕3号",
            determined_on=datetime.date(2026, 2, 2),
            publicity_on=datetime.date(2026, 2, 10),
        ),
    ),
    "record_transition_approval": Step(
        plan_url,
        'data-action="record_transition_approval"',
        lambda w, plan, who: services.record_transition_approval(
            plan, actor=who, document="海政函〔2026〕8号", approved_on=datetime.date(2026, 2, 2)
        ),
    ),
    "adjust_land_deadline": Step(
        plan_url,
        'data-action="adjust_land_deadline"',
        lambda w, plan, who: services.adjust_land_deadline(
            plan,
            actor=who,
            kind="land_first_phase",
            new_due=datetime.date(2029, 6, 30),
            reason="征地补偿协商延长",
            document="海政函〔2026〕9号",
        ),
    ),
}
# Steps of a table that the portal takes by itself (no person is ever offered them) …
SYSTEM_STEPS = {
    ("plan", "return_after_review"),
    ("plan", "pass_review"),
    ("plan", "finish_publicity"),
    ("review_round", "pass"),
    ("review_round", "return"),
    ("publicity", "close"),
}
# … and steps taken as part of another table's step (accepting an objection withdraws the notice and
# sends the plan back), offered through that step's button.
DRIVEN_STEPS = {("plan", "accept_objection"), ("publicity", "withdraw")}


def review_row(review):
    return rf'<tr data-department="{re.escape(review.department.name)}".*?</tr>'


DEPARTMENT_REVIEW_STEPS = {
    "decide": Step(
        lambda review: reverse("review:department_review", args=[review.pk]),
        'data-testid="decision-form"',
        lambda w, review, who: services.record_decision(
            review, actor=who, decision=Decision.AGREE, text="同意"
        ),
    ),
    "confirm_change": Step(
        round_url,
        'data-action="confirm-change"',
        lambda w, review, who: services.confirm_change(review, actor=who),
        row=review_row,
    ),
    "remove": Step(
        round_url,
        'data-action="remove-department"',
        lambda w, review, who: services.remove_department(review, actor=who, reason="本项目不涉及"),
        row=review_row,
    ),
}
PRE_REVIEW_STEPS = {
    "answer": Step(
        lambda comment: reverse("review:pre_review_comment", args=[comment.pk]),
        'data-action="answer"',
        lambda w, comment, who: services.answer_pre_review(comment, actor=who, text="补充交通影响评价"),
    ),
}
REVISION_REQUEST_STEPS = {
    "resolve": Step(
        lambda item: plan_url(item.plan),
        'data-action="mark-resolved"',
        lambda w, item, who: services.mark_request(item, actor=who, resolved=True),
        row=lambda item: rf'<tr data-request="{item.pk}".*?</tr>',
    ),
    "reopen": Step(
        lambda item: plan_url(item.plan),
        'data-action="mark-open"',
        lambda w, item, who: services.mark_request(item, actor=who, resolved=False),
        row=lambda item: rf'<tr data-request="{item.pk}".*?</tr>',
    ),
}
PUBLIC_COMMENT_STEPS = {
    "answer": Step(
        lambda comment: reverse("review:publicity_comments", args=[comment.publicity_id]),
        'data-action="respond"',
        lambda w, comment, who: services.respond_to_comment(comment, actor=who, response="已研究，予以说明"),
        row=lambda comment: rf'<tr class="no-print" data-respond="{comment.pk}">.*?</tr>',
    ),
    "accept": Step(
        lambda comment: reverse("review:publicity_comments", args=[comment.publicity_id]),
        'data-action="accept-objection"',
        lambda w, comment, who: services.respond_to_comment(
            comment, actor=who, response="予以采纳", accept=True
        ),
        row=lambda comment: rf'<tr class="no-print" data-respond="{comment.pk}">.*?</tr>',
    ),
}


def moderation_url(queue):
    return lambda comment: reverse("review:moderation") + f"?queue={queue}"


def moderation_row(comment):
    return rf'data-moderate="{comment.pk}".*?(?:data-moderate=|\Z)'


PUBLIC_COMMENT_MODERATION_STEPS = {
    "publish": Step(
        moderation_url("received"),
        'data-action="publish-comment"',
        lambda w, comment, who: services.publish_comment(comment, actor=who, text="公开文本"),
        row=moderation_row,
    ),
    "decline": Step(
        moderation_url("received"),
        'data-action="decline-comment"',
        lambda w, comment, who: services.decline_comment(comment, actor=who, reason="含有他人隐私"),
        row=moderation_row,
    ),
    "publish_answer": Step(
        moderation_url("answers"),
        'data-action="publish-answer"',
        lambda w, comment, who: services.publish_answer(comment, actor=who, text="公开的答复"),
        row=moderation_row,
    ),
}
PLAN_START_STEPS = {
    "start": Step(
        lambda project: reverse("projects:project_detail", args=[project.pk]),
        'data-action="plan_start"',
        lambda w, project, who: services.start_plan(project, actor=who),
    ),
}
STEPS = {
    "plan": (PLAN_STEPS, "plans"),
    "department_review": (DEPARTMENT_REVIEW_STEPS, "reviews"),
    "pre_review": (PRE_REVIEW_STEPS, "pre-review-comments"),
    "revision_request": (REVISION_REQUEST_STEPS, "revision-requests"),
    "public_comment": (PUBLIC_COMMENT_STEPS, "publicity-comments"),
    "public_comment_moderation": (PUBLIC_COMMENT_MODERATION_STEPS, "publicity-comments"),
    "plan_start": (PLAN_START_STEPS, None),  # a plan is created by POST /api/v1/plans/ (tested below)
}


def test_every_transition_of_the_review_tables_is_checked_here():
    for workflow in WORKFLOWS:
        for transition in workflow.transitions:
            key = (workflow.name, transition.action)
            offered = transition.action in STEPS.get(workflow.name, ({}, None))[0]
            assert offered or key in SYSTEM_STEPS or key in DRIVEN_STEPS, f"{key} is not covered"
            assert transition.actor is not None and transition.actor_refusal, f"{key} says not who may act"


def disagreements(workflow, obj, who, pages, world, label) -> list[str]:
    """Where page, table, service and API disagree about one person's steps on one object."""
    steps, collection = STEPS[workflow.name]
    rows = {row.action: row for row in workflow.available_for(who, obj)}
    listed = pages.listed(f"/api/v1/{collection}/{obj.pk}/actions/") if collection else None
    found = []
    for action, step in steps.items():
        allowed = rows[action].allowed
        shown = enabled(
            row_html(pages.html(step.page(obj)), step.row(obj) if step.row else None), step.marker
        )
        accepted = accepts(lambda step=step: step.call(world, obj, who))
        answers = {"table": allowed, "page": shown, "service": accepted}
        if listed is not None:
            answers["api"] = listed.get(action, False)
        if len(set(answers.values())) > 1:
            found.append(f"{label} {action}: {answers} ({rows[action].reason})")
    for action, row in rows.items():
        key = (workflow.name, action)
        if key in SYSTEM_STEPS:
            assert not row.permitted, f"{label}: the system step {action} is offered"
        if listed is not None and action not in steps:
            assert action not in listed, f"{label}: {action} is listed by the API but is not a user's step"
    return found


def check(workflow, objects: dict, world, everyone: dict):
    found = []
    for name, person in everyone.items():
        pages = Pages(person)
        for label, obj in objects.items():
            obj = type(obj).objects.get(pk=obj.pk)
            found += disagreements(workflow, obj, person, pages, world, f"{label}/{name}")
    assert not found, "\n".join(found)


# --- the plan ------------------------------------------------------------------------------------------


def draft(world):
    return world.draft_plan()


def draft_with_text(world):
    plan = world.draft_plan()
    attach_submission(plan, world.entity)
    return plan


def awaiting_correction(world):
    """A department agreed after change; the entity has edited the plan and may submit the 报批稿."""
    plan = joint_review(world)
    review = DepartmentReview.objects.get(
        review_round__plan=plan, department=world.departments[DepartmentCode.HOUSING]
    )
    services.record_decision(
        review,
        actor=world.reviewers[DepartmentCode.HOUSING],
        decision=Decision.AGREE_AFTER_CHANGE,
        text="补充停车",
    )
    plan = ImplementationPlan.objects.get(pk=plan.pk)
    content = dict(plan.content, phasing={"phases": "两期实施，增设停车位"})
    return services.save_plan(plan, actor=world.entity, modules=content, facts=list(plan.declared_facts))


def unregistered(world):
    modules = {
        "basic_info": {"renewal_type": "区域综合性", "scope": "学院路街道片区"},
        "unregistered": {"involved": True, "area": "320"},
    }
    return world.submitted_plan(modules=modules)


def transition_passed(world):
    plan = world.draft_plan(
        modules={"basic_info": {"renewal_type": "区域综合性"}, "land": {"method": "五年过渡期"}}
    )
    attach_submission(plan, world.entity)
    plan = services.start_joint_review(services.submit(plan, actor=world.entity), actor=world.staff)
    for review in DepartmentReview.objects.filter(review_round__plan=plan, decision=Decision.PENDING):
        services.record_decision(review, actor=world.reviewer_of(review), decision=Decision.AGREE, text="")
    return ImplementationPlan.objects.get(pk=plan.pk)


def pre_review(world):
    return services.request_pre_review(
        world.submitted_plan(), actor=world.staff, departments=[world.departments[ROUTED]]
    )


def revision(world):
    return services.return_for_revision(world.submitted_plan(), actor=world.staff, items=["补充交通组织方案"])


def resubmitted(world):
    """Version 2, with the request of version 1 still to be marked (the joint review waits for it)."""
    return services.submit(revision(world), actor=world.entity, note="已补充")


def joint_review(world):
    return services.start_joint_review(world.three_department_plan(), actor=world.staff)


def passed_major(world):
    return world.passed_plan(major_project=True)


def in_publicity(world):
    return world.publicity().plan


PLAN_STATES = {
    "draft": draft,
    "draft_with_text": draft_with_text,
    "submitted": lambda world: world.submitted_plan(),
    "pre_review": pre_review,
    "revision": revision,
    "resubmitted": resubmitted,
    "joint_review": joint_review,
    "awaiting_correction": awaiting_correction,
    "unregistered": unregistered,
    "transition_passed": transition_passed,
    "passed": lambda world: world.passed_plan(),
    "passed_major": passed_major,
    "opinion_issued": lambda world: world.opinion_issued_plan(),
    "publicity": in_publicity,
}


@pytest.mark.parametrize("state", PLAN_STATES)
def test_plan_steps_agree_on_page_table_service_and_api(state, world, request):
    plan = PLAN_STATES[state](world)
    everyone = people(world, request, world.reviewers[ROUTED])
    check(PLAN, {state: plan}, world, everyone)


def test_the_plan_states_cover_every_step_allowed_at_least_once(world):
    """The representative states are worth something: each step of the plan page is allowed in one."""
    allowed = set()
    for build in PLAN_STATES.values():
        plan = build(world)
        allowed |= PLAN.allowed_actions(world.staff, plan) | PLAN.allowed_actions(world.entity, plan)
    assert set(PLAN_STEPS) <= allowed, set(PLAN_STEPS) - allowed


# --- department reviews, pre-review comments, revision requests, public comments -------------------------


def test_department_review_steps_agree(world, request):
    plan = joint_review(world)
    reviews = {
        r.department.department_code: r
        for r in DepartmentReview.objects.filter(review_round__plan=plan).select_related("department")
    }
    services.record_decision(
        reviews[DepartmentCode.HOUSING],
        actor=world.reviewers[DepartmentCode.HOUSING],
        decision=Decision.AGREE_AFTER_CHANGE,
        text="补充停车位测算",
    )
    services.remove_department(
        reviews[DepartmentCode.DEVELOPMENT_REFORM], actor=world.staff, reason="资金另行审查"
    )
    objects = {
        "pending": reviews[DepartmentCode.DISTRICT_GOVERNMENT],
        "agree_after_change": reviews[DepartmentCode.HOUSING],
        "removed": reviews[DepartmentCode.DEVELOPMENT_REFORM],
    }
    for label, review in objects.items():
        everyone = people(world, request, world.reviewer_of(review))
        check(DEPARTMENT_REVIEW, {label: review}, world, everyone)
    # The round ends (the last department disagrees): nothing of it can be done any more.
    services.record_decision(
        reviews[DepartmentCode.DISTRICT_GOVERNMENT],
        actor=world.reviewers[DepartmentCode.DISTRICT_GOVERNMENT],
        decision=Decision.DISAGREE,
        text="不符合分区规划",
    )
    assert ImplementationPlan.objects.get(pk=plan.pk).state == PlanState.REVISION
    everyone = people(world, request, world.reviewers[DepartmentCode.HOUSING])
    check(DEPARTMENT_REVIEW, {"ended": reviews[DepartmentCode.HOUSING]}, world, everyone)


def test_pre_review_steps_agree(world, request):
    plan = services.request_pre_review(
        world.submitted_plan(),
        actor=world.staff,
        departments=[world.departments[DepartmentCode.PLANNING], world.departments[DepartmentCode.FINANCE]],
    )
    comments = {c.department.department_code: c for c in PreReviewComment.objects.filter(plan=plan)}
    services.answer_pre_review(
        comments[DepartmentCode.PLANNING], actor=world.reviewers[DepartmentCode.PLANNING], text="补充交通"
    )
    for code, label in ((DepartmentCode.PLANNING, "answered"), (DepartmentCode.FINANCE, "asked")):
        everyone = people(world, request, world.reviewers[code])
        check(PRE_REVIEW, {label: comments[code]}, world, everyone)
    # The plan goes back for revision: the unanswered comment can no longer be answered.
    services.return_for_revision(plan, actor=world.staff, items=["补充交通组织方案"])
    everyone = people(world, request, world.reviewers[DepartmentCode.FINANCE])
    check(PRE_REVIEW, {"closed": comments[DepartmentCode.FINANCE]}, world, everyone)


def test_revision_request_steps_agree(world, request):
    plan = services.return_for_revision(
        world.submitted_plan(), actor=world.staff, items=["补充图纸", "补充日照"]
    )
    first, second = plan.revision_requests.order_by("pk")
    everyone = people(world, request, world.reviewers[ROUTED])
    check(REVISION_REQUEST, {"raised_on_this_version": first}, world, everyone)
    services.submit(plan, actor=world.entity, note="已补充")
    services.mark_request(second, actor=world.staff, resolved=True)
    check(REVISION_REQUEST, {"open": first, "resolved": second}, world, everyone)


def test_public_comment_steps_agree(world, request):
    publicity = world.publicity()
    during = publicity.starts_at + datetime.timedelta(hours=9)

    def comment(kind, text):
        return services.submit_comment(publicity, kind=kind, text=text, contact="13800001111", now=during)

    objection = comment(CommentKind.OBJECTION, "遮挡日照")
    suggestion = comment(CommentKind.SUGGESTION, "增设座椅")
    answered = comment(CommentKind.SUPPORT, "支持")
    later = comment(CommentKind.OBJECTION, "噪声")
    services.respond_to_comment(answered, actor=world.staff, response="感谢支持")
    everyone = people(world, request, world.reviewers[ROUTED])
    check(
        PUBLIC_COMMENT,
        {"objection": objection, "suggestion": suggestion, "answered": answered},
        world,
        everyone,
    )
    # Accepting one objection withdraws the notice and the plan goes back: the other is only answered.
    services.respond_to_comment(objection, actor=world.staff, response="予以采纳", accept=True)
    check(PUBLIC_COMMENT, {"after_withdrawal": later}, world, everyone)


def test_public_comment_moderation_steps_agree(world, request):
    """Issue 9: publishing, declining and publishing the answer agree on the moderation page, the table,
    the service and the API, for every role and the staff of another district."""
    publicity = world.publicity()
    during = publicity.starts_at + datetime.timedelta(hours=9)

    def comment(kind, text):
        return services.submit_comment(publicity, kind=kind, text=text, contact="13800001111", now=during)

    received = comment(CommentKind.OBJECTION, "遮挡日照")
    published = services.publish_comment(
        comment(CommentKind.SUGGESTION, "增设座椅"), actor=world.staff, text="增设座椅"
    )
    answered = services.publish_comment(comment(CommentKind.SUPPORT, "支持"), actor=world.staff, text="支持")
    answered = services.respond_to_comment(answered, actor=world.staff, response="感谢支持")
    declined = services.decline_comment(
        comment(CommentKind.OBJECTION, "广告"), actor=world.staff, reason="广告"
    )
    everyone = people(world, request, world.reviewers[ROUTED])
    check(
        PUBLIC_COMMENT_MODERATION,
        {"received": received, "published": published, "answered": answered, "declined": declined},
        world,
        everyone,
    )


def test_accepting_an_objection_is_offered_only_with_the_steps_it_drives(world, request):
    publicity = world.publicity()
    objection = services.submit_comment(
        publicity, kind=CommentKind.OBJECTION, text="遮挡日照", contact="1", now=publicity.starts_at
    )
    for person in people(world, request, world.reviewers[ROUTED]).values():
        accept = PUBLIC_COMMENT.refusal(objection, "accept", user=person) == ""
        if accept:
            assert PLAN.refusal(publicity.plan, "accept_objection", user=person) == ""
            assert PUBLICITY.refusal(publicity, "withdraw", user=person) == ""


def test_starting_a_plan_agrees_on_the_project_page(world, request):
    ready = world.implementation_project(name="待编制项目")
    started = world.draft_plan(world.implementation_project(name="已编制项目")).project
    everyone = people(world, request, world.reviewers[ROUTED])
    check(PLAN_START, {"ready": ready, "started": started}, world, everyone)


def test_a_plan_is_started_through_the_api_as_on_the_page(world):
    project = world.implementation_project()
    api = APIClient()
    api.force_authenticate(world.staff)
    refused = api.post("/api/v1/plans/", {"project": project.pk}, format="json")
    assert refused.status_code == 409 and refused.json()["detail"] == PLAN_START.get("start").actor_refusal
    outsider = APIClient()
    outsider.force_authenticate(user(Role.ENTITY, district_code="110102"))
    assert outsider.post("/api/v1/plans/", {"project": project.pk}, format="json").status_code == 404
    api.force_authenticate(world.entity)
    created = api.post("/api/v1/plans/", {"project": project.pk}, format="json")
    assert created.status_code == 201 and created.json()["state"] == PlanState.DRAFT
    again = api.post("/api/v1/plans/", {"project": project.pk}, format="json")
    assert again.status_code == 409 and "本项目已有实施方案" in again.json()["detail"]


# --- the API does what the pages do ------------------------------------------------------------------------


def test_a_plan_goes_from_draft_to_publicity_through_the_api(world, monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: datetime.date(2026, 3, 2))
    entity, staff = APIClient(), APIClient()
    entity.force_authenticate(world.entity)
    staff.force_authenticate(world.staff)
    project = world.implementation_project()
    plan_id = entity.post("/api/v1/plans/", {"project": project.pk}, format="json").json()["id"]
    base = f"/api/v1/plans/{plan_id}/actions"

    # The module form's checks, as 400 with the field.
    bad = entity.post(f"{base}/save/", {"modules": {"planning": {"building_scale": "很多"}}}, format="json")
    assert bad.status_code == 400 and "应为数字" in str(bad.json())
    saved = entity.post(
        f"{base}/save/",
        {"modules": {"positioning": {"positioning": "活力街区"}, "funding": {"total": "50000"}}, "facts": []},
        format="json",
    )
    assert saved.status_code == 200 and saved.json()["content"]["funding"]["total"] == "50000"
    # Submitting without the text deliverable: 409 with what is missing, as on the page.
    refused = entity.post(f"{base}/submit/", {}, format="json")
    assert refused.status_code == 409 and "尚未上传实施方案文本" in refused.json()["detail"]
    assert refused.json()["missing"] == [
        "尚未上传实施方案文本",
        "尚缺报送材料：联合审查申请书（第六条（一））、统筹主体、实施主体合法有效证照（第六条（二））",
    ]
    bad_file = entity.post(
        f"{base}/upload/",
        {"kind": "文本", "file": SimpleUploadedFile("方案.pdf", b"not a pdf")},
        format="multipart",
    )
    assert bad_file.status_code == 400 and "的内容不是允许的类型" in str(bad_file.json())
    uploaded = entity.post(f"{base}/upload/", {"kind": "文本", "file": pdf("方案文本")}, format="multipart")
    assert uploaded.status_code == 200
    for kind in (DeliverableKind.APPLICATION, DeliverableKind.LICENCE):  # 联合审查办法 第六条（一）（二）
        more = entity.post(
            f"{base}/upload/", {"kind": kind.value, "file": pdf(kind.value)}, format="multipart"
        )
        assert more.status_code == 200
    actions = {row["name"]: row for row in entity.get(f"{base}/").json()}
    assert actions["submit"]["allowed"] and "确认报送" in actions["submit"]["confirm"]
    assert "publish" not in actions  # the entity is never offered staff's steps
    submitted = entity.post(f"{base}/submit/", {"note": "首次报送"}, format="json")
    assert submitted.status_code == 200 and submitted.json()["state"] == PlanState.SUBMITTED
    # Staff's steps are refused to the entity with the table's reason.
    forbidden = entity.post(f"{base}/start_joint_review/", {}, format="json")
    assert (
        forbidden.status_code == 409
        and forbidden.json()["detail"] == PLAN.get("start_joint_review").actor_refusal
    )

    # Departments of another district are refused without naming them.
    xicheng = user(Role.REVIEWER, district_code="110102").organization
    wrong = staff.post(f"{base}/start_joint_review/", {"add": [xicheng.pk]}, format="json")
    assert wrong.status_code == 400 and xicheng.name not in str(wrong.json())
    started = staff.post(f"{base}/start_joint_review/", {}, format="json")
    assert started.status_code == 200 and started.json()["state"] == PlanState.JOINT_REVIEW

    for review in DepartmentReview.objects.filter(review_round__plan_id=plan_id).select_related("department"):
        department = APIClient()
        department.force_authenticate(world.reviewer_of(review))
        url = f"/api/v1/reviews/{review.pk}/actions/decide/"
        empty = department.post(url, {"decision": "disagree", "text": ""}, format="multipart")
        assert empty.status_code == 409 and "须写明意见内容" in empty.json()["detail"]
        done = department.post(url, {"decision": "agree", "attachments": [pdf("意见")]}, format="multipart")
        assert done.status_code == 200 and done.json()["decision"] == Decision.AGREE
        assert department.post(url, {"decision": "agree"}, format="multipart").status_code == 409
    assert staff.get(f"/api/v1/plans/{plan_id}/").json()["state"] == PlanState.PASSED

    issued = staff.post(f"{base}/issue_opinion/", {}, format="json")
    assert issued.status_code == 200 and issued.json()["state"] == PlanState.OPINION_ISSUED
    short = staff.post(f"{base}/publish/", {"workdays": 14}, format="json")
    assert short.status_code == 409 and "不得少于15个工作日" in short.json()["detail"]
    published = staff.post(f"{base}/publish/", {"workdays": 15}, format="json")
    assert published.status_code == 200 and published.json()["state"] == PlanState.PUBLICITY

    # The same through the page: the plan page reads what the API did.
    client = Client()
    client.force_login(world.staff)
    html = client.get(reverse("review:plan_detail", args=[plan_id])).content.decode()
    assert "公示中" in html and "2026年3月3日 至 2026年3月23日" in html


def test_public_comments_are_answered_through_the_api_and_personal_data_stays_with_staff(world):
    publicity = world.publicity()
    comment = services.submit_comment(
        publicity,
        kind=CommentKind.OBJECTION,
        text="我是李四，电话13912345678，反对加层",
        name="李四",
        contact="13912345678",
        now=publicity.starts_at,
    )
    staff, entity = APIClient(), APIClient()
    staff.force_authenticate(world.staff)
    entity.force_authenticate(world.entity)
    mine = staff.get(f"/api/v1/publicity-comments/{comment.pk}/").json()
    assert mine["name"] == "李四" and "13912345678" in mine["text"]
    theirs = entity.get(f"/api/v1/publicity-comments/{comment.pk}/").json()
    assert theirs["name"] is None and theirs["contact"] is None
    assert "李四" not in str(theirs) and "13912345678" not in str(theirs)
    assert (
        entity.post(f"/api/v1/publicity-comments/{comment.pk}/actions/answer/", {"response": "x"}).status_code
        == 409
    )
    answered = staff.post(
        f"/api/v1/publicity-comments/{comment.pk}/actions/answer/", {"response": "不予采纳"}
    )
    assert answered.status_code == 200 and answered.json()["outcome"] == "answered"
    outsider = APIClient()
    outsider.force_authenticate(user(Role.STAFF, district_code="110102"))
    assert outsider.get(f"/api/v1/publicity-comments/{comment.pk}/actions/").status_code == 404


# --- no department reads another department's opinion -------------------------------------------------------

SECRETS = {
    DepartmentCode.DISTRICT_GOVERNMENT: "区政府意见：须控制建筑高度甲乙丙",
    DepartmentCode.HOUSING: "住建意见：补充停车位测算丁戊己",
    DepartmentCode.DEVELOPMENT_REFORM: "发改意见：资金来源不明确庚辛壬",
}
PRE_REVIEW_SECRETS = {
    DepartmentCode.PLANNING: "规划预审：补充交通影响评价子丑寅",
    DepartmentCode.DEVELOPMENT_REFORM: "发改预审：补充资金平衡卯辰巳",
}


@pytest.fixture
def opinions_given(world):
    """A plan pre-reviewed by two departments, returned by one of three departments in round 1 (its 不同意
    becomes a revision request), then passed in round 2 with every opinion text distinct, opinion issued."""
    plan = world.three_department_plan()
    plan = services.request_pre_review(
        plan,
        actor=world.staff,
        departments=[world.departments[code] for code in PRE_REVIEW_SECRETS],
    )
    for comment in PreReviewComment.objects.filter(plan=plan).select_related("department"):
        code = comment.department.department_code
        services.answer_pre_review(comment, actor=world.reviewers[code], text=PRE_REVIEW_SECRETS[code])
    plan = services.start_joint_review(plan, actor=world.staff)
    first = {
        r.department.department_code: r for r in DepartmentReview.objects.filter(review_round__plan=plan)
    }
    services.record_decision(
        first[DepartmentCode.DISTRICT_GOVERNMENT],
        actor=world.reviewers[DepartmentCode.DISTRICT_GOVERNMENT],
        decision=Decision.AGREE_AFTER_CHANGE,
        text=SECRETS[DepartmentCode.DISTRICT_GOVERNMENT],
    )
    services.record_decision(
        first[DepartmentCode.HOUSING],
        actor=world.reviewers[DepartmentCode.HOUSING],
        decision=Decision.AGREE_AFTER_CHANGE,
        text=SECRETS[DepartmentCode.HOUSING],
    )
    submit_correction(world, plan)
    services.confirm_change(first[DepartmentCode.HOUSING], actor=world.staff)
    services.record_decision(
        first[DepartmentCode.DEVELOPMENT_REFORM],
        actor=world.reviewers[DepartmentCode.DEVELOPMENT_REFORM],
        decision=Decision.DISAGREE,
        text=SECRETS[DepartmentCode.DEVELOPMENT_REFORM],
    )
    plan = services.submit(ImplementationPlan.objects.get(pk=plan.pk), actor=world.entity, note="已修改")
    for item in plan.revision_requests.all():
        services.mark_request(item, actor=world.staff, resolved=True)
    plan = services.start_joint_review(plan, actor=world.staff)
    for review in DepartmentReview.objects.filter(review_round__plan=plan, review_round__number=2):
        if review.decision == Decision.PENDING:
            services.record_decision(
                review, actor=world.reviewer_of(review), decision=Decision.AGREE, text=""
            )
    plan = services.issue_opinion(ImplementationPlan.objects.get(pk=plan.pk), actor=world.staff)
    return plan


def everything_a_person_reads(person, plan) -> str:
    """Every page, print and API answer about the plan the person may open, as one text."""
    client = Client()
    client.force_login(person)
    api = APIClient()
    api.force_authenticate(person)
    urls = [
        reverse("review:plan_detail", args=[plan.pk]),
        reverse("review:joint_round", args=[plan.pk]),
        reverse("review:opinion_print", args=[plan.pk]),
        reverse("review:history", args=[plan.project_id]),
        reverse("review:plan_versions", args=[plan.pk]) + "?a=1&b=2",
        reverse("review:review_inbox"),
    ]
    urls += [reverse("review:department_review", args=[r.pk]) for r in DepartmentReview.objects.all()]
    urls += [reverse("review:pre_review_comment", args=[c.pk]) for c in PreReviewComment.objects.all()]
    texts = []
    for url in urls:
        response = client.get(url)
        texts.append(response.content.decode() if response.status_code == 200 else "")
    for url in (
        f"/api/v1/plans/{plan.pk}/",
        "/api/v1/plans/",
        "/api/v1/reviews/",
        "/api/v1/pre-review-comments/",
        "/api/v1/revision-requests/",
        "/api/v1/audit-events/",
    ):
        response = api.get(url)
        texts.append(response.content.decode() if response.status_code == 200 else "")
    return "\n".join(texts)


def test_a_department_reads_its_own_opinions_and_never_another_departments(world, opinions_given):
    plan = opinions_given
    for code in {*SECRETS, *PRE_REVIEW_SECRETS}:
        text = everything_a_person_reads(world.reviewers[code], plan)
        own = [s for c, s in {**SECRETS}.items() if c == code] + [
            s for c, s in PRE_REVIEW_SECRETS.items() if c == code
        ]
        others = [s for c, s in SECRETS.items() if c != code] + [
            s for c, s in PRE_REVIEW_SECRETS.items() if c != code
        ]
        for secret in own:
            assert secret in text, (code, secret)
        leaked = [secret for secret in others if secret in text]
        assert not leaked, f"{code} reads {leaked}"


@pytest.mark.parametrize("role", ["staff", "entity", Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR])
def test_staff_the_entity_leaders_and_auditors_read_every_opinion(world, opinions_given, users_by_role, role):
    person = {"staff": world.staff, "entity": world.entity}.get(role) or users_by_role[role]
    text = everything_a_person_reads(person, opinions_given)
    for secret in SECRETS.values():
        assert secret in text, (role, secret)


def test_the_round_page_and_history_no_longer_show_a_department_its_peers_text(world, opinions_given):
    """The two defects of issue 8: 签核历程 and the round page showed every department's opinion text."""
    client = Client()
    client.force_login(world.reviewers[DepartmentCode.HOUSING])
    for url in (
        reverse("review:history", args=[opinions_given.project_id]),
        reverse("review:joint_round", args=[opinions_given.pk]),
    ):
        html = client.get(url).content.decode()
        assert SECRETS[DepartmentCode.HOUSING] in html
        assert SECRETS[DepartmentCode.DEVELOPMENT_REFORM] not in html
        assert SECRETS[DepartmentCode.DISTRICT_GOVERNMENT] not in html
        assert "不同意" in html  # the decisions themselves are not secret


# --- the audit trail ----------------------------------------------------------------------------------------


def test_every_audit_event_of_review_is_in_the_vocabulary_with_its_own_labels(world, opinions_given):
    plan = services.publish(opinions_given, actor=world.staff)
    publicity = plan.publicities.get()
    comment = services.submit_comment(
        publicity, kind=CommentKind.OBJECTION, text="遮挡日照", contact="1", now=publicity.starts_at
    )
    services.respond_to_comment(comment, actor=world.staff, response="予以采纳", accept=True)
    events = list(AuditEvent.objects.all())
    unknown = sorted({e.action for e in events if not audit_actions.is_registered(e.action)})
    assert not unknown, unknown
    tables = {workflow.name: workflow for workflow in WORKFLOWS}
    seen = set()
    for event in events:
        name, _, step = event.action.partition(".")
        workflow = tables.get(name)
        if workflow is None or step not in {t.action for t in workflow.transitions}:
            continue
        seen.add(name)
        for code in (event.from_state, event.to_state):
            assert audit_actions.state_label(event.action, code) == workflow.label(code), (event.action, code)
    assert {"plan", "department_review", "pre_review", "revision_request", "review_round"} <= seen
    assert {"publicity", "public_comment"} <= seen

    client = Client()
    client.force_login(world.staff)
    history = client.get(reverse("review:history", args=[plan.project_id])).content.decode()
    rows = re.findall(r'<tr data-kind="audit"[^>]*>(.*?)</tr>', history, re.S)

    def row(title, change=""):
        return next(r for r in rows if title in r and change in r)

    # Intake states with the intake's labels, the plan's with the plan's, a decision with the decisions'.
    assert "草稿 → 已受理" in row("提交入库申请") and "编制中" not in row("提交入库申请")
    assert "编制中 → 已报送" in row("报送实施方案")
    assert "待审查 → 不同意" in row("提出会签意见", "不同意")
    assert "待答复 → 采纳（退回修改）" in row("采纳异议并退回修改")
    assert "公示中 → 因异议采纳终止" in row("因异议采纳终止公示")
