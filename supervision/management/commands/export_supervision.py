"""python manage.py export_supervision --district NAME --out FILE.xlsx [--list TITLE] [--internal]."""

from django.core.management.base import BaseCommand, CommandError

from supervision import spreadsheet
from supervision.management.commands.import_supervision import find_district
from supervision.models import SupervisionList


class Command(BaseCommand):
    help = "按区督查表格式导出督查事项（标题行、表头、每行一项、最新进展）"

    def add_arguments(self, parser):
        parser.add_argument("--district", required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument("--list", dest="title", default="", help="只导出该标题的清单")
        parser.add_argument("--internal", action="store_true", help="内部版：加状态、最近更新、信号灯")

    def handle(self, *args, **options):
        place = find_district(options["district"])
        lists = SupervisionList.objects.filter(district=place)
        if options["title"]:
            lists = lists.filter(title=options["title"].strip())
            if not lists.exists():
                raise CommandError(f"{place}没有标题为“{options['title']}”的督查清单。")
        content = spreadsheet.workbook_bytes(list(lists), internal=options["internal"])
        with open(options["out"], "wb") as handle:
            handle.write(content)
        self.stdout.write(f"已导出{lists.count()}张督查表到{options['out']}。")
