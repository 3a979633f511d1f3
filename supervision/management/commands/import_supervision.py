"""python manage.py import_supervision FILE.xlsx --district NAME [--create-units] (issue 15)."""

from django.core.management.base import BaseCommand, CommandError

from renewal.models import District
from supervision import spreadsheet


def find_district(name: str) -> District:
    """A district by its name (海淀区), short name (海淀) or code (110108)."""
    for lookup in ({"name": name}, {"short_name": name}, {"code": name}):
        try:
            return District.objects.get(**lookup)
        except (District.DoesNotExist, District.MultipleObjectsReturned):
            continue
    raise CommandError(f"未找到区“{name}”。")


class Command(BaseCommand):
    help = "导入区督查表（标题行、表头、每行一项；按清单与序号更新，不重复）"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--district", required=True, help="区名称，如 海淀区")
        parser.add_argument("--create-units", action="store_true", help="自动建立本区尚未登记的主责单位")
        parser.add_argument("--source-document", default="", help="来源文件")

    def handle(self, *args, **options):
        place = find_district(options["district"])
        try:
            with open(options["file"], "rb") as handle:
                table = spreadsheet.read_table(handle)
        except OSError as exc:
            raise CommandError(f"无法打开文件：{exc}") from exc
        try:
            result = spreadsheet.import_table(
                table,
                district=place,
                actor=None,
                create_units=options["create_units"],
                source_document=options["source_document"],
            )
        except spreadsheet.ImportRefused as refused:
            raise CommandError("未导入：\n" + str(refused)) from refused
        self.stdout.write(
            f"{result.supervision_list.title}：新增{result.created}项，更新{result.updated}项。"
        )
        if result.units_created:
            self.stdout.write("新建单位（类型按名称推断，请核对）：" + "、".join(result.units_created))
