"""Real-browser tests: Playwright for Python driving Debian's chromium against a live server.

Never `playwright install`: the browser is /usr/bin/chromium from Debian (CI apt-installs it).
Every test in this folder is marked `browser`.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} missing: CI must apt-get install chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


def _watch_csp(p):
    """Collect the page's Content-Security-Policy violations (an inline script or handler left
    in a template, an inline style): every browser test then fails on one."""
    p.csp_violations = []  # type: ignore[attr-defined]

    def on_console(msg):
        if "Content Security Policy" in msg.text:
            p.csp_violations.append(f"{p.url}: {msg.text}")

    p.on("console", on_console)


def _check_csp(p):
    assert not p.csp_violations, "\n".join(p.csp_violations)


@pytest.fixture
def page(browser, live_server):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    p = ctx.new_page()
    p.set_default_timeout(15_000)
    p.base = live_server.url  # type: ignore[attr-defined]
    _watch_csp(p)
    yield p
    ctx.close()
    _check_csp(p)


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized viewport (parents and instructors use phones)."""
    ctx = browser.new_context(
        locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    p = ctx.new_page()
    p.set_default_timeout(15_000)
    p.base = live_server.url  # type: ignore[attr-defined]
    _watch_csp(p)
    yield p
    ctx.close()
    _check_csp(p)


def login_as(page, username: str, password: str) -> None:
    page.goto(page.base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_selector("[data-testid=who]")
