"""Scheduled report runs: `manage.py export_report --district 海淀区 --out FILE.xlsx`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from renewal.models import District
from renewal.services import record_event
from reports import services


class Command(BaseCommand):
    help = (
        "Write a district's 区城市更新项目进展情况表 (--layout progress, the default) or its 入库项目清单 "
        "(--layout library-list) to an .xlsx file; the run is written to the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--district", required=True, help="district name, short name or code (海淀区 / 海淀 / 110108)"
        )
        parser.add_argument("--out", required=True, help="path of the .xlsx file to write")
        parser.add_argument("--layout", choices=list(services.LAYOUTS), default=services.PROGRESS)
        parser.add_argument("--as-of", dest="as_of", help="report date (YYYY-MM-DD), default today")

    def handle(self, *args, district, out, layout, as_of, **options):
        found = District.objects.filter(Q(name=district) | Q(short_name=district) | Q(code=district)).first()
        if found is None:
            raise CommandError(f"未找到行政区“{district}”。")
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"目录不存在：{path.parent}")
        try:
            report = services.district_report(found, layout=layout, as_of=as_of)
        except services.ReportRefused as exc:
            raise CommandError(str(exc)) from exc
        partial = path.with_name(path.name + ".part")
        try:
            with partial.open("wb") as handle:
                result = report.write(handle)
            partial.replace(path)  # never leave a half-written file under the requested name
        finally:
            partial.unlink(missing_ok=True)
        record_event(
            actor=None,
            action="report.generate",
            action_label=f"生成{services.LAYOUTS[layout]}",
            district=found,
            to_state=f"{result.rows}个项目",
            data={
                "layout": layout,
                "file": path.name,
                "rows": result.rows,
                "total_yi": str(result.total_yi),
                "as_of": report.as_of.isoformat(),
                "command": "export_report",
            },
        )
        self.stdout.write(f"{path}：{result.rows}个项目，总投资{result.total_yi}亿元")
