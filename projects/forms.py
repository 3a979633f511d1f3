from django import forms
from django.core.exceptions import ValidationError

from projects.choices import ATTACHMENT_KINDS, Opinion
from projects.models import Category, Project, SubType
from projects.services import EDITABLE_FIELDS, decision_given
from renewal.attachments import validate_upload
from renewal.choices import OrganizationKind
from renewal.models import Organization


class SubTypeSelect(forms.Select):
    """Each option names its category (data-category), so the page can offer only the chosen category's
    sub-types; the form and the service still refuse a mismatched pair."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-category"] = str(instance.category_id)
        return option


class ProjectForm(forms.ModelForm):
    """The intake application an entity fills in (DOMAIN.md §3 step 1)."""

    class Meta:
        model = Project
        fields = EDITABLE_FIELDS  # the service decides what an entity may fill in
        widgets = {
            "sub_type": SubTypeSelect(attrs={"class": "form-select", "data-follows": "id_category"}),
            "renewal_goal": forms.Textarea(attrs={"rows": 3}),
            "funding_sources": forms.Textarea(
                attrs={"rows": 2, "placeholder": "如：财政资金 3000 万元；企业自筹 5000 万元"}
            ),
            "property_right_holders": forms.Textarea(attrs={"rows": 2, "placeholder": "每行一个物业权利人"}),
        }
        error_messages = {
            "name": {"required": "请填写项目名称。"},
            "category": {"required": "请选择项目类别。"},
            "sub_type": {"required": "请选择项目子类。"},
            "location": {"required": "请填写项目位置。"},
            "renewal_goal": {"required": "请填写更新目标。"},
            "total_investment": {"required": "请填写资金匡算（总投资）。", "invalid": "请输入数字（万元）。"},
        }

    def __init__(self, *args, district=None, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("category", "sub_type", "location", "renewal_goal", "total_investment"):
            self.fields[name].required = True
        self.fields["name"].required = True
        self.fields["category"].queryset = Category.objects.all()
        self.fields["sub_type"].queryset = SubType.objects.filter(is_active=True).select_related("category")
        self.fields["sub_type"].label_from_instance = lambda s: f"{s.category.name} · {s.name}"
        self.fields["category"].empty_label = "请选择类别"
        self.fields["sub_type"].empty_label = "请选择子类"
        entities = Organization.objects.filter(kind=OrganizationKind.ENTITY, is_active=True)
        self.fields["coordinating_entity"].queryset = (
            entities.filter(district=district) if district else entities
        )
        self.fields["coordinating_entity"].help_text = "涉及统筹主体的，由区政府明确（京建法〔2024〕1号）"

    def clean_total_investment(self):
        value = self.cleaned_data.get("total_investment")
        if value is not None and value <= 0:
            raise ValidationError("总投资须大于0（单位：万元）。")
        return value

    def _non_negative(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and value < 0:
            raise ValidationError("面积不能为负数。")
        return value

    def clean_land_area(self):
        return self._non_negative("land_area")

    def clean_building_area(self):
        return self._non_negative("building_area")

    def clean(self):
        cleaned = super().clean()
        category, sub_type = cleaned.get("category"), cleaned.get("sub_type")
        if category and sub_type and sub_type.category_id != category.pk:
            self.add_error("sub_type", f"子类“{sub_type.name}”不属于“{category.name}”，请重新选择。")
        return cleaned

    def add_error(self, field, error):
        super().add_error(field, error)
        if field == "sub_type" and "is-invalid" not in self.fields["sub_type"].widget.attrs["class"]:
            self.fields["sub_type"].widget.attrs["class"] += " is-invalid"


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="材料类型", choices=[(k, k) for k in ATTACHMENT_KINDS])
    file = forms.FileField(label="文件", error_messages={"required": "请选择要上传的文件。"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload(upload)
        return upload


class RouteForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label="分送部门",
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个行业主管部门。"},
    )

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Organization.objects.filter(
            kind=OrganizationKind.DEPARTMENT, district=project.district, is_active=True
        ).order_by("name")


class ReasonForm(forms.Form):
    reason = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class OpinionForm(forms.Form):
    decision = forms.ChoiceField(
        label="意见",
        choices=[(Opinion.AGREE, "同意"), (Opinion.DISAGREE, "不同意")],
        widget=forms.RadioSelect,
        error_messages={"required": "请选择“同意”或“不同意”。"},
    )
    text = forms.CharField(label="意见说明", widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def clean(self):
        """The intake opinion table's own guard, shown next to the field it is about."""
        cleaned = super().clean()
        if cleaned.get("decision"):
            missing = decision_given(None, decision=cleaned["decision"], text=cleaned.get("text", ""))
            if missing:
                self.add_error("text", f"{missing}。")
        return cleaned
