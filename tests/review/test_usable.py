"""Issue 7 on the review pages: modules numbered as in the editor, dates as a person reads them, a
confirmation before every irreversible step, backdated recording of an opinion and a notice, and the demo
that shows an open public notice and a plan being drafted on whatever day it is loaded."""

import datetime
import io
import re
from decimal import Decimal
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.models import Project
from renewal import calendar as workdays
from renewal.models import AuditEvent, Deadline
from renewal.workflow import TransitionRefused
from review import services
from review.choices import (
    DEADLINE_LAND_FIRST_PHASE,
    CommentKind,
    CommentOutcome,
    Decision,
    PlanState,
    PublicityState,
)
from review.demo import DRAFTING_PROJECT, JOINT_REVIEW_PROJECT, PUBLICITY_PROJECT
from review.models import DepartmentReview, ImplementationPlan, PublicComment, Publicity
from review.modules import MODULES
from review.selectors import public_notices, window_status
from tests.review.helpers import World, submit_correction

pytestmark = pytest.mark.django_db

D = datetime.date
ZONE = ZoneInfo("Asia/Shanghai")
TODAY = D(2026, 3, 4)  # a Wednesday; no holiday in March 2026


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(db, media, monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: TODAY)
    return World()


def page(person, name, *args) -> str:
    client = Client()
    client.force_login(person)
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def module_headings(html: str) -> list[str]:
    """The module headings of the plan page or the editor, e.g. "8. 资金方案", in page order."""
    titles = "|".join(re.escape(m.title) for m in MODULES)
    return re.findall(rf"(\d+\. (?:{titles}))\s*<", html)


# --- 1. module numbers ------------------------------------------------------------------------------


def test_the_plan_page_numbers_modules_as_the_editor_does(world):
    """Only modules 3, 8 and 11 are filled: the plan page calls them 3, 8 and 11 (not 1, 2, 3), as the
    editor and the guidance 三(三) do."""
    plan = world.draft_plan(
        modules={
            "positioning": {"positioning": "完整社区"},
            "funding": {"total": "50000"},
            "consultation": {"vote_summary": "业主大会表决通过"},
        }
    )
    editor = module_headings(page(world.entity, "review:plan_edit", plan.pk))
    assert editor == [f"{n}. {m.title}" for n, m in enumerate(MODULES, start=1)]
    assert editor[7] == "8. 资金方案" and editor[10] == "11. 协商表决情况"

    view = module_headings(page(world.entity, "review:plan_detail", plan.pk))
    assert view == ["3. 更新功能定位", "8. 资金方案", "11. 协商表决情况"]


def test_pre_review_page_and_version_comparison_number_modules_too(world):
    plan = world.submitted_plan(modules={"funding": {"total": "50000"}, "phasing": {"phases": "分两期"}})
    reviewer = world.reviewers["development_reform"]
    plan = services.request_pre_review(plan, actor=world.staff, departments=[reviewer.organization])
    comment = plan.pre_review_comments.get()
    assert module_headings(page(reviewer, "review:pre_review_comment", comment.pk)) == [
        "8. 资金方案",
        "10. 建设时序",
    ]
    versions = page(world.staff, "review:plan_versions", plan.pk)
    assert "8. 资金方案" in versions and "10. 建设时序" in versions


# --- 3. dates ---------------------------------------------------------------------------------------


def test_a_date_module_value_reads_as_a_chinese_date_on_the_pages_and_stays_iso_in_the_api(world):
    vote = {"common_decision": "", "holders_count": "120", "agree_count": "100", "vote_date": "2026-09-20"}
    plan = world.submitted_plan(modules={"funding": {"total": "50000"}, "consultation": vote})

    detail = page(world.entity, "review:plan_detail", plan.pk)
    versions = page(world.staff, "review:plan_versions", plan.pk)
    for html in (detail, versions):
        assert "2026年9月20日" in html
        assert "2026-09-20" not in html

    client = Client()
    client.force_login(world.staff)
    data = client.get(f"/api/v1/plans/{plan.pk}/").json()
    assert data["content"]["consultation"]["vote_date"] == "2026-09-20"


def test_history_shows_the_publicity_window_recorded_in_iso_as_chinese_dates(world):
    """The publish event stores its window as "2026-03-05—2026-03-25" (ISO, for the audit trail); the
    签核历程 shows it as a person reads it."""
    publicity = world.publicity()
    event = AuditEvent.objects.get(action="publicity.publish")
    assert event.to_state == "2026-03-05—2026-03-25"
    window = (timezone.localtime(publicity.starts_at).date(), timezone.localtime(publicity.ends_at).date())
    assert window == (D(2026, 3, 5), D(2026, 3, 25))

    history = page(world.staff, "review:history", publicity.plan.project_id)
    assert "2026年3月5日—2026年3月25日" in history
    assert not re.search(r"\d{4}-\d{2}-\d{2}", history)


def test_the_plan_pages_show_no_iso_dates(world):
    publicity = world.publicity()
    plan = publicity.plan
    for person, name, arg in (
        (world.staff, "review:plan_detail", plan.pk),
        (world.staff, "review:joint_round", plan.pk),
        (world.staff, "review:opinion_print", plan.pk),
        (world.staff, "review:publicity_comments", publicity.pk),
        (world.entity, "review:history", plan.project_id),
    ):
        html = page(person, name, arg)
        assert not re.search(r"\d{4}-\d{2}-\d{2}", html), name
        assert "2026年3月" in html, name


# --- 4. long unbroken text ---------------------------------------------------------------------------


class AncestorClasses(HTMLParser):
    """The classes of every element enclosing the first text node that contains `needle`."""

    VOID = {"br", "input", "img", "hr", "meta", "link"}

    def __init__(self, needle):
        super().__init__()
        self.needle, self.stack, self.found = needle, [], None

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(set((dict(attrs).get("class") or "").split()))

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.found is None and self.needle in data:
            self.found = set().union(*self.stack)


def test_a_3000_character_value_may_wrap_wherever_the_plan_is_shown(world):
    """Bootstrap's .card sets overflow-wrap: break-word, which does not let a table cell shrink; the review
    pages put their content under .text-break (word-break: break-word) and never nowrap a free text."""
    long_value = "A" * 3000
    plan = world.submitted_plan(
        modules={"positioning": {"positioning": long_value}, "funding": {"total": "50000"}}
    )
    reviewer = world.reviewers["development_reform"]
    plan = services.request_pre_review(plan, actor=world.staff, departments=[reviewer.organization])
    for person, name, arg in (
        (world.entity, "review:plan_detail", plan.pk),
        (world.staff, "review:plan_versions", plan.pk),
        (reviewer, "review:pre_review_comment", plan.pre_review_comments.get().pk),
    ):
        parser = AncestorClasses(long_value)
        parser.feed(page(person, name, arg))
        assert parser.found is not None, name
        assert "text-break" in parser.found and "text-nowrap" not in parser.found, (name, parser.found)


# --- 2. confirmations -------------------------------------------------------------------------------


def confirm_of(html: str, marker: str) -> str:
    """The data-confirm question of the form (or button) whose tag contains `marker`."""
    for tag in re.findall(r"<(?:form|button)\b[^>]*>", html):
        if marker in tag:
            found = re.search(r'data-confirm="([^"]+)"', tag)
            assert found, f"no data-confirm on {tag}"
            return found.group(1)
    raise AssertionError(f"no form or button with {marker}")


def test_issuing_the_opinion_and_publishing_ask_for_confirmation(world):
    plan = world.passed_plan()
    html = page(world.staff, "review:plan_detail", plan.pk)
    assert "确认出具联合审查意见" in confirm_of(html, "/issue_opinion/")

    plan = services.issue_opinion(plan, actor=world.staff)
    html = page(world.staff, "review:plan_detail", plan.pk)
    assert "确认发布公示" in confirm_of(html, "/publish/")


def test_returning_a_plan_and_starting_joint_review_ask_for_confirmation(world):
    plan = world.submitted_plan()
    html = page(world.staff, "review:plan_detail", plan.pk)
    assert "退回" in confirm_of(html, "/return_for_revision/")
    assert "联合审查" in confirm_of(html, "/start_joint_review/")

    entity_plan = world.draft_plan()
    html = page(world.entity, "review:plan_detail", entity_plan.pk)
    assert "确认报送" in confirm_of(html, "/submit/")


def test_a_department_confirms_its_opinion_and_staff_confirm_removals_and_changes(world):
    plan = services.start_joint_review(world.submitted_plan(), actor=world.staff)
    reviews = list(DepartmentReview.objects.filter(review_round__plan=plan))
    review = reviews[0]
    reviewer = world.reviewer_of(review)
    html = page(reviewer, "review:department_review", review.pk)
    assert "不同意" in confirm_of(html, 'data-testid="decision-form"')

    services.record_decision(
        review, actor=reviewer, decision=Decision.AGREE_AFTER_CHANGE, text="补充停车位测算"
    )
    html = page(world.staff, "review:joint_round", plan.pk)
    assert "尚未报送按该部门意见修改后的新版本" in html  # issue 10 item 13: no confirm without a version
    submit_correction(world, plan)
    html = page(world.staff, "review:joint_round", plan.pk)
    assert "已落实" in confirm_of(html, "/confirm/")
    assert "移出本轮会签" in confirm_of(html, 'class="d-flex gap-1"')


def test_accepting_an_objection_asks_first_and_answering_says_it_is_final(world, monkeypatch):
    publicity = world.publicity()
    monkeypatch.setattr(
        "django.utils.timezone.now", lambda: publicity.starts_at + datetime.timedelta(hours=9)
    )
    objection = services.submit_comment(publicity, kind=CommentKind.OBJECTION, text="遮挡日照", contact="1")
    services.submit_comment(publicity, kind=CommentKind.SUGGESTION, text="增设座椅", contact="2")
    html = page(world.staff, "review:publicity_comments", publicity.pk)
    question = confirm_of(html, f'id="accept-{objection.pk}"')
    assert "确认采纳该异议" in question and "公示随即终止" in question
    assert html.count('data-action="accept-objection"') == 1  # suggestions cannot be accepted
    assert "不能修改" in confirm_of(html, 'data-action="respond"')

    # The accept button posts accept=on, as the checkbox did.
    client = Client()
    client.force_login(world.staff)
    client.post(
        reverse("review:comment_respond", args=[objection.pk]), {"response": "予以采纳", "accept": "on"}
    )
    objection.refresh_from_db()
    assert objection.outcome == CommentOutcome.ACCEPTED


def test_answering_a_pre_review_request_asks_first(world):
    plan = world.submitted_plan()
    reviewer = world.reviewers["development_reform"]
    plan = services.request_pre_review(plan, actor=world.staff, departments=[reviewer.organization])
    html = page(reviewer, "review:pre_review_comment", plan.pre_review_comments.get().pk)
    assert "预审意见" in confirm_of(html, "novalidate")


# --- recording an opinion and a notice of an earlier day --------------------------------------------


def test_an_earlier_opinion_and_notice_keep_their_own_dates(world):
    plan = world.passed_plan()
    plan = services.issue_opinion(plan, actor=world.staff, issued_on=D(2026, 2, 27))
    opinion = plan.opinions.get()
    assert opinion.issued_on == D(2026, 2, 27) and opinion.number.endswith("〔2026〕1号")
    land = Deadline.objects.get(kind=DEADLINE_LAND_FIRST_PHASE)
    # Two years on is Sunday 27 February 2028: the period ends on the next working day.
    assert (land.start_date, land.due_date) == (D(2026, 2, 27), D(2028, 2, 28))

    plan = services.publish(plan, actor=world.staff, published_on=D(2026, 3, 2))
    publicity = plan.publicities.get()
    assert publicity.published_on == D(2026, 3, 2)
    # From the first working day after publication: Tue 3 March to Mon 23 March, so open today (4 March).
    assert timezone.localtime(publicity.starts_at).date() == D(2026, 3, 3)
    assert timezone.localtime(publicity.ends_at).date() == D(2026, 3, 23)
    event = AuditEvent.objects.get(action="publicity.publish")
    assert event.data["published_on"] == "2026-03-02"


def test_an_act_cannot_be_dated_in_the_future_nor_a_notice_before_its_opinion(world):
    plan = world.passed_plan()
    with pytest.raises(TransitionRefused, match="出具日期不能晚于今天"):
        services.issue_opinion(plan, actor=world.staff, issued_on=D(2026, 3, 5))
    plan = services.issue_opinion(plan, actor=world.staff, issued_on=D(2026, 3, 3))
    with pytest.raises(TransitionRefused, match="发布日期不能晚于今天"):
        services.publish(plan, actor=world.staff, published_on=D(2026, 3, 5))
    with pytest.raises(TransitionRefused, match="公示不能早于联合审查意见的出具日期（2026年3月3日）"):
        services.publish(plan, actor=world.staff, published_on=D(2026, 3, 2))
    plan.refresh_from_db()
    assert plan.state == PlanState.OPINION_ISSUED and not Publicity.objects.exists()


# --- 6. the demo ------------------------------------------------------------------------------------

DEMO_DAYS = [
    D(2026, 3, 2),  # a Monday, after a make-up working Saturday
    D(2026, 3, 7),  # a Saturday
    D(2026, 10, 3),  # inside the National Day holiday
    D(2026, 10, 8),  # the first working day after it
    D(2027, 1, 1),  # New Year's Day, in a year whose calendar may still be provisional
]


def load_demo_on(monkeypatch, day: D, hour=10):
    """Load the demo as `make run` would on `day` at `hour` o'clock (Beijing time)."""
    now = datetime.datetime.combine(day, datetime.time(hour), tzinfo=ZONE)
    monkeypatch.setattr("renewal.calendar.today", lambda: day)
    monkeypatch.setattr("django.utils.timezone.now", lambda: now)
    call_command("load_demo", stdout=io.StringIO())
    return now


@pytest.mark.parametrize("day", DEMO_DAYS, ids=str)
def test_the_demo_notice_is_open_for_comment_on_the_day_it_is_loaded(db, media, monkeypatch, day):
    now = load_demo_on(monkeypatch, day)
    publicity = Publicity.objects.get(plan__project__name=PUBLICITY_PROJECT)
    assert publicity.state == PublicityState.OPEN
    assert publicity.published_on < day
    window = window_status(publicity, now=now)
    assert window.status == "open" and window.accepts_comments, window
    assert window.days_left >= 10

    # The public page offers the comment form today, with one comment answered and one awaiting an answer;
    # one comment awaits moderation and one was declined, neither public (issue 9).
    html = Client().get(reverse("publicity:detail", args=[publicity.pk])).content.decode()
    assert 'data-testid="comment-form"' in html
    comments = list(publicity.comments.order_by("pk"))
    assert [c.outcome for c in comments] == [CommentOutcome.ANSWERED] + [CommentOutcome.PENDING] * 3
    assert [c.moderation for c in comments] == ["published", "published", "received", "declined"]
    assert comments[0].response[:10] in html and comments[1].text[:10] in html
    assert comments[2].text[:10] not in html and comments[3].text[:10] not in html
    assert "演示联系方式" not in html and "演示居民" not in html and "王建国" not in html


def test_the_demo_gives_hd_entity_a_plan_being_drafted(db, media, monkeypatch):
    load_demo_on(monkeypatch, D(2026, 3, 2))
    from renewal.models import User

    entity = User.objects.get(username="hd_entity")
    drafting = ImplementationPlan.objects.visible_to(entity).get(project__name=DRAFTING_PROJECT)
    assert drafting.state == PlanState.DRAFT and drafting.content and drafting.current_version == 0
    assert drafting.project.stage == "plan_drafting" and drafting.project.library == "implementation"
    html = page(entity, "review:plan_detail", drafting.pk)
    assert "编辑方案" in html

    # And a plan in joint review with departments still to answer.
    reviewing = ImplementationPlan.objects.get(project__name=JOINT_REVIEW_PROJECT)
    assert reviewing.state == PlanState.JOINT_REVIEW
    pending = DepartmentReview.objects.filter(review_round__plan=reviewing, decision=Decision.PENDING)
    assert {r.department.name for r in pending} == {"海淀区发展改革委", "市规划自然资源委海淀分局"}


def test_the_demo_public_notice_shows_the_ledger_figures(db, media, monkeypatch):
    load_demo_on(monkeypatch, D(2026, 3, 2))
    for notice in public_notices():
        project = notice.plan.project
        figures = {row["label"]: Decimal(row["value"]) for row in notice.indicators if row["unit"]}
        assert figures["总投资"] == project.total_investment, project.name
        assert figures["用地面积"] == project.land_area, project.name
        html = Client().get(reverse("publicity:detail", args=[notice.pk])).content.decode()
        total = format(project.total_investment.normalize(), "f")
        assert re.search(rf">{total} 万元<", html), total


def test_loading_the_demo_twice_creates_nothing_the_second_time(db, media, monkeypatch):
    load_demo_on(monkeypatch, D(2026, 3, 2))
    models = (Project, ImplementationPlan, Publicity, PublicComment, AuditEvent, Deadline)
    before = {model: model.objects.count() for model in models}
    call_command("load_demo", stdout=io.StringIO())
    assert {model: model.objects.count() for model in models} == before


def test_workdays_before_steps_back_over_weekends_and_holidays(db):
    from review.demo import workdays_before

    # Monday 2 March 2026: Saturday 28 February was a make-up working day (春节 2026).
    assert workdays_before(D(2026, 3, 2), 3) == D(2026, 2, 26)
    assert workdays_before(D(2026, 3, 7), 1) == D(2026, 3, 6)  # Sat → Friday
    # 8 October 2026: 1–7 October off, so three working days back reach into September.
    back = workdays_before(D(2026, 10, 8), 3)
    assert workdays.working_days_between(back, D(2026, 10, 8))[0] == 3
