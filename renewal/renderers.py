"""The portal's form renderer: Django's templates, with <select> and <input> written in Python.

A ledger filter form carries ten selects and hundreds of options; Django renders each option through
two template includes, which was a sixth of the ledger page's time at city scale (issue 16). The HTML is
the same, byte for byte, as Django's own select.html / select_option.html / attrs.html produce
(tests/perf/test_choice_cache.py compares them); every other widget still renders from its template.
The ledger's thirteen text and date inputs cost another 2 ms through input.html and attrs.html; they are
written here too, as input.html writes them.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _attrs(attrs: dict) -> str:
    """attrs.html: ` name="value"` for each attribute, ` name` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


# Widgets whose template is only `{% include "django/forms/widgets/input.html" %}`.
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{kind}.html"
    for kind in ("input", "text", "date", "number", "email", "url", "search", "tel", "hidden", "password")
)


def render_input(widget: dict) -> str:
    value = widget["value"]
    shown = "" if value is None else f' value="{conditional_escape(str(value))}"'
    return mark_safe(  # every value is escaped
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{shown}{_attrs(widget['attrs'])}>"
    )


def render_select(widget: dict) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            parts.append(
                f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))  # every value above is escaped


class PortalFormRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name == SELECT_TEMPLATE and all(
            option["template_name"] == OPTION_TEMPLATE
            for _, group, _ in context["widget"]["optgroups"]
            for option in group
        ):
            return render_select(context["widget"])
        if template_name in INPUT_TEMPLATES:
            return render_input(context["widget"])
        return super().render(template_name, context, request=request)
