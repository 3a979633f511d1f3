"""公示: the public notice pages (no login), the comment form, redaction, and the staff's answers.

Window dates below were worked out by hand from the State Council's holiday notices, not by the code:
- published Fri 2025-09-26: Sat 27 Sep off, Sun 28 Sep make-up workday (1), 29–30 Sep (2–3), 1–8 Oct
  off, 9–10 Oct (4–5), Sat 11 Oct make-up (6), 13–17 Oct (7–11), 20–23 Oct (12–15) → 28 Sep to 23 Oct;
  20 working days: 24 Oct (16), 27–30 Oct (17–20) → 30 Oct.
- published Thu 2026-02-12: Fri 13 Feb (1), Sat 14 Feb make-up (2), 15–23 Feb 春节 off, 24–27 Feb (3–6),
  Sat 28 Feb make-up (7), 2–6 Mar (8–12), 9–11 Mar (13–15) → 13 Feb to 11 Mar; 20 days: 12–13 Mar
  (16–17), 16–18 Mar (18–20) → 18 Mar. (10 working days → 4 Mar, as in DOMAIN.md §4.)
- published Mon 2026-03-02 (no holidays in March 2026): 3–6, 9–13, 16–20, 23 Mar → 3 to 23 Mar.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.choices import Stage
from renewal.calendar import working_days_between
from renewal.celery import app as celery_app
from renewal.choices import Role
from renewal.workflow import TransitionRefused
from review import services
from review import tasks as review_tasks
from review.choices import (
    CommentKind,
    CommentModeration,
    CommentOutcome,
    Decision,
    PlanState,
    PublicityState,
    RequestStatus,
)
from review.models import DepartmentReview, PublicComment, Publicity, RevisionRequest
from review.views.public import window_status
from tests.factories import PASSWORD, user
from tests.review.helpers import World

pytestmark = pytest.mark.django_db

D = datetime.date
ZONE = ZoneInfo("Asia/Shanghai")
AGENT = "Mozilla/5.0 (X11; Linux x86_64) PortalTest/1.0"


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=ZONE)


def end_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(23, 59, 59), tzinfo=ZONE)


def move_window(publicity, *, starts_at, ends_at):
    Publicity.objects.filter(pk=publicity.pk).update(starts_at=starts_at, ends_at=ends_at)
    publicity.refresh_from_db()
    return publicity


def open_now(publicity, days=10):
    """The window started yesterday and ends `days` calendar days from today (real time)."""
    today = timezone.localdate()
    return move_window(
        publicity,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        ends_at=end_of(today + datetime.timedelta(days=days)),
    )


def clone_notice(publicity, **changes):
    """Another closed notice of the same plan: cheap rows for list tests."""
    fields = {
        "plan": publicity.plan,
        "opinion": publicity.opinion,
        "published_on": publicity.published_on,
        "workdays": 15,
        "starts_at": publicity.starts_at,
        "ends_at": publicity.ends_at,
        "summary": "往期公示",
        "published_by": publicity.published_by,
        "state": PublicityState.CLOSED,
    }
    fields.update(changes)
    return Publicity.objects.create(**fields)


def signed_in(person) -> Client:
    client = Client()
    assert client.login(username=person.username, password=PASSWORD)
    return client


def post_comment(client, publicity, *, ip="203.0.113.7", agent=AGENT, **fields):
    data = {
        "kind": CommentKind.OBJECTION,
        "text": "反对加建，影响采光。",
        "contact": "13900001111",
        "name": "",
    }
    data.update(fields)
    return client.post(
        reverse("publicity:comment", args=[publicity.pk]), data, REMOTE_ADDR=ip, HTTP_USER_AGENT=agent
    )


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def publicity(world, monkeypatch):
    """Published on Monday 2026-03-02: window 3 March to the end of 23 March 2026."""
    monkeypatch.setattr("renewal.calendar.today", lambda: D(2026, 3, 2))
    return world.publicity()


@pytest.fixture
def open_publicity(publicity):
    return open_now(publicity)


# --- anonymous access -----------------------------------------------------------------------------


def test_anonymous_reads_list_and_detail_without_staff_navigation(publicity):
    client = Client()
    project = publicity.plan.project
    listing = client.get(reverse("publicity:list"))
    assert listing.status_code == 200
    html = page(listing)
    assert "公示公告" in html and "第十一条" in html
    assert project.name in html and "海淀区" in html and "区域综合性" in html
    assert project.implementing_entity.name in html
    assert "公示期：2026年3月3日至2026年3月23日" in html
    assert "已结束" in html
    detail = client.get(reverse("publicity:detail", args=[publicity.pk]))
    assert detail.status_code == 200
    html = page(detail)
    assert "公示公告" in html and "第十一条" in html
    assert "海淀区学院路街道" in html and "老旧街区改造" in html
    assert "科技创新与宜居融合的活力街区" in html  # the plan's positioning is the summary
    assert publicity.indicators and publicity.indicators[0]["label"] in html and "52000" in html
    assert publicity.opinion.number in html
    for staff_only in ('data-nav="', 'data-testid="whoami"', "退出", "项目库台账", "办理期限"):
        assert staff_only not in html


def test_staff_pages_send_anonymous_visitors_to_login(publicity):
    comment = services.submit_comment(
        publicity,
        kind=CommentKind.SUGGESTION,
        text="建议增加绿地",
        contact="x@example.com",
        now=publicity.starts_at,
    )
    client = Client()
    for response in (
        client.get(reverse("review:publicity_comments", args=[publicity.pk])),
        client.post(reverse("review:comment_respond", args=[comment.pk]), {"response": "收到"}),
    ):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    comment.refresh_from_db()
    assert comment.outcome == CommentOutcome.PENDING


def test_withdrawn_notice_is_404_publicly(publicity):
    Publicity.objects.filter(pk=publicity.pk).update(state=PublicityState.WITHDRAWN)
    client = Client()
    assert client.get(reverse("publicity:detail", args=[publicity.pk])).status_code == 404
    assert post_comment(client, publicity).status_code == 404
    assert publicity.plan.project.name not in page(client.get(reverse("publicity:list")))
    assert client.get(reverse("publicity:detail", args=[publicity.pk + 1000])).status_code == 404


def test_list_filters_by_district_and_pages_newest_first(publicity, monkeypatch):
    xicheng = World("110102")
    monkeypatch.setattr("renewal.calendar.today", lambda: D(2026, 3, 4))
    other = xicheng.publicity(xicheng.implementation_project(name="什刹海片区城市更新"))
    client = Client()
    html = page(client.get(reverse("publicity:list")))
    assert html.index("什刹海片区城市更新") < html.index("学院路街道城市更新片区")  # newest first
    html = page(client.get(reverse("publicity:list"), {"district": "110102"}))
    assert "什刹海片区城市更新" in html and "学院路街道城市更新片区" not in html
    assert f'data-notice="{other.pk}"' in html and f'data-notice="{publicity.pk}"' not in html
    # 21 notices: the first page shows 20, the second the oldest one.
    for offset in range(19):
        clone_notice(publicity, published_on=D(2025, 1, 1) + datetime.timedelta(days=offset))
    first = page(client.get(reverse("publicity:list")))
    second = page(client.get(reverse("publicity:list"), {"page": 2}))
    assert first.count("data-notice=") == 20 and second.count("data-notice=") == 1
    oldest = Publicity.objects.order_by("published_on").first()
    assert f'data-notice="{oldest.pk}"' in second


def test_public_list_and_api_query_counts_do_not_grow_with_rows(publicity):
    client = Client()

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = (reverse("publicity:list"), reverse("review-api:public-notice-list"))
    before = [queries(url) for url in urls]
    for offset in range(5):
        notice = clone_notice(
            publicity, published_on=D(2026, 4, 1) + datetime.timedelta(days=offset), state=PublicityState.OPEN
        )
        services.submit_comment(
            notice, kind=CommentKind.SUPPORT, text="支持", contact="x1", now=notice.starts_at
        )
        open_now(notice)
    assert [queries(url) for url in urls] == before


# --- the window across holidays -------------------------------------------------------------------


def test_window_across_national_day_2025(world, monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: D(2025, 9, 26))
    publicity = world.publicity()
    assert timezone.localtime(publicity.starts_at) == at(2025, 9, 28, 0, 0, 0)  # Sunday make-up workday
    assert timezone.localtime(publicity.ends_at) == at(2025, 10, 23, 23, 59, 59)
    assert publicity.workdays == 15 and publicity.provisional is False
    project = publicity.plan.project
    project.refresh_from_db()
    assert (project.publicity_start, project.publicity_end) == (publicity.starts_at, publicity.ends_at)
    longer = world.publicity(world.implementation_project(name="五道口片区更新"), workdays_count=20)
    assert timezone.localtime(longer.ends_at) == at(2025, 10, 30, 23, 59, 59)
    html = page(Client().get(reverse("publicity:detail", args=[publicity.pk])))
    assert "公示期：2025年9月28日至2025年10月23日" in html


def test_window_across_spring_festival_2026(world, monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: D(2026, 2, 12))
    publicity = world.publicity()
    assert publicity.published_on == D(2026, 2, 12)
    assert timezone.localtime(publicity.starts_at) == at(2026, 2, 13, 0, 0, 0)
    assert timezone.localtime(publicity.ends_at) == at(2026, 3, 11, 23, 59, 59)
    longer = world.publicity(world.implementation_project(name="五道口片区更新"), workdays_count=20)
    assert timezone.localtime(longer.starts_at) == at(2026, 2, 13, 0, 0, 0)
    assert timezone.localtime(longer.ends_at) == at(2026, 3, 18, 23, 59, 59)
    assert longer.ends_at > publicity.ends_at and longer.workdays == 20


def test_fewer_than_fifteen_working_days_refused(world, monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: D(2026, 3, 2))
    plan = world.opinion_issued_plan()
    with pytest.raises(TransitionRefused) as refusal:
        services.publish(plan, actor=world.staff, workdays_count=14)
    assert "不得少于15个工作日" in refusal.value.message
    plan.refresh_from_db()
    assert plan.state == PlanState.OPINION_ISSUED and not plan.publicities.exists()


# --- days left ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "status", "days_left"),
    [
        (at(2026, 3, 2, 18, 0), "upcoming", 15),  # publication day: 3–23 March hold 15 working days
        (at(2026, 3, 3, 0, 0), "open", 14),
        (at(2026, 3, 7, 12, 0), "open", 11),  # Saturday: 9–13, 16–20, 23 March
        (at(2026, 3, 9, 10, 0), "open", 10),  # Monday: 10–13, 16–20, 23 March
        (at(2026, 3, 20, 9, 0), "open", 1),  # Friday: only Monday 23 March is left
        (at(2026, 3, 23, 23, 59, 59), "open", 0),  # the last day: 今天截止
        (at(2026, 3, 24, 0, 0, 0), "ended", None),
    ],
)
def test_window_status_and_working_days_left(publicity, now, status, days_left):
    window = window_status(publicity, now)
    assert (window.status, window.days_left) == (status, days_left)
    assert (window.first_day, window.last_day) == (D(2026, 3, 3), D(2026, 3, 23))


def test_days_left_shown_on_pages(publicity):
    today = timezone.localdate()
    move_window(publicity, starts_at=timezone.now() - datetime.timedelta(days=20), ends_at=end_of(today))
    client = Client()
    for url in (reverse("publicity:list"), reverse("publicity:detail", args=[publicity.pk])):
        html = page(client.get(url))
        assert "今天截止" in html and "公示中" in html
    last = today + datetime.timedelta(days=14)
    open_now(publicity, days=14)
    left, _ = working_days_between(today, last)
    html = page(client.get(reverse("publicity:detail", args=[publicity.pk])))
    assert left > 0 and f"剩余 {left} 个工作日" in html and "今天截止" not in html


def test_provisional_window_is_marked(publicity):
    client = Client()
    assert "公示期暂定" not in page(client.get(reverse("publicity:detail", args=[publicity.pk])))
    Publicity.objects.filter(pk=publicity.pk).update(provisional=True)
    assert "公示期暂定" in page(client.get(reverse("publicity:detail", args=[publicity.pk])))


# --- commenting: the window -----------------------------------------------------------------------


def test_comments_only_inside_the_window(publicity):
    def submit(now):
        return services.submit_comment(
            publicity, kind=CommentKind.OBJECTION, text="反对", contact="13900001111", now=now
        )

    with pytest.raises(TransitionRefused) as late:
        submit(publicity.ends_at + datetime.timedelta(seconds=1))
    assert "公示期已于2026年3月23日结束" in late.value.message
    with pytest.raises(TransitionRefused) as early:
        submit(publicity.starts_at - datetime.timedelta(seconds=1))
    assert "公示期自2026年3月3日开始" in early.value.message
    assert not PublicComment.objects.exists()
    submit(publicity.starts_at)
    submit(publicity.ends_at)
    assert publicity.comments.count() == 2


def test_comment_form_accepts_an_opinion_while_open(open_publicity):
    client = Client()
    html = page(client.get(reverse("publicity:detail", args=[open_publicity.pk])))
    assert 'data-testid="comment-form"' in html and "csrfmiddlewaretoken" in html
    assert "仅用于工作人员联系，不公开" in html
    for kind in CommentKind:
        assert f'value="{kind.value}"' in html and kind.label in html
    response = post_comment(
        client, open_publicity, kind=CommentKind.SUGGESTION, text="建议增设无障碍坡道", name="赵敏"
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("publicity:received", args=[open_publicity.pk])
    comment = PublicComment.objects.get()
    assert (comment.kind, comment.text, comment.contact, comment.name) == (
        CommentKind.SUGGESTION,
        "建议增设无障碍坡道",
        "13900001111",
        "赵敏",
    )
    assert comment.client_fingerprint == services.fingerprint("203.0.113.7", AGENT)
    assert comment.moderation == CommentModeration.RECEIVED and comment.receipt
    html = page(client.get(response["Location"]))
    assert "感谢您的意见" in html and comment.receipt in html and "赵敏" not in html
    # Received, not yet public (issue 9): the notice does not show it until staff publish it.
    html = page(client.get(reverse("publicity:detail", args=[open_publicity.pk])))
    assert "建议增设无障碍坡道" not in html


def test_missing_contact_is_refused_with_typed_values_kept(open_publicity):
    client = Client()
    response = post_comment(client, open_publicity, text="楼间距不足，反对加建", contact="  ", name="钱多多")
    assert response.status_code == 400
    html = page(response)
    assert "请填写联系方式（不会公开）。" in html
    assert "楼间距不足，反对加建" in html and 'value="钱多多"' in html
    assert 'value="objection" checked' in html
    response = post_comment(client, open_publicity, kind="complaint")
    assert response.status_code == 400 and "请选择意见类型。" in page(response)
    response = post_comment(client, open_publicity, text="")
    assert response.status_code == 400 and "请填写意见内容。" in page(response)
    assert not PublicComment.objects.exists()


def test_after_the_window_the_form_gives_way_to_a_message(publicity):
    move_window(
        publicity,
        starts_at=timezone.now() - datetime.timedelta(days=30),
        ends_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    client = Client()
    html = page(client.get(reverse("publicity:detail", args=[publicity.pk])))
    ended = timezone.localtime(publicity.ends_at).date()
    assert f"公示期已于{ended.year}年{ended.month}月{ended.day}日结束" in html
    assert 'data-testid="comment-form"' not in html and "已结束" in html
    response = post_comment(client, publicity, text="迟到的异议：反对加建")
    assert response.status_code == 400
    html = page(response)
    assert "公示期已于" in html and "迟到的异议：反对加建" in html
    assert not PublicComment.objects.exists()


def test_before_the_window_comments_are_refused(publicity):
    move_window(
        publicity,
        starts_at=timezone.now() + datetime.timedelta(days=1),
        ends_at=timezone.now() + datetime.timedelta(days=30),
    )
    client = Client()
    html = page(client.get(reverse("publicity:detail", args=[publicity.pk])))
    assert "公示期自" in html and 'data-testid="comment-form"' not in html and "即将开始" in html
    response = post_comment(client, publicity)
    assert response.status_code == 400 and "公示期自" in page(response)
    assert not PublicComment.objects.exists()


def test_comment_form_keeps_csrf_protection(open_publicity):
    client = Client(enforce_csrf_checks=True)
    client.get(reverse("publicity:detail", args=[open_publicity.pk]))
    assert post_comment(client, open_publicity).status_code == 403
    token = client.cookies["csrftoken"].value
    data = {"kind": "support", "text": "支持", "contact": "13900001111", "csrfmiddlewaretoken": token}
    response = client.post(reverse("publicity:comment", args=[open_publicity.pk]), data)
    assert response.status_code == 302 and PublicComment.objects.count() == 1


# --- rate limiting --------------------------------------------------------------------------------


def test_sixth_comment_within_an_hour_is_refused_per_fingerprint(open_publicity):
    client = Client()
    for number in range(5):
        assert post_comment(client, open_publicity, text=f"第{number + 1}条意见").status_code == 302
    response = post_comment(client, open_publicity, text="第6条意见")
    assert response.status_code == 429
    html = page(response)
    assert "提交过于频繁" in html and "第6条意见" in html
    assert open_publicity.comments.count() == 5
    assert post_comment(client, open_publicity, ip="198.51.100.20", text="另一位居民").status_code == 302
    # Another User-Agent from the same address opens no new allowance.
    assert (
        post_comment(client, open_publicity, agent="OtherBrowser/2.0", text="换个浏览器").status_code == 429
    )
    assert open_publicity.comments.count() == 6
    # Comments older than an hour no longer count.
    PublicComment.objects.update(submitted_at=timezone.now() - datetime.timedelta(minutes=61))
    assert post_comment(client, open_publicity, text="一小时后").status_code == 302


# --- redaction ------------------------------------------------------------------------------------

COMMENT_TEXT = (
    "我是李秀英，王建国是我爱人，我们反对加建。手机138-1234-5678，备用13812345678，"
    "座机010-62345678，身份证号11010819900307123X，邮箱li.xy@example.com，请联系。"
)
NAME, CONTACT = "王建国", "wangjg_home@example.net"
PERSONAL = [
    "李秀英",
    "王建国",
    "138-1234-5678",
    "13812345678",
    "1234-5678",
    "12345678",
    "010-62345678",
    "62345678",
    "11010819900307123X",
    "19900307",
    "li.xy@example.com",
    "li.xy",
    "wangjg_home",
    "example.net",
]


def assert_no_personal_data(text: str, where: str):
    leaked = [term for term in PERSONAL if term in text]
    assert not leaked, f"{where} shows {leaked}"


def test_public_pages_and_api_never_show_personal_data(open_publicity, world):
    client = Client()
    assert (
        post_comment(client, open_publicity, text=COMMENT_TEXT, name=NAME, contact=CONTACT).status_code == 302
    )
    comment = PublicComment.objects.get()
    assert (comment.name, comment.contact) == (NAME, CONTACT)
    detail = page(client.get(reverse("publicity:detail", args=[open_publicity.pk])))
    assert "我们反对加建" not in detail  # received, not public before staff publish it (issue 9)
    # Staff publish the proposal as it is pre-filled (every detected item masked).
    response = signed_in(world.staff).post(
        reverse("review:comment_moderate", args=[comment.pk, "publish"]),
        {"text": services.masked_text(comment)},
    )
    assert response.status_code == 302
    detail = page(client.get(reverse("publicity:detail", args=[open_publicity.pk])))
    assert "我们反对加建" in detail and "＊＊＊" in detail  # the comment is shown, masked
    assert_no_personal_data(detail, "public detail page")
    assert comment.client_fingerprint not in detail
    assert_no_personal_data(page(client.get(reverse("publicity:list"))), "public list")
    api_list = client.get(reverse("review-api:public-notice-list"))
    api_detail = client.get(reverse("review-api:public-notice-detail", args=[open_publicity.pk]))
    for response, where in ((api_list, "public API list"), (api_detail, "public API detail")):
        assert response.status_code == 200
        body = response.content.decode()
        assert "我们反对加建" in body
        assert_no_personal_data(body, where)
        assert comment.client_fingerprint not in body
    (shown,) = api_detail.json()["comments"]
    assert set(shown) == {"kind", "kind_label", "text", "submitted_at", "response", "responded_at"}
    # The district's staff see everything on their page.
    staff_page = page(
        signed_in(world.staff).get(reverse("review:publicity_comments", args=[open_publicity.pk]))
    )
    for term in (NAME, CONTACT, "13812345678", "11010819900307123X", "li.xy@example.com", "李秀英"):
        assert term in staff_page


def test_staff_answer_quoting_the_commenter_is_masked_publicly(open_publicity, world):
    comment = services.submit_comment(
        open_publicity, kind=CommentKind.OBJECTION, text="反对加建", contact="13900001111", name="孙立"
    )
    comment = services.publish_comment(comment, actor=world.staff, text=services.masked_text(comment))
    comment = services.respond_to_comment(
        comment, actor=world.staff, response="已电话联系孙立（13900001111），加建部分不遮挡采光。"
    )
    html = page(Client().get(reverse("publicity:detail", args=[open_publicity.pk])))
    assert "反对加建" in html and "加建部分不遮挡采光" not in html  # the answer waits for publication
    services.publish_answer(comment, actor=world.staff, text=services.masked_response(comment))
    html = page(Client().get(reverse("publicity:detail", args=[open_publicity.pk])))
    assert "加建部分不遮挡采光" in html
    assert "孙立" not in html and "13900001111" not in html


def test_public_text_masks_each_kind_of_personal_data():
    comment = PublicComment(text=COMMENT_TEXT, name=NAME, contact=CONTACT)
    assert services.public_text(comment) == ""  # nothing is public before staff publish it
    masked = services.masked_text(comment)
    assert_no_personal_data(masked, "public_text")
    assert masked.startswith("我是＊＊＊，＊＊＊是我爱人，我们反对加建。")
    only_contact = PublicComment(text=f"请打{CONTACT}或者微信同号", name="", contact=CONTACT)
    assert CONTACT not in services.masked_text(only_contact)


def test_public_text_masks_a_landline_written_in_groups():
    """ "010-6234-5678" is a common way to write a Beijing landline; it must not reach the public."""
    comment = PublicComment(text="座机010-6234-5678，晚上打", name="", contact="13900001111")
    masked = services.masked_text(comment)
    assert "6234-5678" not in masked and "6234" not in masked


# --- the staff's page -----------------------------------------------------------------------------


@pytest.fixture
def commented(open_publicity):
    objection = services.submit_comment(
        open_publicity,
        kind=CommentKind.OBJECTION,
        text="我是周杰，住2号楼，反对加建，电话13812345678",
        contact="13812345678",
        name="周杰",
    )
    suggestion = services.submit_comment(
        open_publicity, kind=CommentKind.SUGGESTION, text="建议保留大槐树", contact="wu@example.org", name=""
    )
    return open_publicity, objection, suggestion


def test_staff_page_shows_full_details_and_answer_forms(commented, world):
    publicity, objection, suggestion = commented
    response = signed_in(world.staff).get(reverse("review:publicity_comments", args=[publicity.pk]))
    assert response.status_code == 200
    html = page(response)
    assert "周杰" in html and "13812345678" in html and "wu@example.org" in html
    assert "公示期：" in html and "公示中" in html and "2条待答复" in html
    assert reverse("review:comment_respond", args=[objection.pk]) in html
    assert reverse("review:comment_respond", args=[suggestion.pk]) in html
    assert f'id="accept-{objection.pk}"' in html and f'id="accept-{suggestion.pk}"' not in html
    assert "采纳异议并退回修改" in html


@pytest.mark.parametrize("role", [Role.ENTITY, Role.REVIEWER, Role.LEADERSHIP, Role.AUDITOR])
def test_other_roles_read_the_staff_page_without_personal_data(commented, world, role):
    publicity, objection, _ = commented
    reader = world.entity if role == Role.ENTITY else user(role)
    response = signed_in(reader).get(reverse("review:publicity_comments", args=[publicity.pk]))
    assert response.status_code == 200
    html = page(response)
    assert "反对加建" in html and "建议保留大槐树" in html
    for term in ("周杰", "13812345678", "wu@example.org"):
        assert term not in html
    assert reverse("review:comment_respond", args=[objection.pk]) not in html


def test_staff_page_is_404_outside_scope(commented):
    publicity, _, _ = commented
    url = reverse("review:publicity_comments", args=[publicity.pk])
    assert signed_in(user(Role.STAFF, district_code="110102")).get(url).status_code == 404
    assert signed_in(user(Role.ENTITY)).get(url).status_code == 404  # another organisation's entity


# --- answering ------------------------------------------------------------------------------------


def test_accepted_objection_sends_the_plan_back_and_withdraws_the_notice(commented, world):
    publicity, objection, _ = commented
    staff = signed_in(world.staff)
    response = staff.post(
        reverse("review:comment_respond", args=[objection.pk]),
        {"response": "经核实，加建影响2号楼日照，予以采纳", "accept": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("review:publicity_comments", args=[publicity.pk])
    objection.refresh_from_db()
    publicity.refresh_from_db()
    plan = publicity.plan
    plan.refresh_from_db()
    plan.project.refresh_from_db()
    assert objection.outcome == CommentOutcome.ACCEPTED and objection.responded_by == world.staff
    assert plan.state == PlanState.REVISION and plan.project.stage == Stage.PLAN_DRAFTING
    assert publicity.state == PublicityState.WITHDRAWN
    request = RevisionRequest.objects.get(plan=plan, source="公示异议")
    assert "反对加建" in request.text and "予以采纳" in request.text
    assert "周杰" not in request.text and "13812345678" not in request.text
    anonymous = Client()
    assert anonymous.get(reverse("publicity:detail", args=[publicity.pk])).status_code == 404
    assert anonymous.get(reverse("review-api:public-notice-detail", args=[publicity.pk])).status_code == 404
    assert post_comment(anonymous, publicity).status_code == 404
    html = page(staff.get(reverse("review:publicity_comments", args=[publicity.pk])))
    assert "因异议采纳终止" in html and "查看公开页面" not in html


def test_answered_comments_and_window_end_approve_the_plan(commented, world):
    publicity, objection, suggestion = commented
    staff = signed_in(world.staff)
    for comment in (objection, suggestion):
        response = staff.post(
            reverse("review:comment_respond", args=[comment.pk]), {"response": "已研究，答复如下"}
        )
        assert response.status_code == 302
        comment.refresh_from_db()
        services.publish_comment(comment, actor=world.staff, text=services.masked_text(comment))
        services.publish_answer(comment, actor=world.staff, text=comment.response)
    publicity.plan.refresh_from_db()
    assert publicity.plan.state == PlanState.PUBLICITY  # answered, but the window is still open
    assert services.close_expired_publicities(now=publicity.ends_at + datetime.timedelta(seconds=1)) == 1
    publicity.refresh_from_db()
    plan = publicity.plan
    plan.refresh_from_db()
    plan.project.refresh_from_db()
    assert publicity.state == PublicityState.CLOSED
    assert plan.state == PlanState.APPROVED and plan.project.stage == Stage.PERMITS
    assert "支持 0 条，异议 1 条，建议 1 条" in publicity.result
    html = page(Client().get(reverse("publicity:detail", args=[publicity.pk])))
    assert "已结束" in html and publicity.result in html and "已研究，答复如下" in html


def test_unanswered_comment_holds_the_plan_until_the_last_answer(commented, world):
    publicity, objection, suggestion = commented
    services.respond_to_comment(suggestion, actor=world.staff, response="采纳建议，保留大槐树")
    assert services.close_expired_publicities(now=publicity.ends_at + datetime.timedelta(seconds=1)) == 1
    publicity.refresh_from_db()
    publicity.plan.refresh_from_db()
    assert publicity.state == PublicityState.CLOSED and publicity.plan.state == PlanState.PUBLICITY
    staff = signed_in(world.staff)
    html = page(staff.get(reverse("review:publicity_comments", args=[publicity.pk])))
    assert "公示期满" in html and "1条待答复" in html
    response = staff.post(
        reverse("review:comment_respond", args=[objection.pk]), {"response": "日照分析满足规范"}
    )
    assert response.status_code == 302
    plan = publicity.plan
    plan.refresh_from_db()
    plan.project.refresh_from_db()
    assert plan.state == PlanState.APPROVED and plan.project.stage == Stage.PERMITS


def test_answer_refusals_keep_the_typed_text(commented, world):
    publicity, objection, suggestion = commented
    staff = signed_in(world.staff)
    response = staff.post(reverse("review:comment_respond", args=[objection.pk]), {"response": "  "})
    assert response.status_code == 400 and "请填写答复内容。" in page(response)
    response = staff.post(
        reverse("review:comment_respond", args=[suggestion.pk]), {"response": "建议很好", "accept": "on"}
    )
    assert response.status_code == 400
    html = page(response)
    assert "只有异议可以“采纳并退回修改”。" in html and "建议很好" in html
    suggestion.refresh_from_db()
    objection.refresh_from_db()
    assert suggestion.outcome == objection.outcome == CommentOutcome.PENDING
    publicity.plan.refresh_from_db()
    assert publicity.plan.state == PlanState.PUBLICITY
    assert (
        staff.post(reverse("review:comment_respond", args=[objection.pk]), {"response": "已答复"}).status_code
        == 302
    )
    response = staff.post(reverse("review:comment_respond", args=[objection.pk]), {"response": "再答复一次"})
    assert response.status_code == 400 and "当前状态为“已答复”，不能答复公示意见" in page(response)


def test_only_the_districts_staff_may_answer(commented, world):
    _, objection, _ = commented
    url = reverse("review:comment_respond", args=[objection.pk])
    data = {"response": "越权答复", "accept": "on"}
    assert signed_in(world.reviewers[next(iter(world.reviewers))]).post(url, data).status_code == 403
    assert signed_in(world.entity).post(url, data).status_code == 403
    assert signed_in(user(Role.STAFF, district_code="110102")).post(url, data).status_code == 404
    objection.refresh_from_db()
    assert objection.outcome == CommentOutcome.PENDING and objection.response == ""


def _revise_after_accepted_objection(world, publicity, objection):
    """Accept the objection, then the entity resubmits and staff clear the request it raised."""
    services.respond_to_comment(objection, actor=world.staff, response="予以采纳", accept=True)
    plan = publicity.plan
    plan.refresh_from_db()
    plan = services.submit(plan, actor=world.entity, note="按公示异议修改")
    for item in plan.revision_requests.filter(status=RequestStatus.OPEN):
        services.mark_request(item, actor=world.staff, resolved=True)
    return plan


def test_objection_to_a_superseded_notice_cannot_send_the_plan_back(commented, world):
    """After a withdrawn notice the plan is reviewed and published again; a still-pending objection to
    the old notice may be answered, but accepting it must not pull the plan out of the new notice."""
    publicity, objection, _ = commented
    other_objection = services.submit_comment(
        publicity, kind=CommentKind.OBJECTION, text="反对拆除车棚", contact="13700001111"
    )
    plan = _revise_after_accepted_objection(world, publicity, objection)
    plan = services.start_joint_review(plan, actor=world.staff, all_departments=True)
    for review in DepartmentReview.objects.filter(review_round__plan=plan, decision=Decision.PENDING):
        services.record_decision(review, actor=world.reviewer_of(review), decision=Decision.AGREE, text="")
    plan.refresh_from_db()
    plan = services.publish(services.issue_opinion(plan, actor=world.staff), actor=world.staff)
    current = plan.publicities.order_by("-pk").first()
    assert current.pk != publicity.pk and current.state == PublicityState.OPEN
    html = page(signed_in(world.staff).get(reverse("review:publicity_comments", args=[publicity.pk])))
    assert f'id="accept-{other_objection.pk}"' not in html  # the page offers no such checkbox
    with pytest.raises(TransitionRefused):
        services.respond_to_comment(other_objection, actor=world.staff, response="一并采纳", accept=True)
    plan.refresh_from_db()
    current.refresh_from_db()
    assert plan.state == PlanState.PUBLICITY and current.state == PublicityState.OPEN


# --- closing windows ------------------------------------------------------------------------------


def test_notice_cannot_be_closed_early(publicity):
    assert services.close_expired_publicities(now=publicity.ends_at - datetime.timedelta(seconds=1)) == 0
    assert services.close_expired_publicities(now=publicity.ends_at) == 0
    publicity.refresh_from_db()
    publicity.plan.refresh_from_db()
    assert publicity.state == PublicityState.OPEN and publicity.plan.state == PlanState.PUBLICITY


def test_celery_task_closes_expired_windows_and_is_scheduled(publicity, world, monkeypatch):
    still_open = world.publicity(world.implementation_project(name="五道口片区更新"))
    open_now(still_open)
    move_window(
        publicity,
        starts_at=timezone.now() - datetime.timedelta(days=30),
        ends_at=timezone.now() - datetime.timedelta(minutes=1),
    )
    review_tasks.close_expired_publicities.delay()
    publicity.refresh_from_db()
    still_open.refresh_from_db()
    publicity.plan.refresh_from_db()
    assert publicity.state == PublicityState.CLOSED and publicity.plan.state == PlanState.APPROVED
    assert still_open.state == PublicityState.OPEN
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert "review.tasks.close_expired_publicities" in scheduled
    assert review_tasks.close_expired_publicities.name == "review.tasks.close_expired_publicities"
