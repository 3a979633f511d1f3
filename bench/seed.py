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
        for username, (role, org) in accounts.items():
            User.objects.create(
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
        InvestmentTarget.objects.bulk_create(
            InvestmentTarget(
                year=today.year, district=d, amount=Decimal(rng.randint(10, 90)), source_document="基准"
            )
            for d in districts
        )
    return {name: f"bench_{name}" for name in accounts}
