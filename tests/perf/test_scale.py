"""Issue 16: the slow spots at district and city scale, each guarded by its query count or pagination —
the intake inbox pages, the 实施主体 filter choices, the ledger's indexes, the calendar recompute."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.filtersets import ProjectFilterSet, visible_entities
from projects.models import Project
from projects.selectors import ledger_queryset
from renewal import services
from renewal.choices import CalendarDayKind, DeadlineRule, OrganizationKind, Role
from renewal.models import AuditEvent, Deadline, Organization, WorkCalendarDay
from tests.factories import OrganizationFactory, district, user
from tests.projects.factories import ProjectFactory, open_project_deadline
from tests.services import need_postgresql

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


# --- 1. /projects/inbox/ ----------------------------------------------------------------------------


def _pending(n):
    for i in range(n):
        project = ProjectFactory(received_on=D("2025-03-03") + datetime.timedelta(days=i))
        open_project_deadline(project, D("2025-03-03"))


def _inbox(client, who):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("projects:intake_inbox"))
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMINISTRATOR])
def test_the_intake_inbox_shows_one_page_and_lights_only_that_page(client, role):
    """14,000 pending applications were all rendered (29.9 s for the administrator): now 50 a page, and
    the queries do not grow with the number pending."""
    who = user(role) if role == Role.STAFF else user(role, organization=None)
    client.force_login(who)
    _pending(3)
    _, few = _inbox(client, who)
    _pending(57)
    response, many = _inbox(client, who)
    page = response.context["page"]
    assert page.paginator.count == 60
    assert len(response.context["rows"]) == 50
    assert all(lights for _, lights in response.context["rows"])
    assert "第 1 / 2 页，共 60 条" in response.content.decode()
    assert many <= few + 1, (few, many)  # + the paginator's COUNT
    second = client.get(reverse("projects:intake_inbox") + "?page=2")
    assert len(second.context["rows"]) == 10


# --- 2. the 实施主体 filter's choices ----------------------------------------------------------------


def test_entity_choices_probe_organisations_not_rescan_projects(rf):
    """The choices were an IN over every visible project's two entity columns, rebuilt on every page;
    now one EXISTS per organisation (a BitmapOr of the two foreign-key indexes), same answer and scope."""
    staff = user(Role.STAFF)
    mine = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district())
    coordinating = OrganizationFactory(kind=OrganizationKind.TOWN, district=district())
    idle = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district())
    elsewhere = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district("110102"))
    ProjectFactory(implementing_entity=mine, coordinating_entity=coordinating)
    ProjectFactory(implementing_entity=mine)
    ProjectFactory(district=district("110102"), implementing_entity=elsewhere)
    request = rf.get("/projects/")
    request.user = staff
    choices = visible_entities(request)
    sql = str(choices.query).upper()
    assert sql.count("EXISTS") == 1 and '"RENEWAL_ORGANIZATION"."ID" IN (SELECT' not in sql
    assert set(choices) == {mine, coordinating}
    assert idle not in choices and elsewhere not in choices


# --- 3. the ledger's indexes ------------------------------------------------------------------------


def test_the_ledger_sorts_and_filters_have_indexes():
    """Default order by creation time (139 ms of SQL at 50,000 projects without an index) and each sort."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Project._meta.db_table)
    indexed = {next(iter(c["columns"])) for c in constraints.values() if c["index"] and c["columns"]}
    for column in ("created_at", "received_on", "admitted_on", "code", "name", "total_investment", "stage"):
        assert column in indexed, column
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "review_publicity")
    assert any(c["index"] and c["columns"] == ["published_on", "id"] for c in constraints.values())


@pytest.mark.parametrize("sort", ["", "-total_investment", "received_on", "-admitted_on", "code", "-name"])
def test_postgresql_reads_a_ledger_page_off_an_index(sort, rf):
    """EXPLAIN on PostgreSQL: the administrator's ledger page in each order starts from an index, not a
    sequential scan and a sort of every project (migration 0018 adds the descending, empty-last twins)."""
    need_postgresql()
    admin = user(Role.ADMINISTRATOR, organization=None)
    for i in range(30):
        ProjectFactory(received_on=D("2025-01-01") + datetime.timedelta(days=i))
    request = rf.get("/projects/")
    request.user = admin
    filterset = ProjectFilterSet(
        {"sort": sort} if sort else {}, queryset=ledger_queryset(admin), request=request
    )
    sql, params = filterset.qs[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        # A table this small would be scanned and sorted anyway: make both look dear, so that the plan
        # shows whether an index can give the order (without one, the sort stays).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    nodes = [line.strip().removeprefix("->").strip() for line in plan.splitlines()]
    assert any(node.startswith("Index Scan") and " on projects_project " in node for node in nodes), plan
    assert not any(node.startswith("Sort  (") for node in nodes), plan  # an incremental sort is fine


def test_postgresql_reads_the_public_notices_off_an_index():
    """The public /publicity/ list sorted a join of every notice (98 ms at city scale): now a page is read
    from the (published_on, id) index in its order."""
    need_postgresql()
    from review.selectors import public_notices

    sql, params = public_notices()[:20].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "publicity_published" in plan, plan
    assert not any(
        line.strip().removeprefix("->").strip().startswith("Sort  (") for line in plan.splitlines()
    )


# --- 4. recompute after a calendar change ------------------------------------------------------------


def _deadlines(n):
    """n open working-day deadlines (2025-10-13 + 10 working days = 2025-10-27), subjects in one district."""
    Deadline.objects.all().delete()
    place = district()
    orgs = [OrganizationFactory(kind=OrganizationKind.ENTITY, district=place) for _ in range(3)]
    ct = ContentType.objects.get_for_model(Organization)
    Deadline.objects.bulk_create(
        Deadline(
            content_type=ct,
            object_id=orgs[i % 3].pk,
            subject_repr="批量事项",
            district=place,
            responsible_organization=orgs[i % 3],
            subject_organization=orgs[i % 3],
            kind="test.ledger",
            title="测试办理期限",
            rule=DeadlineRule.WORKING_DAYS,
            amount=10,
            start_date=D("2025-10-13"),
            due_date=D("2025-10-27"),
        )
        for i in range(n)
    )


def _counted(queries) -> int:
    """Queries other than the audit trail's bulk INSERTs (SQLite splits a batch by its variable limit,
    so 100 events are two INSERTs there and one on PostgreSQL)."""
    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "renewal_auditevent"')]
    assert len(inserts) <= 3
    return len(queries.captured_queries) - len(inserts)


def _recompute_queries(n, admin, is_workday):
    _deadlines(n) if not is_workday else None
    day = WorkCalendarDay.objects.get(date=D("2025-10-20"))
    day.is_workday = is_workday
    day.kind = CalendarDayKind.WORKDAY if is_workday else CalendarDayKind.HOLIDAY
    with CaptureQueriesContext(connection) as queries:
        changed = services.set_calendar_day(day, actor=admin)
    return _counted(queries), changed


def test_a_calendar_change_recomputes_in_constant_queries(settings):
    """Staff turning a working day into a holiday moved 14,444 due dates in 144,606 queries (a 500 after
    30 s); now one locked read, one bulk update and the audit events in bulk, at 10 as at 100."""
    admin = user(Role.ADMINISTRATOR, organization=None)
    ContentType.objects.get_for_model(Organization)
    small, changed_small = _recompute_queries(10, admin, is_workday=False)
    _recompute_queries(0, admin, is_workday=True)  # restore the day (deadlines move back)
    large, changed_large = _recompute_queries(100, admin, is_workday=False)
    assert len(changed_small) == 10 and len(changed_large) == 100
    assert small == large, (small, large)
    assert set(Deadline.objects.values_list("due_date", flat=True)) == {D("2025-10-28")}
    events = AuditEvent.objects.filter(action="deadline.recompute", to_state="2025-10-28")
    assert events.count() == 110
    event = events.first()
    assert (event.from_state, event.district, event.actor) == ("2025-10-27", district(), admin)
    assert event.organization is not None and event.object_repr


def test_confirming_a_year_recomputes_in_constant_queries():
    """Confirming 2027 moved 88 deadlines in 29,811 queries: the same few queries at 10 as at 100."""

    def run(n):
        Deadline.objects.all().delete()
        place = district()
        org = OrganizationFactory(kind=OrganizationKind.ENTITY, district=place)
        ct = ContentType.objects.get_for_model(Organization)
        Deadline.objects.bulk_create(
            Deadline(
                content_type=ct,
                object_id=org.pk,
                subject_repr="批量事项",
                district=place,
                subject_organization=org,
                kind="test.ledger",
                title="测试办理期限",
                rule=DeadlineRule.WORKING_DAYS,
                amount=3,
                start_date=D("2027-01-04"),
                due_date=D("2027-01-01"),  # wrong on purpose: every one moves
            )
            for _ in range(n)
        )
        with CaptureQueriesContext(connection) as queries:
            changed = services.confirm_year(2027, ["2027-01-01,holiday,元旦"], source="测试")
        assert len(changed) == n
        return _counted(queries)

    assert run(10) == run(100)


def test_moving_review_deadlines_does_not_load_each_subject(db):
    """A holiday moving departments' review clocks wrote each audit event from the review itself (its
    department and plan read row by row): one query per moved deadline. The deadline already names its
    subject and carries its scope, so the queries do not grow with the number moved."""
    from review import services as review_services
    from review.deadlines import DEADLINE_DEPARTMENT_REVIEW
    from tests.review.helpers import World

    world = World()
    admin = user(Role.ADMINISTRATOR, organization=None)

    def start(n):
        for i in range(n):
            project = world.implementation_project(name=f"测试片区{Deadline.objects.count()}-{i}")
            review_services.start_joint_review(world.three_department_plan(project), actor=world.staff)

    def holiday_queries():
        deadline = (
            Deadline.objects.filter(kind=DEADLINE_DEPARTMENT_REVIEW, state="open").order_by("pk").first()
        )
        day = deadline.start_date + datetime.timedelta(days=1)
        while not WorkCalendarDay.objects.get(date=day).is_workday:
            day += datetime.timedelta(days=1)
        calendar_day = WorkCalendarDay.objects.get(date=day)
        calendar_day.is_workday, calendar_day.kind = False, CalendarDayKind.HOLIDAY
        with CaptureQueriesContext(connection) as queries:
            changed = services.set_calendar_day(calendar_day, actor=admin)
        calendar_day.is_workday, calendar_day.kind = True, CalendarDayKind.WORKDAY
        services.set_calendar_day(calendar_day, actor=admin)  # and back, for the next measure
        moved = [d for d, _ in changed if d.kind == DEADLINE_DEPARTMENT_REVIEW]
        return _counted(queries), len(moved), changed

    start(1)
    few, moved_few, _ = holiday_queries()
    start(4)
    many, moved_many, changed = holiday_queries()
    assert moved_few == 3 and moved_many == 15
    assert many == few, (few, many)
    event = AuditEvent.objects.filter(action="deadline.recompute").order_by("-pk").first()
    assert event.object_repr and event.district_id and event.object_repr == changed[-1][0].subject_repr


def test_only_a_reviewers_plans_need_distinct():
    """DISTINCT over plans made PostgreSQL sort every plan of the district, all columns, for one page of the
    staff's review inbox (49 ms at city scale); only the reviewer narrowing joins to many rows."""
    from review.models import ImplementationPlan, ReviewRound

    staff, reviewer = user(Role.STAFF), user(Role.REVIEWER)
    for model in (ImplementationPlan, ReviewRound):
        assert "DISTINCT" not in str(model.objects.visible_to(staff).query)
        assert "DISTINCT" in str(model.objects.visible_to(reviewer).query)
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, ImplementationPlan._meta.db_table)
    assert "plan_updated_desc" in constraints


def test_moving_publicity_windows_takes_the_same_queries_for_1_and_4(db):
    """Each moved notice window was re-read, locked, saved and audited on its own (2,216 queries for a
    holiday at city scale); the hook now gets every moved window at once."""
    from review.deadlines import DEADLINE_PUBLICITY_WINDOW
    from review.models import Publicity
    from tests.review.helpers import World

    world = World()
    admin = user(Role.ADMINISTRATOR, organization=None)

    def publish(n):
        for i in range(n):
            world.publicity(world.implementation_project(name=f"公示片区{Publicity.objects.count()}-{i}"))

    def holiday():
        deadline = (
            Deadline.objects.filter(kind=DEADLINE_PUBLICITY_WINDOW, state="open").order_by("pk").first()
        )
        day = deadline.start_date + datetime.timedelta(days=1)
        while not WorkCalendarDay.objects.get(date=day).is_workday:
            day += datetime.timedelta(days=1)
        calendar_day = WorkCalendarDay.objects.get(date=day)
        calendar_day.is_workday, calendar_day.kind = False, CalendarDayKind.HOLIDAY
        with CaptureQueriesContext(connection) as queries:
            services.set_calendar_day(calendar_day, actor=admin)
        calendar_day.is_workday, calendar_day.kind = True, CalendarDayKind.WORKDAY
        services.set_calendar_day(calendar_day, actor=admin)  # back: the windows keep the later end
        return _counted(queries)

    publish(1)
    few = holiday()
    publish(4)
    many = holiday()
    assert many <= few + 2, (few, many)  # + the locked project rows' batch, the audit INSERT split
    notices = list(Publicity.objects.select_related("plan__project"))
    assert all(p.ends_at == p.plan.project.publicity_end for p in notices)
    moved = AuditEvent.objects.filter(action="publicity.window_moved")
    # 1 at the first holiday; at the second, the 4 new windows (the first already ends that late)
    assert moved.count() == 1 + 4 and all(e.district_id for e in moved)


def test_postgresql_writes_moved_due_dates_in_one_update_from_arrays():
    """Django's bulk_update writes a CASE branch per row (57 of 90 s of a sweep moving 63,000 dates)."""
    need_postgresql()
    admin = user(Role.ADMINISTRATOR, organization=None)
    _deadlines(30)
    day = WorkCalendarDay.objects.get(date=D("2025-10-20"))
    day.is_workday, day.kind = False, CalendarDayKind.HOLIDAY
    with CaptureQueriesContext(connection) as queries:
        changed = services.set_calendar_day(day, actor=admin)
    assert len(changed) == 30
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "renewal_deadline"')]
    assert len(updates) == 1 and "unnest" in updates[0] and "CASE" not in updates[0], updates
    assert set(Deadline.objects.values_list("due_date", flat=True)) == {D("2025-10-28")}
