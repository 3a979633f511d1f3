"""Generated permission tests: every URL of the portal × every role (NetBox-style).

Each page view declares `allowed_roles` (RoleRequiredMixin). For every URL pattern in the resolver:
allowed roles get the page (200, or 405 for a POST-only action), other roles get 403, anonymous users
are sent to the login page, and a user of another district gets 404 for every object URL. A new URL
without a sample object here makes the test fail, so nothing is left unchecked.
"""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.views import APIView

from dashboard.models import InvestmentTarget
from projects import services as intake
from projects.models import Category, ImportBatch, IntakeOpinion, SubType
from renewal.attachments import attach
from renewal.choices import DepartmentCode, Role
from review import services as review
from review.choices import CommentKind, Decision
from review.models import DepartmentReview, PreReviewComment
from tests.factories import user
from tests.review.helpers import PDF, World

pytestmark = pytest.mark.django_db

REVIEWER_DEPARTMENT = DepartmentCode.DEVELOPMENT_REFORM  # always routed (第十二条（六）)

# Who may use each page (DOMAIN.md §1), written out so that widening a view is a deliberate change here.
# S staff · R reviewer · E entity · L leadership · A auditor · D administrator · V supervision (督查)
EXPECTED_ROLES = {
    "attachment_download": "SRELAD",
    "audit_list": "SAD",
    "audit_export": "SAD",
    "calendar": "SRELADV",
    "dashboard:index": "SLAD",
    "dashboard:target_edit": "SD",
    "dashboard:targets": "SD",
    "deadline_list": "SRELADV",
    "home": "SRELADV",
    "inbox": "SRELADV",
    "job_detail": "SRELADV",
    "job_download": "SRELADV",
    "job_list": "SRELADV",
    "projects:admission_notice": "SRELAD",
    "projects:attachment_upload": "E",
    "projects:catalogue": "SD",
    "projects:city_plan": "S",
    "projects:coordination": "E",
    "projects:import_commit": "SD",
    "projects:import_preview": "SD",
    "projects:import_upload": "SD",
    "projects:intake_inbox": "SRED",
    "projects:opinion": "R",
    "projects:project_action": "SRED",
    "projects:project_create": "E",
    "projects:project_detail": "SRELAD",
    "projects:project_edit": "E",
    "projects:project_export": "SRELAD",
    "projects:project_list": "SRELAD",
    "permits:line_action": "SED",
    "permits:list": "SRELAD",
    "permits:missing": "SRLAD",
    "permits:month": "SRELAD",
    "permits:works": "SRELAD",
    "permits:works_action": "SED",
    "review:change_departments": "SD",
    "review:comment_respond": "SD",
    "review:comment_moderate": "SD",
    "review:moderation": "SD",
    "review:confirm_change": "SD",
    "review:department_review": "SRLAD",
    "review:expert_review": "SD",
    "review:history": "SRELAD",
    "review:joint_round": "SRELAD",
    "review:opinion_print": "SRELAD",
    "review:plan_action": "SED",
    "review:plan_detail": "SRELAD",
    "review:plan_edit": "E",
    "review:plan_start": "E",
    "review:plan_upload": "E",
    "review:plan_versions": "SRELAD",
    "review:pre_review_comment": "R",
    "review:publicity_comments": "SRELADV",
    "review:request_mark": "SD",
    "review:review_inbox": "SRED",
    "reports:downloads": "SAD",
    "reports:downloads_export": "SAD",
    "reports:start": "SRELAD",
    "reports:workspace": "SAD",
    "supervision:assign": "DV",
    "supervision:board": "DV",
    "supervision:export": "SLADV",
    "supervision:import_commit": "DV",
    "supervision:import_preview": "DV",
    "supervision:import_upload": "DV",
    "supervision:leaders": "SLADV",
    "supervision:list_create": "DV",
    "supervision:list_detail": "SLADV",
    "supervision:list_request": "DV",
    "supervision:my_tasks": "SRED",
    "supervision:progress": "SREDV",
    "supervision:task_action": "SREDV",
    "supervision:task_create": "DV",
    "supervision:task_detail": "SRELADV",
}
LETTER = {
    "S": Role.STAFF,
    "R": Role.REVIEWER,
    "E": Role.ENTITY,
    "L": Role.LEADERSHIP,
    "A": Role.AUDITOR,
    "D": Role.ADMINISTRATOR,
    "V": Role.SUPERVISION,
}
PUBLIC_URLS = {
    "login",
    "logout",
    "publicity:list",
    "publicity:detail",
    "publicity:comment",
    "publicity:received",
    "publicity:receipt",
}


def walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = pattern.namespace
            yield from walk(
                pattern.url_patterns, f"{namespace}:{inner}" if namespace and inner else inner or namespace
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern


def page_views():
    """(url name, view class) of every role-gated HTML page."""
    found = {}
    for name, pattern in walk(get_resolver().url_patterns):
        view = getattr(pattern.callback, "view_class", None)
        if view is not None and hasattr(view, "allowed_roles") and not issubclass(view, APIView):
            found[name] = view
    return found


class Sample:
    """One object of every kind in 海淀区, owned by the entity and routed to the reviewer's department."""

    def __init__(self):
        self.world = w = World()
        self.users = {
            Role.STAFF: w.staff,
            Role.ENTITY: w.entity,
            Role.REVIEWER: w.reviewers[REVIEWER_DEPARTMENT],
            Role.LEADERSHIP: user(Role.LEADERSHIP),
            Role.AUDITOR: user(Role.AUDITOR),
            Role.ADMINISTRATOR: user(Role.ADMINISTRATOR, district_code=None),
            Role.SUPERVISION: user(Role.SUPERVISION),
        }
        self.outsider = user(Role.STAFF, district_code="110102")
        # Outsiders of each acting role, all in 西城区: every 海淀 object is out of their scope.
        self.outsiders = {
            Role.STAFF: self.outsider,
            Role.ENTITY: user(Role.ENTITY, district_code="110102"),
            Role.REVIEWER: user(Role.REVIEWER, district_code="110102"),
            Role.SUPERVISION: user(Role.SUPERVISION, district_code="110102"),
        }
        residential = Category.objects.get(code="residential")
        project = intake.create_draft(
            actor=w.entity,
            data={
                "name": "权限测试项目",
                "category": residential,
                "sub_type": SubType.objects.get(category=residential, name="老旧小区综合整治"),
                "location": "海淀区",
                "renewal_goal": "测试",
                "total_investment": Decimal("100"),
            },
        )
        attachment = attach(project, SimpleUploadedFile("材料.pdf", PDF), kind="申报材料", actor=w.entity)
        attach(project, SimpleUploadedFile("资金匡算.pdf", PDF), kind="资金匡算", actor=w.entity)
        intake.submit(project, actor=w.entity)
        intake.route(project, actor=w.staff, departments=[w.departments[REVIEWER_DEPARTMENT]])
        opinion = IntakeOpinion.objects.get(project=project)
        admitted = w.implementation_project(name="已入库项目")
        batch = ImportBatch.objects.create(
            file=SimpleUploadedFile("清单.xlsx", b"x"), original_name="清单.xlsx", uploaded_by=w.staff
        )

        # A plan through to publicity, with a public comment.
        published = w.submitted_plan(project=w.implementation_project(name="公示项目"))
        published = review.start_joint_review(published, actor=w.staff)
        for item in DepartmentReview.objects.filter(review_round__plan=published):
            review.record_decision(item, actor=w.reviewer_of(item), decision=Decision.AGREE, text="")
        published = review.issue_opinion(published, actor=w.staff)
        published = review.publish(published, actor=w.staff)
        publicity = published.publicities.get()
        comment = review.submit_comment(
            publicity,
            kind=CommentKind.SUGGESTION,
            text="建议增加绿化",
            contact="010-62345678",
            now=publicity.starts_at,
        )
        # A plan in joint review, and one in pre-review with a revision request from an earlier version.
        reviewing = review.start_joint_review(
            w.submitted_plan(project=w.implementation_project(name="会签项目")), actor=w.staff
        )
        department_review = DepartmentReview.objects.get(
            review_round__plan=reviewing, department=w.departments[REVIEWER_DEPARTMENT]
        )
        revising = review.return_for_revision(
            w.submitted_plan(project=w.implementation_project(name="修改项目")),
            actor=w.staff,
            items=["补充图纸"],
        )
        pre = w.submitted_plan(project=w.implementation_project(name="预审项目"))
        pre = review.return_for_revision(pre, actor=w.staff, items=["补充交通组织方案"])
        pre = review.submit(pre, actor=w.entity)
        pre = review.request_pre_review(pre, actor=w.staff, departments=[w.departments[REVIEWER_DEPARTMENT]])
        target = InvestmentTarget.objects.create(
            year=2026, district=w.staff.district, amount=Decimal("69"), source_document="权限测试"
        )
        # A supervision task of 海淀 whose units are the reviewer's department and the entity (issue 15).
        from tests.supervision.helpers import sample_supervision

        supervision_task, supervision_import = sample_supervision(
            w, units=[w.departments[REVIEWER_DEPARTMENT], w.entity.organization]
        )
        # A project at 行政许可办理 with its checklist and one month's investment report (issue 11).
        from tests.permits.helpers import sample_permits

        permits_project, permit_line, investment_month = sample_permits(w)
        # A background job is private to whoever started it: each role opens its own (done) job.
        jobs = {role: _done_job(account) for role, account in self.users.items()}
        own = {role: {"pk": job.pk} for role, job in jobs.items()}
        self.own = {"job_detail": own, "job_download": own}
        self.kwargs = {
            "job_detail": {"pk": jobs[Role.STAFF].pk},
            "job_download": {"pk": jobs[Role.STAFF].pk},
            "attachment_download": {"pk": attachment.pk},
            "dashboard:target_edit": {"pk": target.pk},
            "supervision:assign": {"pk": supervision_task.pk},
            "supervision:import_commit": {"pk": supervision_import.pk},
            "supervision:import_preview": {"pk": supervision_import.pk},
            "supervision:list_detail": {"pk": supervision_task.supervision_list_id},
            "supervision:list_request": {"pk": supervision_task.supervision_list_id},
            "supervision:progress": {"pk": supervision_task.pk},
            "supervision:task_action": {"pk": supervision_task.pk, "action": "complete"},
            "supervision:task_detail": {"pk": supervision_task.pk},
            "supervision:task_create": {"pk": supervision_task.supervision_list_id},
            "projects:project_detail": {"pk": project.pk},
            "permits:works": {"pk": permits_project.pk},
            "permits:works_action": {"pk": permits_project.pk, "action": "start_works"},
            "permits:line_action": {"pk": permit_line.pk, "action": "confirm"},
            "permits:month": {"pk": investment_month.pk},
            "projects:project_edit": {"pk": project.pk},
            "projects:attachment_upload": {"pk": project.pk},
            "projects:project_action": {"pk": project.pk, "action": "admit"},
            "projects:admission_notice": {"pk": admitted.pk},
            "projects:coordination": {"pk": project.pk},
            "projects:catalogue": {"pk": project.pk},
            "projects:opinion": {"pk": opinion.pk},
            "projects:import_preview": {"pk": batch.pk},
            "projects:import_commit": {"pk": batch.pk},
            "review:plan_start": {"pk": admitted.pk},
            "review:plan_detail": {"pk": published.pk},
            "review:plan_edit": {"pk": revising.pk},
            "review:plan_action": {"pk": pre.pk, "action": "start_joint_review"},
            "review:plan_upload": {"pk": revising.pk},
            "review:plan_versions": {"pk": pre.pk},
            "review:expert_review": {"pk": pre.pk},
            "review:request_mark": {"pk": pre.revision_requests.get().pk},
            "review:pre_review_comment": {"pk": PreReviewComment.objects.get(plan=pre).pk},
            "review:department_review": {"pk": department_review.pk},
            "review:confirm_change": {"pk": department_review.pk},
            "review:change_departments": {"pk": reviewing.pk},
            "review:joint_round": {"pk": reviewing.pk},
            "review:opinion_print": {"pk": published.pk},
            "review:history": {"pk": published.project_id},
            "review:publicity_comments": {"pk": publicity.pk},
            "review:comment_respond": {"pk": comment.pk},
            "review:comment_moderate": {"pk": comment.pk, "action": "publish"},
        }


def _done_job(account):
    from django.core.files.base import ContentFile

    from renewal.models import Job

    job = Job.objects.create(kind="test.sample", label="权限测试任务", created_by=account, status="done")
    job.result.save("sample.csv", ContentFile(b"a,b\n"), save=False)
    job.result_name = "结果.csv"
    job.save()
    return job


@pytest.fixture
def sample():
    return Sample()


def test_every_page_answers_each_role_as_declared(client, sample):
    views = page_views()
    declared = {name: {LETTER[c] for c in EXPECTED_ROLES.get(name, "")} for name in views}
    wrong = {
        name: sorted(view.allowed_roles)
        for name, view in views.items()
        if set(view.allowed_roles) != declared[name]
    }
    assert not wrong, f"views whose roles differ from the matrix in this test: {wrong}"
    missing = [name for name in views if "<" in _route(name) and name not in sample.kwargs]
    assert not missing, f"URLs without a sample object in this test: {missing}"
    problems = []
    for name, view in sorted(views.items()):
        url = reverse(name, kwargs=sample.kwargs.get(name, {}))
        post_only = "get" not in view.http_method_names or not hasattr(view, "get")
        for role, account in sample.users.items():
            client.force_login(account)
            own = sample.own.get(name, {}).get(role)
            status = client.get(reverse(name, kwargs=own) if own else url).status_code
            allowed = role in view.allowed_roles
            expected = ({405} if post_only else {200}) if allowed else {403}
            if status not in expected:
                problems.append(f"{name} as {role}: {status}, expected {sorted(expected)}")
        client.logout()
        anonymous = client.get(url)
        if anonymous.status_code != 302 or "/accounts/login/" not in anonymous["Location"]:
            problems.append(f"{name} anonymous: {anonymous.status_code}, expected a redirect to login")
        if name in sample.kwargs:
            # An allowed role from another district: the object is simply not there (GET or POST).
            role = next(
                r
                for r in (Role.STAFF, Role.ENTITY, Role.REVIEWER, Role.SUPERVISION)
                if r in view.allowed_roles
            )
            client.force_login(sample.outsiders[role])
            status = (client.post(url) if post_only else client.get(url)).status_code
            if status != 404:
                problems.append(f"{name} as 西城 {role}: {status}, expected 404 (outside scope)")
            client.logout()
    assert not problems, "\n".join(problems)


def _route(name):
    for candidate, pattern in walk(get_resolver().url_patterns):
        if candidate == name:
            return str(pattern.pattern)
    return ""


def test_public_pages_need_no_login(client, sample):
    publicity = sample.kwargs["review:publicity_comments"]["pk"]
    for url in (
        reverse("publicity:list"),
        reverse("publicity:detail", kwargs={"pk": publicity}),
        reverse("publicity:receipt"),
        reverse("login"),
        "/api/v1/public-notices/",
    ):
        assert client.get(url).status_code == 200, url


API_LISTS = [
    "/api/v1/deadlines/",
    "/api/v1/audit-events/",
    "/api/v1/jobs/",
    "/api/v1/projects/",
    "/api/v1/plans/",
    "/api/v1/plan-versions/",
    "/api/v1/reviews/",
    "/api/v1/pre-review-comments/",
    "/api/v1/revision-requests/",
    "/api/v1/publicity-comments/",
    "/api/v1/intake-opinions/",
    "/api/v1/me/",
    "/api/v1/dashboard/",
    "/api/v1/supervision-lists/",
    "/api/v1/supervision-tasks/",
    "/api/v1/supervision-entries/",
    "/api/v1/project-works/",
    "/api/v1/permit-lines/",
    "/api/v1/investment-months/",
    "/api/v1/investment-reports/",
]
PUBLIC_API_LISTS = ["/api/v1/public-notices/"]


def test_every_signed_in_api_collection_is_checked():
    """A new collection cannot be added without its permission test: the list above covers every router."""
    from django.urls import get_resolver

    collections = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, route)
            elif (pattern.name or "").endswith("-list") and route.startswith("api/v1/"):
                collections.add("/" + route.rstrip("$").replace("^", ""))

    walk(get_resolver().url_patterns)
    missing = {c for c in collections if "(?P" not in c} - set(API_LISTS) - set(PUBLIC_API_LISTS)
    assert not missing, f"API collections without a permission test: {sorted(missing)}"


def test_every_api_list_answers_each_role(client, sample):
    from django.urls import resolve

    problems = []
    for url in API_LISTS:
        view = resolve(url).func.cls
        for role, account in sample.users.items():
            client.force_login(account)
            status = client.get(url).status_code
            expected = 200 if role in getattr(view, "allowed_roles", tuple(Role)) else 403
            if status != expected:
                problems.append(f"{url} as {role}: {status}, expected {expected}")
        client.logout()
        if client.get(url).status_code not in (401, 403):
            problems.append(f"{url} anonymous: not refused")
    assert not problems, "\n".join(problems)


def test_api_details_outside_the_district_are_404(client, sample):
    client.force_login(sample.outsider)
    plan = sample.kwargs["review:plan_detail"]["pk"]
    project = sample.kwargs["projects:project_detail"]["pk"]
    review_pk = sample.kwargs["review:department_review"]["pk"]
    for url in (f"/api/v1/projects/{project}/", f"/api/v1/plans/{plan}/", f"/api/v1/reviews/{review_pk}/"):
        assert client.get(url).status_code == 404, url
