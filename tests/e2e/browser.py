"""What a browser test watches on every page it opens: JavaScript errors, console errors, failed requests and
HTTP answers of 400 or more; and the dialogs it answers. Also the two screen sizes the portal is checked at."""

import re
from typing import NamedTuple

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# Chromium repeats every failed load on the console ("Failed to load resource: the server responded with a
# status of 404 (Not Found)", "Failed to load resource: net::ERR_…"). The response or request listener
# reports (or allows) the load itself; the console line is left out of the report when it only repeats it.
FAILED_LOAD = re.compile(r"^Failed to load resource: (?:the server responded with a status of (\d{3}))?")
# The browser cancels a request when the page navigates away while it is in flight (e.g. a test clicks on
# before an icon has loaded). That is not an answer from the server; a missing or broken resource shows up
# as a status >= 400 or as another net:: error.
CANCELLED = "net::ERR_ABORTED"


class Problem(NamedTuple):
    kind: str
    page: str  # the page's address when it happened
    text: str
    resource: str = ""  # the address that failed to load, for failed requests and their console lines


class BrowserWatch:
    """Collects what went wrong on every page of one browser context, and answers its dialogs."""

    def __init__(self, context, origin: str = ""):
        self.context = context
        self.origin = origin
        self.allowed_statuses: set[int] = set()
        self.problems: list[Problem] = []
        self.dialogs: list[str] = []
        self.decline_dialogs = False
        context.on("page", self._watch)

    def _short(self, url: str) -> str:
        if self.origin and url.startswith(self.origin):
            return url[len(self.origin) :] or "/"
        return url

    def _add(self, kind: str, page, text: str, resource: str = "", where: str = ""):
        if not where:
            try:
                where = page.url
            except Exception:  # the page is already closed
                where = "?"
        self.problems.append(Problem(kind, self._short(where), text, resource))

    def _watch(self, page):
        page.on("pageerror", lambda error: self._add("JavaScript error", page, _error_text(error)))
        page.on("console", lambda message: self._console(page, message))
        page.on("requestfailed", lambda request: self._request_failed(page, request))
        page.on("response", lambda response: self._response(page, response))
        page.on("dialog", self._dialog)

    def _console(self, page, message):
        if message.type != "error":
            return
        location = message.location or {}
        source = location.get("url", "")
        failed = FAILED_LOAD.match(message.text)
        if failed and failed.group(1) and int(failed.group(1)) in self.allowed_statuses:
            return
        line = location.get("lineNumber")
        at = f" (at {self._short(source)}{f':{line + 1}' if line is not None and line >= 0 else ''})"
        self._add("console error", page, f"{message.text}{at if source else ''}", source if failed else "")

    def _request_failed(self, page, request):
        failure = request.failure or "failed"
        if failure == CANCELLED:
            return
        where = request.url if request.is_navigation_request() else ""
        self._add(
            "request failed",
            page,
            f"{request.method} {self._short(request.url)}: {failure}",
            request.url,
            where,
        )

    def _response(self, page, response):
        if response.status < 400 or response.status in self.allowed_statuses:
            return
        request = response.request
        # A page's own answer arrives before the page takes its address: name the page by that address.
        where = response.url if request.is_navigation_request() else ""
        self._add(
            f"HTTP {response.status}",
            page,
            f"{request.method} {self._short(response.url)}",
            response.url,
            where,
        )

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        if self.decline_dialogs and dialog.type != "beforeunload":
            dialog.dismiss()
        else:
            dialog.accept()

    def settle(self):
        """Let the browser deliver the events still in flight (one round trip to each open page)."""
        for page in self.context.pages:
            try:
                page.evaluate("0")
            except Exception:  # closed, or navigating: nothing more to wait for
                pass

    def report(self) -> str:
        """One line per problem, without the console lines that only repeat a listed failed load."""
        failed = {p.resource for p in self.problems if p.resource and p.kind != "console error"}
        lines = [
            f"  - {p.kind} on {p.page}: {p.text}"
            for p in self.problems
            if not (p.kind == "console error" and p.resource in failed)
        ]
        return "\n".join(dict.fromkeys(lines))


def _error_text(error) -> str:
    name = getattr(error, "name", "") or ""
    message = getattr(error, "message", "") or str(error)
    return f"{name}: {message}" if name and not message.startswith(name) else message


# What a person needs to see, read from the computed style of each element `selector` matches. Returns one
# line per element that fails: a background that is not painted, a border that is not there, or text whose
# colour is too close to the background it is drawn on (its own, or the nearest painted one behind it;
# contrast below 3:1, the WCAG minimum for large text and controls).
PAINT_PROBLEMS = """([selector, checks]) => {
  const parse = (c) => {
    if (!c || c === "transparent") return [0, 0, 0, 0];
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const luminance = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const contrast = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const behind = (el) => {
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c && c[3] > 0) return c;
    }
    return [255, 255, 255, 1];
  };
  const name = (el) => el.outerHTML.slice(0, 140).replace(/\\s+/g, " ");
  const problems = [];
  for (const el of document.querySelectorAll(selector)) {
    const s = getComputedStyle(el);
    const background = parse(s.backgroundColor);
    if (checks.includes("background") && !(background && background[3] > 0)) {
      problems.push(`${name(el)}: background-color is ${s.backgroundColor}`);
    }
    if (checks.includes("border")) {
      for (const side of ["Top", "Right", "Bottom", "Left"]) {
        const width = parseFloat(s[`border${side}Width`]);
        const colour = parse(s[`border${side}Color`]);
        const style = s[`border${side}Style`];
        if (!(width > 0 && style !== "none" && style !== "hidden" && colour && colour[3] > 0)) {
          problems.push(`${name(el)}: border-${side.toLowerCase()} is ${width}px ${style} ${s[`border${side}Color`]}`);
          break;
        }
      }
    }
    if (checks.includes("contrast")) {
      const text = parse(s.color);
      const under = behind(el);
      if (text && contrast(text, under) < 3) {
        problems.push(`${name(el)}: text ${s.color} on rgba(${under.join(", ")})`);
      }
    }
  }
  return problems;
}"""


def paint_problems(page, selector: str, *checks: str) -> list[str]:
    """paint_problems(page, ".badge", "background", "contrast") → what fails, one line per element."""
    return page.evaluate(PAINT_PROBLEMS, [selector, list(checks)])


def click_nav(page, name: str) -> None:
    """Follow a menu item as a person does: open the ☰ menu on a phone and the item's drop-down group first."""
    link = page.locator(f"#mainnav [data-nav='{name}']")
    toggler = page.locator("nav.navbar .navbar-toggler")
    if toggler.is_visible() and not page.locator("#mainnav").is_visible():
        toggler.click()
        page.locator("#mainnav.show").wait_for()
    if not link.is_visible():
        group = link.locator("xpath=ancestor::li[contains(@class, 'dropdown')]/a[@data-bs-toggle='dropdown']")
        group.click()
    link.click()
