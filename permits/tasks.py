from celery import shared_task


@shared_task(name="permits.tasks.daily_works")
def daily_works():
    """Each morning: exit every project whose first anniversary of completion has come (Haidian guidance
    五(七)), and open the month's investment report of every project under construction; both catch up."""
    from permits.services import exit_due_projects, open_due_months

    exited = exit_due_projects()
    opened = open_due_months()
    return {"exited": len(exited), "months_opened": opened}
