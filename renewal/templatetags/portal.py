from django import template

from renewal.workflow import state_label as label_for

register = template.Library()


@register.filter
def state_label(code: str) -> str:
    """The Chinese label of a workflow state code stored in an audit event."""
    return label_for(code)
