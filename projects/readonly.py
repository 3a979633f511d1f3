"""An exited project is read-only (issue 11; 《海淀区城市更新实施指引（2025年版）》五(七): a project leaves the library
one year after its completion acceptance). One guard for every workflow table of the project and of the
records hanging off it (`Workflow(read_only=project_exited)`) and for `move_stage`."""

from projects.choices import Stage
from projects.models import Project
from renewal.dates import chinese_date


def project_of(obj) -> Project | None:
    """The project itself, or the project a plan, review, notice or opinion belongs to."""
    if isinstance(obj, Project):
        return obj
    project = getattr(obj, "project", None)
    return project if isinstance(project, Project) else None


def exited_refusal(project: Project) -> str | None:
    """Why nothing may change the project ("" → None while it is not exited). The stage decides: the exit
    itself sets the library and date first, then moves the stage (permits.services.exit_due_projects)."""
    if project.stage != Stage.EXITED:
        return None
    if project.library_exit_on:
        return f"项目已于{chinese_date(project.library_exit_on)}退出项目库，只读"
    return "项目已退出项目库，只读"


def project_exited(obj, **context) -> str | None:
    """Guard: the record's project has exited the library, so nothing may change it."""
    project = project_of(obj)
    return exited_refusal(project) if project is not None else None
