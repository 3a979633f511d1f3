from renewal.navigation import items_for


def navigation(request):
    user = getattr(request, "user", None)
    return {"navigation": items_for(user) if user is not None else []}
