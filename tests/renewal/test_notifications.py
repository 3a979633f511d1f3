"""Notifications (issue 12): each from the committed step that causes it, in the inbox and by e-mail in
Chinese with a link; the inbox marks one or all read; the navbar shows the unread count."""

from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects import services as intake
from projects.choices import REQUIRED_INTAKE_MATERIALS, Opinion
from projects.models import Category, IntakeOpinion, SubType
from renewal import notifications
from renewal.attachments import attach
from renewal.choices import DepartmentCode, Role
from renewal.models import Notification
from review import services as review
from review.choices import CommentKind, Decision
from review.models import DepartmentReview
from tests.factories import PASSWORD, user
from tests.review.helpers import PDF, World

pytestmark = pytest.mark.django_db

DEPARTMENT = DepartmentCode.DEVELOPMENT_REFORM


@pytest.fixture
def world():
    return World()


def _application(w):
    residential = Category.objects.get(code="residential")
    project = intake.create_draft(
        actor=w.entity,
        data={
            "name": "通知测试小区",
            "category": residential,
            "sub_type": SubType.objects.get(category=residential, name="老旧小区综合整治"),
            "location": "海淀区",
            "renewal_goal": "测试",
            "total_investment": Decimal("100"),
        },
    )
    for kind in REQUIRED_INTAKE_MATERIALS:
        attach(project, SimpleUploadedFile(f"{kind}.pdf", PDF), kind=kind, actor=w.entity)
    return project


def test_supplement_request_tells_the_entity_in_the_inbox_and_by_email(
    world, django_capture_on_commit_callbacks
):
    project = _application(world)
    intake.submit(project, actor=world.entity)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        intake.request_supplement(project, actor=world.staff, items="缺少产权证明")
    note = Notification.objects.get(user=world.entity, verb="intake.request_supplement")
    assert "需补正材料" in note.text and "缺少产权证明" in note.text
    assert note.link == project.get_absolute_url() and note.read_at is None
    [message] = [m for m in mail.outbox if world.entity.email in m.to]
    assert "需补正材料" in message.subject and f"/projects/{project.pk}/" in message.body
    assert not Notification.objects.filter(user=world.staff, verb="intake.request_supplement").exists()


def test_email_can_be_turned_off(world, django_capture_on_commit_callbacks):
    notifications.set_email_preference(world.entity, False)
    project = _application(world)
    intake.submit(project, actor=world.entity)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        intake.request_supplement(project, actor=world.staff, items="缺少产权证明")
    assert Notification.objects.filter(user=world.entity).exists()
    assert not [m for m in mail.outbox if world.entity.email in m.to]


def test_staff_hear_of_arrivals_departments_of_routing_and_staff_of_a_disagreement(
    world, django_capture_on_commit_callbacks
):
    project = _application(world)
    with django_capture_on_commit_callbacks(execute=True):
        intake.submit(project, actor=world.entity)
    assert Notification.objects.filter(user=world.staff, verb="intake.submit").exists()
    department = world.departments[DEPARTMENT]
    with django_capture_on_commit_callbacks(execute=True):
        intake.route(project, actor=world.staff, departments=[department])
    reviewer = world.reviewers[DEPARTMENT]
    assert Notification.objects.filter(user=reviewer, verb="intake.route").count() == 1
    other = world.reviewers[DepartmentCode.FINANCE]
    assert not Notification.objects.filter(user=other).exists()
    opinion = IntakeOpinion.objects.get(project=project, department=department)
    with django_capture_on_commit_callbacks(execute=True):
        intake.record_opinion(opinion, actor=reviewer, decision=Opinion.DISAGREE, text="不符合规划")
    assert Notification.objects.filter(user=world.staff, verb="intake_opinion.decide").exists()


def test_admission_and_plan_steps_tell_the_entity_and_departments(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        plan = world.submitted_plan()
    verbs = set(Notification.objects.filter(user=world.entity).values_list("verb", flat=True))
    assert {"intake.admit", "intake.move_to_implementation"} <= verbs
    assert Notification.objects.filter(user=world.staff, verb="plan.submit").exists()
    with django_capture_on_commit_callbacks(execute=True):
        plan = review.start_joint_review(plan, actor=world.staff)
    routed = DepartmentReview.objects.filter(review_round__plan=plan).values_list("department_id", flat=True)
    told = set(
        Notification.objects.filter(verb="plan.start_joint_review").values_list(
            "user__organization", flat=True
        )
    )
    assert told == set(routed)
    item = DepartmentReview.objects.filter(review_round__plan=plan).first()
    with django_capture_on_commit_callbacks(execute=True):
        review.record_decision(item, actor=world.reviewer_of(item), decision=Decision.DISAGREE, text="不同意")
    assert Notification.objects.filter(user=world.staff, verb="department_review.decide").exists()


def test_a_commenter_with_an_address_is_emailed_when_the_answer_is_published(
    world, django_capture_on_commit_callbacks
):
    plan = review.start_joint_review(world.submitted_plan(), actor=world.staff)
    for item in DepartmentReview.objects.filter(review_round__plan=plan):
        review.record_decision(item, actor=world.reviewer_of(item), decision=Decision.AGREE, text="")
    plan = review.publish(review.issue_opinion(plan, actor=world.staff), actor=world.staff)
    publicity = plan.publicities.get()
    with django_capture_on_commit_callbacks(execute=True):
        comment = review.submit_comment(
            publicity,
            kind=CommentKind.SUGGESTION,
            text="建议增加绿化",
            contact="13800000000",
            notify_email="resident@example.com",
            now=publicity.starts_at,
        )
    assert Notification.objects.filter(user=world.staff, verb="publicity.comment").exists()
    comment = review.publish_comment(comment, actor=world.staff, text="建议增加绿化")
    comment = review.respond_to_comment(comment, actor=world.staff, response="已采纳，增加绿地。")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        review.publish_answer(comment, actor=world.staff, text="已采纳，增加绿地。")
    [message] = mail.outbox
    assert message.to == ["resident@example.com"]
    assert comment.receipt in message.subject and comment.receipt in message.body
    assert "已采纳，增加绿地。" in message.body and "13800000000" not in message.body


def test_inbox_lists_marks_read_and_the_navbar_counts(client, staff, django_assert_max_num_queries):
    rows = notifications.notify([staff] * 3, verb="test", text="测试通知", link="/deadlines/")
    assert len(rows) == 1  # one per distinct user
    for i in range(30):
        notifications.notify([staff], verb="test", text=f"第{i}条", link="/deadlines/")
    client.login(username=staff.username, password=PASSWORD)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("inbox"))
    body = page.content.decode()
    assert 'data-testid="unread-count">31<' in body
    assert body.count("data-notification=") == 20  # paginated
    first = Notification.objects.filter(user=staff).first()
    response = client.post(reverse("inbox"), {"action": "open", "notification": first.pk})
    assert response.status_code == 302 and response["Location"] == "/deadlines/"
    first.refresh_from_db()
    assert first.read_at is not None
    client.post(reverse("inbox"), {"action": "read_all"})
    assert not Notification.objects.filter(user=staff, read_at__isnull=True).exists()
    assert 'data-testid="unread-count"' not in client.get(reverse("home")).content.decode()
    assert client.post(reverse("inbox"), {"action": "bogus"}).status_code == 400


def test_a_notification_of_another_user_is_404(client, staff, make_user):
    [row] = notifications.notify([make_user(Role.STAFF)], verb="test", text="别人的通知")
    client.login(username=staff.username, password=PASSWORD)
    assert client.post(reverse("inbox"), {"action": "open", "notification": row.pk}).status_code == 404
    assert client.post(reverse("inbox"), {"action": "read", "notification": row.pk}).status_code == 404


def test_email_preference_from_the_inbox(client, staff):
    client.login(username=staff.username, password=PASSWORD)
    client.post(reverse("inbox"), {"action": "email"})  # switch unchecked: off
    assert notifications.email_enabled(staff) is False
    client.post(reverse("inbox"), {"action": "email", "email": "on"})
    assert notifications.email_enabled(staff) is True


def test_the_link_in_an_email_is_absolute(settings, staff, django_capture_on_commit_callbacks):
    settings.PORTAL_BASE_URL = "https://renewal.example.gov.cn"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify([staff], verb="test", text="测试", link="/deadlines/")
    assert "https://renewal.example.gov.cn/deadlines/" in mail.outbox[0].body
    assert user  # factories import kept for make_user fixtures


def test_the_demo_gives_every_user_an_unread_notification(django_capture_on_commit_callbacks):
    import io

    from renewal import demo

    with django_capture_on_commit_callbacks(execute=True):
        demo.load(io.StringIO())
    from renewal.models import User

    users = User.objects.filter(is_active=True).exclude(role="")
    assert users.exists()
    for account in users:
        assert Notification.objects.filter(user=account, read_at__isnull=True).exists(), account.username
    with django_capture_on_commit_callbacks(execute=True):
        demo.load(io.StringIO())  # re-run: no second welcome
    assert Notification.objects.filter(verb="demo.welcome").count() == users.count()
