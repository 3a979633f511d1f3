from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import viewsets

from projects.api.serializers import ProjectSerializer
from projects.filtersets import ProjectFilterSet
from projects.models import Project
from projects.selectors import LEDGER_RELATED, LEDGER_ROLES, ledger_rows, open_deadlines_prefetch
from renewal.api.views import ScopedViewSetMixin


class ProjectViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """The project library ledger: the same scope, filters (`sort` for ordering) and lights as /projects/."""

    queryset = Project.objects.select_related(*LEDGER_RELATED, "admission_notice")
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet
    filter_backends = [DjangoFilterBackend]
    allowed_roles = LEDGER_ROLES

    def get_queryset(self):
        return super().get_queryset().prefetch_related(open_deadlines_prefetch(self.request.user))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["ledger_rows"] = getattr(self, "_ledger_rows", {})
        return context

    def _compute_rows(self, projects):
        self._ledger_rows = {row.project.pk: row for row in ledger_rows(projects)}

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        self._compute_rows(page if page is not None else queryset)
        return page

    def get_object(self):
        project = super().get_object()
        self._compute_rows([project])
        return project
