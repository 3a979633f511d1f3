from renewal.navigation import items_for, menu_for


def navigation(request):
    user = getattr(request, "user", None)
    items = items_for(user) if user is not None else []
    return {"navigation": items, "navigation_menu": menu_for(user, items)}


def notifications(request):
    """The navbar's unread count: one COUNT query, only when a template reads it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from django.utils.functional import SimpleLazyObject

    from renewal.models import Notification

    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.visible_to(user).unread().count()
        )
    }
