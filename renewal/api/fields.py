"""Serializer fields shared by the apps' APIs."""

from rest_framework import serializers


class ChoiceLabelField(serializers.CharField):
    """The Chinese label of a model's choice field (`get_<field>_display()`), read only.

    Written as source="get_x_display", DRF inspects the method's signature for every row to decide
    whether to call it — a sixth of /api/v1/projects/ at 50 rows a page (issue 16); this calls it."""

    def __init__(self, choice_field: str, **kwargs):
        self.choice_field = choice_field
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        return str(getattr(instance, f"get_{self.choice_field}_display")())
