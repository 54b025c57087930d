"""Browser tests: Debian chromium driven by Playwright, pages checked with axe-core.

Never downloads a browser: Playwright launches /usr/bin/chromium (installed by ./dev test).
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# WCAG 2.2 1.4.10 (reflow): every page visited with goto() is laid out again at these widths
# (CSS px) and must not scroll sideways itself. Wide tables and charts scroll inside their own
# container (docs/pages.md, "Wide tables and charts"), which must be named, focusable and
# marked .app-scroll (the class that draws the cue).
REFLOW_WIDTHS = (320, 768, 1280)

# One evaluate per width: the page's overflow, the widest elements that stick out (outside
# any scroll container; nothing inside an SVG), and scroll containers that scroll at this
# width but are not a named, focusable .app-scroll region.
REFLOW_JS = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const scrolls = el => {
    const overflow = getComputedStyle(el).overflowX;
    return (overflow === 'auto' || overflow === 'scroll') && el !== root && el !== document.body;
  };
  const describe = el => {
    const cls = (el.getAttribute('class') || '').trim().split(/\\s+/).filter(Boolean);
    const text = (el.getAttribute('aria-label') || el.textContent || '')
      .replace(/\\s+/g, ' ').trim().slice(0, 40);
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + cls.map(c => '.' + c).join('')
      + ` (${Math.round(el.getBoundingClientRect().width)}px: "${text}")`;
  };
  const offenders = [], inside = [], unnamed = [];
  const containers = [];
  for (const el of document.body.querySelectorAll('*:not(svg *)')) {
    const box = el.getBoundingClientRect();
    if (containers.some(c => c.contains(el))) {
      // Content escaping its scroll container (say, positioned against the page).
      if (box.width > 0 && box.right > width + 1) inside.push([box.right, describe(el)]);
      continue;
    }
    const container = scrolls(el);
    if (container) {
      containers.push(el);
      if (el.scrollWidth > el.clientWidth + 1 && !(el.matches('.app-scroll[tabindex="0"]')
          && el.getAttribute('role') === 'region'
          && (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')))) {
        unnamed.push(describe(el));
      }
    }
    // Its box, or (for any other box) the text overflowing it: a word longer than the line.
    const right = container ? box.right : Math.max(box.right, box.left + el.scrollWidth);
    if (box.width > 0 && right > width + 1) offenders.push([right, describe(el)]);
  }
  const widest = (offenders.length ? offenders : inside).sort((a, b) => b[0] - a[0]);
  return {scrollWidth: root.scrollWidth, clientWidth: width,
          offenders: widest.slice(0, 5).map(o => o[1]), unnamed};
}"""


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/functional" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls from the
    # test body are still synchronous and safe here. Set only while the browser runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

    assert Path(CHROMIUM).exists(), "Debian chromium is missing: run the suite with ./dev test"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


class Browser:
    """A page plus the checks every visit makes: no console errors (a CSP violation is one),
    and no WCAG 2.2 AA violations reported by axe-core."""

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        self.checked: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(
            f"{page.url}: {msg.text}"))
        page.on("pageerror", lambda error: self.console_errors.append(f"{page.url}: {error}"))

    def goto(self, path: str, status: int = 200):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == status, (path, response and response.status)
        if status >= 400:  # the browser logs the expected error status; that is not a fault
            self.console_errors = [e for e in self.console_errors
                                   if f"status of {status}" not in e]
        self.check()
        self.check_reflow(path)
        return response

    def check_reflow(self, path: str) -> None:
        """Lay the page out at each of REFLOW_WIDTHS (no reload) and fail if the page itself
        scrolls sideways, naming the widest elements that stick out, or if a table or chart
        that scrolls inside its container lacks the named, focusable scroll region."""
        viewport = self.page.viewport_size
        problems = []
        try:
            for width in REFLOW_WIDTHS:
                self.page.set_viewport_size({"width": width, "height": viewport["height"]})
                found = self.page.evaluate(REFLOW_JS)
                if found["scrollWidth"] > found["clientWidth"]:
                    problems.append(
                        f"{path} at {width}px is {found['scrollWidth']}px wide; widest: "
                        + "; ".join(found["offenders"]))
                problems += [f"{path} at {width}px: {element} scrolls sideways but is not a "
                             'named .app-scroll region with tabindex="0"'
                             for element in found["unnamed"]]
        finally:
            self.page.set_viewport_size(viewport)
        assert not problems, "\n".join(problems)

    def check(self) -> None:
        """Run axe-core on the current page; fail with a readable list of violations."""
        self.page.wait_for_load_state("load")
        self.page.evaluate(AXE_JS.read_text(encoding="utf-8"))
        result = self.page.evaluate(
            "async tags => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
            for v in result["violations"]
        ]
        assert not problems, f"axe found violations on {self.page.url}:\n" + "\n".join(problems)
        assert not self.console_errors, "\n".join(self.console_errors)
        self.checked.append(self.page.url)

    def sign_in(self, email: str, password: str, totp_secret: str | None = None) -> None:
        self.page.goto(self.base_url + "/account/sign-in/")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        if totp_secret:
            assert "/account/two-factor/" in self.page.url
            self.check()
            self.page.get_by_label("Security code").fill(totp_code(totp_secret))
            self.page.get_by_role("button", name="Continue").click()


def totp_code(secret_base32: str) -> str:
    from django_otp.oath import totp

    return f"{totp(base64.b32decode(secret_base32)):06d}"


@pytest.fixture
def web(request, browser, live_server):
    if "demo" in request.fixturenames:
        # The demo first, so that the page is closed before the demo's database is taken away.
        request.getfixturevalue("demo")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield Browser(page, live_server.url)
    context.close()


@pytest.fixture
def demo(transactional_db, _shared_demo_state):
    """The demo data (geography, 142 partnerships, demo accounts) in the live server's DB:
    built once per run and copied in for each test, which sees only its own writes
    (tests/shared_demo.py)."""
    from cdphub.demo.build import build_demo

    from ..shared_demo import copyable

    if not copyable():  # (a database of its own: built for each test)
        build_demo(step=lambda _what: None)
        yield
        return
    before = _shared_demo_state.copy_in()
    yield
    _shared_demo_state.put_back(before)
