"""Issue 16: answers that cost a scan of a large table on every page, kept between requests and never
stale for a change the portal makes — the ledger's 实施主体 choices and a district's 跨区 projects
(projects/scope_cache.py), the audit trail's and the deadline list's choices (renewal/choice_cache.py);
selects written in Python (renewal/renderers.py); the home page's light counts off an index."""

import datetime

import pytest
from django import forms
from django.core.cache import cache
from django.db import connection
from django.forms.renderers import DjangoTemplates
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.filtersets import ProjectFilterSet
from projects.models import Project
from renewal.choices import DeadlineState, OrganizationKind, Role
from renewal.models import Deadline
from renewal.renderers import PortalFormRenderer
from renewal.selectors import light_counts
from renewal.services import record_event
from tests.factories import OrganizationFactory, district, user
from tests.projects.factories import ProjectFactory, open_project_deadline
from tests.services import need_postgresql

pytestmark = pytest.mark.django_db

D = datetime.date.fromisoformat


@pytest.fixture
def cached(settings):
    """The caches on, as in production (the suite runs with them off: tests reuse ids across databases)."""
    settings.CHOICES_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def _entity_choices(client):
    response = client.get(reverse("projects:project_list"))
    assert response.status_code == 200
    return {label for value, label in response.context["filterset"].form.fields["entity"].choices if value}


def test_entity_choices_come_from_the_cache_and_follow_every_project_change(client, cached):
    staff = user(Role.STAFF)
    client.force_login(staff)
    first = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district(), name="甲实施主体")
    project = ProjectFactory(implementing_entity=first)
    assert _entity_choices(client) == {"甲实施主体"}

    with CaptureQueriesContext(connection) as queries:
        assert _entity_choices(client) == {"甲实施主体"}
    assert not any("EXISTS" in q["sql"].upper() for q in queries.captured_queries), "probed again"

    # A new project naming another entity: offered at once (post_save renews the cached answers).
    second = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district(), name="乙实施主体")
    ProjectFactory(implementing_entity=second)
    assert _entity_choices(client) == {"甲实施主体", "乙实施主体"}
    # The API accepts the new entity as a filter value at once too.
    answer = client.get(reverse("projects-api:project-list"), {"entity": second.pk})
    assert answer.status_code == 200 and answer.json()["count"] == 1

    # An entity no longer on any visible project leaves the choices.
    project.implementing_entity = None
    project.save()
    assert _entity_choices(client) == {"乙实施主体"}


def test_the_cached_choices_are_per_scope(client, cached):
    """Two districts' staff never share an answer: the key is the scoped query itself."""
    here = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district(), name="海淀主体")
    there = OrganizationFactory(kind=OrganizationKind.ENTITY, district=district("110102"), name="西城主体")
    ProjectFactory(implementing_entity=here)
    ProjectFactory(district=district("110102"), implementing_entity=there)
    client.force_login(user(Role.STAFF))
    assert _entity_choices(client) == {"海淀主体"}
    client.force_login(user(Role.STAFF, district_code="110102"))
    assert _entity_choices(client) == {"西城主体"}


def test_a_cross_district_listing_is_seen_at_once_and_read_as_ids(client, cached):
    """The 跨区 projects of a district are kept as ids, so the scope is a BitmapOr of two indexes instead
    of a scan of every project; listing a project in another district shows it there at once."""
    xicheng = user(Role.STAFF, district_code="110102")
    client.force_login(xicheng)
    shared = ProjectFactory(name="跨区片区更新")
    ProjectFactory(name="只在海淀")
    assert not Project.objects.visible_to(xicheng).filter(pk=shared.pk).exists()
    sql = str(Project.objects.visible_to(xicheng).query)
    assert "projects_project_districts" not in sql  # the (empty) list of ids, not a subquery
    shared.districts.add(district(), district("110102"))  # m2m_changed renews the cached answers
    assert list(Project.objects.visible_to(xicheng)) == [shared]
    response = client.get(reverse("projects:project_list"))
    assert [row.values.name for row in response.context["rows"]] == ["跨区片区更新"]
    shared.districts.remove(district("110102"))
    assert not Project.objects.visible_to(xicheng).exists()


def test_without_the_cache_the_scope_is_the_same(client, settings):
    settings.CHOICES_CACHE_SECONDS = 0
    xicheng = user(Role.STAFF, district_code="110102")
    shared = ProjectFactory()
    shared.districts.add(district(), district("110102"))
    assert list(Project.objects.visible_to(xicheng)) == [shared]
    assert "projects_project_districts" in str(Project.objects.visible_to(xicheng).query)


def _audit_choices(client):
    response = client.get(reverse("audit_list"))
    assert response.status_code == 200
    fields = response.context["filterset"].form.fields
    return {name: dict(fields[name].choices) for name in ("action", "actor", "object_type")}


def test_audit_choices_read_only_the_events_added_since(client, cached, monkeypatch):
    """The three selects were a GROUP BY over every event in scope on each page (220 ms at city scale);
    now the cached answer is topped up with the events above the highest key it has read."""
    staff = user(Role.STAFF)
    client.force_login(staff)
    project = ProjectFactory()
    record_event(actor=staff, action="intake.submit", action_label="提交入库申请", obj=project)
    before = _audit_choices(client)
    assert "intake.submit" in before["action"]

    other = user(Role.STAFF, username="second_staff")
    record_event(actor=other, action="intake.admit", action_label="确认入库：测试", obj=project)
    with CaptureQueriesContext(connection) as queries:
        after = _audit_choices(client)
    assert after["action"]["intake.admit"] == "确认入库"
    assert str(other.pk) in after["actor"]
    grouped = [q["sql"] for q in queries.captured_queries if "GROUP BY" in q["sql"]]
    assert grouped and all('"renewal_auditevent"."id" >' in sql for sql in grouped), grouped

    from renewal import choice_cache

    writes = []
    real_set = choice_cache.cache.set
    monkeypatch.setattr(
        choice_cache.cache, "set", lambda *args, **kwargs: writes.append(args[0]) or real_set(*args, **kwargs)
    )
    with CaptureQueriesContext(connection) as queries:
        assert _audit_choices(client) == after
    assert not any("GROUP BY" in q["sql"] for q in queries.captured_queries)  # nothing new: nothing read
    assert not [key for key in writes if key.startswith("choices:")]  # … and nothing written


def test_audit_choices_rebuilt_when_old(client, cached, settings):
    """An event committed late with a lower key is caught when the answer is rebuilt from scratch."""
    staff = user(Role.STAFF)
    client.force_login(staff)
    record_event(actor=staff, action="intake.submit", action_label="提交入库申请", obj=ProjectFactory())
    _audit_choices(client)
    settings.CHOICES_CACHE_SECONDS = 1
    key = next(k for k in cache._cache if "choices:audit:" in k)  # locmem: the stored (born, mark, facts)
    born, mark, _ = cache.get(key.split(":", 2)[-1])
    cache.set(key.split(":", 2)[-1], (born - 10, mark, {"actions": {}, "actors": set(), "types": set()}))
    assert "intake.submit" in _audit_choices(client)["action"]


def test_responsible_organisation_choices_follow_new_deadlines(client, cached):
    staff = user(Role.STAFF)
    client.force_login(staff)
    fire = OrganizationFactory(kind=OrganizationKind.DEPARTMENT, district=district(), name="消防救援局")
    open_project_deadline(ProjectFactory(), D("2025-03-03"))

    def choices():
        response = client.get(reverse("deadline_list"))
        field = response.context["form"].fields["responsible_organization"]
        return {label for value, label in field.choices}

    assert "消防救援局" not in choices()
    open_project_deadline(ProjectFactory(), D("2025-03-03"), responsible_organization=fire)
    assert "消防救援局" in choices()


# --- selects written in Python ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "widget,value",
    [
        (forms.Select(choices=[("", "全部"), (1, "甲<乙>&"), ("组", [(2, "丙"), (3, "丁")])]), 2),
        (forms.Select(attrs={"class": "form-select", "required": True, "disabled": False}, choices=[]), ""),
        (forms.SelectMultiple(choices=[(1, "一"), (2, "二")]), [1, 2]),
        (forms.NullBooleanSelect(), True),
        (forms.TextInput(attrs={"class": "form-control", "placeholder": '名称"<&>'}), '甲<乙>&"'),
        (forms.TextInput(attrs={"required": True, "disabled": False}), None),
        (forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), datetime.date(2025, 3, 3)),
        (forms.DateInput(attrs={"type": "date"}), "2025-02-30"),
        (forms.NumberInput(attrs={"step": "0.01", "min": 0}), 12.5),
        (forms.EmailInput(), "a@b.cn"),
        (forms.HiddenInput(), "next=/a?b=1&c=2"),
        (forms.PasswordInput(render_value=True), "x"),
        (forms.URLInput(), ""),
    ],
)
def test_selects_and_inputs_are_the_same_html_as_django_writes(widget, value):
    assert widget.render("f", value, renderer=PortalFormRenderer()) == widget.render(
        "f", value, renderer=DjangoTemplates()
    )


def test_the_ledger_filter_form_is_the_same_html_as_django_writes(rf):
    ProjectFactory(implementing_entity=OrganizationFactory(kind=OrganizationKind.ENTITY, district=district()))
    request = rf.get(
        "/projects/",
        {"stage": "submitted", "entity": "", "q": '老旧<小区>"', "received_on_after": "2025-13-01"},
    )
    request.user = user(Role.STAFF)
    form = ProjectFilterSet(request.GET, queryset=Project.objects.all(), request=request).form
    names = list(form.fields)  # ten selects, eleven date and text inputs
    assert isinstance(form.renderer, PortalFormRenderer)
    fast = {name: str(form[name]) for name in names}
    form.renderer = DjangoTemplates()
    for name in names:
        assert str(form[name]) == fast[name], name


def test_the_portal_renders_its_selects_in_python(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "renewal.renderers.PortalFormRenderer"
    assert isinstance(get_default_renderer(), PortalFormRenderer)


# --- the home page's counts ------------------------------------------------------------------------


def test_postgresql_counts_a_districts_lights_off_an_index():
    """The staff home page's red/yellow/green counts read every open deadline row of the district (42 ms
    at 28,000); now an index-only scan of (district, due_date) where open (3 ms)."""
    need_postgresql()
    for _ in range(3):
        open_project_deadline(ProjectFactory(), D("2025-03-03"))
    staff = user(Role.STAFF)
    open_deadlines = Deadline.objects.visible_to(staff).filter(state=DeadlineState.OPEN)
    assert sum(light_counts(open_deadlines).values()) == 3
    queryset = open_deadlines.order_by()
    with CaptureQueriesContext(connection) as queries:
        light_counts(queryset)
    sql = queries.captured_queries[-1]["sql"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using deadline_open_district_due" in plan, plan


# --- filter choices without server-side cursors --------------------------------------------------------


def test_listed_choices_are_the_same_as_django_filters_gives(rf):
    """The deadline list's 责任单位 has an empty and a null choice: same order and values as before."""
    import django_filters

    from renewal.filtersets import DeadlineFilterSet

    open_project_deadline(
        ProjectFactory(),
        D("2025-03-03"),
        responsible_organization=OrganizationFactory(kind=OrganizationKind.DEPARTMENT, district=district()),
    )
    request = rf.get("/deadlines/")
    request.user = user(Role.STAFF)
    field = DeadlineFilterSet({}, queryset=Deadline.objects.all(), request=request).form.fields[
        "responsible_organization"
    ]
    plain = django_filters.ModelChoiceFilter(
        queryset=field.queryset, empty_label="全部责任单位", null_label="未指定责任单位", null_value="none"
    ).field
    assert list(field.choices) == list(plain.choices)
    assert [value for value, _ in field.choices][:2] == ["", "none"] and len(list(field.choices)) == 3


def test_postgresql_ledger_reads_its_choices_without_server_side_cursors(client):
    need_postgresql()
    client.force_login(user(Role.STAFF))
    ProjectFactory()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("projects:project_list")).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DECLARE")]


# --- the public list for anonymous readers -------------------------------------------------------------


@pytest.fixture
def public_cached(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_the_public_list_is_served_from_the_cache_and_renewed_by_any_notice_change(
    client, public_cached, django_capture_on_commit_callbacks
):
    from review import services as review_services
    from review.models import Publicity
    from tests.review.helpers import World

    world = World()
    first = world.publicity(world.implementation_project(name="第一个公示项目"))
    url = reverse("publicity:list")
    assert "第一个公示项目" in client.get(url).content.decode()
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert again.status_code == 200 and "第一个公示项目" in again.content.decode()
    assert len(queries) == 0, [q["sql"] for q in queries.captured_queries]
    assert again["Content-Security-Policy"]  # the middleware still answers as for any page

    # A second notice is published: the list shows it on the next request (post_save renewed it).
    world.publicity(world.implementation_project(name="第二个公示项目"))
    assert "第二个公示项目" in client.get(url).content.decode()

    # The expired notices closed in bulk (no post_save): renewed after the commit.
    html = client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        closed = review_services.close_expired_publicities(now=first.ends_at + datetime.timedelta(days=400))
    assert closed == 2 and not Publicity.objects.filter(state="open").exists()
    assert client.get(url).content.decode() != html

    # Another query string is another page.
    assert client.get(url, {"district": "110102"}).content.decode().count("data-notice=") == 0


def test_signed_in_readers_never_get_the_anonymous_page(client, public_cached):
    from tests.review.helpers import World

    world = World()
    world.publicity(world.implementation_project(name="公示项目"))
    url = reverse("publicity:list")
    client.get(url)  # cached for anonymous readers
    client.force_login(world.staff)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert len(queries) > 0 and "公示项目" in response.content.decode()
    assert world.staff.username in response.content.decode() or "退出" in response.content.decode()


def test_entity_options_are_read_as_names_and_written_as_from_instances(rf):
    """Issue 16: the 实施主体 select reads (id, name) pairs, not hundreds of organisations as instances; the
    options are the same as a ModelChoiceField's from instances."""
    from renewal.inputs import ListedModelChoiceIterator

    for name in ("甲<实施>&主体", '乙"主体', "丙主体"):
        ProjectFactory(
            implementing_entity=OrganizationFactory(
                kind=OrganizationKind.ENTITY, district=district(), name=name
            )
        )
    request = rf.get("/projects/", {"entity": ""})
    request.user = user(Role.ADMINISTRATOR, organization=None)
    field = ProjectFilterSet(request.GET, queryset=Project.objects.all(), request=request).form.fields[
        "entity"
    ]
    with CaptureQueriesContext(connection) as captured:
        fast = field.widget.render("entity", "")
    (read,) = [q["sql"] for q in captured.captured_queries if "renewal_organization" in q["sql"]]
    assert "credit_code" not in read  # two columns, not the organisation
    field.iterator = ListedModelChoiceIterator
    field.widget.choices = field.choices
    assert field.widget.render("entity", "") == fast
    assert fast.count("<option") == 4 and "甲&lt;实施&gt;&amp;主体" in fast


def test_postgresql_joins_a_districts_projects_off_an_index():
    """The staff's review inbox counts the district's plans by joining them to the district's projects: a
    bitmap scan of the projects' pages (10 ms at 12,000 projects); now an index-only scan of
    (district, id)."""
    from review.models import ImplementationPlan

    need_postgresql()
    ProjectFactory()
    staff = user(Role.STAFF)
    queryset = ImplementationPlan.objects.filter(project__district=staff.district).values("pk")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_nestloop = off")
        cursor.execute("EXPLAIN SELECT count(*) FROM (" + sql + ") counted", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using project_district_id" in plan, plan
