"""Import a 入库项目清单 workbook (.xlsx) from the command line: all rows or none."""

import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from projects import importing
from projects.choices import ImportBasis, Library


class Command(BaseCommand):
    help = (
        "Import projects already reviewed and confirmed from a 入库项目清单 workbook "
        "(序号 | 项目编号 | 项目名称 | 项目总投资（亿元） | 区域). Nothing is written if any row has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the .xlsx workbook")
        parser.add_argument("--dry-run", action="store_true", help="check the file and write nothing")
        parser.add_argument(
            "--library",
            choices=[Library.RESERVE.value, Library.IMPLEMENTATION.value],
            default=Library.RESERVE.value,
            help="library the projects enter (default: reserve)",
        )
        parser.add_argument(
            "--basis",
            choices=[choice.value for choice in ImportBasis],
            default=ImportBasis.MIGRATION.value,
            help="old_building: direct entry under 京建法〔2024〕14号 第二十条; migration: existing library records",
        )
        parser.add_argument("--basis-number", default="", help="document number of the list (入库依据文号)")
        parser.add_argument(
            "--basis-date",
            type=datetime.date.fromisoformat,
            help="date of that document, YYYY-MM-DD; the projects' admission date (default: today)",
        )
        parser.add_argument(
            "--user",
            help="username of the importing user; limits rows to the user's district. "
            "Without it the import is a system import with no district restriction.",
        )

    def handle(self, *args, file, dry_run, library, user, basis, basis_number, basis_date, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"file not found: {file}", returncode=2)
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get(username=user, is_active=True)
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"no active user named {user!r}") from exc

        with path.open("rb") as workbook:
            result = importing.parse_workbook(workbook, actor=actor)
        if result.errors:
            self._report(result.errors)
        total = importing.format_yi(result.total_yi)
        if dry_run:
            self.stdout.write(
                f"dry run: {len(result.rows)} projects, total investment {total} 亿元, nothing written"
            )
            return
        try:
            count, total_yi = importing.import_rows(
                result,
                actor=actor,
                library=library,
                source_name=path.name,
                admitted_on=basis_date,
                basis_number=basis_number,
                legal_basis=basis,
            )
        except importing.ImportRefused as refusal:
            self._report(refusal.errors)
        self.stdout.write(f"imported {count} projects, total investment {importing.format_yi(total_yi)} 亿元")

    def _report(self, errors):
        for error in errors:
            where = f"row {error.row}" if error.row is not None else "file"
            self.stderr.write(f"{where}: {error.message}")
        raise CommandError(f"{len(errors)} error(s) in the file; nothing written")
