"""Forms of the supervision pages; errors in Chinese next to each field."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from renewal import calendar as workdays


class ImportForm(forms.Form):
    file = forms.FileField(label="督查表（.xlsx）", error_messages={"required": "请选择要上传的督查表。"})
    source_document = forms.CharField(label="来源文件", max_length=300, required=False)
    create_units = forms.BooleanField(
        label="表中有本区尚未登记的单位时，自动建立（类型按名称推断，可在后台更正）", required=False
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(f"文件“{upload.name}”不是Excel（.xlsx）文件。")
        if upload.size > settings.ATTACHMENT_MAX_BYTES:
            raise ValidationError(f"文件“{upload.name}”过大。")
        return upload


class ProgressForm(forms.Form):
    date = forms.DateField(
        label="进展日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写进展日期。", "invalid": "日期格式应为2025-10-23。"},
    )
    text = forms.CharField(
        label="进展情况",
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "1-8月……；截至目前……；下一步……"}),
        max_length=5000,
        error_messages={"required": "请填写进展情况。"},
    )
    organization = forms.TypedChoiceField(label="填报单位", coerce=int, choices=())

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(u.pk, u.name) for u in units]
        self.fields["organization"].error_messages["invalid_choice"] = "只能为本事项的主责单位填报。"
        if not self.is_bound:
            self.initial.setdefault("date", workdays.today().isoformat())
            if units:
                self.initial.setdefault("organization", units[0].pk)

    def clean_date(self):
        value = self.cleaned_data["date"]
        if value > workdays.today():
            raise ValidationError("进展日期不能晚于今天。")
        return value

    def clean_text(self):
        value = self.cleaned_data["text"]
        if not value.strip():
            raise ValidationError("请填写进展情况。")
        return value


class AssignForm(forms.Form):
    units = forms.CharField(
        label="主责单位（每行一个或以“、”分隔，第一个为牵头单位）",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写主责单位。"},
    )
    due_date = forms.DateField(
        label="完成时限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日期格式应为2025-12-31。"},
    )


class ListForm(forms.Form):
    title = forms.CharField(
        label="标题",
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": "如：区政府承办2025年市政府工作报告重点任务进展情况"}),
        error_messages={"required": "请填写标题。"},
    )
    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": "请填写年度。",
            "invalid": "年度应为数字，如2025。",
            "min_value": "年度不能早于2000年。",
            "max_value": "年度不能晚于2100年。",
        },
    )
    source_document = forms.CharField(label="来源文件", max_length=300, required=False)


class TaskForm(AssignForm):
    number = forms.CharField(label="序号", max_length=20, error_messages={"required": "请填写序号。"})
    source = forms.CharField(
        label="任务来源",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：市折子第17项"}),
    )
    source_type = forms.ChoiceField(label="来源类型", choices=())
    content = forms.CharField(
        label="任务内容/督查事项",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写任务内容。"},
    )
    field_order = ["number", "source", "source_type", "content", "units", "due_date"]

    def __init__(self, *args, **kwargs):
        from supervision.choices import SourceType

        super().__init__(*args, **kwargs)
        self.fields["source_type"].choices = SourceType.choices
        self.fields["source_type"].error_messages["invalid_choice"] = "请选择来源类型。"
        self.order_fields(self.field_order)
