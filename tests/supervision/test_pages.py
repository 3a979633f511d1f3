"""The office's pages (issue 15): build a list and a task by hand, assign units, upload a table with errors
shown by row; bad input answers in Chinese with 400."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from renewal.choices import Role
from renewal.models import Deadline
from supervision.choices import DEADLINE_TASK_DUE, TaskState
from supervision.models import SupervisionList, SupervisionTask
from tests.factories import user
from tests.supervision.helpers import ROWS, make_units, table_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client):
    account = user(Role.SUPERVISION)
    client.force_login(account)
    return account


def test_list_and_task_by_hand(client, office):
    units = make_units()
    bad = client.post(reverse("supervision:list_create"), {"title": "", "year": "二〇二五"})
    assert bad.status_code == 400
    assert "请填写标题" in bad.content.decode() and "年度应为数字" in bad.content.decode()
    response = client.post(
        reverse("supervision:list_create"),
        {"title": "2025年区政府工作要点", "year": "2025", "source_document": ""},
    )
    assert response.status_code == 302
    supervision_list = SupervisionList.objects.get()
    assert supervision_list.district == office.district
    again = client.post(reverse("supervision:list_create"), {"title": "2025年区政府工作要点", "year": "2025"})
    assert again.status_code == 400 and "同名" in again.content.decode()

    url = reverse("supervision:task_create", args=[supervision_list.pk])
    assert client.get(url).status_code == 200
    data = {
        "number": "1",
        "source": "区政府工作要点第3项",
        "source_type": "work_points",
        "content": "完成10个老旧小区改造。",
        "units": "区住房城乡建设委、\n区不存在的局",
        "due_date": "2025-12-31",
    }
    refused = client.post(url, data)
    assert refused.status_code == 400 and "区不存在的局" in refused.content.decode()
    data["units"] = "区住房城乡建设委、区财政局"
    assert client.post(url, data).status_code == 302
    task = SupervisionTask.objects.get()
    assert task.state == TaskState.ACTIVE and task.lead_unit == units["区住房城乡建设委"]
    assert client.post(url, data).status_code == 400  # the same 序号 twice

    assign = client.post(
        reverse("supervision:assign", args=[task.pk]),
        {"units": "区财政局\n区住房城乡建设委", "due_date": "2026-03-31"},
    )
    assert assign.status_code == 302
    task.refresh_from_db()
    assert task.lead_unit == units["区财政局"]
    deadline = Deadline.objects.for_subject(task).open().get(kind=DEADLINE_TASK_DUE)
    assert deadline.responsible_organization == units["区财政局"] and str(deadline.due_date) == "2026-03-31"
    page = client.get(task.get_absolute_url())
    assert page.status_code == 200 and "完成10个老旧小区改造" in page.content.decode()


def test_upload_shows_errors_by_row_and_refuses_commit(client, office):
    make_units()
    rows = [list(row) for row in ROWS]
    rows[0][3] = "区住房城乡建设委、\n海淀区清河街道办事处"
    rows[1][4] = "尽快"
    upload = SimpleUploadedFile("督查表.xlsx", table_bytes(rows))
    response = client.post(reverse("supervision:import_upload"), {"file": upload})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert "海淀区清河街道办事处" in html and "无法识别" in html and 'data-testid="commit"' not in html
    commit = client.post(response["Location"] + "commit/")
    assert commit.status_code == 302 and not SupervisionTask.objects.exists()
    wrong = client.post(
        reverse("supervision:import_upload"), {"file": SimpleUploadedFile("督查表.docx", b"PK")}
    )
    assert wrong.status_code == 400 and "不是Excel" in wrong.content.decode()


def test_upload_with_create_units_then_commit(client, office):
    make_units()
    rows = [list(row) for row in ROWS]
    rows[0][3] = "区住房城乡建设委、\n海淀区清河街道办事处"
    upload = SimpleUploadedFile("督查表.xlsx", table_bytes(rows))
    response = client.post(reverse("supervision:import_upload"), {"file": upload, "create_units": "on"})
    preview = client.get(response["Location"])
    assert 'data-testid="commit"' in preview.content.decode()
    committed = client.post(response["Location"] + "commit/")
    assert committed.status_code == 302
    assert SupervisionTask.objects.count() == 3
    assert client.post(response["Location"] + "commit/").status_code == 302  # a second click changes nothing
    assert SupervisionTask.objects.count() == 3


def test_export_bad_list_parameter(client, office):
    response = client.get(reverse("supervision:export") + "?list=abc")
    assert response.status_code == 400 and "清单参数" in response.content.decode()
    assert client.get(reverse("supervision:export") + "?list=999999").status_code == 404


def test_board_queries_do_not_grow_with_tasks(client, office):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from supervision import services
    from tests.factories import district

    units = make_units()

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("supervision:board")).status_code == 200
        return len(queries)

    supervision_list = services.create_list(actor=None, district=district(), title="查询数测试", year=2026)
    for n in range(1, 13):
        services.create_task(
            supervision_list,
            services.TaskData(
                number=str(n), content=f"事项{n}", units=(units["区财政局"], units["区发展改革委"])
            ),
            actor=None,
        )
        if n == 2:
            few = count()
    assert count() == few
