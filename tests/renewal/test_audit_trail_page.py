"""The audit trail page (issue 7 §5): filters by action (Chinese labels), person, organisation, date range
and object; rows link to their objects; the filtered rows export to xlsx (an audited export that records
its filters and row count); dates read as 2025年10月23日; the list's query count does not grow."""

import datetime
import io
import re

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from projects.models import Project
from renewal.attachments import attach
from renewal.choices import OrganizationKind, Role
from renewal.models import AuditEvent
from renewal.services import record_event
from tests import factories
from tests.review.helpers import PDF, World

pytestmark = pytest.mark.django_db


def rows(html: str) -> dict[int, str]:
    """{event pk: row html} of the audit table."""
    return {int(pk): body for pk, body in re.findall(r'<tr data-event="(\d+)">(.*?)</tr>', html, re.S)}


def options(html: str, name: str) -> dict[str, str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)))


def HAIDIAN():
    return factories.district("110108")


def at(day: datetime.date, hour=10, minute=5) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def world():
    return World()


@pytest.fixture
def project(world):
    """An admitted project moved to the implementation library: intake events by the entity and staff."""
    return world.implementation_project(name="审计测试项目")


# --- filters -----------------------------------------------------------------------------------------


def test_the_action_filter_lists_the_actions_present_by_their_chinese_labels(client, world, project):
    client.force_login(world.staff)
    html = client.get("/audit/").content.decode()
    choices = options(html, "action")
    assert choices["intake.admit"] == "确认入库"
    assert choices["intake.submit"] == "提交入库申请"
    assert choices["deadline.open"] == "开启期限"  # "开启期限：入库联合审查" named by its action
    labels = [label for value, label in choices.items() if value]
    assert all(not re.search(r"[a-z_]\.[a-z_]", label) for label in labels), labels
    assert len(labels) == len(set(labels))

    admitted = client.get("/audit/?action=intake.admit").content.decode()
    listed = rows(admitted)
    assert listed and set(AuditEvent.objects.filter(pk__in=listed).values_list("action", flat=True)) == {
        "intake.admit"
    }


def test_filter_by_person_and_by_the_system(client, world, project):
    record_event(actor=None, action="test.sweep", action_label="每日巡检", obj=project)
    client.force_login(world.staff)
    html = client.get("/audit/").content.decode()
    people = options(html, "actor")
    assert people[str(world.entity.pk)] == world.entity.get_full_name()
    assert people["system"] == "系统"
    mine = rows(client.get(f"/audit/?actor={world.entity.pk}").content.decode())
    assert mine and set(AuditEvent.objects.filter(pk__in=mine).values_list("actor", flat=True)) == {
        world.entity.pk
    }
    system = rows(client.get("/audit/?actor=system").content.decode())
    assert set(AuditEvent.objects.filter(pk__in=system).values_list("actor", flat=True)) == {None}


def test_filter_by_organisation_covers_who_acted_and_whose_object_it_is(client, world, project):
    client.force_login(world.staff)
    entity_org = world.entity.organization
    listed = rows(client.get(f"/audit/?organization={entity_org.pk}").content.decode())
    events = AuditEvent.objects.filter(pk__in=listed)
    assert events.filter(actor=world.staff).exists()  # staff acting on the entity's project
    assert events.filter(actor=world.entity).exists()
    other = factories.OrganizationFactory(kind=OrganizationKind.ENTITY, district=factories.district("110108"))
    assert rows(client.get(f"/audit/?organization={other.pk}").content.decode()) == {}


def test_filter_by_date_range(client, world, project):
    early = AuditEvent.objects.create(
        action="test.old",
        action_label="旧操作",
        created_at=at(datetime.date(2025, 10, 23)),
        district=HAIDIAN(),
    )
    late = AuditEvent.objects.create(
        action="test.new",
        action_label="新操作",
        created_at=at(datetime.date(2025, 11, 3)),
        district=HAIDIAN(),
    )
    client.force_login(world.staff)
    listed = rows(client.get("/audit/?date_from=2025-10-01&date_to=2025-10-31").content.decode())
    assert early.pk in listed and late.pk not in listed
    listed = rows(client.get("/audit/?date_from=2025-11-01").content.decode())
    assert late.pk in listed and early.pk not in listed


def test_a_reversed_date_range_is_explained_in_chinese(client, world):
    client.force_login(world.staff)
    html = client.get("/audit/?date_from=2025-11-01&date_to=2025-10-01").content.decode()
    assert "截止日期不能早于起始日期。" in html


def test_filter_by_object_type_and_id_or_by_its_name(client, world, project):
    other = world.implementation_project(name="另一个项目")
    client.force_login(world.staff)
    project_type = ContentType.objects.get_for_model(Project)
    html = client.get("/audit/").content.decode()
    assert options(html, "object_type")[str(project_type.pk)] == "城市更新项目"
    by_id = rows(client.get(f"/audit/?object_type={project_type.pk}&object_id={project.pk}").content.decode())
    assert by_id and set(AuditEvent.objects.filter(pk__in=by_id).values_list("object_id", flat=True)) == {
        str(project.pk)
    }
    by_name = rows(client.get("/audit/?q=另一个").content.decode())
    assert by_name and set(AuditEvent.objects.filter(pk__in=by_name).values_list("object_id", flat=True)) == {
        str(other.pk)
    }
    refused = client.get(f"/audit/?object_id={project.pk}").content.decode()
    assert "按对象编号筛选时，请选择对象类型。" in refused


# --- links and dates -----------------------------------------------------------------------------------


def test_rows_link_to_their_objects_when_the_viewer_may_open_them(client, world, project):
    plan = world.submitted_plan(project)
    gone = record_event(actor=world.staff, action="test.gone", action_label="测试", obj=project)
    AuditEvent.objects.create(
        action="test.deleted",
        action_label="已删除对象",
        content_type=gone.content_type,
        object_id="987654",
        object_repr="已删除的项目",
        district=project.district,
    )
    organization_event = record_event(
        actor=world.staff, action="test.org", action_label="机构", obj=world.entity.organization
    )
    client.force_login(world.staff)
    html = client.get("/audit/").content.decode()
    listed = rows(html)
    project_url = reverse("projects:project_detail", args=[project.pk])
    plan_url = reverse("review:plan_detail", args=[plan.pk])
    assert f'href="{project_url}"' in listed[gone.pk]
    plan_event = AuditEvent.objects.filter(action="plan.submit").get()
    assert f'href="{plan_url}"' in listed[plan_event.pk]
    deleted = AuditEvent.objects.get(action="test.deleted")
    assert "已删除的项目" in listed[deleted.pk] and "href" not in listed[deleted.pk]
    assert "href" not in listed[organization_event.pk]  # no page for an organisation
    for url in set(re.findall(r'<a href="([^"]+)" data-object-link>', html)):
        assert client.get(url).status_code == 200, url


def test_times_and_stored_iso_dates_read_as_chinese_dates(client, world):
    event = AuditEvent.objects.create(
        action="publicity.extend",
        action_label="延长公示期",
        from_state="2026-03-04",
        to_state="2026-03-24",
        reason="2027年工作日历已确认，公示期至 2026-03-24",
        created_at=at(datetime.date(2025, 10, 23), 14, 5),
        district=HAIDIAN(),
    )
    client.force_login(world.staff)
    row = rows(client.get("/audit/").content.decode())[event.pk]
    assert "2025年10月23日 14:05" in row
    assert "2026年3月4日 → 2026年3月24日" in row
    assert "2026年3月24日" in row.split("→")[-1]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r"<[^>]+>", "", row))
    event.refresh_from_db()
    assert (event.from_state, event.to_state) == ("2026-03-04", "2026-03-24")  # stored data unchanged


# --- export ----------------------------------------------------------------------------------------------


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_export_is_what_the_list_shows_with_its_filters_and_is_audited(client, world, project):
    client.force_login(world.staff)
    page = client.get("/audit/?action=intake.admit").content.decode()
    assert 'href="/audit/export/?action=intake.admit"' in page
    expected = AuditEvent.objects.filter(action="intake.admit").count()
    sheet = workbook(client.get("/audit/export/?action=intake.admit"))
    assert sheet.max_row == 2 + expected
    assert sheet.cell(2, 1).value == "日期" and sheet.cell(3, 4).value == "确认入库"
    assert "操作：确认入库" in sheet.cell(1, 1).value
    exported = AuditEvent.objects.filter(action="audit.export").get()
    assert exported.actor == world.staff
    assert exported.data["filters"] == {"action": "intake.admit"}
    assert exported.data["rows"] == expected
    assert exported.data["filters_described"] == {"操作": "确认入库"}


def test_export_date_cells_are_real_dates_shown_in_chinese(client, world):
    AuditEvent.objects.create(
        action="test.x",
        action_label="测试",
        created_at=at(datetime.date(2025, 10, 23), 9, 30),
        district=HAIDIAN(),
    )
    client.force_login(world.staff)
    sheet = workbook(client.get("/audit/export/?action=test.x"))
    cell = sheet.cell(3, 1)
    assert cell.value == datetime.datetime(2025, 10, 23)  # a date cell (openpyxl reads it back as midnight)
    assert cell.number_format == 'yyyy"年"m"月"d"日"'
    assert sheet.cell(3, 2).value == datetime.time(9, 30)


def test_export_with_invalid_filters_exports_nothing(client, world):
    client.force_login(world.staff)
    response = client.get("/audit/export/?date_from=2025-11-01&date_to=2025-10-01")
    assert response.status_code == 302 and response["Location"].startswith("/audit/?")
    assert not AuditEvent.objects.filter(action="audit.export").exists()


def test_export_is_refused_to_roles_without_the_audit_trail(client, make_user):
    client.force_login(make_user(Role.LEADERSHIP))
    assert client.get("/audit/export/").status_code == 403


def test_an_attachment_download_records_what_was_downloaded(client, world, project):
    attachment = attach(project, SimpleUploadedFile("图纸.pdf", PDF), kind="设计图纸", actor=world.entity)
    client.force_login(world.staff)
    response = client.get(reverse("attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.filter(action="attachment.download").get()
    assert event.data == {
        "attachment": attachment.pk,
        "kind": "设计图纸",
        "file": "图纸.pdf",
        "version": 1,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }


def test_the_api_filters_with_the_same_filters(client, world, project):
    client.force_login(world.staff)
    body = client.get(f"/api/v1/audit-events/?action=intake.admit&actor={world.staff.pk}").json()
    assert body["count"] == AuditEvent.objects.filter(action="intake.admit", actor=world.staff).count() > 0


# --- query count -------------------------------------------------------------------------------------


def test_the_list_query_count_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    projects = [world.implementation_project(name=f"项目{i}") for i in range(2)]
    client.force_login(world.staff)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/audit/").status_code == 200
        return len(captured)

    count()
    few = count()
    for i in range(3):
        projects.append(world.implementation_project(name=f"更多项目{i}"))
    assert AuditEvent.objects.count() > 40
    assert count() == few
    with django_assert_max_num_queries(few):
        client.get("/audit/?page=2")


def test_states_read_with_the_labels_of_the_events_own_workflow(client, world, project):
    """Intake and plans share the codes draft/submitted: an intake event reads 草稿 → 已受理."""
    world.submitted_plan(project)
    client.force_login(world.staff)
    submitted = AuditEvent.objects.get(action="intake.submit")
    row = rows(client.get("/audit/?action=intake.submit").content.decode())[submitted.pk]
    assert "草稿 → 已受理" in row
    plan_event = AuditEvent.objects.get(action="plan.submit")
    row = rows(client.get("/audit/?action=plan.submit").content.decode())[plan_event.pk]
    assert "编制中 → 已报送" in row


def test_the_home_page_reads_dates_in_chinese_and_links_recent_events(client, world, project):
    record_event(
        actor=world.staff, action="calendar.day", action_label="修改工作日历：2026-03-04", obj=project
    )
    client.force_login(world.staff)
    html = client.get("/").content.decode()
    assert "修改工作日历：2026年3月4日" in html
    assert not re.search(r"\d{4}-\d{2}-\d{2}", re.sub(r"<[^>]+>", " ", html))
    assert f'href="{reverse("projects:project_detail", args=[project.pk])}"' in html
