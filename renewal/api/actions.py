"""Workflow actions over the API: `GET …/<id>/actions/` and `POST …/<id>/actions/<name>/`.

A viewset lists its actions as `ApiAction`s (the input serializer and the service call); availability
comes from the workflow tables (`Workflow.available_for`), so the API offers exactly what the page's
buttons offer, and a refusal carries the same Chinese reason as the form. Each action gets its own route
and schema entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from renewal.workflow import Availability, TransitionRefused


class AvailabilitySerializer(serializers.Serializer):
    name = serializers.CharField(help_text="动作名称，POST actions/<name>/ 执行")
    label = serializers.CharField()
    allowed = serializers.BooleanField()
    reason = serializers.CharField(help_text="不能执行时的原因")
    confirm = serializers.CharField(help_text="执行前应向用户确认的问题（不可撤销的操作）")
    reason_required = serializers.BooleanField()


REFUSAL = inline_serializer(
    "ActionRefusal",
    fields={
        "detail": serializers.CharField(),
        "missing": serializers.ListField(child=serializers.CharField()),
    },
)
# 400: the input's errors, by field name (as the form shows them), or one `detail` for input that could not
# be read at all (NUL or non-UTF-8 bytes).
INPUT_ERRORS = inline_serializer(
    "InputErrors",
    fields={"detail": serializers.CharField(required=False, help_text="无法读取的输入；否则按字段列出错误")},
)
# 403: the role may not use this endpoint.
DENIED = inline_serializer("Denied", fields={"detail": serializers.CharField()})
ERROR_RESPONSES = {400: INPUT_ERRORS, 403: DENIED, 404: None, 409: REFUSAL}


class NoInput(serializers.Serializer):
    pass


@dataclass(frozen=True)
class ApiAction:
    name: str
    perform: Callable  # (viewset, obj, validated_data) → the object after the action
    serializer: type[serializers.Serializer] = NoInput
    summary: str = ""
    deletes: bool = False  # the step removes the object (a deleted draft): 204, no body
    multipart: bool = False  # the input carries files: multipart/form-data only


def _make_route(api_action: ApiAction, response_serializer):
    def run(self, request, pk=None):
        obj = self.get_object()
        payload = api_action.serializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        try:
            result = api_action.perform(self, obj, payload.validated_data)
        except TransitionRefused as refused:
            return Response(
                {"detail": refused.message, "missing": refused.missing}, status=status.HTTP_409_CONFLICT
            )
        except PermissionDenied as denied:
            return Response({"detail": str(denied) or "您不能执行此操作。", "missing": []}, status=403)
        if api_action.deletes:
            return Response(status=status.HTTP_204_NO_CONTENT)
        result = result if result is not None else obj
        if isinstance(result, type(obj)):
            result = self.get_queryset().filter(pk=result.pk).first() or result
            return Response(self.get_serializer(result).data, status=status.HTTP_200_OK)
        return Response(status=status.HTTP_204_NO_CONTENT)

    run.__name__ = f"action_{api_action.name}"
    run.__doc__ = api_action.summary or api_action.name
    routed = action(
        detail=True,
        methods=["post"],
        url_path=f"actions/{api_action.name}",
        url_name=f"action-{api_action.name.replace('_', '-')}",
        **({"parser_classes": [MultiPartParser, FormParser]} if api_action.multipart else {}),
    )(run)
    # After @action: it replaces the function's kwargs, where extend_schema keeps the operation's schema.
    done = {204: None} if api_action.deletes else {200: response_serializer}
    return extend_schema(
        request=api_action.serializer,
        responses={**done, **ERROR_RESPONSES},
        summary=api_action.summary or None,
    )(routed)


class WorkflowActionsMixin:
    """Add to a scoped viewset; set `api_actions` and implement `availability(obj)`."""

    api_actions: tuple[ApiAction, ...] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for api_action in cls.__dict__.get("api_actions", ()):
            setattr(cls, f"action_{api_action.name}", _make_route(api_action, cls.serializer_class))

    def availability(self, obj) -> list[Availability]:
        raise NotImplementedError

    @extend_schema(responses=AvailabilitySerializer(many=True))
    @action(detail=True, methods=["get"], url_path="actions", url_name="actions")
    def actions(self, request, pk=None):
        """Actions the signed-in user may take on this object now, or why not."""
        obj = self.get_object()
        offered = {a.name for a in self.api_actions}
        rows = [row.as_dict() for row in self.availability(obj) if row.permitted and row.action in offered]
        return Response(rows)
