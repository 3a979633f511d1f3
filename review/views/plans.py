"""Implementation-plan pages (DOMAIN.md §3 steps 5–8; Haidian guidance 三(三)(四)): the plan page with the
actions the user may take, the module form, deliverables, version comparison, and a department's
pre-review answer. Each POST validates its input and calls one service; refusals come back as messages
or as errors next to the fields. Which forms and buttons a user gets comes from the workflow tables
(review.workflows, `available_for`); the views restate no rule."""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.views import View

from projects.models import Project
from renewal import calendar as workdays
from renewal.choices import Role
from renewal.models import Attachment, Organization
from renewal.permissions import get_visible_or_404
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused
from review import services
from review.choices import DeliverableKind, PlanFact, RequestStatus
from review.facts import derived_facts
from review.forms import (
    DELIVERABLE_KINDS,
    CityApprovalForm,
    CorrectionForm,
    DeliverableForm,
    ExpertReviewForm,
    IssueOpinionForm,
    JointReviewForm,
    LandDeadlineForm,
    MarkRequestForm,
    PlanForm,
    PreReviewAnswerForm,
    PreReviewRequestForm,
    PublishForm,
    ReturnForRevisionForm,
    SubmitForm,
    TransitionApprovalForm,
    UnregisteredDeterminationForm,
)
from review.models import (
    DepartmentReview,
    ImplementationPlan,
    JointReviewOpinion,
    PlanVersion,
    PreReviewComment,
    Publicity,
    ReviewRound,
    RevisionRequest,
)
from review.modules import BY_CODE, MODULES, diff
from review.selectors import plan_events as plan_audit_events
from review.selectors import state_change
from review.services.common import askable_departments_q
from review.workflows import DEPARTMENT_REVIEW, PLAN, PRE_REVIEW, REVISION_REQUEST, offered

PLAN_ROLES = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR)
ACTING_ROLES = (Role.STAFF, Role.ENTITY, Role.ADMINISTRATOR)
STAFF_ROLES = (Role.STAFF, Role.ADMINISTRATOR)
DELIVERABLE_ORDER = {kind.value: index for index, kind in enumerate(DeliverableKind)}


class InvalidInput(Exception):
    """A form that did not validate; its errors become messages on the plan page."""

    def __init__(self, form):
        super().__init__("invalid form")
        self.messages = [error for errors in form.errors.values() for error in errors]


def plan_queryset():
    return ImplementationPlan.objects.select_related(
        "project__district",
        "project__category",
        "project__sub_type",
        "project__implementing_entity",
        "project__coordinating_entity",
    )


def get_plan(request, pk) -> ImplementationPlan:
    return get_visible_or_404(plan_queryset(), request.user, pk=pk)


def district_departments(plan):
    """The district's departments, then city-level ones (第十二条（八）)."""
    return Organization.objects.filter(askable_departments_q(plan), is_active=True).order_by(
        F("district_id").asc(nulls_last=True), "name"
    )


def show_value(spec, value):
    """A module value as a person reads it: 是/否 for a tick, 2026年9月20日 for a date (stored ISO)."""
    if spec.kind == "bool":
        return "是" if value else "否"
    if spec.kind == "date" and value:
        try:
            return workdays.chinese_date(datetime.date.fromisoformat(str(value)))
        except ValueError:
            return value
    return value


def module_rows(content: dict) -> list[dict]:
    """The filled modules of a plan content, field by field with units, in the guidance's order."""
    rows = []
    for module in MODULES:
        values = content.get(module.code) or {}
        if not values:
            continue
        fields = [
            {"label": spec.label, "value": show_value(spec, values[spec.name]), "unit": spec.unit}
            for spec in module.fields
            if spec.name in values and values[spec.name] not in (None, "")
        ]
        rows.append({"module": module, "fields": fields, "text": values.get("text", "")})
    return rows


def fact_rows(plan) -> list[dict]:
    derived = derived_facts(plan.content)
    labels = dict(PlanFact.choices)
    return [{"label": labels.get(fact, fact), "derived": fact in derived} for fact in plan.facts]


def plan_events(user, plan) -> list:
    """The plan's 办理记录 (its own and its parts' events), each with its state change in its own
    workflow's words (dates as 2026年3月4日)."""
    events = list(plan_audit_events(user, plan))
    for event in events:
        event.change = state_change(event)
    return events


def refuse_unless_permitted(workflow, action, user, obj) -> None:
    """403 for a user the table never lets take this step (no page offers it to them); whether the step
    may be taken now is the service's answer."""
    transition = workflow.get(action)
    if not transition.may_act(user, obj):
        raise PermissionDenied(transition.actor_refusal or f"您不能{transition.label}。")


def redirect_to_plan(plan_id, anchor=""):
    response = redirect("review:plan_detail", pk=plan_id)
    if anchor:
        response["Location"] += f"#{anchor}"
    return response


class PlanStartView(RoleRequiredMixin, View):
    """The entity starts the plan of its implementation-library project on the joint-review path."""

    allowed_roles = (Role.ENTITY,)

    def post(self, request, pk):
        project = get_visible_or_404(Project.objects.all(), request.user, pk=pk)
        try:
            plan = services.start_plan(project, actor=request.user, request=request)
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
            return redirect("projects:project_detail", pk=pk)
        messages.success(request, "已开始编制实施方案。请按需填写模块、上传成果文件后报送。")
        return redirect("review:plan_detail", pk=plan.pk)


class PlanDetailView(RoleRequiredMixin, View):
    """Everything about one plan on one page; every list is a single query, whatever its length."""

    allowed_roles = PLAN_ROLES

    def get(self, request, pk):
        user = request.user
        plan = get_plan(request, pk)
        actions = offered(PLAN, user, plan)

        attachments = sorted(
            Attachment.objects.visible_to(user)
            .for_object(plan)
            .select_related("uploaded_by", "superseded_by"),
            key=lambda a: (DELIVERABLE_ORDER.get(a.kind, 99), a.original_name, -a.version),
        )
        deliverable_kinds = {k.value for k in DELIVERABLE_KINDS}
        deliverables = [a for a in attachments if a.kind in deliverable_kinds]
        current = [a for a in deliverables if not hasattr(a, "superseded_by")]
        superseded = [a for a in deliverables if hasattr(a, "superseded_by")]
        expert_files = [a for a in attachments if a.kind == DeliverableKind.EXPERT_OPINION]

        versions = list(
            plan.versions.defer("content", "facts").select_related("submitted_by").order_by("-number")
        )
        requests = list(
            RevisionRequest.objects.visible_to(user)
            .filter(plan=plan)
            .select_related("raised_by", "resolved_by")
        )
        for item in requests:
            item.plan = plan
            item.steps = offered(REVISION_REQUEST, user, item)
        comments = list(
            PreReviewComment.objects.visible_to(user)
            .filter(plan=plan)
            .select_related("department", "answered_by")
            .order_by("-version", "department__name")
        )
        for comment in comments:
            comment.plan = plan
        rounds = list(ReviewRound.objects.visible_to(user).filter(plan=plan).order_by("-number"))
        reviews_by_round: dict[int, list] = {}
        for review_round in rounds:
            review_round.plan = plan
        round_of = {r.pk: r for r in rounds}
        for review in (
            DepartmentReview.objects.visible_to(user)
            .filter(review_round__plan=plan)
            .select_related("department")
            .order_by("department__name")
        ):
            review.review_round = round_of.get(review.review_round_id) or review.review_round
            review.actions = offered(DEPARTMENT_REVIEW, user, review)
            reviews_by_round.setdefault(review.review_round_id, []).append(review)
        routed = services.routed_departments(plan)

        my_comments = [c for c in comments if PRE_REVIEW.refusal(c, "answer", user=user) == ""]
        open_requests = [r for r in requests if r.status == RequestStatus.OPEN]
        departments = district_departments(plan)
        routed_ids = [org.pk for org, _ in routed]
        context = {
            "plan": plan,
            "project": plan.project,
            "actions": actions,
            "modules": module_rows(plan.content),
            "facts": fact_rows(plan),
            "routed": routed,
            "deliverables": current,
            "superseded": superseded,
            "expert_files": expert_files,
            "versions": versions,
            "requests": [(item, item.steps) for item in requests],
            # The column of marks is shown while some request may be marked now.
            "markable": any(step.allowed for item in requests for step in item.steps.values()),
            "comments": comments,
            "expert_reviews": list(plan.expert_reviews.select_related("recorded_by")),
            "rounds": [(r, reviews_by_round.get(r.pk, [])) for r in rounds],
            "opinions": list(JointReviewOpinion.objects.visible_to(user).filter(plan=plan)),
            "publicities": list(Publicity.objects.visible_to(user).filter(plan=plan)),
            "events": [] if user.effective_role == Role.REVIEWER else plan_events(user, plan),
            "my_comments": my_comments,
            "upload_form": DeliverableForm(plan=plan) if "upload" in actions else None,
            "submit_form": SubmitForm(open_requests=open_requests) if "submit" in actions else None,
            "pre_review_form": (
                PreReviewRequestForm(departments=departments, routed_ids=routed_ids)
                if "request_pre_review" in actions
                else None
            ),
            "return_form": ReturnForRevisionForm() if "return_for_revision" in actions else None,
            "expert_form": ExpertReviewForm() if "expert_review" in actions else None,
            "joint_form": (
                JointReviewForm(routed=routed, departments=departments)
                if "start_joint_review" in actions
                else None
            ),
            "city_form": CityApprovalForm() if _allowed(actions, "record_city_approval") else None,
            "correction_form": CorrectionForm() if "submit_correction" in actions else None,
            "unregistered_form": (
                UnregisteredDeterminationForm()
                if _allowed(actions, "record_unregistered_determination")
                else None
            ),
            "transition_form": (
                TransitionApprovalForm() if _allowed(actions, "record_transition_approval") else None
            ),
            "land_form": LandDeadlineForm() if "adjust_land_deadline" in actions else None,
            "opinion_form": IssueOpinionForm() if "issue_opinion" in actions else None,
            "publish_form": PublishForm() if "publish" in actions else None,
        }
        return render(request, "review/plan_detail.html", context)


def _allowed(actions, action) -> bool:
    row = actions.get(action)
    return row is not None and row.allowed


class PlanEditView(RoleRequiredMixin, View):
    """The module form: 11 collapsible modules, the facts that decide routing, the major-project flag."""

    allowed_roles = (Role.ENTITY,)

    def _editable(self, request, plan) -> bool:
        refusal = PLAN.refusal(plan, "save", user=request.user)
        if refusal:
            messages.error(request, refusal)
        return not refusal

    def _render(self, request, plan, form, status=200):
        return render(request, "review/plan_edit.html", {"plan": plan, "form": form}, status=status)

    def get(self, request, pk):
        plan = get_plan(request, pk)
        if not self._editable(request, plan):
            return redirect_to_plan(plan.pk)
        return self._render(request, plan, PlanForm(plan=plan, derived=derived_facts(plan.content)))

    def post(self, request, pk):
        plan = get_plan(request, pk)
        refuse_unless_permitted(PLAN, "save", request.user, plan)
        form = PlanForm(request.POST, plan=plan, derived=derived_facts(plan.content))
        if not form.is_valid():
            return self._render(request, plan, form, status=400)
        try:
            services.save_plan(
                plan,
                actor=request.user,
                modules=form.module_values(),
                facts=form.cleaned_data["facts"],
                major_project=form.cleaned_data["major_project"],
                request=request,
            )
        except TransitionRefused as refusal:
            if not form.add_service_errors(refusal.missing):
                messages.error(request, refusal.message)
                return redirect_to_plan(plan.pk)
            form.refusal = refusal.message
            return self._render(request, plan, form, status=400)
        messages.success(request, "实施方案已保存。")
        return redirect_to_plan(plan.pk)


class DeliverableUploadView(RoleRequiredMixin, View):
    """The entity uploads a deliverable (文本、附表、图纸、附件), or a new version of one."""

    allowed_roles = (Role.ENTITY,)

    def post(self, request, pk):
        plan = get_plan(request, pk)
        refuse_unless_permitted(PLAN, "upload", request.user, plan)
        form = DeliverableForm(request.POST, request.FILES, plan=plan)
        if not form.is_valid():
            for error in InvalidInput(form).messages:
                messages.error(request, error)
            return redirect_to_plan(plan.pk, "deliverables")
        try:
            attachment = services.upload_deliverable(
                plan,
                form.cleaned_data["file"],
                actor=request.user,
                kind=form.cleaned_data["kind"],
                replaces=form.cleaned_data["replaces"],
                request=request,
            )
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"已上传{attachment.kind}：{attachment}")
        return redirect_to_plan(plan.pk, "deliverables")


class PlanActionView(RoleRequiredMixin, View):
    """POST one plan transition; the service decides whether the user may (403) and whether it can now."""

    allowed_roles = ACTING_ROLES
    actions = (
        "submit",
        "request_pre_review",
        "return_for_revision",
        "start_joint_review",
        "record_city_approval",
        "set_major_project",
        "issue_opinion",
        "publish",
        "submit_correction",
        "record_unregistered_determination",
        "record_transition_approval",
        "adjust_land_deadline",
    )

    def submit_correction(self, request, plan):
        form = CorrectionForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(form)
        plan = services.submit_correction(
            plan, actor=request.user, note=form.cleaned_data["note"], request=request
        )
        return f"已报送修改后版本（第{plan.current_version}版，报批稿）。"

    def record_unregistered_determination(self, request, plan):
        form = UnregisteredDeterminationForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(form)
        services.record_unregistered_determination(
            plan, actor=request.user, request=request, **form.cleaned_data
        )
        return "已登记未登记建筑的调查认定及公示情况。"

    def record_transition_approval(self, request, plan):
        form = TransitionApprovalForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(form)
        services.record_transition_approval(plan, actor=request.user, request=request, **form.cleaned_data)
        return "已登记过渡期政策批准。"

    def adjust_land_deadline(self, request, plan):
        form = LandDeadlineForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(form)
        services.adjust_land_deadline(plan, actor=request.user, request=request, **form.cleaned_data)
        return "已登记用地手续期限的延长或例外。"

    def post(self, request, pk, action):
        if action not in self.actions:
            raise Http404("未知的操作。")
        plan = get_plan(request, pk)
        refuse_unless_permitted(PLAN, action, request.user, plan)
        try:
            done = getattr(self, action)(request, plan)
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
        except InvalidInput as invalid:
            for error in invalid.messages:
                messages.error(request, error)
        else:
            messages.success(request, done)
        return redirect_to_plan(plan.pk)

    def submit(self, request, plan):
        open_requests = plan.revision_requests.filter(status=RequestStatus.OPEN)
        form = SubmitForm(request.POST, open_requests=open_requests)
        if not form.is_valid():
            raise InvalidInput(form)
        plan = services.submit(
            plan,
            actor=request.user,
            note=form.cleaned_data["note"],
            responses=form.responses(),
            request=request,
        )
        return f"已报送实施方案（第{plan.current_version}版）。"

    def request_pre_review(self, request, plan):
        form = PreReviewRequestForm(request.POST, departments=district_departments(plan))
        if not form.is_valid():
            raise InvalidInput(form)
        departments = list(form.cleaned_data["departments"])
        services.request_pre_review(plan, actor=request.user, departments=departments, request=request)
        return f"已征求{'、'.join(d.name for d in departments)}的预审意见。"

    def return_for_revision(self, request, plan):
        form = ReturnForRevisionForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(form)
        items = form.item_list()
        services.return_for_revision(plan, actor=request.user, items=items, request=request)
        return f"已退回修改，共 {len(items)} 项修改要求。"

    def start_joint_review(self, request, plan):
        form = JointReviewForm(
            request.POST, routed=services.routed_departments(plan), departments=district_departments(plan)
        )
        if not form.is_valid():
            raise InvalidInput(form)
        services.start_joint_review(
            plan,
            actor=request.user,
            add=list(form.cleaned_data["add"]),
            remove=form.removals(),
            all_departments=form.cleaned_data["all_departments"],
            request=request,
        )
        return "已提请联合审查，各部门并联会签。"

    def record_city_approval(self, request, plan):
        form = CityApprovalForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(form)
        services.record_city_approval(
            plan,
            actor=request.user,
            reference=form.cleaned_data["reference"],
            approved_on=form.cleaned_data["approved_on"],
            request=request,
        )
        return "已登记市政府批准。"

    def set_major_project(self, request, plan):
        services.set_major_project(
            plan,
            actor=request.user,
            major=request.POST.get("major") == "on",
            reason=request.POST.get("reason", ""),
            request=request,
        )
        return "已更新重点项目认定。"

    def issue_opinion(self, request, plan):
        form = IssueOpinionForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(form)
        plan = services.issue_opinion(
            plan, actor=request.user, conclusion=form.cleaned_data["conclusion"], request=request
        )
        opinion = plan.opinions.order_by("-pk").first()
        return f"已出具联合审查意见（{opinion.number}）。"

    def publish(self, request, plan):
        form = PublishForm(request.POST)
        if not form.is_valid():
            raise InvalidInput(form)
        plan = services.publish(
            plan,
            actor=request.user,
            workdays_count=form.cleaned_data["workdays"],
            summary=form.cleaned_data["summary"],
            request=request,
        )
        publicity = plan.publicities.order_by("-pk").first()
        starts, ends = (
            format_date(timezone.localtime(t), "Y年n月j日") for t in (publicity.starts_at, publicity.ends_at)
        )
        return f"已发布公示：{starts}至{ends}，共 {publicity.workdays} 个工作日。"


class ExpertReviewView(RoleRequiredMixin, View):
    """Staff record an expert review (联合审查办法 第九条), optionally with the experts' written opinion."""

    allowed_roles = STAFF_ROLES

    def post(self, request, pk):
        plan = get_plan(request, pk)
        refuse_unless_permitted(PLAN, "expert_review", request.user, plan)
        form = ExpertReviewForm(request.POST, request.FILES)
        if not form.is_valid():
            for error in InvalidInput(form).messages:
                messages.error(request, error)
            return redirect_to_plan(plan.pk, "expert-reviews")
        data = form.cleaned_data
        try:
            services.record_expert_review(
                plan,
                actor=request.user,
                held_on=data["held_on"],
                experts=data["experts"],
                opinions=data["opinions"],
                adoption=data["adoption"],
                attachment=data["attachment"],
                request=request,
            )
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, "专家评审已登记。")
        return redirect_to_plan(plan.pk, "expert-reviews")


class RequestMarkView(RoleRequiredMixin, View):
    """On a new version, staff mark an earlier revision request resolved or still open."""

    allowed_roles = STAFF_ROLES

    def post(self, request, pk):
        item = get_visible_or_404(
            RevisionRequest.objects.select_related("plan__project"), request.user, pk=pk
        )
        refuse_unless_permitted(REVISION_REQUEST, "resolve", request.user, item)
        form = MarkRequestForm(request.POST)
        if not form.is_valid():
            for error in InvalidInput(form).messages:
                messages.error(request, error)
            return redirect_to_plan(item.plan_id, "requests")
        try:
            item = services.mark_request(
                item, actor=request.user, resolved=form.cleaned_data["resolved"], request=request
            )
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"修改要求“{item.text[:30]}”：{item.get_status_display()}。")
        return redirect_to_plan(item.plan_id, "requests")


def version_or_404(plan, raw):
    try:
        return plan.versions.select_related("submitted_by").get(number=int(raw))
    except (ValueError, TypeError, PlanVersion.DoesNotExist) as exc:
        raise Http404("没有该版本。") from exc


class PlanVersionsView(RoleRequiredMixin, View):
    """Two frozen versions side by side: changed fields, deliverables added or removed, and each earlier
    revision request as it stood at the later version."""

    allowed_roles = PLAN_ROLES

    def get(self, request, pk):
        plan = get_plan(request, pk)
        numbers = list(plan.versions.order_by("number").values_list("number", flat=True))
        context = {"plan": plan, "project": plan.project, "numbers": numbers}
        if not numbers:
            return render(request, "review/plan_versions.html", context)
        default_b = numbers[-1]
        default_a = numbers[-2] if len(numbers) > 1 else None
        b = version_or_404(plan, request.GET.get("b", default_b))
        a_raw = request.GET.get("a", default_a)
        a = version_or_404(plan, a_raw) if a_raw not in (None, "") else None
        if a is not None and a.number == b.number:
            a = None
        if a is not None and a.number > b.number:
            a, b = b, a
        changes = diff_rows(a.content if a else {}, b.content)
        before_ids, after_ids = set(a.attachment_ids if a else []), set(b.attachment_ids)
        files = {
            f.pk: f
            for f in Attachment.objects.visible_to(request.user)
            .for_object(plan)
            .filter(pk__in=before_ids ^ after_ids)
            .select_related("uploaded_by")
        }
        removed = [files[i] for i in sorted(before_ids - after_ids) if i in files]
        added = [files[i] for i in sorted(after_ids - before_ids) if i in files]
        replaced = {f.replaces_id for f in added if f.replaces_id}
        requests = [
            {
                "item": item,
                "resolved": item.resolved_on_version is not None and item.resolved_on_version <= b.number,
            }
            for item in RevisionRequest.objects.visible_to(request.user).filter(
                plan=plan, raised_on_version__lt=b.number
            )
        ]
        context.update(
            a=a,
            b=b,
            changes=changes,
            added=added,
            removed=removed,
            replaced=replaced,
            requests=requests,
        )
        return render(request, "review/plan_versions.html", context)


def diff_rows(before: dict, after: dict) -> list[dict]:
    """review.modules.diff with each value shown as on the plan page (是/否, units)."""
    rows = []
    for row in diff(before, after):
        module = BY_CODE[row["module_code"]]
        spec = next((s for s in module.fields if s.label == row["field"]), None)
        for side in ("before", "after"):
            value = row[side]
            if value in (None, ""):
                row[side] = ""
            elif spec is not None:
                row[side] = show_value(spec, value)
        row["unit"] = spec.unit if spec is not None else ""
        rows.append(row)
    return rows


class PreReviewCommentView(RoleRequiredMixin, View):
    """A department answers the pre-review comment it was asked for (联合审查办法 第八条)."""

    allowed_roles = (Role.REVIEWER,)

    def _comment(self, request, pk):
        return get_visible_or_404(
            PreReviewComment.objects.select_related("plan__project", "department", "answered_by"),
            request.user,
            pk=pk,
        )

    def _render(self, request, comment, form, status=200):
        plan = comment.plan
        version = plan.versions.filter(number=comment.version).first()
        actions = offered(PRE_REVIEW, request.user, comment)
        context = {
            "comment": comment,
            "plan": plan,
            "project": plan.project,
            "form": form,
            "answer": actions.get("answer"),
            "refusal": PRE_REVIEW.refusal(comment, "answer", user=request.user),
            "modules": module_rows(version.content if version else plan.content),
        }
        return render(request, "review/plan_pre_review.html", context, status=status)

    def get(self, request, pk):
        comment = self._comment(request, pk)
        return self._render(request, comment, PreReviewAnswerForm())

    def post(self, request, pk):
        comment = self._comment(request, pk)
        refuse_unless_permitted(PRE_REVIEW, "answer", request.user, comment)
        form = PreReviewAnswerForm(request.POST)
        if not form.is_valid():
            return self._render(request, comment, form, status=400)
        try:
            services.answer_pre_review(
                comment, actor=request.user, text=form.cleaned_data["text"], request=request
            )
        except TransitionRefused as refusal:
            if refusal.missing == ["意见"]:
                form.add_error("text", refusal.message)
                return self._render(request, comment, form, status=400)
            messages.error(request, refusal.message)
            return redirect("review:pre_review_comment", pk=comment.pk)
        messages.success(request, "预审意见已提交。")
        return redirect_to_plan(comment.plan_id)
