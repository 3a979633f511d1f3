from rest_framework import serializers

from renewal.api.fields import ChoiceLabelField
from renewal.choices import DeadlineOutcome, DeadlineState
from renewal.models import AuditEvent, Deadline, User


class MeSerializer(serializers.ModelSerializer):
    organization = serializers.StringRelatedField()
    district = serializers.SerializerMethodField()
    role_label = ChoiceLabelField("role")

    class Meta:
        model = User
        fields = ["id", "username", "role", "role_label", "organization", "district"]

    def get_district(self, user) -> str | None:
        return user.district.name if user.district else None


class DeadlineSerializer(serializers.ModelSerializer):
    district = serializers.StringRelatedField()
    responsible_organization = serializers.StringRelatedField()
    light = serializers.SerializerMethodField()
    working_days_left = serializers.SerializerMethodField()
    working_days_overdue = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField(
        help_text="on_time（按时完成）/ late（逾期完成）；未完成为 null"
    )

    class Meta:
        model = Deadline
        fields = [
            "id",
            "subject_repr",
            "project_label",
            "district",
            "responsible_organization",
            "kind",
            "title",
            "basis",
            "rule",
            "amount",
            "start_date",
            "due_date",
            "provisional",
            "state",
            "light",
            "working_days_left",
            "working_days_overdue",
            "opened_at",
            "closed_at",
            "closed_on",
            "late_workdays",
            "outcome",
            "close_reason",
        ]

    def _light(self, deadline):
        return self.context.get("lights", {}).get(deadline.pk)

    def get_light(self, deadline) -> str | None:
        light = self._light(deadline)
        return light.light.value if light and deadline.is_open else None

    def get_working_days_left(self, deadline) -> int | None:
        light = self._light(deadline)
        return light.working_days_left if light and deadline.is_open else None

    def get_outcome(self, deadline) -> str | None:
        if deadline.state != DeadlineState.MET:
            return None
        return DeadlineOutcome.LATE.value if deadline.late_workdays else DeadlineOutcome.ON_TIME.value

    def get_working_days_overdue(self, deadline) -> int | None:
        light = self._light(deadline)
        return light.working_days_overdue if light and deadline.is_open else None


class AuditEventSerializer(serializers.ModelSerializer):
    district = serializers.StringRelatedField()
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor_name",
            "action",
            "action_label",
            "object_type",
            "object_id",
            "object_repr",
            "district",
            "from_state",
            "to_state",
            "reason",
            "data",
            "ip",
        ]

    def get_object_type(self, event) -> str | None:
        return event.content_type.model if event.content_type_id else None


def within_calendar_range(value):
    if value.year < 1900 or value.year > 2199:
        raise serializers.ValidationError("日期超出可计算范围（1900—2199年）。")
    return value


class WorkdayAddSerializer(serializers.Serializer):
    start = serializers.DateField(validators=[within_calendar_range])
    days = serializers.IntegerField(min_value=0, max_value=5000)


class WorkdayBetweenSerializer(serializers.Serializer):
    first = serializers.DateField(validators=[within_calendar_range])
    last = serializers.DateField(validators=[within_calendar_range])


def registered_deadline_kind(code: str) -> str:
    from renewal import deadline_kinds

    try:
        deadline_kinds.get(code)
    except deadline_kinds.UnknownDeadlineKind as exc:
        raise serializers.ValidationError(str(exc)) from None
    return code


class WorkdayDueSerializer(serializers.Serializer):
    kind = serializers.CharField(validators=[registered_deadline_kind])
    start = serializers.DateField(validators=[within_calendar_range])


class WorkdayDueAnswerSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    rule = serializers.CharField()
    length = serializers.IntegerField()
    start = serializers.DateField()
    due = serializers.DateField()
    provisional = serializers.BooleanField()
    basis = serializers.CharField()


class DeadlineKindSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    rule = serializers.CharField()
    rule_label = serializers.CharField()
    length = serializers.IntegerField()
    minimum = serializers.BooleanField()
    basis = serializers.CharField()
    responsible = serializers.CharField()


class WorkdayAnswerSerializer(serializers.Serializer):
    start = serializers.DateField()
    days = serializers.IntegerField()
    due = serializers.DateField()
    provisional = serializers.BooleanField()


class WorkdayCountSerializer(serializers.Serializer):
    first = serializers.DateField()
    last = serializers.DateField()
    working_days = serializers.IntegerField()
    provisional = serializers.BooleanField()
