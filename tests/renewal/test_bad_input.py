"""Issue 9, bad input: each refused with a clear Chinese message and a 4xx, nothing written, no file left.

Long file names fit the audit trail, a failed upload leaves no file, plan figures are real numbers, NUL bytes
and bytes that are not UTF-8 are refused, dates are within 1949–2100, a zip holding a program is refused,
downloads carry the extension of the content, and routing the same departments twice is recorded once."""

import io
import threading
import zipfile
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import transaction
from django.urls import reverse

from projects import services as intake
from projects.choices import Stage
from projects.models import Category, IntakeOpinion, Project, SubType
from renewal.attachments import attach
from renewal.choices import DepartmentCode, OrganizationKind, Role
from renewal.models import Attachment, AuditEvent
from review import services as review_services
from review.choices import Decision
from review.models import DepartmentReview
from review.modules import clean_module
from tests import factories
from tests.review.helpers import World
from tests.services import need_postgresql

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x00\x00\x00\x00:~\x9bU"
    b"\x00\x00\x00\nIDATx\x9cc`\x00\x00\x00\x02\x00\x01H\xaf\xa4q\x00\x00\x00\x00IEND\xaeB`\x82"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 112
LONG_NAME = (
    "海淀区学院路街道城市更新片区实施方案关于既有建筑结构安全性鉴定及消防设施改造专项论证的审查意见附件" * 2
)
MIDDLEWARE = "renewal.middleware.BadInputMiddleware"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def bad_input_middleware(settings):
    """The middleware as the lead registers it in settings (after MessageMiddleware)."""
    if MIDDLEWARE not in settings.MIDDLEWARE:
        middleware = list(settings.MIDDLEWARE)
        middleware.insert(
            middleware.index("django.contrib.messages.middleware.MessageMiddleware") + 1, MIDDLEWARE
        )
        settings.MIDDLEWARE = middleware


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


def draft(entity) -> Project:
    category = Category.objects.get(code="residential")
    return intake.create_draft(
        actor=entity,
        data={
            "name": "科源社区老旧小区综合整治",
            "category": category,
            "sub_type": SubType.objects.get(category=category, name="老旧小区综合整治"),
            "location": "海淀区中关村街道科源社区",
            "renewal_goal": "完成12栋住宅楼综合整治",
            "total_investment": Decimal("3000.00"),
        },
    )


def zip_with(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("说明.txt", "材料说明")
        archive.writestr(name, content)
    return buffer.getvalue()


# --- 1. long file names -----------------------------------------------------------------------------------


def test_a_long_chinese_file_name_is_kept_whole_and_fits_the_audit_columns(make_user, media):
    entity = make_user(Role.ENTITY)
    project = draft(entity)
    name = LONG_NAME + ".pdf"
    assert len(name) > 64
    attachment = attach(project, SimpleUploadedFile(name, PDF), kind="申报材料", actor=entity)
    assert attachment.original_name == name
    event = AuditEvent.objects.get(action="attachment.upload")
    assert len(event.to_state) <= 64 and len(event.from_state) <= 64
    assert event.to_state.startswith(LONG_NAME[:20])
    assert event.data["file"] == name


def test_a_department_opinion_with_a_long_attachment_name_is_kept(db, media):
    world = World()
    plan = review_services.start_joint_review(world.three_department_plan(), actor=world.staff)
    review = DepartmentReview.objects.filter(review_round__plan=plan, decision=Decision.PENDING).first()
    name = LONG_NAME + ".pdf"
    review_services.record_decision(
        review,
        actor=world.reviewer_of(review),
        decision=Decision.DISAGREE,
        text="结构安全鉴定结论不明确",
        attachments=[SimpleUploadedFile(name, PDF)],
    )
    review.refresh_from_db()
    assert review.decision == Decision.DISAGREE
    assert Attachment.objects.for_object(review).get().original_name == name
    for event in AuditEvent.objects.all():
        assert len(event.from_state) <= 64 and len(event.to_state) <= 64, event.action


def test_downloading_a_long_named_file_is_audited_and_named_by_its_content(client, make_user, media):
    entity = make_user(Role.ENTITY)
    project = draft(entity)
    attachment = attach(project, SimpleUploadedFile(LONG_NAME, PNG), kind="申报材料", actor=entity)
    client.force_login(entity)
    response = client.get(reverse("attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert quote(LONG_NAME + ".png") in response["Content-Disposition"]
    event = AuditEvent.objects.get(action="attachment.download")
    assert len(event.to_state) <= 64 and event.data["file"] == LONG_NAME


# --- files left on disk -------------------------------------------------------------------------------


def test_a_failed_upload_leaves_no_file(make_user, media, monkeypatch):
    entity = make_user(Role.ENTITY)
    project = draft(entity)

    def failing_record_event(**kwargs):
        raise RuntimeError("the audit trail refused the event")

    monkeypatch.setattr("renewal.attachments.record_event", failing_record_event)
    with pytest.raises(RuntimeError):
        attach(project, SimpleUploadedFile("申报书.pdf", PDF), kind="申报材料", actor=entity)
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_file_and_a_committed_one_keeps_it(media):
    entity = factories.user(Role.ENTITY)
    project = draft(entity)
    with pytest.raises(ValueError), transaction.atomic():
        attach(project, SimpleUploadedFile("会签意见.pdf", PDF), kind="申报材料", actor=entity)
        assert len(stored_files(media)) == 1
        raise ValueError("a later step of the same service fails")
    request_finished.send(sender=None)
    assert not Attachment.objects.exists()
    assert stored_files(media) == []

    with transaction.atomic():
        kept = attach(project, SimpleUploadedFile("会签意见.pdf", PDF), kind="申报材料", actor=entity)
    request_finished.send(sender=None)
    assert [path.name for path in stored_files(media)] == [kept.file.name.rsplit("/", 1)[-1]]


# --- 4. content must match the name; zips are inspected -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.pdf", zip_with("setup.exe", EXE), "扩展名（.pdf）与文件内容（ZIP）不符"),
        ("plan.zip", zip_with("setup.exe", EXE), "含有程序或脚本"),
        ("plan.zip", zip_with("readme.pdf", EXE), "含有程序或脚本"),
        ("plan.zip", zip_with("inner.zip", zip_with("a.exe", EXE)), "嵌套压缩包"),
        ("照片.pdf", PNG, "扩展名（.pdf）与文件内容（PNG）不符"),
    ],
    ids=["zip-named-pdf", "exe-in-zip", "program-renamed-in-zip", "nested-zip", "png-named-pdf"],
)
def test_an_upload_whose_content_does_not_match_or_holds_a_program_is_refused(
    client, make_user, media, name, content, message
):
    entity = make_user(Role.ENTITY)
    project = draft(entity)
    client.force_login(entity)
    response = client.post(
        reverse("projects:attachment_upload", args=[project.pk]),
        {"kind": "申报材料", "file": SimpleUploadedFile(name, content)},
        follow=True,
    )
    assert message in response.content.decode()
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action="attachment.upload").exists()
    assert stored_files(media) == []


def test_a_plain_zip_and_a_jpeg_named_jpeg_are_accepted(make_user, media):
    entity = make_user(Role.ENTITY)
    project = draft(entity)
    archive = attach(
        project, SimpleUploadedFile("图纸.zip", zip_with("总平面图.pdf", PDF)), kind="申报材料", actor=entity
    )
    assert archive.extension == "zip"
    jpeg = (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
    )
    photo = attach(project, SimpleUploadedFile("现场照片.JPEG", jpeg), kind="申报材料", actor=entity)
    assert (photo.extension, photo.original_name) == ("jpg", "现场照片.JPEG")


# --- 2. numbers in plan modules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999", "1E5", "²", "１２３", "1" * 50, "0x10", "1_000"],
)
def test_a_plan_decimal_that_is_not_a_plain_number_is_refused(value):
    data, errors = clean_module("basic_info", {"land_area": value})
    assert "land_area" not in data
    assert errors["land_area"].startswith("“用地面积”应为数字")


@pytest.mark.parametrize("value", ["²", "٣", "1" * 50, "1e3", "NaN", "+5", "3.0"])
def test_a_plan_count_that_is_not_a_plain_whole_number_is_refused(value):
    data, errors = clean_module("consultation", {"holders_count": value})
    assert "holders_count" not in data
    assert "应为非负整数" in errors["holders_count"]


def test_plain_plan_numbers_are_still_accepted():
    data, errors = clean_module("basic_info", {"land_area": "52,000.25"})
    assert errors == {} and data["land_area"] == "52000.25"  # (unticked yes/no facts are saved as False)
    data, errors = clean_module("consultation", {"holders_count": "320", "agree_count": "300"})
    assert errors == {} and data["holders_count"] == 320


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "1900-01-01"])
def test_a_plan_date_outside_1949_to_2100_is_refused(value):
    date_field = next(
        (module, field)
        for module in __import__("review.modules", fromlist=["MODULES"]).MODULES
        for field in module.fields
        if field.kind == "date"
    )
    module, field = date_field
    data, errors = clean_module(module.code, {field.name: value})
    assert field.name not in data
    assert "1949年至2100年" in errors[field.name]


def test_saving_a_plan_with_nan_writes_nothing(db):
    world = World()
    plan = world.draft_plan()
    before = dict(plan.content)
    events = AuditEvent.objects.count()
    from renewal.workflow import TransitionRefused

    with pytest.raises(TransitionRefused):
        review_services.save_plan(
            plan, actor=world.entity, modules={"basic_info": {"land_area": "NaN"}}, facts=[]
        )
    plan.refresh_from_db()
    assert plan.content == before
    assert AuditEvent.objects.count() == events


# --- 3. NUL bytes, encodings, dates in filters ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/deadlines/?kind=%00",
        "/audit/?action=a%00b",
        "/audit/?q=%00",
        "/projects/?q=%E5%00",
        "/deadlines/?q=%FF%FE",
        "/api/v1/deadlines/?kind=%00",
    ],
)
def test_a_nul_byte_or_bytes_that_are_not_utf8_in_a_filter_are_a_400_in_chinese(client, make_user, url):
    client.force_login(make_user(Role.STAFF))
    response = client.get(url)
    assert response.status_code == 400
    body = response.content.decode()
    assert "NUL" in body or "UTF-8" in body
    assert "请求未被处理" in body


def test_form_bytes_that_are_not_utf8_are_refused_and_nothing_is_stored(client, make_user):
    entity = make_user(Role.ENTITY)
    project = draft(entity)
    client.force_login(entity)
    body = "name=" + quote("科源社区").replace("%E7%A4%BE", "%FF%FE") + "&location=abc"
    response = client.post(
        reverse("projects:project_edit", args=[project.pk]),
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    assert "不是有效的 UTF-8 文字编码" in response.content.decode()
    project.refresh_from_db()
    assert "\ufffd" not in project.name and project.name == "科源社区老旧小区综合整治"


def test_a_multipart_field_with_a_nul_byte_is_refused(client, make_user, media):
    entity = make_user(Role.ENTITY)
    project = draft(entity)
    client.force_login(entity)
    response = client.post(
        reverse("projects:attachment_upload", args=[project.pk]),
        {"kind": "申报\x00材料", "file": SimpleUploadedFile("申报书.pdf", PDF)},
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()
    assert stored_files(media) == []


def test_ordinary_chinese_input_passes(client, make_user):
    client.force_login(make_user(Role.STAFF))
    assert client.get("/audit/?q=" + quote("科源社区")).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/audit/?date_from=0001-01-01",
        "/audit/?date_to=9999-12-31",
        "/deadlines/?due_date__gte=0001-01-01",
        "/deadlines/?due_date__lte=9999-12-31",
        "/projects/?received_on_after=0001-01-01",
    ],
)
def test_a_filter_date_outside_1949_to_2100_is_refused_in_chinese(client, make_user, url):
    client.force_login(make_user(Role.STAFF))
    response = client.get(url)
    assert response.status_code < 500
    assert "日期应在1949年1月1日至2100年12月31日之间" in response.content.decode()


def test_an_api_filter_date_outside_the_range_is_a_400(client, make_user):
    client.force_login(make_user(Role.STAFF))
    response = client.get("/api/v1/deadlines/?due_date__gte=0001-01-01")
    assert response.status_code == 400
    assert "日期应在1949年1月1日至2100年12月31日之间" in response.content.decode()


# --- 5. routing the same departments again is recorded once ---------------------------------------------


def submitted_with_departments():
    haidian = factories.district("110108")
    staff = factories.user(Role.STAFF, district_code="110108")
    entity = factories.user(Role.ENTITY, district_code="110108")
    planning, housing = (
        factories.OrganizationFactory(
            kind=OrganizationKind.DEPARTMENT, department_code=code, district=haidian, name=f"海淀{code.label}"
        )
        for code in (DepartmentCode.PLANNING, DepartmentCode.HOUSING)
    )
    from tests.projects.factories import submit_with_materials

    project = submit_with_materials(draft(entity), entity)
    assert project.stage == Stage.SUBMITTED
    return project, staff, planning, housing


def route_events(project) -> int:
    return AuditEvent.objects.for_object(project).filter(action="intake.route").count()


def test_routing_the_same_departments_again_writes_no_second_event(db, media):
    project, staff, planning, housing = submitted_with_departments()
    intake.route(project, actor=staff, departments=[planning])
    intake.route(project, actor=staff, departments=[planning])
    assert route_events(project) == 1
    assert IntakeOpinion.objects.filter(project=project).count() == 1
    intake.route(project, actor=staff, departments=[planning, housing])
    assert route_events(project) == 2
    assert IntakeOpinion.objects.filter(project=project).count() == 2


def test_a_repeated_routing_is_still_refused_to_someone_who_may_not_route(db, media):
    from renewal.workflow import TransitionRefused

    project, staff, planning, _ = submitted_with_departments()
    intake.route(project, actor=staff, departments=[planning])
    with pytest.raises(TransitionRefused):
        intake.route(project, actor=factories.user(Role.ENTITY), departments=[planning])


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_ten_parallel_routings_write_one_audit_event(media):
    need_postgresql()
    project, staff, planning, _ = submitted_with_departments()
    barrier = threading.Barrier(10)
    errors: list[Exception] = []

    def route_once():
        from django.db import connection

        try:
            barrier.wait(timeout=30)
            intake.route(Project.objects.get(pk=project.pk), actor=staff, departments=[planning])
        except Exception as exc:  # reported to the test thread, which fails on it
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=route_once) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive()
    assert errors == []
    assert route_events(project) == 1
    assert IntakeOpinion.objects.filter(project=project).count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_long_file_name_on_postgresql_is_stored_and_audited(media):
    need_postgresql()
    entity = factories.user(Role.ENTITY)
    project = draft(entity)
    name = LONG_NAME + ".pdf"
    attachment = attach(project, SimpleUploadedFile(name, PDF), kind="申报材料", actor=entity)
    attachment.refresh_from_db()
    assert attachment.original_name == name
    assert len(stored_files(media)) == 1
    assert len(AuditEvent.objects.get(action="attachment.upload").to_state) <= 64
