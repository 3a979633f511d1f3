from celery import shared_task


@shared_task(name="review.tasks.close_expired_publicities")
def close_expired_publicities():
    """Close publicity windows whose last working day has ended (they cannot be closed early)."""
    from review.services import close_expired_publicities as close

    return close()
