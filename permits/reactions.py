"""Reactions of the permits app to steps of earlier apps (renewal.reactions): a project that reaches
行政许可办理 (after publicity) or the implementation library on the other path gets its works record, so
it shows in the permits list and the API without anyone opening its page first."""

from projects.choices import Path, Stage
from projects.models import Project
from renewal.reactions import react_to


@react_to("project.stage", "intake.move_to_implementation")
def create_works_record(event):
    from permits.services import works_for

    if event.action == "project.stage" and event.to_state != Stage.PERMITS:
        return
    project = Project.objects.filter(pk=event.object_id).first()
    if project is None:
        return
    if event.action == "intake.move_to_implementation" and project.path != Path.OTHER:
        return
    works_for(project)
