"""Browser journeys: Playwright drives Debian's Chromium against Django's live server."""

import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe

# Playwright's sync API runs an event loop in this thread; the ORM calls in fixtures are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if not shutil.which("chromium"):
                item.add_marker(pytest.mark.skip(reason="Debian's chromium is not installed"))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {
        **browser_context_args,
        "locale": "nl-NL",
        "timezone_id": "Europe/Amsterdam",
        # No CSS transitions, so that accessibility checks never see a colour half-way.
        "reduced_motion": "reduce",
    }


@pytest.fixture
def axe():
    """Fails on any serious or critical accessibility violation of the current page."""
    checker = Axe()

    def check(page):
        results = checker.run(page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, "\n".join(
            f"{v['id']}: {v['help']} at {[node['target'] for node in v['nodes'][:5]]}" for v in bad
        )

    return check


@pytest.fixture
def log_in(page, live_server):
    def log_in_as(email, password):
        page.goto(f"{live_server.url}/account/login/")
        page.get_by_label("E-mailadres").fill(email)
        page.get_by_label("Wachtwoord").fill(password)
        page.get_by_role("button", name="Inloggen").click()

    return log_in_as


@pytest.fixture(autouse=True)
def no_csp_violations(request):
    """Every page of a journey runs without inline scripts or styles the CSP would refuse."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield
    assert not refused, refused
