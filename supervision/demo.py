"""Demo supervision list for `make run`: the district's table imported as the 督查室 would, with progress,
one task overdue, one due soon and a round of updates asked for (safe to re-run)."""

import datetime
import io

from openpyxl import Workbook

from renewal import calendar as workdays
from supervision import services, spreadsheet
from supervision.models import SupervisionList

TITLE = "区政府承办{year}年市政府工作报告重点任务进展情况"


def _table(year: int, orgs: dict) -> bytes:
    today = workdays.today()
    housing, reform, finance = (
        orgs["hd_housing"].name,
        orgs["hd_development_reform"].name,
        orgs["hd_finance"].name,
    )
    town, planning = orgs["hd_entity2"].name, orgs["hd_planning"].name
    rows = [
        (
            1,
            "市折子第17项",
            "推进老旧小区综合整治，全年完成30个小区改造任务。",
            f"{housing}、\n{reform}、\n{finance}",
            (today + datetime.timedelta(days=60)).isoformat(),
            "1-8月，已完成老旧小区综合整治项目立项12个,开工9个,完工3个；截至目前，累计完成投资4.6亿元。下一步，加快推进剩余项目开工。",
        ),
        (
            2,
            "市折子第18项",
            "实施学院路片区城市更新，完成片区更新方案编制。",
            f"{town}\n{planning}",
            (today - datetime.timedelta(days=20)).strftime("%Y年%-m月%-d日"),
            "截至目前，已完成片区现状调查。[bookmark: _GoBack]",
        ),
        (
            3,
            "区折子第5项",
            "推动老旧低效楼宇更新，形成可复制的工作机制。",
            f"{reform}、\n{housing}",
            workdays.add_working_days(today, 2).due.isoformat(),
            "",
        ),
    ]
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([TITLE.format(year=year)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    sheet.append(spreadsheet.HEADERS)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def load(stdout, context=None) -> dict:
    context = context or {}
    orgs, users = context["orgs"], context["users"]
    office = users["hd_duchashi"]
    year = workdays.today().year
    if SupervisionList.objects.filter(district=office.district, title=TITLE.format(year=year)).exists():
        stdout.write("演示督查清单已存在，未重复创建。")
        return {}
    table = spreadsheet.read_table(io.BytesIO(_table(year, orgs)))
    result = spreadsheet.import_table(
        table, district=office.district, actor=office, source_document="区政府督查室"
    )
    services.request_list_update(result.supervision_list, actor=office)
    task = result.supervision_list.tasks.get(number="2")
    services.report_progress(
        task, actor=users["hd_entity2"], text="截至目前，片区更新方案已形成初稿，正在征求各部门意见。"
    )
    stdout.write(
        f"演示督查清单：{result.supervision_list.title}（3项，1项逾期，已催报本轮进展；"
        "hd_duchashi 督查室，hd_entity2 学院路街道填报进展）"
    )
    return {}
