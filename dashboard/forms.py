"""The investment target form: staff enter their district's targets with the source document."""

from django import forms

from dashboard.models import InvestmentTarget
from renewal.models import District


class InvestmentTargetForm(forms.ModelForm):
    class Meta:
        model = InvestmentTarget
        fields = [
            "year",
            "district",
            "lead_department",
            "locality",
            "amount",
            "source_document",
            "source_date",
            "note",
        ]
        widgets = {"source_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        error_messages = {
            "year": {"required": "请填写年度。", "invalid": "年度应为整数。"},
            "amount": {"required": "请填写目标金额（亿元）。", "invalid": "目标金额应为数字，单位亿元。"},
            "source_document": {"required": "请填写依据文件。"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user.is_administrator or user.is_city_level:
            self.fields["district"].queryset = District.objects.order_by("code")
        else:
            # Staff enter their own district's targets only.
            self.fields["district"].queryset = District.objects.filter(pk=user.district_id)
            self.fields["district"].initial = user.district_id
            self.fields["district"].disabled = True
        self.fields["district"].error_messages["invalid_choice"] = "只能录入本人可见区的目标。"
        self.fields["lead_department"].choices = [
            ("", "（全区）"),
            *list(self.fields["lead_department"].choices)[1:],
        ]
        self.fields["amount"].widget.attrs["step"] = "0.01"
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = f"{css} is-invalid" if name in self.errors else css

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year is not None and not 2000 <= year <= 2100:
            raise forms.ValidationError("年度应在2000年至2100年之间。")
        return year

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount is not None and (not amount.is_finite() or amount < 0):
            raise forms.ValidationError("目标金额应为不小于0的数字（亿元）。")
        return amount

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("lead_department") and cleaned.get("locality"):
            self.add_error("locality", "一条目标只能按牵头部门或按属地拆分，请分开录入。")
        return cleaned

    def validate_unique(self):
        try:
            self.instance.validate_unique(exclude=self._get_validation_exclusions())
            self.instance.validate_constraints(exclude=self._get_validation_exclusions())
        except forms.ValidationError:
            self.add_error(None, "该年度、该区同一口径（全区/牵头部门/属地）的目标已录入，请修改原记录。")
