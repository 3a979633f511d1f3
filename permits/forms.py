"""Forms of the permits pages. They collect and type input; the rules live in permits.workflows, whose
refusals the views show with the form."""

import datetime

from django import forms
from django.conf import settings

from permits.choices import LandMode, LandScope, Requirement, RiskLevel, WaterLevel
from permits.models import ProjectWorks
from permits.services import CONSTRUCTION_FIELDS, FACT_FIELDS
from renewal.attachments import validate_upload


class DateWidget(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class IsoDatesMixin:
    """Date inputs (type=date) need YYYY-MM-DD; the shared field template prints the raw initial value,
    which a template would otherwise render as 2026年3月2日."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.DateField):
                value = self.initial.get(name)
                if isinstance(value, datetime.date):
                    self.initial[name] = value.isoformat()
                field.widget = DateWidget()


def date_field(label, required=True):
    return forms.DateField(
        label=label,
        required=required,
        widget=DateWidget(),
        error_messages={"required": f"请填写{label}", "invalid": f"{label}格式应为 YYYY-MM-DD"},
    )


def text_field(label, required=True, long=False, max_length=None):
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 2}) if long else forms.TextInput(),
        error_messages={"required": f"请填写{label}", "max_length": f"{label}过长"},
    )


def upload_field(label, required=False):
    return forms.FileField(label=label, required=required, error_messages={"required": f"请上传{label}"})


def _checked_upload(form, name):
    upload = form.cleaned_data.get(name)
    if upload:
        try:
            validate_upload(upload)
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages) from None
    return upload


class FactsForm(IsoDatesMixin, forms.ModelForm):
    """The project's facts the checklist is proposed from (Haidian guidance 四)."""

    class Meta:
        model = ProjectWorks
        fields = FACT_FIELDS
        widgets = {"joint_review_departments": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["small_works_under_limit"].help_text = f"限额：{settings.SMALL_WORKS_LIMIT}"
        self.fields["land_mode"].choices = LandMode.choices
        self.fields["water_level"].choices = [("", "—"), *list(WaterLevel.choices)]
        self.fields["risk_level"].choices = RiskLevel.choices


class ChangeLineForm(IsoDatesMixin, forms.Form):
    requirement = forms.ChoiceField(label="办理要求", choices=Requirement.choices)
    basis = text_field("依据", long=True)
    reason = text_field("调整原因")


class GrantForm(IsoDatesMixin, forms.Form):
    document_number = text_field("文号", max_length=120)
    issued_on = date_field("办结日期")
    issuing_body = text_field("发证机关", max_length=120)
    applicant = text_field("申请人", required=False, max_length=200)
    land_scope = forms.ChoiceField(
        label="用地手续范围", required=False, choices=[("", "—"), *list(LandScope.choices)]
    )
    tax_pushed_on = date_field("缴费信息推送税务日期", required=False)
    tax_confirmed_on = date_field("税务确认征缴日期", required=False)
    transition_end_on = date_field("五年过渡期届满日", required=False)
    scan = upload_field("扫描件")

    def clean_scan(self):
        return _checked_upload(self, "scan")


class EnterPermitsForm(IsoDatesMixin, forms.Form):
    document = text_field("批复文号", max_length=120)
    approved_on = date_field("批复日期")
    body = text_field("批复机关", max_length=120)


class StartWorksForm(IsoDatesMixin, forms.Form):
    started_on = date_field("开工日期")
    planned_completion_on = date_field("计划竣工日期", required=False)


class ConstructionForm(IsoDatesMixin, forms.ModelForm):
    class Meta:
        model = ProjectWorks
        fields = CONSTRUCTION_FIELDS
        widgets = {
            "planned_completion_on": DateWidget(),
            "supervision_agreement_on": DateWidget(),
            "statistics_included_on": DateWidget(),
            "supervision_agreement_terms": forms.Textarea(attrs={"rows": 2}),
        }


class AnnualPlanForm(IsoDatesMixin, forms.Form):
    year = forms.IntegerField(
        label="年度", min_value=2000, max_value=2100, error_messages={"required": "请填写年度"}
    )
    amount = forms.DecimalField(
        label="本年计划投资（万元）",
        min_value=0,
        max_digits=14,
        decimal_places=2,
        error_messages={"required": "请填写本年计划投资", "invalid": "请填写数字"},
    )


class ReportForm(IsoDatesMixin, forms.Form):
    invested = forms.DecimalField(
        label="本月完成投资（万元）",
        min_value=0,
        max_digits=14,
        decimal_places=2,
        error_messages={"required": "请填写本月完成投资", "invalid": "请填写数字", "min_value": "不能为负数"},
    )
    progress_text = text_field("形象进度", max_length=300)
    narrative = text_field("进展情况", required=False, long=True)
    problems = text_field("存在问题", required=False, long=True)
    next_steps = text_field("下一步计划", required=False, long=True)
    explanation = text_field("累计超过总投资的说明", required=False, long=True)
    photo = upload_field("形象进度照片")

    def clean_photo(self):
        return _checked_upload(self, "photo")


class BuilderAcceptanceForm(IsoDatesMixin, forms.Form):
    accepted_on = date_field("竣工验收（自查）合格日期")


class JointApplicationForm(IsoDatesMixin, forms.Form):
    applied_on = date_field("联合验收申请日期")


class JointPassForm(IsoDatesMixin, forms.Form):
    passed_on = date_field("联合验收通过日期")


class SeparateAcceptanceForm(IsoDatesMixin, forms.Form):
    separate = text_field("各部门单独验收情况", long=True)


class RegistrationForm(IsoDatesMixin, forms.Form):
    registered_on = date_field("不动产登记日期")
    applicant = text_field("登记申请人", max_length=200)


class LicenceForm(IsoDatesMixin, forms.Form):
    number = text_field("统一社会信用代码", max_length=60)
    issued_on = date_field("营业执照日期")
