"""drf-spectacular post-processing: the error answers of read operations, documented as they are sent.

drf-spectacular documents a GET only with its 200. The API also answers 400 when a filter, the page or the
ordering cannot be read (django-filter's field errors, or one `detail` for NUL or non-UTF-8 bytes), 403
when the caller's role may not use the collection, and 404 for an id that does not exist or is outside the
caller's scope (issue 9, "the 400/404/429 answers are documented"). This hook adds those responses to every
read operation that lacks them, 400 to other operations that lack it, and 429 to throttled ones (the token
endpoint), and 401 to those that need a signed-in caller, so that schemathesis' status-code conformance
check holds.
"""

from __future__ import annotations

READ_ERROR = "ReadError"
FILTER_ERRORS = "FilterErrors"

SCHEMAS = {
    READ_ERROR: {
        "type": "object",
        "description": "错误说明",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    FILTER_ERRORS: {
        "type": "object",
        "description": "按参数或字段名列出错误，或一个 detail（无法读取的输入）",
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
}


def _response(description: str, schema: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _is_public(operation: dict) -> bool:
    """An operation anyone may call without signing in (drf-spectacular lists `{}` among its security)."""
    return any(requirement == {} for requirement in operation.get("security", []))


def _throttled(generator) -> set[tuple[str, str]]:
    """(path, method) of the operations whose view limits the rate of requests (answered 429)."""
    found = set()
    for path, _regex, method, callback in getattr(generator, "endpoints", None) or ():
        view = getattr(callback, "cls", None)
        if view is not None and getattr(view, "throttle_classes", None):
            found.add((path.replace("{pk}", "{id}"), method.lower()))
    return found


def document_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: 400 for every read operation, 403 for those that need a signed-in
    caller, 404 for those addressing one object by id or a page."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in SCHEMAS.items():
        schemas.setdefault(name, schema)
    throttled = _throttled(generator)
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            if (path, method) in throttled:
                operation["responses"].setdefault("429", _response("请求过于频繁，请稍后再试", READ_ERROR))
            if not _is_public(operation):
                # No token, or one that expired or was revoked (API tokens expire, issue 9).
                operation["responses"].setdefault(
                    "401", _response("未登录，或令牌已过期、已吊销", READ_ERROR)
                )
            if method != "get":
                # A step's input that cannot be read or is refused field by field (e.g. a wrong password).
                operation["responses"].setdefault("400", _response("输入有误", FILTER_ERRORS))
        operation = item.get("get")
        if operation is None:
            continue
        responses = operation.setdefault("responses", {})
        parameters = operation.get("parameters", [])
        # Filters, ordering, page; even without declared parameters a request may carry unreadable bytes.
        responses.setdefault("400", _response("查询参数无法读取", FILTER_ERRORS))
        if not _is_public(operation):
            responses.setdefault("403", _response("当前角色不能使用此接口", READ_ERROR))
        if "{" in path or any(p.get("in") == "query" and p.get("name") == "page" for p in parameters):
            # An unknown or out-of-scope id; a page number past the last page.
            responses.setdefault("404", _response("未找到（不存在或不在您的权限范围内）", READ_ERROR))
    return result
