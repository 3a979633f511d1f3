"""Bulk data for the benchmark: projects across districts and stages, deadlines and audit events, written
with bulk inserts (no services, no audit of the seeding itself). Deterministic for a given scale."""

import datetime
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

SCALES = {
    # projects, audit events, deadlines
    "quick": (2_000, 20_000, 8_000),
    "full": (50_000, 500_000, 200_000),
}
# implementation plans in joint review, published notices (about 45 % expired but not yet closed by the
# beat task, 35 % running, 20 % closed), plans in pre-review (seed_review)
REVIEW_SCALES = {
    "quick": (200, 40, 40),
    "full": (5_000, 1_000, 1_000),
}
PASSWORD = "Bench#2026-password"
NOT_IN_LIBRARY = {"submitted", "under_review", "supplement", "rejected", "withdrawn"}
BATCH = 5_000


def library_of(stage: str) -> str:
    if stage in NOT_IN_LIBRARY:
        return "none"
    if stage == "reserve":
        return "reserve"
    if stage == "exited":
        return "exited"
    return "implementation"


def seed(scale: str, stdout=print) -> dict:
    """Everything the pages read, at the scale asked; returns the usernames per role."""
    from dashboard.models import InvestmentTarget
    from projects.choices import Stage
    from projects.models import Project, SubType
    from renewal.choices import DepartmentCode, OrganizationKind, Role
    from renewal.models import AuditEvent, Deadline, District, Organization, User

    projects_n, events_n, deadlines_n = SCALES[scale]
    rng = random.Random(16)
    today = datetime.date.today()
    districts = list(District.objects.order_by("code"))
    with transaction.atomic():
        orgs = {}
        for d in districts:
            orgs[d.pk] = {
                "housing": Organization.objects.create(
                    name=f"{d.name}住房和城乡建设委员会", kind=OrganizationKind.HOUSING_COMMISSION, district=d
                ),
                "department": Organization.objects.create(
                    name=f"{d.name}发展改革委",
                    kind=OrganizationKind.DEPARTMENT,
                    district=d,
                    department_code=DepartmentCode.DEVELOPMENT_REFORM,
                ),
                # A second department, so that a joint review asks more than one (seed_review).
                "planning": Organization.objects.create(
                    name=f"{d.name}规划自然资源分局",
                    kind=OrganizationKind.DEPARTMENT,
                    district=d,
                    department_code=DepartmentCode.PLANNING,
                ),
                "leadership": Organization.objects.create(
                    name=f"{d.name}人民政府", kind=OrganizationKind.LEADERSHIP, district=d
                ),
                "audit": Organization.objects.create(
                    name=f"{d.name}审计局", kind=OrganizationKind.AUDIT, district=d
                ),
                "entities": Organization.objects.bulk_create(
                    Organization(name=f"{d.name}实施主体{i}", kind=OrganizationKind.ENTITY, district=d)
                    for i in range(20)
                ),
            }
        city = Organization.objects.create(name="北京市住房和城乡建设委员会", kind=OrganizationKind.CITY)
        haidian = next(d for d in districts if d.code == "110108")
        password = make_password(PASSWORD)
        accounts = {
            "staff": (Role.STAFF, orgs[haidian.pk]["housing"]),
            "reviewer": (Role.REVIEWER, orgs[haidian.pk]["department"]),
            "entity": (Role.ENTITY, orgs[haidian.pk]["entities"][0]),
            "leader": (Role.LEADERSHIP, orgs[haidian.pk]["leadership"]),
            "city_leader": (Role.LEADERSHIP, city),
            "auditor": (Role.AUDITOR, orgs[haidian.pk]["audit"]),
            "admin": (Role.ADMINISTRATOR, city),
        }
        users = {}
        for username, (role, org) in accounts.items():
            users[username] = User.objects.create(
                username=f"bench_{username}",
                password=password,
                role=role,
                organization=org,
                last_name="测",
                first_name=username,
                is_staff=role == Role.ADMINISTRATOR,
                is_superuser=role == Role.ADMINISTRATOR,
            )

        sub_types = list(SubType.objects.select_related("category"))
        stages = [s.value for s in Stage if s != Stage.DRAFT]
        # 海淀 holds a fifth of the city's projects (a large district); the rest spread evenly.
        weights = [5 if d.pk == haidian.pk else 1 for d in districts]
        projects = []
        for i in range(projects_n):
            d = rng.choices(districts, weights)[0]
            sub_type = rng.choice(sub_types)
            stage = rng.choice(stages)
            received = today - datetime.timedelta(days=rng.randint(0, 1000))
            in_library = library_of(stage) != "none"
            projects.append(
                Project(
                    district=d,
                    code=f"{d.code}-{received.year}-{i:06d}",
                    name=f"基准测试更新项目{i}",
                    category=sub_type.category,
                    sub_type=sub_type,
                    stage=stage,
                    library=library_of(stage),
                    implementing_entity=rng.choice(orgs[d.pk]["entities"]),
                    location=f"测试路{i}号",
                    total_investment=Decimal(rng.randint(100, 200_000)),
                    received_on=received,
                    first_received_on=received,
                    admitted_on=received + datetime.timedelta(days=20) if in_library else None,
                )
            )
        Project.objects.bulk_create(projects, batch_size=BATCH)
        stdout(f"  {projects_n} projects")
        rows = list(
            Project.objects.values_list("pk", "district_id", "code", "name", "implementing_entity_id")
        )
        project_type = ContentType.objects.get_for_model(Project)

        deadlines = []
        for _ in range(deadlines_n):
            pk, district_id, code, name, entity_id = rng.choice(rows)
            start = today - datetime.timedelta(days=rng.randint(0, 400))
            due = start + datetime.timedelta(days=14)  # bench data: not the calendar's arithmetic
            state = rng.choices(["open", "met", "cancelled"], [60, 35, 5])[0]
            deadlines.append(
                Deadline(
                    content_type=project_type,
                    object_id=pk,
                    subject_repr=f"{code} {name}",
                    project_content_type=project_type,
                    project_object_id=pk,
                    project_label=f"{code} {name}",
                    district_id=district_id,
                    responsible_organization=orgs[district_id][rng.choice(["housing", "department"])],
                    subject_organization_id=entity_id,
                    kind="intake_review",
                    title="入库联合审查",
                    rule="working_days",
                    amount=10,
                    start_date=start,
                    due_date=due,
                    state=state,
                    closed_on=due + datetime.timedelta(days=rng.randint(-5, 5)) if state == "met" else None,
                    late_workdays=rng.choice([0, 0, 0, 2, 5]) if state == "met" else None,
                )
            )
            if len(deadlines) >= BATCH:
                Deadline.objects.bulk_create(deadlines)
                deadlines = []
        Deadline.objects.bulk_create(deadlines)
        stdout(f"  {deadlines_n} deadlines")

        events = []
        for _ in range(events_n):
            pk, district_id, code, name, entity_id = rng.choice(rows)
            events.append(
                AuditEvent(
                    actor_name="系统",
                    action="project.stage",
                    action_label="项目阶段变更",
                    content_type=project_type,
                    object_id=str(pk),
                    object_repr=f"{code} {name}",
                    district_id=district_id,
                    organization_id=entity_id,
                    from_state="submitted",
                    to_state="reserve",
                )
            )
            if len(events) >= BATCH:
                AuditEvent.objects.bulk_create(events)
                events = []
        AuditEvent.objects.bulk_create(events)
        stdout(f"  {events_n} audit events")
        seed_review(scale, rng, today, orgs, users, stdout)
        InvestmentTarget.objects.bulk_create(
            InvestmentTarget(
                year=today.year, district=d, amount=Decimal(rng.randint(10, 90)), source_document="基准"
            )
            for d in districts
        )
    return {name: f"bench_{name}" for name in accounts}


def seed_review(scale: str, rng, today: datetime.date, orgs: dict, users: dict, stdout=print) -> None:
    """Plans, joint reviews, notices and departments' requests in bulk, so that /review/inbox/, /publicity/
    and the departments' /projects/inbox/ are measured with rows (issue 16), and close_expired_publicities
    has expired notices to close. Projects of the implementation library are moved to the plan's stage."""
    from django.conf import settings
    from django.utils import timezone

    from projects.models import IntakeOpinion, Project
    from renewal.models import Deadline
    from review.choices import CommentKind, CommentOutcome, Decision, PlanState, PublicityState
    from review.models import (
        DepartmentReview,
        ImplementationPlan,
        JointReviewOpinion,
        PlanVersion,
        PreReviewComment,
        PublicComment,
        Publicity,
        ReviewRound,
    )
    from review.receipts import ALPHABET, PREFIX

    joint_n, notices_n, pre_n = REVIEW_SCALES[scale]
    staff, entity = users["staff"], users["entity"]
    zone = timezone.get_default_timezone()
    now = timezone.now()
    candidates = list(
        Project.objects.filter(
            stage__in=["implementation", "plan_drafting", "plan_pre_review", "joint_review", "publicity"]
        )
        .order_by("pk")
        .values_list("pk", "district_id", "code", "name", "implementing_entity_id")
    )
    rng.shuffle(candidates)
    joint = candidates[:joint_n]
    noticed = candidates[joint_n : joint_n + notices_n]
    pre = candidates[joint_n + notices_n : joint_n + notices_n + pre_n]
    # A notice is expired-but-open, running or closed (its plan approved, its project at permits).
    notice_states = [rng.choices(["expired", "running", "closed"], [45, 35, 20])[0] for _ in noticed]
    stages = {
        "joint_review": [row[0] for row in joint],
        "plan_pre_review": [row[0] for row in pre],
        "publicity": [row[0] for row, state in zip(noticed, notice_states, strict=True) if state != "closed"],
        "permits": [row[0] for row, state in zip(noticed, notice_states, strict=True) if state == "closed"],
    }
    for stage, pks in stages.items():
        for i in range(0, len(pks), BATCH):
            Project.objects.filter(pk__in=pks[i : i + BATCH]).update(stage=stage, library="implementation")

    def plan_state(row_index, kind):
        if kind == "joint":
            return PlanState.JOINT_REVIEW
        if kind == "pre":
            return PlanState.PRE_REVIEW
        return PlanState.APPROVED if notice_states[row_index] == "closed" else PlanState.PUBLICITY

    chosen = [("joint", i, row) for i, row in enumerate(joint)]
    chosen += [("notice", i, row) for i, row in enumerate(noticed)]
    chosen += [("pre", i, row) for i, row in enumerate(pre)]
    plans = ImplementationPlan.objects.bulk_create(
        [
            ImplementationPlan(
                project_id=row[0],
                state=plan_state(i, kind),
                current_version=1,
                facts=[],
                content={"positioning": {"positioning": "完善配套设施，改善人居环境"}},
                created_by=entity,
            )
            for kind, i, row in chosen
        ],
        batch_size=BATCH,
    )
    PlanVersion.objects.bulk_create(
        [PlanVersion(plan=plan, number=1, content=plan.content, submitted_by=entity) for plan in plans],
        batch_size=BATCH,
    )
    plan_of = {(kind, i): plan for (kind, i, _), plan in zip(chosen, plans, strict=True)}
    reviewed = [(kind, i, row) for kind, i, row in chosen if kind != "pre"]
    rounds = ReviewRound.objects.bulk_create(
        [
            ReviewRound(plan=plan_of[(kind, i)], number=1, version=1, started_by=staff)
            for kind, i, _ in reviewed
        ],
        batch_size=BATCH,
    )
    project_type = ContentType.objects.get_for_model(Project)
    review_type = ContentType.objects.get_for_model(DepartmentReview)
    notice_type = ContentType.objects.get_for_model(Publicity)

    # Each round asks the district's two departments; in joint review most are still to answer.
    reviews, review_rows = [], []
    for (kind, _, row), review_round in zip(reviewed, rounds, strict=True):
        for code in ("department", "planning"):
            pending = kind == "joint" and rng.random() < 0.85
            reviews.append(
                DepartmentReview(
                    review_round=review_round,
                    department=orgs[row[1]][code],
                    matters="项目审批（核准、备案）" if code == "department" else "规划及用地",
                    decision=Decision.PENDING if pending else Decision.AGREE,
                    decided_at=None if pending else now,
                    reviewed_version=None if pending else 1,
                )
            )
            review_rows.append((row, pending))
    reviews = DepartmentReview.objects.bulk_create(reviews, batch_size=BATCH)
    deadlines = []
    for review, (row, pending) in zip(reviews, review_rows, strict=True):
        pk, district_id, code, name, entity_id = row
        start = today - datetime.timedelta(days=rng.randint(0, 40))
        due = start + datetime.timedelta(days=14)  # bench data: not the calendar's arithmetic
        deadlines.append(
            Deadline(
                content_type=review_type,
                object_id=review.pk,
                subject_repr=f"{code} {name} · 部门会签意见",
                project_content_type=project_type,
                project_object_id=pk,
                project_label=f"{code} {name}",
                district_id=district_id,
                responsible_organization_id=review.department_id,
                subject_organization_id=entity_id,
                kind="department_review",
                title="部门联合审查意见",
                basis="内部服务标准（可配置）",
                rule="working_days",
                amount=settings.JOINT_REVIEW_WORKDAYS,
                start_date=start,
                due_date=due,
                state="open" if pending else "met",
                closed_on=None if pending else start + datetime.timedelta(days=rng.randint(3, 20)),
                late_workdays=None if pending else rng.choice([0, 0, 0, 2]),
            )
        )
    Deadline.objects.bulk_create(deadlines, batch_size=BATCH)
    pending_n = sum(pending for _, pending in review_rows)
    stdout(f"  {len(plans)} implementation plans, {len(reviews)} department reviews ({pending_n} pending)")

    # Notices: an issued opinion each, the window's deadline, and some comments from the public.
    round_of = {(kind, i): r for (kind, i, _), r in zip(reviewed, rounds, strict=True)}
    sequence: dict[tuple, int] = {}
    opinions, notices, windows = [], [], []
    for i, (row, state) in enumerate(zip(noticed, notice_states, strict=True)):
        pk, district_id, code, name, entity_id = row
        if state == "expired":
            ends_on = today - datetime.timedelta(days=rng.randint(1, 20))
        elif state == "running":
            ends_on = today + datetime.timedelta(days=rng.randint(1, 20))
        else:
            ends_on = today - datetime.timedelta(days=rng.randint(21, 300))
        published_on = ends_on - datetime.timedelta(days=21)
        issued_on = published_on - datetime.timedelta(days=3)
        key = (district_id, issued_on.year)
        sequence[key] = sequence.get(key, 0) + 1
        opinions.append(
            JointReviewOpinion(
                plan=plan_of[("notice", i)],
                review_round=round_of[("notice", i)],
                district_id=district_id,
                year=issued_on.year,
                sequence=sequence[key],
                number=f"{code[:6]}联审〔{issued_on.year}〕{sequence[key]}号",
                issued_on=issued_on,
                version=1,
                issued_by=staff,
                conclusion="经联合审查，同意该实施方案。",
            )
        )
        ends_at = datetime.datetime.combine(ends_on, datetime.time(23, 59, 59), tzinfo=zone)
        closed = state == "closed"
        notices.append(
            Publicity(
                plan=plan_of[("notice", i)],
                published_on=published_on,
                workdays=15,
                starts_at=datetime.datetime.combine(
                    published_on + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
                ),
                ends_at=ends_at,
                state=PublicityState.CLOSED if closed else PublicityState.OPEN,
                summary=f"{name}：完善配套设施，改善人居环境",
                indicators=[],
                result="公示期满。收到意见：支持 0 条，异议 0 条，建议 0 条。" if closed else "",
                closed_at=ends_at + datetime.timedelta(minutes=10) if closed else None,
                published_by=staff,
            )
        )
        windows.append((row, published_on, ends_on, closed))
    opinions = JointReviewOpinion.objects.bulk_create(opinions, batch_size=BATCH)
    for notice, opinion in zip(notices, opinions, strict=True):
        notice.opinion = opinion
    notices = Publicity.objects.bulk_create(notices, batch_size=BATCH)
    Deadline.objects.bulk_create(
        [
            Deadline(
                content_type=notice_type,
                object_id=notice.pk,
                subject_repr=f"{code} {name} · 公示",
                project_content_type=project_type,
                project_object_id=pk,
                project_label=f"{code} {name}",
                district_id=district_id,
                responsible_organization=orgs[district_id]["housing"],
                subject_organization_id=entity_id,
                kind="publicity_window",
                title="公示期满",
                basis="联合审查办法 第十一条",
                rule="working_days",
                amount=15,
                start_date=published_on,
                due_date=ends_on,
                state="met" if closed else "open",
                closed_on=ends_on if closed else None,
                late_workdays=0 if closed else None,
            )
            for notice, ((pk, district_id, code, name, entity_id), published_on, ends_on, closed) in zip(
                notices, windows, strict=True
            )
        ],
        batch_size=BATCH,
    )
    comments, receipts = [], set()
    for notice, state in zip(notices, notice_states, strict=True):
        if rng.random() >= 0.3:
            continue
        for _ in range(rng.randint(1, 3)):
            receipt = ""
            while not receipt or receipt in receipts:
                receipt = f"{PREFIX}{notice.published_on:%Y%m%d}" + "".join(
                    rng.choice(ALPHABET) for _ in range(6)
                )
            receipts.add(receipt)
            answered = state == "closed" or (state == "expired" and rng.random() < 0.5)
            comments.append(
                PublicComment(
                    publicity=notice,
                    kind=rng.choice(CommentKind.values),
                    text="关于加装电梯和停车位的意见",
                    contact="13800000000",
                    submitted_at=notice.starts_at + datetime.timedelta(days=2),
                    receipt=receipt,
                    outcome=CommentOutcome.ANSWERED if answered else CommentOutcome.PENDING,
                    response="已研究，答复如下：按规范执行。" if answered else "",
                    responded_by=staff if answered else None,
                    responded_at=notice.starts_at + datetime.timedelta(days=5) if answered else None,
                )
            )
    PublicComment.objects.bulk_create(comments, batch_size=BATCH)
    expired_n = notice_states.count("expired")
    stdout(f"  {len(notices)} notices ({expired_n} expired, still open), {len(comments)} public comments")

    # Departments asked before joint review, and about intake applications still under review.
    asked = [
        PreReviewComment(
            plan=plan_of[("pre", i)],
            version=1,
            department=orgs[row[1]][code],
            answered_at=None if rng.random() < 0.7 else now,
        )
        for i, row in enumerate(pre)
        for code in ("department", "planning")
    ]
    PreReviewComment.objects.bulk_create(asked, batch_size=BATCH)
    routed = [
        IntakeOpinion(
            project_id=pk,
            round=1,
            department=orgs[district_id][code],
            routed_by=staff,
            opinion="pending" if rng.random() < 0.7 else "agree",
        )
        for pk, district_id in Project.objects.filter(stage__in=["submitted", "under_review"])
        .order_by("pk")
        .values_list("pk", "district_id")
        for code in ("department", "planning")
    ]
    IntakeOpinion.objects.bulk_create(routed, batch_size=BATCH)
    stdout(f"  {len(asked)} pre-review requests, {len(routed)} intake opinions")
