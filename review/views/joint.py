"""Joint review pages (会签): the inbox, a department's opinion form, the staff's round page, the printable
联合审查意见 and the printable opinion history (签核历程). Every change goes through review.services; the
buttons come from the workflow tables (review.workflows), and a department reads no other department's
opinion text on any of these pages."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from projects.models import Project
from projects.services import housing_commission
from renewal.attachments import validate_upload
from renewal.choices import DeadlineState, Role
from renewal.models import Attachment, AuditEvent, Deadline, Organization
from renewal.permissions import get_visible_or_404
from renewal.selectors import DeadlineRow, deadlines_with_lights
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused
from review import services
from review.choices import (
    DEADLINE_DEPARTMENT_REVIEW,
    DEADLINE_LAND_ALL,
    DEADLINE_LAND_FIRST_PHASE,
    Decision,
    PlanFact,
    PlanState,
)
from review.models import (
    DepartmentReview,
    ImplementationPlan,
    PlanVersion,
    PreReviewComment,
    ReviewRound,
)
from review.selectors import (
    ROUND_OUTCOMES,
    carried_over_origins,
    project_history,
    reads_opinion_of,
    round_start_changes,
)
from review.services.common import askable_departments_q
from review.views.moderation import moderation_counts
from review.views.plans import STAFF_ROLES, plan_queryset, refuse_unless_permitted
from review.workflows import DEPARTMENT_REVIEW, PLAN, is_plan_staff, offered

ALL_ROLES = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR)
# A department's working page is internal to the government side; entities read opinions in the history.
DEPARTMENT_PAGE_ROLES = (Role.STAFF, Role.REVIEWER, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR)
STAFF_INBOX_STATES = (
    PlanState.PRE_REVIEW,
    PlanState.JOINT_REVIEW,
    PlanState.PASSED,
    PlanState.OPINION_ISSUED,
    PlanState.PUBLICITY,
)


def fact_labels(facts) -> list[str]:
    labels = dict(PlanFact.choices)
    return [labels.get(code, code) for code in facts]


# --- forms ----------------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by content and size like every other upload."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in files if item]
        errors = []
        for upload in cleaned:
            try:
                validate_upload(upload)
            except ValidationError as error:
                errors.extend(error.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class DepartmentDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="审查意见",
        choices=[
            (Decision.AGREE, Decision.AGREE.label),
            (Decision.AGREE_AFTER_CHANGE, Decision.AGREE_AFTER_CHANGE.label),
            (Decision.DISAGREE, Decision.DISAGREE.label),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择“同意”“修改后同意”或“不同意”。"},
    )
    # Whether the text is required is the service's rule; its message is shown next to this field.
    text = forms.CharField(
        label="意见内容",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="选择“修改后同意”或“不同意”时须写明意见内容（修改要求或不同意的理由）。",
    )
    attachments = MultipleFileField(label="意见附件（可选）", required=False)


# Fields named in TransitionRefused.missing by services.record_decision.
DECISION_FIELDS = {"意见": "decision", "意见内容": "text", "意见附件": "attachments"}


# --- the inbox --------------------------------------------------------------------------------------


@dataclass
class ReviewRow:
    review: DepartmentReview
    deadline: DeadlineRow | None


@dataclass
class PlanRow:
    plan: ImplementationPlan
    review_round: ReviewRound | None
    answered: int
    total: int
    awaiting_confirmation: int
    earliest: DeadlineRow | None


# What an inbox row shows of a plan and its project: the rows loaded every column of both (the project has
# some seventy, the plan its whole document) for a code, a name and a state (issue 16).
PLAN_ROW_FIELDS = ("state", "major_project", "current_version", "project__code", "project__name")


def pending_department_reviews(user):
    """The reviewer's department's unanswered opinions in current rounds, the earliest open clock first
    (ordered in the database, issue 16: a department at city scale had every row lit and sorted in Python)."""
    open_due = (
        Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(DepartmentReview),
            object_id=OuterRef("pk"),
            state=DeadlineState.OPEN,
            kind=DEADLINE_DEPARTMENT_REVIEW,
        )
        .order_by("due_date")
        .values("due_date")[:1]
    )
    return (
        DepartmentReview.objects.visible_to(user)
        .filter(
            is_active=True,
            decision=Decision.PENDING,
            review_round__plan__state=PlanState.JOINT_REVIEW,
        )
        .filter(
            ~Exists(
                ReviewRound.objects.filter(
                    plan_id=OuterRef("review_round__plan_id"), number__gt=OuterRef("review_round__number")
                )
            )
        )
        .annotate(open_due=Subquery(open_due))
        .order_by(F("open_due").asc(nulls_last=True), "pk")
    )


def page_of_keys(ordered, number, page_size):
    """A page of `ordered`'s primary keys, read in one query: the count and the page both come from it. A
    department's list (about 1,000 pending reviews on the benchmark) ran its joins twice, once for a COUNT
    (9 ms) and once to sort them for the page (12 ms; issue 16)."""
    return Paginator(list(ordered.values_list("pk", flat=True)), page_size).get_page(number)


def in_order(queryset, keys) -> list:
    """The rows of `keys`, in that order (one query, none for an empty page; the database need not sort)."""
    by_key = queryset.order_by().in_bulk(keys)
    return [by_key[key] for key in keys if key in by_key]


def department_review_rows(reviews) -> list[ReviewRow]:
    """One page of pending reviews, each with its earliest open department-review clock, lit."""
    reviews = list(reviews)
    by_review = {}
    if reviews:
        # One filter on the page's keys: the GenericRelation prefetch built a queryset per review (issue 16).
        open_clocks = Deadline.objects.filter(
            content_type=ContentType.objects.get_for_model(DepartmentReview),
            object_id__in=[review.pk for review in reviews],
            state=DeadlineState.OPEN,
            kind=DEADLINE_DEPARTMENT_REVIEW,
        )
        by_review = earliest_lit(open_clocks, lambda deadline: deadline.object_id)
    return [ReviewRow(r, by_review.get(r.pk)) for r in reviews]


def earliest_lit(open_deadlines, owner_of) -> dict:
    """Each owner's earliest open deadline (the first by due date, then key), lit: only the one a row shows
    is lit, and the calendar read reaches no further than the latest of them."""
    earliest = {}
    for deadline in open_deadlines.order_by("due_date", "pk"):
        owner = owner_of(deadline)
        if owner is not None and owner not in earliest:
            earliest[owner] = deadline
    return dict(zip(earliest, deadlines_with_lights(list(earliest.values())), strict=True))


def department_review_page(keys) -> list[DepartmentReview]:
    rows = DepartmentReview.objects.select_related("review_round__plan__project").only(
        "matters",
        "review_round__number",
        "review_round__version",
        "review_round__plan__project__code",
        "review_round__plan__project__name",
    )
    return in_order(rows, keys)


def pending_pre_review_comments(user):
    return PreReviewComment.objects.filter(
        department_id=user.organization_id,
        answered_at__isnull=True,
        plan__state=PlanState.PRE_REVIEW,
        version=F("plan__current_version"),
    ).order_by("requested_at", "pk")


def pre_review_comment_page(keys) -> list[PreReviewComment]:
    rows = PreReviewComment.objects.select_related("plan__project").only(
        "version", "requested_at", "plan__project__code", "plan__project__name"
    )
    return in_order(rows, keys)


def with_latest_round(plans):
    """The current round's key and number, read with the page (two index probes a row) instead of in a
    query of their own (issue 16)."""
    latest = ReviewRound.objects.filter(plan_id=OuterRef("pk")).order_by("-number")
    return plans.annotate(
        inbox_round_id=Subquery(latest.values("pk")[:1]),
        inbox_round_number=Subquery(latest.values("number")[:1]),
    )


def plan_rows(plans) -> list[PlanRow]:
    """Plans (read `with_latest_round`) with the current round's progress (n of m answered) and their
    earliest open clock, in a fixed number of queries."""
    plans = list(plans)
    reviews_of_round = {plan.inbox_round_id: [] for plan in plans if plan.inbox_round_id is not None}
    if reviews_of_round:
        active = DepartmentReview.objects.filter(review_round_id__in=list(reviews_of_round), is_active=True)
        for review in active.only("review_round", "decision", "change_confirmed_at").order_by():
            reviews_of_round[review.review_round_id].append(review)
    plan_of_review, plan_of_project = {}, {}
    for plan in plans:
        plan_of_project[plan.project_id] = plan.pk
        for review in reviews_of_round.get(plan.inbox_round_id, ()):
            plan_of_review[review.pk] = plan.pk
    earliest: dict[int, DeadlineRow] = {}
    if plans:
        review_type = ContentType.objects.get_for_model(DepartmentReview)
        project_type = ContentType.objects.get_for_model(Project)
        open_deadlines = Deadline.objects.open().filter(
            Q(content_type=review_type, object_id__in=list(plan_of_review))
            | Q(content_type=project_type, object_id__in=list(plan_of_project))
        )

        def plan_of(deadline):
            owner = plan_of_review if deadline.content_type_id == review_type.pk else plan_of_project
            return owner.get(deadline.object_id)

        earliest = earliest_lit(open_deadlines, plan_of)
    rows = []
    for plan in plans:
        review_round = None
        if plan.inbox_round_id is not None:
            # The round as a row shows it (key, plan, number); any other field is read when asked for.
            review_round = ReviewRound.from_db(
                plan._state.db,
                ["id", "plan_id", "number"],
                [plan.inbox_round_id, plan.pk, plan.inbox_round_number],
            )
        reviews = reviews_of_round.get(plan.inbox_round_id, [])
        rows.append(
            PlanRow(
                plan=plan,
                review_round=review_round,
                answered=sum(r.decision != Decision.PENDING for r in reviews),
                total=len(reviews),
                awaiting_confirmation=sum(
                    r.decision == Decision.AGREE_AFTER_CHANGE and r.change_confirmed_at is None
                    for r in reviews
                ),
                earliest=earliest.get(plan.pk),
            )
        )
    return rows


class ReviewInboxView(RoleRequiredMixin, View):
    """Reviewers: opinions their department owes; staff: the district's plans in review; entities: theirs."""

    allowed_roles = (Role.STAFF, Role.REVIEWER, Role.ENTITY, Role.ADMINISTRATOR)
    page_size = 50

    def get(self, request):
        user = request.user
        role = user.effective_role
        context = {"role": role}
        if role == Role.REVIEWER:
            # Both lists paginate (issue 16): only the page shown is read and lit.
            reviews = page_of_keys(pending_department_reviews(user), request.GET.get("page"), self.page_size)
            comments = page_of_keys(
                pending_pre_review_comments(user), request.GET.get("pre_page"), self.page_size
            )
            context.update(
                department_page=reviews,
                department_rows=department_review_rows(department_review_page(reviews.object_list)),
                pre_review_page=comments,
                pre_review_comments=pre_review_comment_page(comments.object_list),
            )
            return render(request, "review/joint_inbox.html", context)
        context["moderation"] = moderation_counts(user)  # public comments waiting to be read (issue 9)
        plans = with_latest_round(
            ImplementationPlan.objects.visible_to(user).select_related("project").only(*PLAN_ROW_FIELDS)
        )
        states = list(PlanState) if role == Role.ENTITY else list(STAFF_INBOX_STATES)
        state = request.GET.get("state", "")
        plans = plans.filter(state=state) if state in states else plans.filter(state__in=states)
        page = Paginator(plans.order_by("-updated_at", "-pk"), self.page_size).get_page(
            request.GET.get("page")
        )
        context.update(
            page=page,
            rows=plan_rows(page.object_list),
            states=[(s.value, s.label) for s in states],
            state=state,
        )
        return render(request, "review/joint_inbox.html", context)


# --- a department's opinion ---------------------------------------------------------------------------


def review_queryset():
    return DepartmentReview.objects.select_related(
        "department",
        "decided_by",
        "change_confirmed_by",
        "review_round__plan__project__district",
        "review_round__plan__project__category",
        "review_round__plan__project__sub_type",
        "review_round__plan__project__implementing_entity",
        "review_round__plan__project__coordinating_entity",
    )


class DepartmentReviewView(RoleRequiredMixin, View):
    """The department's 会签 form: 同意 / 修改后同意 / 不同意 with text and attachments."""

    allowed_roles = DEPARTMENT_PAGE_ROLES

    def _review(self, request, pk) -> DepartmentReview:
        return get_visible_or_404(review_queryset(), request.user, pk=pk)

    def _render(self, request, review, form, status=200):
        user = request.user
        plan = review.review_round.plan
        version = PlanVersion.objects.filter(plan=plan, number=review.review_round.version).first()
        deadlines = deadlines_with_lights(
            review.deadlines.select_related("responsible_organization").order_by("-opened_at", "-pk")
        )
        others = list(
            DepartmentReview.objects.filter(review_round_id=review.review_round_id)
            .exclude(pk=review.pk)
            .select_related("department")
            .order_by("department__name")
        )
        for other in others:
            other.opinion_text = other.text if reads_opinion_of(user, other.department_id) else ""
        decide = offered(DEPARTMENT_REVIEW, user, review).get("decide")
        context = {
            "review": review,
            "plan": plan,
            "project": plan.project,
            "version": version,
            "version_facts": fact_labels(version.facts if version else plan.facts),
            "deadlines": deadlines,
            "others": others,
            "attachments": Attachment.objects.for_object(review).select_related("uploaded_by"),
            "decide": decide,
            "form": form if decide is not None and decide.allowed else None,
            "closed_reason": DEPARTMENT_REVIEW.refusal(review, "decide", user=user),
        }
        return render(request, "review/joint_department_review.html", context, status=status)

    def get(self, request, pk):
        review = self._review(request, pk)
        return self._render(request, review, DepartmentDecisionForm())

    def post(self, request, pk):
        review = self._review(request, pk)
        refuse_unless_permitted(DEPARTMENT_REVIEW, "decide", request.user, review)
        form = DepartmentDecisionForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, review, form, status=400)
        try:
            review = services.record_decision(
                review,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                text=form.cleaned_data["text"],
                attachments=form.cleaned_data["attachments"],
                request=request,
            )
        except TransitionRefused as refusal:
            fields = [DECISION_FIELDS[m] for m in refusal.missing if m in DECISION_FIELDS]
            if not fields:
                messages.error(request, refusal.message)
                return redirect("review:department_review", pk=pk)
            for field in fields:
                form.add_error(field, refusal.message)
            return self._render(request, self._review(request, pk), form, status=400)
        messages.success(
            request, f"{review.department.name}的审查意见已提交：{review.get_decision_display()}。"
        )
        return redirect("review:department_review", pk=pk)


class ConfirmChangeView(RoleRequiredMixin, View):
    """Staff confirm that the change a 修改后同意 asked for was made."""

    allowed_roles = STAFF_ROLES

    def post(self, request, pk):
        review = get_visible_or_404(
            DepartmentReview.objects.select_related("review_round__plan__project", "department"),
            request.user,
            pk=pk,
        )
        refuse_unless_permitted(DEPARTMENT_REVIEW, "confirm_change", request.user, review)
        try:
            services.confirm_change(
                review, actor=request.user, note=request.POST.get("note", ""), request=request
            )
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"已确认按{review.department.name}意见完成修改。")
        return redirect("review:joint_round", pk=review.review_round.plan_id)


class ChangeDepartmentsView(RoleRequiredMixin, View):
    """Staff add departments to the current round or remove one, each removal with its reason."""

    allowed_roles = STAFF_ROLES

    @staticmethod
    def _ids(values) -> list[int]:
        try:
            return sorted({int(v) for v in values if str(v).strip()})
        except ValueError as exc:
            raise TransitionRefused("部门选择有误，请重新选择。") from exc

    def post(self, request, pk):
        plan = get_visible_or_404(plan_queryset(), request.user, pk=pk)
        refuse_unless_permitted(PLAN, "add_departments", request.user, plan)
        added = removed = 0
        try:
            add_ids = self._ids(request.POST.getlist("add"))
            remove_ids = self._ids(request.POST.getlist("remove"))
            if not add_ids and not remove_ids:
                raise TransitionRefused("请选择要增加或移出的会签部门。")
            add = list(Organization.objects.filter(askable_departments_q(plan), pk__in=add_ids))
            if len(add) != len(add_ids):
                # Never a name of another district's organisation: only say the choice is not allowed.
                raise TransitionRefused("只能增加本区的行业主管部门。")
            current = plan.review_rounds.order_by("-number").first()
            reviews = list(
                current.department_reviews.filter(department_id__in=remove_ids)
                if current and remove_ids
                else []
            )
            if len(reviews) != len(remove_ids):
                raise TransitionRefused("只能移出本轮正在会签的部门。")
            if add:
                services.add_departments(plan, actor=request.user, departments=add, request=request)
                added = len(add)
            for review in reviews:
                services.remove_department(
                    review,
                    actor=request.user,
                    reason=request.POST.get(f"reason_{review.department_id}", ""),
                    request=request,
                )
                removed += 1
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            done = [f"增加 {added} 个部门" if added else "", f"移出 {removed} 个部门" if removed else ""]
            messages.success(request, "已调整会签部门：" + "，".join(d for d in done if d) + "。")
        return redirect("review:joint_round", pk=pk)


# --- the staff's round page -----------------------------------------------------------------------------


@dataclass
class RoundReviewRow:
    review: DepartmentReview
    origin_round: int
    deadline: DeadlineRow | None
    attachments: list
    text: str  # the opinion's text, empty for the officers of another department
    actions: dict  # the steps the viewer is offered on this review (confirm a change, remove it)


class JointRoundView(RoleRequiredMixin, View):
    """Every round of the plan with every department's opinion; staff adjust departments and confirm changes."""

    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        plan = get_visible_or_404(plan_queryset(), request.user, pk=pk)
        rounds = list(
            plan.review_rounds.order_by("number")
            .select_related("started_by")
            .prefetch_related(
                Prefetch(
                    "department_reviews",
                    queryset=DepartmentReview.objects.select_related(
                        "department", "decided_by", "change_confirmed_by"
                    ).prefetch_related(
                        Prefetch("deadlines", queryset=Deadline.objects.order_by("-opened_at", "-pk")),
                        Prefetch("attachments", queryset=Attachment.objects.select_related("superseded_by")),
                    ),
                )
            )
        )
        origins = carried_over_origins(rounds)
        # File names only of the reviews the user may open (a department sees its own files only).
        downloadable = set(
            DepartmentReview.objects.visible_to(request.user)
            .filter(review_round__plan=plan)
            .values_list("pk", flat=True)
        )
        changes = round_start_changes(
            rounds, AuditEvent.objects.for_object(plan).order_by("created_at", "pk")
        )
        all_deadlines = [
            d for r in rounds for review in r.department_reviews.all() for d in review.deadlines.all()
        ]
        light_of = {row.deadline.pk: row for row in deadlines_with_lights(all_deadlines)}
        current = rounds[-1] if rounds else None
        manage = offered(PLAN, request.user, plan).get("add_departments")
        manage = manage is not None and manage.allowed and current is not None
        round_rows = []
        for review_round in rounds:
            rows = []
            for review in review_round.department_reviews.all():
                deadlines = list(review.deadlines.all())
                open_rows = [d for d in deadlines if d.state == DeadlineState.OPEN]
                chosen = (open_rows or deadlines or [None])[0]
                rows.append(
                    RoundReviewRow(
                        review=review,
                        origin_round=origins.get(review.pk, review_round.number),
                        deadline=light_of.get(chosen.pk) if chosen else None,
                        attachments=[a for a in review.attachments.all() if not hasattr(a, "superseded_by")]
                        if review.pk in downloadable
                        else [],
                        text=review.text if reads_opinion_of(request.user, review.department_id) else "",
                        actions=offered(DEPARTMENT_REVIEW, request.user, review),
                    )
                )
            round_rows.append(
                {
                    "round": review_round,
                    "rows": rows,
                    "is_current": review_round is current,
                    "has_steps": any(r.actions for r in rows),
                    "outcome": ROUND_OUTCOMES.get(review_round.outcome, "审查中"),
                    "changes": changes.get(review_round.number, {}),
                    "answered": sum(
                        1 for r in rows if r.review.is_active and r.review.decision != Decision.PENDING
                    ),
                    "total": sum(1 for r in rows if r.review.is_active),
                }
            )
        addable = []
        if manage:
            active = {r.department_id for r in current.department_reviews.all() if r.is_active}
            addable = list(
                Organization.objects.filter(askable_departments_q(plan), is_active=True)
                .exclude(pk__in=active)
                .order_by(F("district_id").asc(nulls_last=True), "name")
            )
        context = {
            "plan": plan,
            "project": plan.project,
            "round_rows": list(reversed(round_rows)),
            "manage": manage,
            "addable": addable,
            "has_opinion": plan.opinions.exists(),
        }
        return render(request, "review/joint_round.html", context)


# --- printable documents --------------------------------------------------------------------------------


def plan_figures(content: dict) -> list[tuple[str, str]]:
    """The plan's own key figures for the opinion letter (issue 10 item 14), "—" where the plan has none."""
    basic, planning = content.get("basic_info") or {}, content.get("planning") or {}
    funding, land = content.get("funding") or {}, content.get("land") or {}
    positioning = (content.get("positioning") or {}).get("positioning")

    def amount(value, unit):
        return f"{value} {unit}" if value not in (None, "") else "—"

    return [
        ("更新功能定位", positioning or "—"),
        ("用地面积", amount(planning.get("land_area") or basic.get("land_area"), "平方米")),
        ("用地性质", planning.get("land_use") or "—"),
        ("现状建筑规模", amount(planning.get("building_scale_before"), "平方米")),
        ("规划建筑规模", amount(planning.get("building_scale"), "平方米")),
        ("规划建筑高度", amount(planning.get("building_height"), "米")),
        ("土地利用方式", land.get("method") or "—"),
        ("总投资", amount(funding.get("total"), "万元")),
        ("其中财政资金", amount(funding.get("fiscal"), "万元")),
    ]


def opinion_row(viewer, review, origin_round) -> dict:
    """A department's line in the printed opinion; its text only for those who may read it."""
    hidden = not reads_opinion_of(viewer, review.department_id)
    return {
        "review": review,
        "origin_round": origin_round,
        "text": "" if hidden else review.text,
        "hidden": hidden,
    }


class OpinionPrintView(RoleRequiredMixin, View):
    """The printable 联合审查意见 (联合审查办法 第十条), with the 第十八条 land-procedure limits."""

    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        plan = get_visible_or_404(plan_queryset(), request.user, pk=pk)
        opinion = (
            plan.opinions.select_related("district", "review_round", "issued_by").order_by("-pk").first()
        )
        if opinion is None:
            raise Http404("尚未出具联合审查意见。")
        rounds = list(
            plan.review_rounds.filter(number__lte=opinion.review_round.number)
            .order_by("number")
            .prefetch_related(
                Prefetch("department_reviews", queryset=DepartmentReview.objects.select_related("department"))
            )
        )
        origins = carried_over_origins(rounds)
        passing = next(r for r in rounds if r.pk == opinion.review_round_id)
        reviews = list(passing.department_reviews.all())
        land = {}
        for deadline in plan.project.deadlines.filter(
            kind__in=[DEADLINE_LAND_FIRST_PHASE, DEADLINE_LAND_ALL], start_date=opinion.issued_on
        ).order_by("pk"):
            land[deadline.kind] = deadline
        commission = housing_commission(opinion.district)
        # The letter is issued on the version the opinion names (issue 10 item 13: after a 修改后同意, the
        # corrected 报批稿), and prints that version's figures, not the intake's (item 14).
        version = PlanVersion.objects.filter(plan=plan, number=opinion.version or passing.version).first()
        context = {
            "plan": plan,
            "project": plan.project,
            "opinion": opinion,
            "version": version,
            "version_number": opinion.version or passing.version,
            "figures": plan_figures(version.content if version else {}),
            "uses_transition_policy": PlanFact.TRANSITION_POLICY
            in (version.facts if version else plan.facts),
            "staff_view": is_plan_staff(request.user, plan),
            "rows": [
                opinion_row(request.user, r, origins.get(r.pk, passing.number))
                for r in reviews
                if r.is_active
            ],
            "removed": [r for r in reviews if not r.is_active],
            "land_first_phase": land.get(DEADLINE_LAND_FIRST_PHASE),
            "land_all": land.get(DEADLINE_LAND_ALL),
            "issuer": commission.name if commission else f"{opinion.district.name}城市更新主管部门",
            "passing": passing,
        }
        return render(request, "review/opinion_print.html", context)


class HistoryView(RoleRequiredMixin, View):
    """签核历程: everything that happened to the project's plan, in time order, printable."""

    allowed_roles = ALL_ROLES

    def get(self, request, pk):
        project = get_visible_or_404(
            Project.objects.select_related("district", "implementing_entity", "coordinating_entity"),
            request.user,
            pk=pk,
        )
        plan = ImplementationPlan.objects.filter(project=project).first()
        if (
            plan is not None
            and not ImplementationPlan.objects.visible_to(request.user).filter(pk=plan.pk).exists()
        ):
            # A department the plan was never routed to reads the ledger, not the plan's review history.
            raise Http404("未找到该项目的签核历程，或您无权查看。")
        return render(
            request,
            "review/history.html",
            {"project": project, "plan": plan, "entries": project_history(project, request.user)},
        )
