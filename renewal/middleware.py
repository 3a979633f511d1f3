"""Refuse requests whose parameters cannot be real input: NUL bytes or bytes that are not UTF-8.

Without this, a NUL byte in any filter (`/deadlines/?kind=%00`) reaches PostgreSQL, which refuses it with a
500, and form bytes that are not UTF-8 are stored as "���". Answered with 400 and a Chinese message."""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.http import JsonResponse

NUL_MESSAGE = "提交的内容含有不可识别的控制字符（NUL），请求未被处理。请检查后重新填写。"
ENCODING_MESSAGE = "提交的内容不是有效的 UTF-8 文字编码，请求未被处理。请使用常用浏览器重新填写后提交。"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def _raw_bytes(text: str) -> bytes:
    try:
        return text.encode("iso-8859-1")  # how WSGI hands over the raw bytes
    except UnicodeEncodeError:
        return text.encode("utf-8")


def encoded_problem(raw: bytes) -> str:
    """The Chinese message for a percent-encoded query string or form body that is not real text, or ""."""
    if not raw:
        return ""
    decoded = unquote_to_bytes(raw.replace(b"+", b" "))
    if b"\x00" in decoded:
        return NUL_MESSAGE
    try:
        decoded.decode("utf-8")
    except UnicodeDecodeError:
        return ENCODING_MESSAGE
    return ""


def multipart_problem(request) -> str:
    """Multipart fields are decoded with replacement characters by Django: refuse those and NUL bytes."""
    for values in request.POST.lists():
        for value in values[1]:
            if "\x00" in value:
                return NUL_MESSAGE
            if "\ufffd" in value:
                return ENCODING_MESSAGE
    return ""


def bad_input(request) -> str:
    problem = encoded_problem(_raw_bytes(request.META.get("QUERY_STRING", "")))
    if problem or request.method in ("GET", "HEAD", "OPTIONS"):
        return problem
    content_type = request.content_type or ""
    if content_type == FORM_CONTENT_TYPE:
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length.isdigit() and (limit is None or int(length) <= limit):
            return encoded_problem(request.body)
    elif content_type == "multipart/form-data":
        return multipart_problem(request)
    return ""


class BadInputMiddleware:
    """Place after MessageMiddleware (the 400 page is rendered in the portal's layout)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = bad_input(request)
        if problem:
            return bad_input_response(request, problem)
        return self.get_response(request)


def bad_input_response(request, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
    from renewal.views import _error_page

    return _error_page(request, "400.html", 400, reason=message)
