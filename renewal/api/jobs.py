"""Background jobs over the API: my jobs and one job's status (scoped like the pages: creator, administrators),
and `POST …/<id>/actions/retry/` from the job workflow's table."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from renewal import jobs
from renewal.api.actions import ApiAction, WorkflowActionsMixin
from renewal.api.fields import ChoiceLabelField
from renewal.api.permissions import HasRole
from renewal.models import Job


class JobSerializer(serializers.ModelSerializer):
    status_label = ChoiceLabelField("status")
    created_by = serializers.StringRelatedField()
    download_url = serializers.SerializerMethodField(help_text="任务完成后可下载结果的地址；未完成时为空")

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "label",
            "status",
            "status_label",
            "progress",
            "error",
            "params",
            "result_name",
            "result_rows",
            "summary",
            "attempts",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_download_url(self, job) -> str | None:
        return reverse("job_download", args=[job.pk]) if job.status == "done" else None


class JobViewSet(WorkflowActionsMixin, viewsets.ReadOnlyModelViewSet):
    """Jobs the caller started (administrators: every job); other jobs answer 404."""

    permission_classes = [HasRole]
    serializer_class = JobSerializer
    queryset = Job.objects.select_related("created_by")
    filterset_fields = ["status", "kind"]
    api_actions = (
        ApiAction(
            "retry",
            lambda view, job, data: jobs.retry_job(job, user=view.request.user),
            summary="重试失败的任务",
        ),
    )

    def get_queryset(self):
        return self.queryset.visible_to(self.request.user).order_by("-created_at", "-pk")

    def availability(self, obj):
        return jobs.JOB.available_for(self.request.user, obj)
