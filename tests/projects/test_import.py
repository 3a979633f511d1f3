"""Import of the 入库项目清单 layout (DOMAIN.md §5): service, management command and the staff web flow.

Every workbook is built here with openpyxl: a title row (row 1), the header (row 2), data from row 3,
so the Excel row numbers in the expected errors can be read straight off the lists below.
"""

import datetime
import io
import os
import subprocess
import sys
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings as django_settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase
from django.urls import reverse

from projects import importing
from projects.choices import ImportStatus, Library, Source, Stage
from projects.models import ImportBatch, Project
from renewal import calendar as workdays
from renewal.choices import JobStatus, Role
from renewal.models import AuditEvent, Job
from tests import factories

TITLE = "海淀区城市更新项目入库清单（2025年）"
HEADER = ["序号", "项目编号", "项目名称", "项目总投资（亿元）", "区域"]
HAIDIAN, XICHENG = "110108", "110102"

# Three good rows (Excel rows 3, 4 and 6; row 5 is empty) as copied from a published PDF.
GOOD_ROWS = [
    (1, "HD-2025-001", "海淀区 学院路\n街道老旧小区 综合整治", 10, "海淀区"),
    (2, " HD-2025-002\n", "中关村 A 座\u3000楼宇\n 更新改造", "2.25", "海淀"),
    (None, None, None, None, None),
    (3, "XC-2025-001", "Building A 低效楼宇 更新", 0.25, " 西城 区"),
]


def workbook(rows, *, title=TITLE, header=HEADER, sheet_before=False) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if sheet_before:
        sheet.title = "清单"
    if title:
        sheet.append([title])
    if header:
        sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    if sheet_before:
        book.create_sheet("说明").append(["项目编号", "项目名称", "项目总投资（亿元）", "区域"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write(tmp_path, rows, name="入库项目清单.xlsx", **kwargs):
    path = tmp_path / name
    path.write_bytes(workbook(rows, **kwargs))
    return path


def parse(rows, actor=None, **kwargs):
    return importing.parse_workbook(io.BytesIO(workbook(rows, **kwargs)), actor=actor)


def errors_by_row(result) -> dict:
    found: dict = {}
    for error in result.errors:
        found.setdefault(error.row, []).append(error.message)
    return {row: " / ".join(messages) for row, messages in found.items()}


def counts():
    return Project.objects.count(), AuditEvent.objects.count()


def existing_project(code, district_code=HAIDIAN, name="已入库的项目"):
    return Project.objects.create(
        district=factories.district(district_code),
        code=code,
        name=name,
        stage=Stage.RESERVE,
        library=Library.RESERVE,
    )


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- normalisation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("海淀区 学院路\n街道老旧小区 综合整治", "海淀区学院路街道老旧小区综合整治"),
        ("A 座", "A座"),
        ("Building A", "Building A"),
        ("  Building \n A \u3000座 ", "Building A座"),
        ("海淀区\u3000\u3000中关村\r\n大街\t1号", "海淀区中关村大街1号"),
        ("3号楼 A 座", "3号楼A座"),
        ("学院路\u200b街道", "学院路街道"),
        ("   \n ", ""),
        (None, ""),
    ],
)
def test_names_lose_the_line_breaks_and_spaces_of_pdf_copies(raw, expected):
    assert importing.normalize_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1.25, Decimal("1.25")),
        (3, Decimal("3")),
        ("1.25", Decimal("1.25")),
        ("1,250.5", Decimal("1250.5")),
        (" 0.3 ", Decimal("0.3")),
        ("０.５", Decimal("0.5")),
        (0, Decimal("0")),
        (0.1 + 0.2, Decimal("0.3")),
    ],
)
def test_investment_accepts_numbers_and_numeric_text(raw, expected):
    amount, message = importing.parse_investment(raw)
    assert message is None
    assert amount == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("abc", "不是数字"),
        ("1,25", "不是数字"),
        ("1.2.3", "不是数字"),
        ("NaN", "不是数字"),
        (True, "不是数字"),
        (datetime.datetime(2025, 1, 1), "不是数字"),
        (-1, "负数"),
        ("-0.5", "负数"),
        (None, "为空"),
        ("  ", "为空"),
        (10**9, "超出"),
    ],
)
def test_investment_rejects_what_is_not_a_non_negative_number(raw, fragment):
    amount, message = importing.parse_investment(raw)
    assert amount is None
    assert fragment in message


@pytest.mark.parametrize(
    ("amount", "text"),
    [(Decimal("12.5000"), "12.5"), (Decimal("3"), "3"), (Decimal("0.123456"), "0.1235"), (Decimal(0), "0")],
)
def test_totals_are_printed_with_at_most_four_decimals(amount, text):
    assert importing.format_yi(amount) == text


# --- the service: happy path -------------------------------------------------------------------------


def test_parse_reads_rows_below_the_title_and_header_with_excel_row_numbers(db):
    result = parse(GOOD_ROWS)

    assert result.errors == []
    assert [row.row for row in result.rows] == [3, 4, 6]
    assert [row.number for row in result.rows] == ["1", "2", "3"]
    assert [row.code for row in result.rows] == ["HD-2025-001", "HD-2025-002", "XC-2025-001"]
    assert [row.name for row in result.rows] == [
        "海淀区学院路街道老旧小区综合整治",
        "中关村A座楼宇更新改造",
        "Building A低效楼宇更新",
    ]
    assert [row.investment_yi for row in result.rows] == [Decimal(10), Decimal("2.25"), Decimal("0.25")]
    assert [row.district.code for row in result.rows] == [HAIDIAN, HAIDIAN, XICHENG]
    assert result.total_yi == Decimal("12.5")
    assert result.data_row_count == 3


def test_import_writes_reserve_projects_in_wan_yuan_with_audit_events(db, make_user):
    actor = make_user(Role.ADMINISTRATOR, district_code=None)
    result = parse(GOOD_ROWS, actor=actor)
    events_before = AuditEvent.objects.count()

    count, total = importing.import_rows(
        result, actor=actor, library=Library.RESERVE, source_name="入库项目清单.xlsx"
    )

    assert (count, total) == (3, Decimal("12.5"))
    projects = {project.code: project for project in Project.objects.all()}
    assert set(projects) == {"HD-2025-001", "HD-2025-002", "XC-2025-001"}
    first = projects["HD-2025-001"]
    assert first.name == "海淀区学院路街道老旧小区综合整治"
    assert first.total_investment == Decimal("100000.00")  # 10 亿元 = 100000 万元
    assert projects["HD-2025-002"].total_investment == Decimal("22500.00")
    assert projects["XC-2025-001"].total_investment == Decimal("2500.00")
    assert projects["XC-2025-001"].district.code == XICHENG
    for project in projects.values():
        assert project.source == Source.IMPORT
        assert project.library == Library.RESERVE
        assert project.stage == Stage.RESERVE
        assert project.admitted_on == workdays.today()
        assert project.implementation_on is None
        assert project.created_by == actor

    assert AuditEvent.objects.count() == events_before + 4
    batch_event = AuditEvent.objects.get(action="ledger.import")
    assert batch_event.data["count"] == 3
    assert batch_event.data["total"] == "12.5"
    assert batch_event.data["file"] == "入库项目清单.xlsx"
    assert batch_event.actor == actor
    project_events = AuditEvent.objects.filter(action="project.import")
    assert project_events.count() == 3
    for project in projects.values():
        event = AuditEvent.objects.for_object(project).get()
        assert event.action == "project.import"
        assert event.action_label == "信息导入入库"
        assert event.district == project.district
        assert event.actor == actor
        assert event.object_repr == str(project)
        assert event.to_state == Stage.RESERVE
    # Scoped like every other event: district staff see the events of their district's projects only.
    haidian_staff = make_user(Role.STAFF, district_code=HAIDIAN)
    visible = AuditEvent.objects.visible_to(haidian_staff).filter(action="project.import")
    assert sorted(visible.values_list("object_repr", flat=True)) == [
        str(projects["HD-2025-001"]),
        str(projects["HD-2025-002"]),
    ]


def test_import_into_the_implementation_library(db):
    result = parse(GOOD_ROWS[:2])

    importing.import_rows(result, actor=None, library=Library.IMPLEMENTATION, source_name="实施库.xlsx")

    project = Project.objects.get(code="HD-2025-001")
    assert project.library == Library.IMPLEMENTATION
    assert project.stage == Stage.IMPLEMENTATION
    assert project.admitted_on == workdays.today()
    assert project.implementation_on == workdays.today()
    assert project.created_by is None
    assert AuditEvent.objects.get(action="ledger.import").actor_name == "系统"


def test_header_with_half_width_parentheses_without_number_column_below_two_title_rows(db):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([TITLE])
    sheet.append(["单位：亿元"])
    sheet.append(["项目 编号", "项目名称", "项目总投资(亿元)", "区 域"])
    sheet.append(["HD-9", "学院路 街道", "1.5", "海淀"])
    buffer = io.BytesIO()
    book.save(buffer)

    result = importing.parse_workbook(buffer)

    assert result.errors == []
    assert [(row.row, row.number, row.code, row.name) for row in result.rows] == [
        (4, "", "HD-9", "学院路街道")
    ]


def test_only_the_first_sheet_is_read(db):
    result = parse(GOOD_ROWS[:1], sheet_before=True)
    assert [row.code for row in result.rows] == ["HD-2025-001"]


def test_the_same_code_in_two_districts_is_not_a_duplicate(db):
    existing_project("XC-0001", district_code=XICHENG)
    rows = [
        (1, "XC-0001", "甲", 1, "海淀区"),
        (2, "HD-2025-001", "乙", 1, "海淀区"),
        (3, "HD-2025-001", "丙", 1, "西城区"),
    ]

    result = parse(rows)

    assert result.errors == []
    assert len(result.rows) == 3


# --- the service: errors -------------------------------------------------------------------------------

GOOD = (1, "HD-2025-001", "海淀区学院路街道老旧小区综合整治", 1, "海淀区")


@pytest.mark.parametrize(
    ("bad_row", "fragment"),
    [
        ((2, "HD-2025-002", "项目", 1, "朝阳新区"), "区域“朝阳新区”不是已登记的行政区"),
        ((2, "HD-2025-001", "项目", 1, "海淀"), "项目编号“HD-2025-001”与第3行重复"),
        ((2, "HD-OLD-1", "项目", 1, "海淀区"), "项目编号“HD-OLD-1”在海淀区已存在"),
        ((2, "HD-2025-002", "项目", "一点五", "海淀区"), "不是数字"),
        ((2, "HD-2025-002", "项目", -1, "海淀区"), "不能为负数"),
        ((2, "HD-2025-002", "项目", None, "海淀区"), "项目总投资为空"),
        ((2, None, "项目", 1, "海淀区"), "项目编号为空"),
        ((2, "HD-2025-002", " \n ", 1, "海淀区"), "项目名称为空"),
        ((2, "HD-2025-002", "项目", 1, None), "区域为空"),
        ((2, "XC-2025-001", "项目", 1, "西城区"), "区域“西城区”不属于本区"),
    ],
)
def test_a_bad_row_is_reported_with_its_excel_row_and_nothing_is_written(db, make_user, bad_row, fragment):
    existing_project("HD-OLD-1")
    haidian_staff = make_user(Role.STAFF, district_code=HAIDIAN)
    before = counts()

    result = parse([GOOD, bad_row], actor=haidian_staff)

    assert list(errors_by_row(result)) == [4]
    assert fragment in errors_by_row(result)[4]
    assert [row.row for row in result.rows] == [3]  # the good row is shown, but not imported
    with pytest.raises(ValueError, match="第4行") as refusal:
        importing.import_rows(result, actor=haidian_staff, library=Library.RESERVE, source_name="x.xlsx")
    assert isinstance(refusal.value, importing.ImportRefused)
    assert counts() == before


def test_every_error_of_a_file_is_reported_at_once(db, make_user):
    existing_project("HD-OLD-1")
    staff = make_user(Role.STAFF, district_code=HAIDIAN)
    rows = [
        GOOD,  # row 3
        (2, "HD-2025-002", "项目", 1, "朝阳新区"),  # 4
        (3, "HD-2025-001", "项目", 1, "海淀"),  # 5
        (4, "HD-OLD-1", "项目", 1, "海淀区"),  # 6
        (5, "HD-2025-005", "项目", "abc", "海淀区"),  # 7
        (6, "HD-2025-006", "项目", -2.5, "海淀区"),  # 8
        (7, "HD-2025-007", "项目", None, "海淀区"),  # 9
        (8, "XC-2025-001", "项目", 1, "西城"),  # 10
    ]
    result = parse(rows, actor=staff)

    found = errors_by_row(result)
    assert sorted(found) == [4, 5, 6, 7, 8, 9, 10]
    assert "不是已登记的行政区" in found[4]
    assert "与第3行重复" in found[5]
    assert "已存在" in found[6]
    assert "不是数字" in found[7]
    assert "负数" in found[8]
    assert "为空" in found[9]
    assert "不属于本区" in found[10]


def test_a_row_with_an_error_still_counts_for_duplicates_of_later_rows(db):
    rows = [(1, "HD-1", "甲", "abc", "海淀"), (2, "HD-1", "乙", 1, "海淀")]
    found = errors_by_row(parse(rows))
    assert "不是数字" in found[3]
    assert "与第3行重复" in found[4]


def test_other_district_rows_do_not_reveal_existing_codes_there(db, make_user):
    existing_project("XC-SECRET", district_code=XICHENG, name="西城保密项目")
    staff = make_user(Role.STAFF, district_code=HAIDIAN)

    result = parse([(1, "XC-SECRET", "项目", 1, "西城区")], actor=staff)

    message = errors_by_row(result)[3]
    assert "不属于本区" in message
    assert "已存在" not in message
    assert "西城保密项目" not in message


def test_city_level_users_import_every_district(db, make_user):
    leader = make_user(Role.ADMINISTRATOR, district_code=None)
    result = parse(GOOD_ROWS, actor=leader)
    assert result.errors == []
    assert {row.district.code for row in result.rows} == {HAIDIAN, XICHENG}


def test_missing_header_is_one_file_error(db):
    before = counts()
    result = parse([GOOD], header=["编号", "名称", "投资", "地区"])

    assert len(result.errors) == 1
    assert result.errors[0].row is None
    assert "未找到表头行" in result.errors[0].message
    assert result.rows == []
    with pytest.raises(ValueError, match="未找到表头行"):
        importing.import_rows(result, actor=None, library=Library.RESERVE, source_name="x.xlsx")
    assert counts() == before


def test_header_without_data_is_a_file_error(db):
    result = parse([])
    assert [str(error) for error in result.errors] == ["清单中没有项目数据。"]


def test_a_file_that_is_not_xlsx_is_one_file_error(db):
    result = importing.parse_workbook(io.BytesIO("序号,项目编号\n1,HD-1\n".encode()))
    assert len(result.errors) == 1
    assert "不是有效的 Excel 工作簿" in result.errors[0].message


def test_import_refuses_a_library_other_than_reserve_or_implementation(db):
    result = parse(GOOD_ROWS[:1])
    with pytest.raises(ValueError, match="储备项目库或实施项目库"):
        importing.import_rows(result, actor=None, library=Library.EXITED, source_name="x.xlsx")
    assert Project.objects.count() == 0


def test_a_code_taken_between_parse_and_write_refuses_the_whole_file(db):
    result = parse(GOOD_ROWS)
    existing_project("HD-2025-002")  # another import won the race after the check
    before = counts()

    with pytest.raises(importing.ImportRefused, match="项目编号已被占用"):
        importing.import_rows(result, actor=None, library=Library.RESERVE, source_name="x.xlsx")

    assert counts() == before
    assert not Project.objects.filter(code="HD-2025-001").exists()


def test_a_failure_while_writing_audit_events_leaves_no_project(db, monkeypatch):
    result = parse(GOOD_ROWS)
    before = counts()

    def broken_bulk_create(*args, **kwargs):
        raise RuntimeError("audit storage unavailable")

    monkeypatch.setattr(AuditEvent.objects, "bulk_create", broken_bulk_create)
    copy_insert = importing._copy_insert

    def broken_copy(objs, **kwargs):  # PostgreSQL writes the events with COPY (issue 16)
        if objs and isinstance(objs[0], AuditEvent):
            raise RuntimeError("audit storage unavailable")
        return copy_insert(objs, **kwargs)

    monkeypatch.setattr(importing, "_copy_insert", broken_copy)
    with pytest.raises(RuntimeError):
        importing.import_rows(result, actor=None, library=Library.RESERVE, source_name="x.xlsx")

    assert counts() == before


def test_two_thousand_rows_in_one_transaction(db, django_assert_max_num_queries):
    rows = [
        (number, f"HD-2025-{number:04d}", f"海淀区 第{number}号\n老旧小区 综合整治", "0.0125", "海淀")
        for number in range(1, 2001)
    ]
    result = parse(rows)
    assert result.errors == []
    before_events = AuditEvent.objects.count()

    # Bulk inserts: a save per row would take 4,000 queries; SQLite's 999-parameter limit splits the
    # bulk inserts into over a hundred statements (more as Project gains columns), PostgreSQL about ten.
    with django_assert_max_num_queries(250):
        count, total = importing.import_rows(
            result, actor=None, library=Library.RESERVE, source_name="2000行.xlsx"
        )

    assert (count, total) == (2000, Decimal(25))
    assert Project.objects.filter(source=Source.IMPORT).count() == 2000
    assert sum(p.total_investment for p in Project.objects.all()) == Decimal("250000.00")
    assert Project.objects.get(code="HD-2025-2000").name == "海淀区第2000号老旧小区综合整治"
    assert AuditEvent.objects.count() == before_events + 2001
    assert AuditEvent.objects.filter(action="project.import", object_id="").count() == 0
    assert AuditEvent.objects.filter(action="project.import").values("object_id").distinct().count() == 2000


# --- the management command ------------------------------------------------------------------------


def run(*args):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("import_projects", *[str(arg) for arg in args], stdout=stdout, stderr=stderr)
    return stdout.getvalue(), stderr.getvalue()


def test_command_prints_the_exact_success_line(db, tmp_path):
    path = write(tmp_path, GOOD_ROWS)

    stdout, stderr = run(path)

    assert stdout == "imported 3 projects, total investment 12.5 亿元\n"
    assert stderr == ""
    assert Project.objects.filter(library=Library.RESERVE, source=Source.IMPORT).count() == 3
    event = AuditEvent.objects.get(action="ledger.import")
    assert event.data["file"] == "入库项目清单.xlsx"
    assert event.actor_name == "系统"


def test_command_dry_run_writes_nothing(db, tmp_path):
    path = write(tmp_path, GOOD_ROWS)
    before = counts()

    stdout, _ = run(path, "--dry-run")

    assert stdout == "dry run: 3 projects, total investment 12.5 亿元, nothing written\n"
    assert counts() == before


def test_command_implementation_library_as_a_user(db, tmp_path, make_user):
    staff = make_user(Role.STAFF, district_code=HAIDIAN)
    path = write(tmp_path, GOOD_ROWS[:2])

    stdout, _ = run(path, "--library", "implementation", "--user", staff.username)

    assert stdout == "imported 2 projects, total investment 12.25 亿元\n"
    assert set(Project.objects.values_list("stage", "library", "created_by")) == {
        (Stage.IMPLEMENTATION, Library.IMPLEMENTATION, staff.pk)
    }


def test_command_reports_every_bad_row_on_stderr_and_writes_nothing(db, tmp_path, make_user):
    existing_project("HD-OLD-1")
    staff = make_user(Role.STAFF, district_code=HAIDIAN)
    path = write(
        tmp_path,
        [
            GOOD,  # row 3
            (2, "HD-OLD-1", "项目", 1, "海淀"),  # row 4
            (3, "HD-2025-003", "项目", "abc", "海淀"),  # row 5
            (4, "XC-1", "项目", 1, "西城"),  # row 6
        ],
    )
    before = counts()
    stdout, stderr = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as excinfo:
        call_command("import_projects", str(path), "--user", staff.username, stdout=stdout, stderr=stderr)

    assert excinfo.value.returncode == 1
    lines = stderr.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == ["row 4", "row 5", "row 6"]
    assert "已存在" in lines[0]
    assert "不是数字" in lines[1]
    assert "不属于本区" in lines[2]
    assert "imported" not in stdout.getvalue()
    assert counts() == before


def test_command_dry_run_with_errors_fails_too(db, tmp_path):
    path = write(tmp_path, [GOOD, (2, "HD-2", "项目", -1, "海淀")])
    stderr = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_projects", str(path), "--dry-run", stdout=io.StringIO(), stderr=stderr)
    assert excinfo.value.returncode == 1
    assert stderr.getvalue().startswith("row 4: 项目总投资不能为负数")


def test_command_missing_header_is_reported_as_a_file_error(db, tmp_path):
    path = write(tmp_path, [GOOD], header=None)
    stderr = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_projects", str(path), stdout=io.StringIO(), stderr=stderr)
    assert excinfo.value.returncode == 1
    assert stderr.getvalue().startswith("file: 未找到表头行")
    assert Project.objects.count() == 0


def test_command_unknown_user_is_refused(db, tmp_path):
    path = write(tmp_path, GOOD_ROWS)
    with pytest.raises(CommandError, match="no active user"):
        run(path, "--user", "nobody")
    assert Project.objects.count() == 0


def test_command_missing_file_exits_2(db, tmp_path):
    with pytest.raises(CommandError) as excinfo:
        run(tmp_path / "missing.xlsx")
    assert excinfo.value.returncode == 2
    assert "file not found" in str(excinfo.value)


def test_real_subprocess_missing_file_exits_2(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "renewal.settings_test",
        "RENEWAL_VAR_DIR": str(tmp_path),
        "PYTHONIOENCODING": "utf-8",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "import_projects", str(tmp_path / "missing.xlsx")],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        timeout=120,
    )
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 2, stderr
    assert "file not found" in stderr
    assert "Traceback" not in stderr


# --- the web flow ------------------------------------------------------------------------------------


def upload(client, rows=GOOD_ROWS, *, library=Library.RESERVE, name="海淀区入库清单.xlsx", content=None):
    data = content if content is not None else workbook(rows)
    return client.post(
        reverse("projects:import_upload"),
        {
            "file": SimpleUploadedFile(name, data),
            "library": library,
            "legal_basis": "migration",
            "basis_number": "海城更发〔2025〕3号",
            "basis_date": "2025-06-30",
        },
    )


def message_texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def commit(client, batch):
    """POST "确认导入"; the import job is queued on commit and run by the eager worker (settings_test)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("projects:import_commit", args=[batch.pk]))


def import_job():
    return Job.objects.get(kind=importing.IMPORT_JOB)


@pytest.fixture
def haidian_staff(make_user):
    return make_user(Role.STAFF, district_code=HAIDIAN)


HAIDIAN_ROWS = [
    (1, "HD-2025-001", "海淀区 学院路\n街道老旧小区 综合整治", 10, "海淀区"),
    (2, "HD-2025-002", "中关村 A 座 楼宇更新", "2.5", "海淀"),
]


def test_upload_page_renders_for_staff(client, haidian_staff):
    client.force_login(haidian_staff)
    response = client.get(reverse("projects:import_upload"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "项目导入" in html
    assert 'enctype="multipart/form-data"' in html
    assert "实施项目库" in html


def test_navigation_offers_the_import_to_staff_only(client, haidian_staff, make_user):
    client.force_login(haidian_staff)
    assert reverse("projects:import_upload") in client.get(reverse("home")).content.decode()
    client.force_login(make_user(Role.REVIEWER, district_code=HAIDIAN))
    assert reverse("projects:import_upload") not in client.get(reverse("home")).content.decode()


def test_web_upload_preview_commit_and_second_commit_refused(client, haidian_staff):
    client.force_login(haidian_staff)

    response = upload(client, HAIDIAN_ROWS)

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:import_preview", args=[batch.pk])
    assert batch.status == ImportStatus.PREVIEW
    assert batch.row_count == 2
    assert batch.total_investment_yi == Decimal("12.5")
    assert batch.errors == []
    assert batch.original_name == "海淀区入库清单.xlsx"
    assert batch.uploaded_by == haidian_staff
    assert Project.objects.count() == 0  # nothing is written before confirmation

    preview = client.get(reverse("projects:import_preview", args=[batch.pk]))
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "海淀区学院路街道老旧小区综合整治" in html
    assert "中关村A座楼宇更新" in html
    assert "HD-2025-002" in html
    assert "12.5" in html
    assert "确认导入" in html
    assert reverse("projects:import_commit", args=[batch.pk]) in html

    events_before = AuditEvent.objects.count()
    response = commit(client, batch)

    job = import_job()
    assert response.status_code == 302
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == JobStatus.DONE and job.progress == 100 and job.result_rows == 2
    assert job.summary["message"] == "已导入 2 个项目，总投资 12.5 亿元" and job.summary["projects"] == 2
    assert set(Project.objects.values_list("code", flat=True)) == {"HD-2025-001", "HD-2025-002"}
    assert Project.objects.get(code="HD-2025-001").total_investment == Decimal("100000.00")
    # the import's own events (file + one per project) and the job's (start, run, finish)
    imports = AuditEvent.objects.filter(action__in=["ledger.import", "project.import"])
    assert imports.count() == 3
    events_before = AuditEvent.objects.count()
    batch_event = AuditEvent.objects.get(action="ledger.import")
    assert batch_event.object_id == str(batch.pk)
    assert batch_event.district.code == HAIDIAN
    batch.refresh_from_db()
    assert batch.status == ImportStatus.COMMITTED
    assert batch.committed_at is not None

    again = commit(client, batch)
    assert again.status_code == 302
    assert again["Location"] == reverse("projects:import_preview", args=[batch.pk])
    assert any("不能重复导入" in text for text in message_texts(again))
    assert Project.objects.count() == 2
    assert AuditEvent.objects.count() == events_before
    assert Job.objects.count() == 1

    after = client.get(reverse("projects:import_preview", args=[batch.pk])).content.decode()
    assert "已导入" in after
    assert "确认导入" not in after


def test_web_preview_lists_errors_and_offers_no_commit(client, haidian_staff):
    existing_project("HD-OLD-1")
    client.force_login(haidian_staff)

    upload(
        client,
        [
            GOOD,  # row 3
            (2, "HD-OLD-1", "项目", 1, "海淀"),  # row 4
            (3, "XC-1", "项目", 1, "西城区"),  # row 5
            (4, "HD-4", "项目", "", "海淀"),  # row 6
        ],
    )

    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED
    assert [error["row"] for error in batch.errors] == [4, 5, 6]
    html = client.get(reverse("projects:import_preview", args=[batch.pk])).content.decode()
    assert "第4行：项目编号“HD-OLD-1”在海淀区已存在" in html
    assert "第5行：区域“西城区”不属于本区" in html
    assert "第6行：项目总投资为空" in html
    assert "确认导入" not in html
    before = counts()

    forced = commit(client, batch)

    assert not Job.objects.exists()
    assert forced["Location"] == reverse("projects:import_preview", args=[batch.pk])
    assert any("3 处错误" in text for text in message_texts(forced))
    assert counts() == before
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED


def test_web_commit_checks_the_rows_again(client, haidian_staff):
    client.force_login(haidian_staff)
    upload(client, HAIDIAN_ROWS)
    batch = ImportBatch.objects.get()
    existing_project("HD-2025-002")  # arrived between preview and confirmation
    before = counts()

    response = commit(client, batch)

    job = import_job()
    assert response["Location"] == reverse("job_detail", args=[job.pk])
    assert job.status == JobStatus.FAILED and "1 处错误，未导入任何项目" in job.error
    assert "HD-2025-002" in job.error
    assert Project.objects.count() == before[0]
    assert not AuditEvent.objects.filter(action__in=["ledger.import", "project.import"]).exists()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert batch.errors == [
        {"row": 4, "message": "项目编号“HD-2025-002”在海淀区已存在（已入库的项目），不能重复导入"}
    ]


def test_web_upload_into_the_implementation_library(client, haidian_staff):
    client.force_login(haidian_staff)
    upload(client, HAIDIAN_ROWS, library=Library.IMPLEMENTATION)
    batch = ImportBatch.objects.get()
    assert batch.library == Library.IMPLEMENTATION

    commit(client, batch)

    assert set(Project.objects.values_list("stage", flat=True)) == {Stage.IMPLEMENTATION}


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("清单.xlsx", b"this is not a workbook"),
        ("清单.xlsx", "序号,项目编号,项目名称\n1,HD-1,项目\n".encode()),
        ("清单.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512),
    ],
)
def test_web_refuses_a_file_that_is_not_xlsx(client, haidian_staff, name, content):
    client.force_login(haidian_staff)

    response = upload(client, name=name, content=content)

    assert response.status_code == 400
    assert "不是有效的 Excel 工作簿（.xlsx）" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_web_upload_requires_a_file(client, haidian_staff):
    client.force_login(haidian_staff)
    response = client.post(reverse("projects:import_upload"), {"library": Library.RESERVE})
    assert response.status_code == 400
    assert "请选择要上传的 .xlsx 文件" in response.content.decode()


def test_batches_of_another_district_are_404(client, haidian_staff, make_user):
    client.force_login(haidian_staff)
    upload(client, HAIDIAN_ROWS)
    batch = ImportBatch.objects.get()

    client.force_login(make_user(Role.STAFF, district_code=XICHENG))
    assert client.get(reverse("projects:import_preview", args=[batch.pk])).status_code == 404
    assert client.post(reverse("projects:import_commit", args=[batch.pk])).status_code == 404
    listing = client.get(reverse("projects:import_upload")).content.decode()
    assert "海淀区入库清单.xlsx" not in listing
    assert "暂无上传记录" in listing
    assert Project.objects.count() == 0

    client.force_login(make_user(Role.STAFF, district_code=HAIDIAN))
    assert client.get(reverse("projects:import_preview", args=[batch.pk])).status_code == 200
    listing = client.get(reverse("projects:import_upload")).content.decode()
    assert "海淀区入库清单.xlsx" in listing
    assert reverse("projects:import_preview", args=[batch.pk]) in listing
    assert '<td class="text-end">12.5</td>' in listing

    client.force_login(make_user(Role.ADMINISTRATOR, district_code=None))
    assert client.get(reverse("projects:import_preview", args=[batch.pk])).status_code == 200


@pytest.mark.parametrize("role", [Role.ENTITY, Role.REVIEWER, Role.LEADERSHIP, Role.AUDITOR])
def test_other_roles_are_refused(client, make_user, haidian_staff, role):
    client.force_login(haidian_staff)
    upload(client, HAIDIAN_ROWS)
    batch = ImportBatch.objects.get()
    client.force_login(make_user(role, district_code=HAIDIAN))

    assert client.get(reverse("projects:import_upload")).status_code == 403
    assert upload(client, HAIDIAN_ROWS).status_code == 403
    assert client.get(reverse("projects:import_preview", args=[batch.pk])).status_code == 403
    assert client.post(reverse("projects:import_commit", args=[batch.pk])).status_code == 403
    assert ImportBatch.objects.count() == 1
    assert Project.objects.count() == 0


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("projects:import_upload"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_administrator_imports_every_district_through_the_web(client, make_user):
    client.force_login(make_user(Role.ADMINISTRATOR, district_code=None))
    upload(client, GOOD_ROWS)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.PREVIEW

    commit(client, batch)

    assert Project.objects.filter(district__code=XICHENG).count() == 1
    assert Project.objects.filter(district__code=HAIDIAN).count() == 2


def test_total_row_of_a_published_list_is_not_a_project(db, tmp_path):
    """Lists copied from published PDFs end with a 合计 row; it is skipped, not reported as an error."""
    from decimal import Decimal as D

    from openpyxl import Workbook

    from projects.importing import parse_workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["海淀区城市更新项目入库清单"])
    sheet.append(["序号", "项目编号", "项目名称", "项目总投资（亿元）", "区域"])
    sheet.append([1, "HD-T-1", "甲项目", 1.5, "海淀区"])
    sheet.append([2, "HD-T-2", "乙项目", 2.5, "海淀"])
    sheet.append(["合计", None, None, 4.0, None])
    path = tmp_path / "list.xlsx"
    book.save(path)
    with path.open("rb") as handle:
        result = parse_workbook(handle)
    assert result.errors == []
    assert [row.code for row in result.rows] == ["HD-T-1", "HD-T-2"]
    assert sum(row.investment_yi for row in result.rows) == D("4.0")
