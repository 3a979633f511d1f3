"""Forms of the implementation-plan pages. They collect input; the rules (types of module fields, guards,
minimum publicity) live in review.services, whose refusals the views show next to the fields."""

from django import forms

from renewal.attachments import validate_upload
from renewal.models import Attachment
from review.choices import PUBLICITY_MIN_WORKDAYS, DeliverableKind, PlanFact
from review.modules import MODULES

# What the entity uploads as the plan's deliverables (Haidian 三(三): 文本、附表、图纸、附件). Expert opinions
# are attached by staff with the expert review, department opinions by the departments.
DELIVERABLE_KINDS = [
    kind
    for kind in DeliverableKind
    if kind not in (DeliverableKind.EXPERT_OPINION, DeliverableKind.REVIEW_OPINION)
]

# Text fields that hold a description rather than a short value: shown as a textarea.
LONG_TEXT_FIELDS = {
    "assessment.status_survey",
    "assessment.demand_consultation",
    "positioning.positioning",
    "planning.facilities",
    "planning.traffic",
    "planning.underground",
    "planning.heritage_protection",
    "architecture.renovation",
    "architecture.facade",
    "architecture.structure",
    "architecture.fire_engineering",
    "architecture.green_building",
    "unregistered.path",
    "funding.returns",
    "operation.functions",
    "operation.operation",
    "operation.self_holding",
    "phasing.phases",
    "phasing.organisation",
    "consultation.vote_summary",
}

ROUTABLE_FACTS = [(fact.value, fact.label) for fact in PlanFact if fact != PlanFact.ALWAYS]


def _mark_invalid(field: forms.Field) -> None:
    css = field.widget.attrs.get("class", "")
    if "is-invalid" not in css:
        field.widget.attrs["class"] = f"{css} is-invalid".strip()


class PlanForm(forms.Form):
    """The 11 modules as raw inputs named `<module>.<field>` and `<module>.text`, the ticked facts and the
    major-project flag. Values stay as typed; services.save_plan types and checks them."""

    refusal = ""  # the service's summary when it refused the values, shown above the modules

    facts = forms.MultipleChoiceField(
        label="方案事项（决定会签部门）",
        choices=ROUTABLE_FACTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    major_project = forms.BooleanField(
        label="重点项目、跨区域项目或涉密项目（须经市政府批准）",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, plan, derived=(), **kwargs):
        self.derived = set(derived)
        initial = {
            "facts": list(plan.declared_facts),
            "major_project": plan.major_project,
        }
        for module in MODULES:
            values = plan.content.get(module.code) or {}
            for name, value in values.items():
                initial[f"{module.code}.{name}"] = value
        super().__init__(*args, initial=initial, **kwargs)
        for module in MODULES:
            for spec in module.fields:
                self.fields[f"{module.code}.{spec.name}"] = self._field_for(module.code, spec)
            self.fields[f"{module.code}.text"] = forms.CharField(
                label="说明",
                required=False,
                widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
            )

    @staticmethod
    def _field_for(module_code, spec) -> forms.Field:
        name = f"{module_code}.{spec.name}"
        if spec.kind == "bool":
            return forms.BooleanField(
                label=spec.label,
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
        if spec.kind in ("decimal", "int"):
            attrs = {"class": "form-control", "step": "any" if spec.kind == "decimal" else "1"}
            widget = forms.NumberInput(attrs=attrs)
        elif spec.kind == "choice":
            options = [("", "— 请选择 —")] + [(choice, choice) for choice in spec.choices]
            widget = forms.Select(choices=options, attrs={"class": "form-select"})
        elif spec.kind == "date":
            widget = forms.DateInput(attrs={"type": "date", "class": "form-control"})
        elif name in LONG_TEXT_FIELDS:
            widget = forms.Textarea(attrs={"rows": 3, "class": "form-control"})
        else:
            widget = forms.TextInput(attrs={"class": "form-control"})
        # A CharField whatever the kind: a wrong number comes back as typed, with the service's message.
        return forms.CharField(label=spec.label, required=False, strip=False, widget=widget)

    def module_values(self) -> dict:
        """{module code: {field: raw value}} for services.save_plan."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        modules = {}
        for module in MODULES:
            values = {}
            for name in [spec.name for spec in module.fields] + ["text"]:
                key = f"{module.code}.{name}"
                values[name] = data[key] if key in data else self.data.get(key)
            modules[module.code] = values
        return modules

    def add_service_errors(self, missing) -> int:
        """Put the service's ("module.field", message) pairs next to their fields; returns how many."""
        placed = 0
        for item in missing:
            if isinstance(item, list | tuple) and len(item) == 2 and item[0] in self.fields:
                name, message = item
                self.add_error(name, message)
                _mark_invalid(self.fields[name])
                placed += 1
        return placed

    def modules(self) -> list[dict]:
        """What the template walks: each module with its bound fields, units and whether it has errors."""
        rows = []
        for module in MODULES:
            fields = []
            for spec in module.fields:
                bound = self[f"{module.code}.{spec.name}"]
                fields.append({"spec": spec, "field": bound, "wide": bound.name in LONG_TEXT_FIELDS})
            text = self[f"{module.code}.text"]
            names = [f"{module.code}.{spec.name}" for spec in module.fields] + [text.name]
            filled = any(self[name].value() not in (None, "", False) for name in names)
            rows.append(
                {
                    "module": module,
                    "fields": fields,
                    "text": text,
                    "has_errors": any(self.errors.get(name) for name in names),
                    "filled": filled,
                }
            )
        return rows

    def fact_rows(self) -> list[dict]:
        """Facts to tick; the ones the plan's own figures imply are shown ticked and fixed."""
        ticked = set(self["facts"].value() or [])
        return [
            {
                "value": value,
                "label": label,
                "checked": value in ticked or value in self.derived,
                "derived": value in self.derived,
            }
            for value, label in ROUTABLE_FACTS
        ]


class DeliverableForm(forms.Form):
    kind = forms.ChoiceField(
        label="成果类型",
        choices=[("", "— 请选择 —")] + [(k.value, k.label) for k in DELIVERABLE_KINDS],
        required=False,
    )
    file = forms.FileField(label="文件", error_messages={"required": "请选择要上传的文件。"})
    replaces = forms.ModelChoiceField(
        label="替换已有文件",
        queryset=Attachment.objects.none(),
        required=False,
        error_messages={"invalid_choice": "只能替换本方案现行版本的成果文件。"},
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replaces"].queryset = (
            Attachment.objects.for_object(plan)
            .current()
            .filter(kind__in=[k.value for k in DELIVERABLE_KINDS])
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        validate_upload(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        replaces = cleaned.get("replaces")
        if replaces is not None:
            cleaned["kind"] = replaces.kind  # a new version keeps the document's type
        elif not cleaned.get("kind") and "kind" not in self.errors:
            self.add_error("kind", "请选择成果类型。")
        return cleaned


class SubmitForm(forms.Form):
    """报送: a note, and the entity's response to each open revision request."""

    note = forms.CharField(
        label="报送说明", required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )

    def __init__(self, *args, open_requests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.open_requests = list(open_requests)
        for item in self.open_requests:
            self.fields[f"response_{item.pk}"] = forms.CharField(
                label=item.text,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )

    def responses(self) -> dict:
        return {item.pk: self.cleaned_data.get(f"response_{item.pk}", "") for item in self.open_requests}

    def response_rows(self) -> list[tuple]:
        return [(item, self[f"response_{item.pk}"]) for item in self.open_requests]


class PreReviewRequestForm(forms.Form):
    departments = forms.ModelMultipleChoiceField(
        label="征求意见的部门",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "只能选择本区的行业主管部门。"},
    )

    def __init__(self, *args, departments, routed_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = departments
        self.fields["departments"].initial = list(routed_ids)


class ReturnForRevisionForm(forms.Form):
    items = forms.CharField(
        label="修改要求（每行一项）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )

    def item_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["items"].splitlines() if line.strip()]


class MarkRequestForm(forms.Form):
    resolved = forms.TypedChoiceField(
        label="落实情况",
        choices=[("1", "已解决"), ("0", "仍未解决")],
        coerce=lambda value: value == "1",
        error_messages={"required": "请选择已解决或仍未解决。", "invalid_choice": "请选择已解决或仍未解决。"},
    )


class ExpertReviewForm(forms.Form):
    held_on = forms.DateField(
        label="评审日期",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={"required": "请填写评审日期。", "invalid": "评审日期格式应为 YYYY-MM-DD。"},
    )
    experts = forms.CharField(
        label="专家名单", required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )
    opinions = forms.CharField(
        label="评审意见", required=False, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    adoption = forms.CharField(
        label="采信情况", required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )
    attachment = forms.FileField(
        label="专家评审意见（附件，可选）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"class": "form-control"}),
    )

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if upload:
            validate_upload(upload)
        return upload


class JointReviewForm(forms.Form):
    """提请联合审查: the routed departments (each removable with a reason), added ones, and whether a re-review
    asks every department again."""

    add = forms.ModelMultipleChoiceField(
        label="增加会签部门",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 5}),
        error_messages={"invalid_choice": "只能选择本区的行业主管部门。"},
    )
    all_departments = forms.BooleanField(
        label="全部部门重新会签（复审时默认只分送上一轮未同意的部门）",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, routed, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.routed = list(routed)
        routed_ids = [org.pk for org, _ in self.routed]
        self.fields["add"].queryset = departments.exclude(pk__in=routed_ids)
        for org, _ in self.routed:
            self.fields[f"remove_{org.pk}"] = forms.BooleanField(
                label=f"移出{org.name}",
                required=False,
                widget=forms.CheckboxInput(
                    attrs={"class": "form-check-input", "aria-label": f"移出{org.name}"}
                ),
            )
            self.fields[f"reason_{org.pk}"] = forms.CharField(
                label="移出原因",
                required=False,
                max_length=200,
                widget=forms.TextInput(
                    attrs={"class": "form-control form-control-sm", "aria-label": f"移出{org.name}的原因"}
                ),
            )

    def removals(self) -> dict:
        return {
            org.pk: self.cleaned_data.get(f"reason_{org.pk}", "")
            for org, _ in self.routed
            if self.cleaned_data.get(f"remove_{org.pk}")
        }

    def rows(self) -> list[dict]:
        return [
            {
                "organization": org,
                "matters": matters,
                "remove": self[f"remove_{org.pk}"],
                "reason": self[f"reason_{org.pk}"],
            }
            for org, matters in self.routed
        ]


class CityApprovalForm(forms.Form):
    reference = forms.CharField(
        label="市政府批准文件",
        max_length=120,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": "请填写市政府批准文件文号。"},
    )
    approved_on = forms.DateField(
        label="批准日期",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={"required": "请填写批准日期。", "invalid": "批准日期格式应为 YYYY-MM-DD。"},
    )


def _date_field(label):
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={"required": f"请填写{label}。", "invalid": f"{label}格式应为 YYYY-MM-DD。"},
    )


def _document_field(label, required=True):
    return forms.CharField(
        label=label,
        max_length=120,
        required=required,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": f"请填写{label}。"},
    )


class CorrectionForm(forms.Form):
    """修改后同意: the corrected version (报批稿) submitted during the round."""

    note = forms.CharField(
        label="修改说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class UnregisteredDeterminationForm(forms.Form):
    """联合审查办法 第七条: the district government's determination and the publicity."""

    document = _document_field("调查认定文件")
    determined_on = _date_field("认定日期")
    publicity_on = _date_field("公示日期")


class TransitionApprovalForm(forms.Form):
    document = _document_field("过渡期政策批准文件")
    approved_on = _date_field("批准日期")


LAND_DEADLINE_CHOICES = (
    ("land_first_phase", "完成首期用地手续（2年）"),
    ("land_all", "完成全部用地手续（5年）"),
)


class LandDeadlineForm(forms.Form):
    """第十八条 "原则上": an extension (a later due date) or, with no date, an exception."""

    kind = forms.ChoiceField(
        label="期限",
        choices=LAND_DEADLINE_CHOICES,
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"required": "请选择用地手续期限。", "invalid_choice": "请选择用地手续期限。"},
    )
    new_due = forms.DateField(
        label="延长至（不填表示不再适用该期限）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={"invalid": "日期格式应为 YYYY-MM-DD。"},
    )
    reason = forms.CharField(
        label="原因",
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": "请填写原因。"},
    )
    document = _document_field("依据文件")


class IssueOpinionForm(forms.Form):
    conclusion = forms.CharField(
        label="审查结论（可选，不填则使用标准表述）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class PublishForm(forms.Form):
    # No minimum here: services.publish refuses fewer than 15 working days with the measures' article.
    workdays = forms.IntegerField(
        label="公示工作日数",
        initial=PUBLICITY_MIN_WORKDAYS,
        widget=forms.NumberInput(attrs={"class": "form-control", "step": "1"}),
        help_text=f"不少于{PUBLICITY_MIN_WORKDAYS}个工作日（联合审查办法 第十一条），可以更长。",
        error_messages={"required": "请填写公示工作日数。", "invalid": "公示工作日数应为整数。"},
    )
    summary = forms.CharField(
        label="公示摘要（可选，不填则使用功能定位）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class PreReviewAnswerForm(forms.Form):
    text = forms.CharField(
        label="预审意见", required=False, widget=forms.Textarea(attrs={"rows": 6, "class": "form-control"})
    )
