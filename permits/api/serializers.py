"""Permits over the API: the works record, permit lines, investment months and report versions."""

from rest_framework import serializers

from permits.choices import LandScope, Requirement
from permits.models import InvestmentMonth, MonthlyInvestmentReport, PermitLine, ProjectWorks
from permits.services import CONSTRUCTION_FIELDS, FACT_FIELDS
from renewal.api.fields import ChoiceLabelField


class PermitLineSerializer(serializers.ModelSerializer):
    procedure_label = ChoiceLabelField("procedure")
    proposed = serializers.CharField(read_only=True, help_text="系统建议的办理要求（取值同 requirement）")
    requirement_label = ChoiceLabelField("requirement")
    state_label = ChoiceLabelField("state")

    class Meta:
        model = PermitLine
        fields = [
            "id",
            "project",
            "procedure",
            "procedure_label",
            "proposed",
            "proposed_basis",
            "requirement",
            "requirement_label",
            "basis",
            "state",
            "state_label",
            "document_number",
            "issued_on",
            "issuing_body",
            "applicant",
            "land_mode",
            "land_scope",
            "tax_pushed_on",
            "tax_confirmed_on",
            "transition_end_on",
            "note",
        ]
        read_only_fields = fields


class ProjectWorksSerializer(serializers.ModelSerializer):
    state_label = ChoiceLabelField("state")
    works_started_on = serializers.DateField(source="project.works_started_on", read_only=True)
    completion_accepted_on = serializers.DateField(source="project.completion_accepted_on", read_only=True)
    library_exit_on = serializers.DateField(source="project.library_exit_on", read_only=True)

    class Meta:
        model = ProjectWorks
        fields = [
            "id",
            "project",
            "state",
            "state_label",
            "works_started_on",
            "completion_accepted_on",
            "library_exit_on",
            *FACT_FIELDS,
            *CONSTRUCTION_FIELDS,
            "industry_approval_document",
            "industry_approval_on",
            "industry_approval_body",
            "builder_accepted_on",
            "joint_acceptance_applied_on",
            "joint_acceptance_passed_on",
            "separate_acceptances",
            "registration_on",
            "registration_applicant",
            "business_licence_number",
            "business_licence_on",
        ]
        read_only_fields = fields


class InvestmentMonthSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvestmentMonth
        fields = ["id", "project", "month", "state", "reported_at"]
        read_only_fields = fields


class MonthlyInvestmentReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = MonthlyInvestmentReport
        fields = [
            "id",
            "project",
            "period",
            "month",
            "version",
            "is_current",
            "invested",
            "percent_explanation",
            "progress_text",
            "narrative",
            "problems",
            "next_steps",
            "submitted_at",
        ]
        read_only_fields = fields


# --- inputs ---------------------------------------------------------------------------------------


class FactsInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectWorks
        fields = FACT_FIELDS
        extra_kwargs = {name: {"required": False} for name in FACT_FIELDS}


class ConstructionInputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectWorks
        fields = CONSTRUCTION_FIELDS
        extra_kwargs = {name: {"required": False} for name in CONSTRUCTION_FIELDS}


class EnterPermitsInputSerializer(serializers.Serializer):
    document = serializers.CharField(max_length=120)
    approved_on = serializers.DateField()
    body = serializers.CharField(max_length=120)


class StartWorksInputSerializer(serializers.Serializer):
    started_on = serializers.DateField()
    planned_completion_on = serializers.DateField(required=False, allow_null=True)


class AnnualPlanInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)


class BuilderAcceptanceInputSerializer(serializers.Serializer):
    accepted_on = serializers.DateField()


class JointApplicationInputSerializer(serializers.Serializer):
    applied_on = serializers.DateField(required=False)


class JointPassInputSerializer(serializers.Serializer):
    passed_on = serializers.DateField()


class SeparateInputSerializer(serializers.Serializer):
    separate = serializers.CharField()


class RegistrationInputSerializer(serializers.Serializer):
    registered_on = serializers.DateField()
    applicant = serializers.CharField(max_length=200)


class LicenceInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=60)
    issued_on = serializers.DateField()


class ChangeLineInputSerializer(serializers.Serializer):
    requirement = serializers.ChoiceField(choices=Requirement.choices)
    basis = serializers.CharField()
    reason = serializers.CharField()


class GrantInputSerializer(serializers.Serializer):
    document_number = serializers.CharField(max_length=120)
    issued_on = serializers.DateField()
    issuing_body = serializers.CharField(max_length=120)
    applicant = serializers.CharField(max_length=200, required=False, allow_blank=True)
    land_scope = serializers.ChoiceField(choices=LandScope.choices, required=False, allow_blank=True)
    tax_pushed_on = serializers.DateField(required=False, allow_null=True)
    tax_confirmed_on = serializers.DateField(required=False, allow_null=True)
    transition_end_on = serializers.DateField(required=False, allow_null=True)
    scan = serializers.FileField(required=False)


class ReportInputSerializer(serializers.Serializer):
    invested = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    progress_text = serializers.CharField(max_length=300)
    narrative = serializers.CharField(required=False, allow_blank=True)
    problems = serializers.CharField(required=False, allow_blank=True)
    next_steps = serializers.CharField(required=False, allow_blank=True)
    explanation = serializers.CharField(required=False, allow_blank=True)
