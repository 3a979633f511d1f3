"""Scoping: the one mechanism by which every page, endpoint, export and download sees data.

Each scoped model's queryset declares where its district and its owning organisations are:

    class ProjectQuerySet(ScopedQuerySet):
        scope_district = "district"
        scope_organizations = ("implementing_entity", "coordinating_entity")

`Model.objects.visible_to(user)` then applies DOMAIN.md §1: administrators and city-level users see
all districts, everyone else only their own district; implementing entities only what their own
organisation owns; departments may be narrowed further by `scope_reviewer`. Anything outside scope
is simply absent, so views answer 404 (`get_visible_or_404`), never 403 with a hint.
"""

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import Http404

ENTITY_ROLE = "entity"
REVIEWER_ROLE = "reviewer"
ADMINISTRATOR_ROLE = "administrator"


class ScopedQuerySet(models.QuerySet):
    scope_district: str | None = "district"
    scope_organizations: tuple[str, ...] = ()
    # Optional narrowing for department reviewers, a Q built from the user (see review app).
    scope_reviewer = None

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.role == ADMINISTRATOR_ROLE:
            return self
        if not user.role or user.organization_id is None:
            return self.none()
        queryset = self
        if not user.is_city_level:
            if self.scope_district is None:
                return self.none()
            queryset = queryset.filter(**{self.scope_district: user.district_id})
        if user.role == ENTITY_ROLE:
            if not self.scope_organizations:
                return self.none()
            owned = reduce(or_, (Q(**{path: user.organization_id}) for path in self.scope_organizations))
            queryset = queryset.filter(owned)
        elif user.role == REVIEWER_ROLE and self.scope_reviewer is not None:
            queryset = queryset.filter(self.scope_reviewer(user))
        return queryset


def get_visible_or_404(queryset, user, **lookup):
    """The object if the user may see it; otherwise 404 — never a hint that it exists."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("未找到该对象，或您无权查看。") from exc


def require(allowed: bool, message: str) -> None:
    """Refuse an action the user may not take on an object they can see (403 with the reason)."""
    if not allowed:
        raise PermissionDenied(message)
