"""Issue 16: /api/v1/projects/ writes its rows from plain columns (projects/api/serializers.py
ProjectListSerializer) — the same JSON, byte for byte, as ProjectSerializer wrote over model instances, for
every kind of project, every role that may list, and any filter, order or page."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.pagination import PageNumberPagination

from projects.api.serializers import ProjectSerializer
from projects.api.views import ProjectViewSet
from projects.choices import Library, Path, Source, Stage
from projects.filtersets import ProjectFilterSet
from projects.models import AdmissionNotice, CityPlanBatch, Project
from projects.selectors import LEDGER_RELATED, ledger_rows, open_deadlines_prefetch
from renewal.choices import OrganizationKind, Role
from tests.factories import OrganizationFactory, district, user
from tests.projects.factories import HAIDIAN, XICHENG, ProjectFactory, open_project_deadline

pytestmark = pytest.mark.django_db

API_URL = "/api/v1/projects/"
D = datetime.date.fromisoformat


def drf_list(self, request, *args, **kwargs):
    """The list as it was answered before issue 16: the filtered page as model instances (related rows
    joined, deadlines and districts prefetched), their lights from ledger_rows, through ProjectSerializer."""
    queryset = (
        Project.objects.select_related(*LEDGER_RELATED, "admission_notice")
        .visible_to(request.user)
        .prefetch_related(open_deadlines_prefetch(request.user), "districts")
    )
    page = self.paginate_queryset(DjangoFilterBackend().filter_queryset(request, queryset, self))
    rows = {row.project.pk: row for row in ledger_rows(page)}
    context = {**self.get_serializer_context(), "ledger_rows": rows}
    return self.get_paginated_response(ProjectSerializer(page, many=True, context=context).data)


@pytest.fixture
def world(monkeypatch):
    """Projects with every optional field set and unset, 跨区 both ways, every light, a draft, a notice."""
    monkeypatch.setattr("renewal.calendar.today", lambda: D("2025-06-03"))  # a Tuesday after 端午
    monkeypatch.setattr(PageNumberPagination, "page_size", 3)  # pages 2 and 3 without 150 projects
    haidian, xicheng = district(HAIDIAN), district(XICHENG)
    entity = OrganizationFactory(kind=OrganizationKind.ENTITY, district=haidian, name='实施"主体"<&>\u2028')
    town = OrganizationFactory(kind=OrganizationKind.TOWN, district=haidian, name="学院路街道")
    department = user(Role.REVIEWER)
    batch = CityPlanBatch.objects.create(
        name="2025年第一批",
        document_number="京更新〔2025〕1号",
        approved_on=D("2025-05-01"),
        approving_body="市政府",
    )
    full = ProjectFactory(
        name="全字段项目\u2028",
        implementing_entity=entity,
        coordinating_entity=town,
        path=Path.JOINT_REVIEW,
        stage=Stage.IMPLEMENTATION,
        library=Library.IMPLEMENTATION,
        source=Source.IMPORT,
        location="学院路1号",
        land_area=Decimal("1234.50"),
        building_area=Decimal("0.01"),
        total_investment=Decimal("12345.67"),
        funding_sources="区级财政",
        received_on=D("2025-03-03"),
        admitted_on=D("2025-04-01"),
        implementation_on=D("2025-05-06"),
        works_started_on=D("2025-05-20"),
        completion_accepted_on=D("2025-05-28"),
        library_exit_on=D("2025-05-30"),
        locality="中关村科学城",
        designated_by_government=True,
        path_reason="区政府确定",
        admission_document="海淀更新〔2025〕9号",
        reported_to_city_on=D("2025-04-15"),
        city_plan_batch=batch,
        removed_on=D("2025-06-01"),
        removal_reason="调整",
        removal_document="海淀更新〔2025〕10号",
    )
    full.districts.add(haidian, xicheng)
    AdmissionNotice.objects.create(
        project=full,
        district=haidian,
        year=2025,
        sequence=9,
        number="海淀城更入库〔2025〕9号",
        issued_on=D("2025-04-01"),
        issued_by=department,
        issuer_name="海淀区住房和城乡建设委员会",
    )
    open_project_deadline(full, D("2025-03-03"))  # long overdue on 3 June: red
    open_project_deadline(full, D("2025-05-28"), amount=5, responsible_organization=department.organization)
    open_project_deadline(full, D("2027-12-20"), amount=20, title="跨入2028年")  # provisional
    bare = ProjectFactory(
        code="",
        category=None,
        sub_type=None,
        location="",
        renewal_goal="",
        total_investment=Decimal("0.01"),
    )
    open_project_deadline(bare, D("2025-06-01"), amount=20)  # green
    ProjectFactory(total_investment=None, stage=Stage.SUPPLEMENT, library=Library.RESERVE)
    # Led by 西城, listing 海淀: 海淀's users see it too.
    led_elsewhere = ProjectFactory(
        district=xicheng, received_on=D("2025-02-02"), total_investment=Decimal("9.99")
    )
    led_elsewhere.districts.add(xicheng, haidian)
    ProjectFactory(district=xicheng)  # 西城 only
    ProjectFactory(stage=Stage.DRAFT, code="", implementing_entity=entity)  # the entity's own draft
    for index in range(3):
        ProjectFactory(
            coordinating_entity=entity, received_on=D("2025-01-01") + datetime.timedelta(days=index)
        )
    return {"entity": entity, "department": department, "xicheng": xicheng}


def readers(world):
    """Every role that may list, as it lists: 海淀 users, the named entity, city-level users."""
    return {
        "staff": user(Role.STAFF),
        "reviewer": world["department"],
        "entity": user(Role.ENTITY, organization=world["entity"]),
        "leadership": user(Role.LEADERSHIP),
        "city leadership": user(Role.LEADERSHIP, district_code=None),
        "auditor": user(Role.AUDITOR),
        "administrator": user(Role.ADMINISTRATOR, district_code=None),
        "西城 staff": user(Role.STAFF, district_code=XICHENG),
    }


def both_answers(client, monkeypatch, query: str):
    fast = client.get(f"{API_URL}?{query}")
    with monkeypatch.context() as patched:
        patched.setattr(ProjectViewSet, "list", drf_list)
        slow = client.get(f"{API_URL}?{query}")
    return fast, slow


QUERIES = [
    "",
    "page=2",
    "page=3",
    "sort=-total_investment",
    "sort=total_investment&page=2",
    "sort=stage",
    "sort=-stage&page=2",
    "sort=-received_on",
    "sort=code",
    "q=项目",
    "library=implementation",
    "received_on_after=2025-01-02",
    "reported_to_city=true",
    "unknown=1",
    "sort=bogus",  # 400 with the filter's errors
    "page=99",  # 404
]


def test_every_role_filter_order_and_page_answers_the_same_json_as_the_drf_serializer(
    client, world, monkeypatch
):
    listed = set()
    for who, reader in readers(world).items():
        client.force_login(reader)
        queries = [*QUERIES, f"entity={world['entity'].pk}", f"district={world['xicheng'].pk}"]
        for query in queries:
            fast, slow = both_answers(client, monkeypatch, query)
            assert (fast.status_code, fast.content) == (slow.status_code, slow.content), (who, query)
            if fast.status_code == 200:
                listed.update(project["name"] for project in fast.json()["results"])
        assert client.get(API_URL).json()["count"] > 0, who
    # The comparison covered the full project, the bare one, the draft and 西城's own project.
    assert "全字段项目\u2028" in listed
    assert Project.objects.filter(code="", category=None, name__in=listed).exists()
    assert Project.objects.filter(stage=Stage.DRAFT, name__in=listed).exists()
    assert Project.objects.filter(district__code=XICHENG, districts=None, name__in=listed).exists()


def test_optional_fields_set_and_unset_as_the_serializer_writes_them(client, world, monkeypatch):
    client.force_login(user(Role.ADMINISTRATOR, district_code=None))
    results = []
    for page in (1, 2, 3):
        fast, slow = both_answers(client, monkeypatch, f"page={page}")
        assert fast.content == slow.content
        results += fast.json()["results"]
    full = next(project for project in results if project["name"] == "全字段项目\u2028")
    assert full["total_investment"] == "12345.67" and full["total_investment_yi"] == "1.234567"
    assert full["areas"] == {"land_area": "1234.50", "building_area": "0.01"}
    assert full["admission_notice_number"] == "海淀城更入库〔2025〕9号" and full["city_plan_batch"]
    assert [d["code"] for d in full["districts"]] == ["110102", "110108"]
    assert full["light"] == "red" and len(full["open_deadlines"]) == 3
    assert any(deadline["provisional"] for deadline in full["open_deadlines"])
    assert full["entities"] == {
        "coordinating": {"id": full["entities"]["coordinating"]["id"], "name": "学院路街道"},
        "implementing": {"id": full["entities"]["implementing"]["id"], "name": '实施"主体"<&>\u2028'},
    }
    bare = next(project for project in results if project["code"] == "" and project["category"] is None)
    assert bare["sub_type"] is None and bare["districts"] == [] and bare["admission_notice_number"] is None
    assert bare["entities"] == {"coordinating": None, "implementing": None} and bare["light"] == "green"
    assert bare["total_investment"] == "0.01" and bare["total_investment_yi"] == "0.000001"
    assert any(project["total_investment"] is None for project in results)


def test_the_list_builds_no_project_instances_and_no_drf_fields(client, world, monkeypatch):
    """Without the fast path the page is 50 Project instances (and their related rows) through 45 DRF
    fields each."""
    client.force_login(user(Role.STAFF))
    built = []

    def count(sender, instance, **kwargs):
        built.append(instance)

    def refuse(self, instance):
        raise AssertionError("the list went through ProjectSerializer")

    monkeypatch.setattr(ProjectSerializer, "to_representation", refuse)
    post_init.connect(count, sender=Project)
    try:
        response = client.get(API_URL, {"sort": "-stage"})
    finally:
        post_init.disconnect(count, sender=Project)
    assert response.status_code == 200 and len(response.json()["results"]) == 3
    assert built == []


def test_the_page_and_its_count_join_nothing(client, world):
    """Names come as scalar subqueries and the paginator counts the projects alone: with the six joins of
    select_related PostgreSQL planned the page's query for 3–9 ms on every request at city scale."""
    client.force_login(user(Role.STAFF))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(API_URL, {"page": 2}).status_code == 200
    of_projects = [q["sql"] for q in queries.captured_queries if 'FROM "projects_project"' in q["sql"]]
    assert len(of_projects) == 2, of_projects  # the count and the page
    assert not [sql for sql in of_projects if " JOIN " in sql]


def test_the_districts_are_read_only_for_a_page_with_a_cross_district_project(client, world):
    client.force_login(user(Role.STAFF))

    def listed_districts(page):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(API_URL, {"page": page})
        reads = [
            q for q in queries.captured_queries if q["sql"].startswith('SELECT "projects_project_districts"')
        ]
        return [bool(project["districts"]) for project in response.json()["results"]], len(reads)

    pages = [listed_districts(page) for page in (1, 2, 3)]
    assert [(any(listed), reads) for listed, reads in pages] == [(False, 0), (True, 1), (True, 1)]


def test_the_filters_are_built_only_when_a_parameter_asks_for_one(client, world, monkeypatch):
    built = []
    original = ProjectFilterSet.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ProjectFilterSet, "__init__", counting)
    client.force_login(user(Role.STAFF))
    assert client.get(API_URL).status_code == 200
    assert client.get(API_URL, {"page": 2}).status_code == 200
    assert built == []
    assert client.get(API_URL, {"sort": "code"}).status_code == 200
    assert client.get(API_URL, {"sort": "bogus"}).status_code == 400
    assert len(built) == 2
