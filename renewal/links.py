"""Links from lists (deadlines, the audit trail) to the objects they name, for one viewer.

An object is linked through its model's `get_absolute_url()` only when it still exists, is in the
viewer's scope (`visible_to`) and its page lets the viewer's role in (the view's `allowed_roles`), so a
link never leads to a 404 or a 403. One query per kind of object, whatever the number of rows.
"""

from collections import defaultdict
from urllib.parse import urlsplit

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve


def page_allows(user, url: str) -> bool:
    """Whether the viewer's role may open the page at url (as declared by the view)."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    roles = getattr(getattr(match.func, "view_class", None), "allowed_roles", None)
    return roles is None or user.effective_role in roles


def object_urls(user, refs) -> dict[tuple[int, str], str]:
    """{(content type id, object id as text): url} for the (content type id, object id) pairs the viewer
    may open; the others are simply absent."""
    wanted = defaultdict(set)
    for type_id, object_id in refs:
        if type_id and object_id not in (None, ""):
            wanted[type_id].add(str(object_id))
    urls = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        visible_to = getattr(getattr(model, "_default_manager", None), "visible_to", None)
        if model is None or visible_to is None or not hasattr(model, "get_absolute_url"):
            continue
        keys = []
        for object_id in ids:
            try:
                keys.append(model._meta.pk.to_python(object_id))
            except ValidationError:
                continue
        for obj in visible_to(user).filter(pk__in=keys):
            url = obj.get_absolute_url()
            if url and page_allows(user, url):
                urls[(type_id, str(obj.pk))] = url
    return urls
