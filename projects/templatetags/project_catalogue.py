"""`{% catalogue_offered project as offered %}`: whether the user may take a CATALOGUE step now (the
project page links to the cataloguing page only then; the table decides, not the template)."""

from django import template

from projects.catalogue import CATALOGUE

register = template.Library()


@register.simple_tag(takes_context=True)
def catalogue_offered(context, project) -> bool:
    user = context["request"].user
    return any(row.permitted and row.allowed for row in CATALOGUE.available_for(user, project))
