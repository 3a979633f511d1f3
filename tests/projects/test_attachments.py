"""Application materials: upload through projects:attachment_upload (type decided by content, size limit,
SHA-256, versions that never overwrite) and the scoped, audited download (attachment_download)."""

import datetime
import hashlib
import io
import struct
import types
import zipfile
import zlib
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from projects import services
from projects.choices import Opinion, Stage
from projects.models import Category, IntakeOpinion, Project, SubType
from renewal.choices import DepartmentCode, OrganizationKind, Role
from renewal.models import Attachment, AuditEvent
from tests import factories
from tests.projects.factories import submit_with_materials

HAIDIAN, XICHENG = "110108", "110102"
MB = 1024 * 1024


# --- real minimal files -------------------------------------------------------------------------------


def pdf_bytes(text: str = "申报材料") -> bytes:
    body = text.encode()
    return (
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n% " + body + b"\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    """A valid 1×1 greyscale PNG: signature, IHDR, IDAT, IEND with correct CRCs."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>申报书</w:t></w:r></w:p></w:body></w:document>',
        )
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["项目名称", "总投资（万元）"])
    workbook.active.append(["老旧小区综合整治", 3000])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "矢量数据说明")
    return buffer.getvalue()


DWG = b"AC1032" + b"\x00" * 122
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 112
TEXT = "这只是一个文本文件，不是 Word 文档。\n".encode()

ACCEPTED = [
    ("申报书.pdf", pdf_bytes, "pdf", "application/pdf"),
    ("项目位置图.png", png_bytes, "png", "image/png"),
    (
        "申报表.docx",
        docx_bytes,
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    (
        "资金匡算.xlsx",
        xlsx_bytes,
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("总平面图.dwg", lambda: DWG, "dwg", "image/vnd.dwg"),
    ("矢量数据.zip", zip_bytes, "zip", "application/zip"),
]


# --- world --------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    monkeypatch.setattr("renewal.calendar.today", lambda: datetime.date(2026, 2, 12))


@pytest.fixture
def w(make_user):
    haidian = factories.district(HAIDIAN)
    hc = factories.OrganizationFactory(
        kind=OrganizationKind.HOUSING_COMMISSION, district=haidian, name="海淀区住房和城乡建设委员会"
    )
    planning = factories.OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT,
        department_code=DepartmentCode.PLANNING,
        district=haidian,
        name="海淀规划自然资源分局",
    )
    xicheng_planning = factories.OrganizationFactory(
        kind=OrganizationKind.DEPARTMENT,
        department_code=DepartmentCode.PLANNING,
        district=factories.district(XICHENG),
        name="西城规划自然资源分局",
    )
    return types.SimpleNamespace(
        staff=make_user(Role.STAFF, organization=hc),
        entity=make_user(Role.ENTITY),
        other_entity=make_user(Role.ENTITY),
        planning=planning,
        reviewer=make_user(Role.REVIEWER, organization=planning),
        district_leader=make_user(Role.LEADERSHIP),
        city_leader=make_user(Role.LEADERSHIP, district_code=None),
        xicheng_staff=make_user(Role.STAFF, district_code=XICHENG),
        xicheng_reviewer=make_user(Role.REVIEWER, organization=xicheng_planning),
        xicheng_leader=make_user(Role.LEADERSHIP, district_code=XICHENG),
    )


def draft_for(entity, **overrides) -> Project:
    category = Category.objects.get(code="residential")
    data = {
        "name": "科源社区老旧小区综合整治",
        "category": category,
        "sub_type": SubType.objects.get(category=category, name="老旧小区综合整治"),
        "location": "海淀区中关村街道科源社区",
        "renewal_goal": "完成12栋住宅楼综合整治",
        "total_investment": Decimal("3000.00"),
    }
    data.update(overrides)
    return services.create_draft(actor=entity, data=data)


@pytest.fixture
def project(w):
    return draft_for(w.entity)


def upload(client, project, name, content, kind="申报材料", replaces=None):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content)}
    if replaces is not None:
        data["replaces"] = str(replaces.pk)
    return client.post(reverse("projects:attachment_upload", args=[project.pk]), data, follow=True)


def html_of(response) -> str:
    return response.content.decode()


def stored_bytes(attachment) -> bytes:
    with attachment.file.open("rb") as handle:
        return handle.read()


def download(client, attachment):
    return client.get(reverse("attachment_download", args=[attachment.pk]))


def body_of(response) -> bytes:
    # Consuming the stream lets the test client close the response itself (closing it a second time
    # would fire request_finished with close_old_connections connected and drop the test's connection).
    return b"".join(response.streaming_content)


def download_events(project):
    return AuditEvent.objects.for_object(project).filter(action="attachment.download")


# --- accepted types -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "make", "extension", "mime"), ACCEPTED, ids=[a[2] for a in ACCEPTED])
def test_real_files_of_allowed_types_are_accepted(client, w, project, media, name, make, extension, mime):
    content = make()
    client.force_login(w.entity)
    response = upload(client, project, name, content, kind="项目位置图")
    assert response.status_code == 200
    assert f"已上传：{name}（第1版）" in html_of(response)
    attachment = Attachment.objects.get()
    assert attachment.subject == project
    assert attachment.extension == extension and attachment.mime_type == mime
    assert attachment.original_name == name and attachment.kind == "项目位置图"
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.version == 1 and attachment.replaces is None
    assert attachment.uploaded_by == w.entity
    assert attachment.district.code == HAIDIAN and attachment.organization == w.entity.organization
    assert stored_bytes(attachment) == content
    # stored under a random name with the sniffed extension, inside MEDIA_ROOT, never the user's name
    assert attachment.file.name.endswith(f".{extension}") and name not in attachment.file.name
    assert (media / attachment.file.name).read_bytes() == content
    event = AuditEvent.objects.for_object(project).get(action="attachment.upload")
    assert event.actor == w.entity and event.data["sha256"] == hashlib.sha256(content).hexdigest()
    assert event.data["attachment"] == attachment.pk and event.data["size"] == len(content)


def test_type_is_decided_by_content_not_by_the_name(client, w, project):
    """A PDF named without an extension is stored as a PDF; a PDF named .docx is refused (issue 9: the content
    must match the extension the name declares)."""
    client.force_login(w.entity)
    upload(client, project, "伪装", pdf_bytes())
    attachment = Attachment.objects.get()
    assert (attachment.extension, attachment.mime_type) == ("pdf", "application/pdf")
    assert attachment.file.name.endswith(".pdf")
    response = upload(client, project, "伪装.docx", pdf_bytes())
    assert "文件“伪装.docx”的扩展名（.docx）与文件内容（PDF）不符" in html_of(response)
    assert Attachment.objects.count() == 1


# --- refused types and sizes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [("申报书.pdf", EXE), ("申报表.docx", TEXT), ("空白.pdf", b"\x00" * 64)],
    ids=["exe-renamed-pdf", "text-renamed-docx", "zeros"],
)
def test_content_of_a_type_not_allowed_is_refused(client, w, project, media, name, content):
    client.force_login(w.entity)
    response = upload(client, project, name, content)
    html = html_of(response)
    assert f"文件“{name}”的内容不是允许的类型。允许：" in html
    for allowed in ("PDF", "JPG/PNG/TIFF/BMP/WEBP", "Word/Excel/PowerPoint", "DWG", "ZIP"):
        assert allowed in html
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action="attachment.upload").exists()
    assert not any(media.rglob("*.*"))  # nothing written to storage


def test_empty_file_is_refused(client, w, project):
    client.force_login(w.entity)
    html = html_of(upload(client, project, "零字节.pdf", b""))
    assert "空文件" in html and not Attachment.objects.exists()


def test_missing_file_is_refused(client, w, project):
    client.force_login(w.entity)
    response = client.post(
        reverse("projects:attachment_upload", args=[project.pk]), {"kind": "申报材料"}, follow=True
    )
    assert "请选择要上传的文件。" in html_of(response)
    assert not Attachment.objects.exists()


def test_file_over_the_size_limit_is_refused(client, w, project, settings):
    settings.ATTACHMENT_MAX_BYTES = 1 * MB
    content = pdf_bytes() + b"0" * (MB + 1 - len(pdf_bytes()))
    assert len(content) == MB + 1
    client.force_login(w.entity)
    html = html_of(upload(client, project, "超大.pdf", content))
    assert "文件“超大.pdf”超过大小上限 1 MB。" in html
    assert not Attachment.objects.exists()


def test_file_at_the_size_limit_is_accepted(client, w, project, settings):
    settings.ATTACHMENT_MAX_BYTES = 1 * MB
    content = pdf_bytes() + b"0" * (MB - len(pdf_bytes()))
    client.force_login(w.entity)
    upload(client, project, "刚好.pdf", content)
    attachment = Attachment.objects.get()
    assert attachment.size == MB
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()


# --- versions -----------------------------------------------------------------------------------------


def test_replacement_is_a_new_version_that_keeps_the_old_file(client, w, project):
    first_content, second_content = pdf_bytes("第一版"), pdf_bytes("第二版 修改后")
    client.force_login(w.entity)
    upload(client, project, "申报书.pdf", first_content, kind="申报材料")
    v1 = Attachment.objects.get()
    response = upload(client, project, "申报书（修改）.pdf", second_content, kind="其他", replaces=v1)
    assert "已上传：申报书（修改）.pdf（第2版）" in html_of(response)

    v2 = Attachment.objects.exclude(pk=v1.pk).get()
    v1.refresh_from_db()
    assert v2.version == 2 and v2.replaces == v1 and v1.superseded_by == v2
    assert v2.kind == "申报材料"  # a new version stays the same kind of document
    assert v1.version == 1 and v1.original_name == "申报书.pdf"
    assert v1.file.name != v2.file.name
    assert stored_bytes(v1) == first_content and stored_bytes(v2) == second_content
    assert v1.sha256 == hashlib.sha256(first_content).hexdigest()
    assert v2.sha256 == hashlib.sha256(second_content).hexdigest()
    assert list(Attachment.objects.current()) == [v2]

    assert body_of(download(client, v1)) == first_content
    assert body_of(download(client, v2)) == second_content

    html = html_of(client.get(reverse("projects:project_detail", args=[project.pk])))
    assert "第2版</td>" in html and "第1版（已被替换）" in html
    upload_event = (
        AuditEvent.objects.for_object(project).filter(action="attachment.upload").order_by("-pk")[0]
    )
    assert upload_event.data["replaces"] == v1.pk and upload_event.to_state == "申报书（修改）.pdf v2"


def test_replacing_a_superseded_version_is_refused(client, w, project):
    client.force_login(w.entity)
    upload(client, project, "申报书.pdf", pdf_bytes("1"))
    v1 = Attachment.objects.get()
    upload(client, project, "申报书.pdf", pdf_bytes("2"), replaces=v1)
    response = upload(client, project, "申报书.pdf", pdf_bytes("3"), replaces=v1)
    assert "该附件已有新版本，请替换最新版本。" in html_of(response)
    assert Attachment.objects.count() == 2
    assert sorted(Attachment.objects.values_list("version", flat=True)) == [1, 2]
    v3 = upload(client, project, "申报书.pdf", pdf_bytes("3"), replaces=Attachment.objects.get(version=2))
    assert "（第3版）" in html_of(v3)


def test_a_replacement_must_itself_be_an_allowed_file(client, w, project):
    client.force_login(w.entity)
    upload(client, project, "申报书.pdf", pdf_bytes())
    v1 = Attachment.objects.get()
    html = html_of(upload(client, project, "申报书.pdf", EXE, replaces=v1))
    assert "的内容不是允许的类型" in html
    assert Attachment.objects.count() == 1 and not hasattr(Attachment.objects.get(), "superseded_by")


# --- when and by whom uploads are allowed -------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "label"),
    [
        ("submitted", "已受理"),
        ("under_review", "入库联合审查中"),
        ("reserve", "储备项目"),
        ("rejected", "未予入库"),
    ],
)
def test_uploads_are_refused_outside_draft_and_supplement(client, w, project, stage, label):
    project = submit_with_materials(project, w.entity)
    if stage == "rejected":
        project = services.reject(project, actor=w.staff, reason="不符合规划")
    elif stage in ("under_review", "reserve"):
        project = services.route(project, actor=w.staff, departments=[w.planning])
        if stage == "reserve":
            opinion = IntakeOpinion.objects.get(project=project)
            services.record_opinion(opinion, actor=w.reviewer, decision=Opinion.AGREE, text="")
            project = services.admit(project, actor=w.staff)
    assert Project.objects.get(pk=project.pk).stage == stage
    client.force_login(w.entity)
    before = Attachment.objects.count()
    html = html_of(upload(client, project, "申报书.pdf", pdf_bytes()))
    assert f"当前状态为“{label}”，不能上传申请材料（仅在“草稿、待补正”状态下可以）。" in html
    assert Attachment.objects.count() == before
    assert 'data-action="upload"' not in html  # no upload form where uploads are refused


def test_uploads_are_allowed_while_a_supplement_is_pending(client, w, project):
    client.force_login(w.entity)
    upload(client, project, "申报书.pdf", pdf_bytes("草稿阶段"))
    v1 = Attachment.objects.get()
    upload(client, project, "资金匡算表.pdf", pdf_bytes("资金匡算"), kind="资金匡算")
    project = services.submit(project, actor=w.entity)
    project = services.request_supplement(project, actor=w.staff, items="补充权属证明")
    assert Project.objects.get(pk=project.pk).stage == Stage.SUPPLEMENT
    assert 'data-action="upload"' in html_of(
        client.get(reverse("projects:project_detail", args=[project.pk]))
    )
    upload(client, project, "权属证明.pdf", pdf_bytes("补正"), kind="权属证明")
    upload(client, project, "申报书.pdf", pdf_bytes("补正后的申报书"), replaces=v1)
    assert sorted(Attachment.objects.values_list("kind", "version")) == [
        ("权属证明", 1),
        ("申报材料", 1),
        ("申报材料", 2),
        ("资金匡算", 1),
    ]


def test_only_the_projects_entity_may_upload(client, w, project):
    client.force_login(w.other_entity)
    response = client.post(
        reverse("projects:attachment_upload", args=[project.pk]),
        {"kind": "申报材料", "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
    )
    assert response.status_code == 404
    for user in (w.staff, w.reviewer):
        client.force_login(user)
        response = client.post(
            reverse("projects:attachment_upload", args=[project.pk]),
            {"kind": "申报材料", "file": SimpleUploadedFile("a.pdf", pdf_bytes())},
        )
        assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_replaces_must_name_an_attachment_of_the_same_project(client, w, project):
    """A `replaces` id of another project's attachment must not make a version of that document."""
    client.force_login(w.entity)
    other = draft_for(w.entity, name="另一个项目")
    upload(client, other, "别的项目.pdf", pdf_bytes("other"))
    foreign = Attachment.objects.get()
    upload(client, project, "申报书.pdf", pdf_bytes("mine"), replaces=foreign)
    mine = Attachment.objects.exclude(pk=foreign.pk).get()
    assert mine.subject == project and mine.replaces is None and mine.version == 1
    assert not hasattr(Attachment.objects.get(pk=foreign.pk), "superseded_by")


# --- scoped, audited download -------------------------------------------------------------------------


@pytest.fixture
def stored(client, w, project):
    """A received application's 申报材料 (a draft's files are its entity's only)."""
    content = pdf_bytes("下载测试")
    client.force_login(w.entity)
    upload(client, project, "项目申报书.pdf", content)
    attachment = Attachment.objects.get()
    upload(client, project, "资金匡算表.pdf", pdf_bytes("资金匡算"), kind="资金匡算")
    services.submit(project, actor=w.entity)
    client.logout()
    return types.SimpleNamespace(attachment=attachment, content=content, project=project)


@pytest.mark.parametrize(
    "who", ["entity", "staff", "reviewer", "district_leader", "city_leader"], ids=lambda who: who
)
def test_download_gives_the_bytes_within_scope_and_is_audited(client, w, stored, who):
    user = getattr(w, who)
    client.force_login(user)
    response = download(client, stored.attachment)
    assert response.status_code == 200
    assert body_of(response) == stored.content
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and quote("项目申报书.pdf") in disposition
    events = list(download_events(stored.project))
    assert len(events) == 1
    assert events[0].actor == user and events[0].data["attachment"] == stored.attachment.pk
    assert events[0].to_state == "项目申报书.pdf"


def test_every_download_is_audited(client, w, stored):
    client.force_login(w.staff)
    for _ in range(3):
        body_of(download(client, stored.attachment))
    client.force_login(w.entity)
    body_of(download(client, stored.attachment))
    actors = list(download_events(stored.project).order_by("pk").values_list("actor", flat=True))
    assert actors == [w.staff.pk, w.staff.pk, w.staff.pk, w.entity.pk]


@pytest.mark.parametrize(
    "who", ["xicheng_staff", "xicheng_reviewer", "xicheng_leader", "other_entity"], ids=lambda who: who
)
def test_download_outside_scope_is_404_and_reveals_nothing(client, w, stored, who):
    client.force_login(getattr(w, who))
    response = download(client, stored.attachment)
    assert response.status_code == 404
    assert "项目申报书" not in response.content.decode()
    assert not download_events(stored.project).exists()


def test_download_needs_login(client, stored):
    response = download(client, stored.attachment)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not download_events(stored.project).exists()


def test_coordinating_entity_downloads_what_it_uploaded(client, w, make_user):
    """统筹主体 users see the project (ProjectQuerySet scopes by implementing *and* coordinating entity)
    and may upload to it; they must be able to download the project's materials too."""
    coordinator = make_user(Role.ENTITY)
    project = draft_for(w.entity, coordinating_entity=coordinator.organization)
    client.force_login(coordinator)
    assert client.get(reverse("projects:project_detail", args=[project.pk])).status_code == 200
    content = pdf_bytes("统筹主体上传")
    upload(client, project, "统筹主体材料.pdf", content)
    attachment = Attachment.objects.get()
    response = download(client, attachment)
    assert response.status_code == 200
    assert body_of(response) == content
