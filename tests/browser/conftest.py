"""Browser fixtures: Debian's headless Chromium driven by Playwright, against a live server.

When the CI variable is set, a missing Chromium fails the browser tests; elsewhere it skips them.
Every page a test opens reports Content-Security-Policy violations, and any one fails the test.
"""
from __future__ import annotations

import os
from pathlib import Path

from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import (  # noqa: F401  (fixtures shared with integration)
    default_profiles, editor, fresh_media, live_worker,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 768, "height": 1024}
PASSWORD = "pw-for-tests"
# Runs before any script of every page and frame: each violation goes straight to the test
# through a binding, so one on a page the test has since navigated away from still counts.
CSP_PROBE = """document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolation({directive: e.effectiveDirective, blocked: e.blockedURI,
                         source: `${e.sourceFile}:${e.lineNumber}`, sample: e.sample,
                         page: location.href}); });"""


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the browser tests, closed before any other package's tests run."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        # Playwright's sync API keeps an event loop in this thread, which Django takes
        # for async code; the tests' own ORM calls are plain synchronous code.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A page in a fresh context; fails the test on a JavaScript error or a CSP violation."""
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    violations = []
    context.expose_function("__cspViolation", lambda report: violations.append(report))
    context.add_init_script(CSP_PROBE)
    # Chromium also logs each refusal to the console: a second witness for the same thing.
    context.on("console", lambda msg: "Content Security Policy" in msg.text
               and violations.append({"console": msg.text, "page": msg.page and msg.page.url}))
    # One door: every write our pages make goes to the API (the login form and
    # Django's own admin aside).
    writes = []
    context.on("request", lambda req: req.method not in ("GET", "HEAD")
               and writes.append((req.method, urlsplit(req.url).path)))
    page = context.new_page()
    page.writes = writes
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    for open_page in context.pages:
        open_page.evaluate("0")  # a round trip, so that pending reports have arrived
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
    outside = [w for w in writes if not w[1].startswith(("/api/", "/login/", "/logout/", "/admin/"))]
    assert not outside, f"writes outside the API: {outside}"
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def shot(page):
    """shot(name) saves a full-page screenshot to artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, target=None) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path
    return take


@pytest.fixture
def editor_reviewer(editor):
    """The editor of the integration tests, given the reviewer role too."""
    from dam.roles import ensure_roles

    editor.groups.add(ensure_roles()["Reviewers"])
    return editor


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")
