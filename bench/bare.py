"""The yardstick: a Django view reading 50 rows of the same table, signed in like the page (session and
auth middleware run alike), rendering them in a minimal template. No scoping, no filters, no lights."""

from django.http import Http404, HttpResponse
from django.template import engines
from django.views import View

TEMPLATE = engines["django"].from_string(
    "<!doctype html><html><body><table>{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>"
    "{% endfor %}</tr>{% endfor %}</table></body></html>"
)


def tables():
    from projects.models import Project
    from renewal.models import AuditEvent, Deadline

    return {
        "projects": (Project, ("pk", "code", "name", "stage", "library", "total_investment", "received_on")),
        "deadlines": (Deadline, ("pk", "project_label", "title", "due_date", "state")),
        "audit": (AuditEvent, ("pk", "created_at", "actor_name", "action", "object_repr")),
    }


class BareListView(View):
    def get(self, request, table):
        try:
            model, fields = tables()[table]
        except KeyError as exc:
            raise Http404 from exc
        request.user.is_authenticated  # noqa: B018  (load the signed-in user as every page does)
        rows = list(model.objects.order_by("-pk").values_list(*fields)[:50])
        return HttpResponse(TEMPLATE.render({"rows": rows}, request))
