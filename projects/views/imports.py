"""Import of a 入库项目清单 workbook by district staff: upload, preview with every error, confirm once."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views import View

from projects import importing
from projects.choices import ImportBasis, ImportStatus, Library
from projects.models import ImportBatch
from renewal import calendar as workdays
from renewal.choices import Role
from renewal.permissions import get_visible_or_404
from renewal.views import RoleRequiredMixin

IMPORT_ROLES = (Role.STAFF, Role.ADMINISTRATOR)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="入库项目清单（.xlsx）",
        help_text=(
            "第一张工作表，表头为：序号 | 项目编号 | 项目名称 | 项目总投资（亿元） | 区域 | 区域总投资（亿元）"
            "（末列可无）；标题行、分部行、合计行按发布格式识别。"
        ),
        error_messages={"required": "请选择要上传的 .xlsx 文件。", "empty": "上传的文件是空文件。"},
    )
    library = forms.ChoiceField(
        label="导入到",
        choices=[(library.value, library.label) for library in importing.IMPORT_LIBRARIES],
        initial=Library.RESERVE,
        error_messages={
            "required": "请选择导入的项目库。",
            "invalid_choice": "请选择储备项目库或实施项目库。",
        },
    )

    legal_basis = forms.ChoiceField(
        label="导入性质",
        choices=ImportBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择导入性质。", "invalid_choice": "请选择导入性质。"},
    )
    basis_number = forms.CharField(
        label="入库依据文号",
        max_length=120,
        help_text="如入库项目清单的印发通知文号",
        error_messages={"required": "请填写入库依据文号。", "max_length": "文号不超过 120 个字。"},
    )
    basis_date = forms.DateField(
        label="入库依据日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="项目的入库日期取此日期",
        error_messages={"required": "请填写入库依据日期。", "invalid": "请输入有效日期，如 2025-06-30。"},
    )

    def clean_basis_date(self):
        value = self.cleaned_data["basis_date"]
        if value > workdays.today():
            raise ValidationError("入库依据日期不能晚于今天。")
        return value

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.ATTACHMENT_MAX_BYTES:
            limit = settings.ATTACHMENT_MAX_BYTES / 1024 / 1024
            raise ValidationError(f"文件“{upload.name}”超过大小上限 {limit:.0f} MB。")
        try:
            importing.open_workbook(upload).close()
        except importing.WorkbookError as exc:
            raise ValidationError(f"文件“{upload.name}”：{exc}") from exc
        upload.seek(0)
        return upload


def batch_queryset():
    return ImportBatch.objects.select_related("uploaded_by")


def plain_decimal(value) -> str:
    """A Decimal without trailing zeros or exponent: 1.250000 → "1.25", 100 → "100"."""
    return f"{value.normalize():f}"


class ImportUploadView(RoleRequiredMixin, View):
    allowed_roles = IMPORT_ROLES

    def get(self, request):
        return self._render(request, ImportUploadForm())

    def post(self, request):
        form = ImportUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, form, status=400)
        batch = importing.create_batch(
            form.cleaned_data["file"],
            actor=request.user,
            library=form.cleaned_data["library"],
            basis_number=form.cleaned_data["basis_number"],
            basis_date=form.cleaned_data["basis_date"],
            legal_basis=form.cleaned_data["legal_basis"],
        )
        return redirect("projects:import_preview", pk=batch.pk)

    def _render(self, request, form, status=200):
        recent = [
            (batch, importing.format_yi(batch.total_investment_yi))
            for batch in batch_queryset().visible_to(request.user)[:10]
        ]
        return render(request, "projects/import_upload.html", {"form": form, "recent": recent}, status=status)


class ImportPreviewView(RoleRequiredMixin, View):
    allowed_roles = IMPORT_ROLES

    def get(self, request, pk):
        batch = get_visible_or_404(batch_queryset(), request.user, pk=pk)
        result = importing.parse_batch(batch, actor=request.user)
        committed = batch.status == ImportStatus.COMMITTED
        pending = None if committed else importing.pending_import_job(batch)
        return render(
            request,
            "projects/import_preview.html",
            {
                "batch": batch,
                "result": result,
                "rows": [(row, plain_decimal(row.investment_yi)) for row in result.rows],
                "checks": [
                    (check, importing.format_yi(check.stated), importing.format_yi(check.computed))
                    for check in result.checks
                ],
                "total": importing.format_yi(result.total_yi),
                "committed": committed,
                "pending_job": pending,
                "can_commit": not committed and pending is None and result.ok,
            },
        )


class ImportCommitView(RoleRequiredMixin, View):
    """ "确认导入": queues the import job and shows its progress page (issue 13 "How it runs")."""

    allowed_roles = IMPORT_ROLES

    def post(self, request, pk):
        batch = get_visible_or_404(batch_queryset(), request.user, pk=pk)
        if batch.status == ImportStatus.FAILED:
            messages.error(request, f"清单有 {len(batch.errors)} 处错误，未导入任何项目。请修改后重新上传。")
            return redirect("projects:import_preview", pk=batch.pk)
        try:
            job = importing.start_commit_job(batch, actor=request.user)
        except importing.BatchAlreadyCommitted as exc:
            messages.error(request, str(exc))
            return redirect("projects:import_preview", pk=batch.pk)
        except importing.ImportAlreadyRunning as exc:
            messages.info(request, str(exc))
            return redirect("job_detail", pk=exc.job.pk)
        messages.info(request, "已开始导入，完成后本页显示导入的项目数，并在“消息通知”中提醒您。")
        return redirect("job_detail", pk=job.pk)
