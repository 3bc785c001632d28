"""Drive the setup of the integration in headless Chromium and take screenshots.

Run by scripts/screenshots with a Python that has Playwright installed, while
scripts/develop serves Home Assistant (fresh configuration) and the simulator.
Onboarding goes through Home Assistant's onboarding API; everything after that
is clicked through the UI as a new user would.
"""

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
import json
from pathlib import Path
import sys
import time
from typing import Any
import urllib.parse
import urllib.request

from playwright.sync_api import (  # type: ignore[import-not-found]
    Browser,
    Page,
    sync_playwright,
)

USERNAME = "dev"
PASSWORD = "dev-password"  # noqa: S105 - a throwaway local account
CLIENT_ID = "simulator-client"
CLIENT_SECRET = "simulator-secret"  # noqa: S105 - the simulator accepts any
ONBOARDING_SUGGESTIONS = {"google_translate", "met", "radio_browser", "shopping_list"}
VIEWPORT = {"width": 1280, "height": 800}
LIVE_INTERVAL_S = 30
TIMEOUT_MS = 60_000


def api(
    base: str,
    path: str,
    body: dict[str, Any] | None = None,
    token: str | None = None,
    method: str = "POST",
) -> Any:
    """Call Home Assistant's HTTP API: JSON, or a form for /auth/token."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None and path == "/auth/token":
        data = urllib.parse.urlencode(body).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(  # noqa: S310 - a local http URL
        base + path, data=data, headers=headers, method=method
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


def onboard(base: str) -> None:
    """Create the owner and finish every onboarding step."""
    client_id = f"{base}/"
    created = api(
        base,
        "/api/onboarding/users",
        {
            "client_id": client_id,
            "name": "Developer",
            "username": USERNAME,
            "password": PASSWORD,
            "language": "en",
        },
    )
    tokens = api(
        base,
        "/auth/token",
        {
            "grant_type": "authorization_code",
            "code": created["auth_code"],
            "client_id": client_id,
        },
    )
    token = tokens["access_token"]
    api(base, "/api/onboarding/core_config", {}, token)
    api(base, "/api/onboarding/analytics", {}, token)
    api(
        base,
        "/api/onboarding/integration",
        {"client_id": client_id, "redirect_uri": f"{base}/?auth_callback=1"},
        token,
    )
    remove_suggested_entries(base, token)


def remove_suggested_entries(base: str, token: str) -> None:
    """Delete what onboarding adds by itself (Met, ...) to keep the shots clean.

    scripts/develop runs with --skip-pip here, so they could not load anyway.
    """
    time.sleep(3)  # onboarding starts their flows in the background
    for entry in api(base, "/api/config/config_entries/entry", None, token, "GET"):
        if entry["domain"] in ONBOARDING_SUGGESTIONS:
            path = f"/api/config/config_entries/entry/{entry['entry_id']}"
            api(base, path, None, token, "DELETE")


def log_in(page: Page, base: str) -> None:
    """Log in through Home Assistant's login page."""
    page.goto(f"{base}/")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Settings").wait_for(timeout=TIMEOUT_MS)


def shot(page: Page, out: Path, name: str) -> None:
    """Save a screenshot of the viewport once the UI has settled."""
    page.wait_for_timeout(1500)
    path = out / name
    page.screenshot(path=str(path))
    print(f"screenshots: wrote {path}")


def add_integration(page: Page, base: str, out: Path) -> None:
    """Open Settings > Devices & services > Add integration > Tesla Powerwall 3."""
    page.goto(f"{base}/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click()
    page.get_by_placeholder("Search for a brand name").fill("Tesla Powerwall 3")
    result = page.get_by_role("listitem").filter(has_text="Tesla Powerwall 3")
    result.first.wait_for()
    shot(page, out, "setup-add-integration.png")
    result.first.click()

    # No credentials yet: Home Assistant asks for the Tesla application's.
    page.locator("input[name=name]").fill("Fleet API simulator")
    page.locator("input[name=clientId]").fill(CLIENT_ID)
    page.locator("input[name=clientSecret]").fill(CLIENT_SECRET)
    shot(page, out, "setup-credentials.png")
    page.get_by_role("button", name="Add", exact=True).click()


def sign_in_at_simulator(page: Page, out: Path) -> None:
    """Open the login, which Home Assistant shows in a new tab, and sign in."""
    with page.context.expect_page(timeout=TIMEOUT_MS) as popup_info:
        page.get_by_role("link", name="Open website").click()
    popup = popup_info.value
    popup.set_viewport_size(VIEWPORT)
    popup.wait_for_load_state()
    email = popup.locator("input[type=email], input[name=email]").first
    email.fill("newcomer@example.com")
    shot(popup, out, "setup-simulator-login.png")
    with popup.expect_event("close", timeout=TIMEOUT_MS):
        popup.get_by_role("button", name="Sign in").click()


def register_domain(page: Page, out: Path) -> None:
    """Answer Tesla's 412: a domain without a key first, then one with it."""
    page.get_by_text("Register your Tesla application").wait_for(timeout=TIMEOUT_MS)
    field = page.locator("input[name=domain]")
    field.fill("nokey.example.com")
    shot(page, out, "setup-register.png")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("The key is not at", exact=False).wait_for(timeout=TIMEOUT_MS)
    shot(page, out, "setup-register-error.png")
    field.fill("example.com")
    page.get_by_role("button", name="Submit").click()


def finish_flow(page: Page, out: Path) -> None:
    """Wait for the entry and close the success dialog."""
    page.get_by_text("Logged in to Tesla", exact=False).wait_for(timeout=TIMEOUT_MS)
    shot(page, out, "setup-success.png")
    page.get_by_role("button", name="Finish").click()


SITE_NAME = "My Home"
"""The simulator's first energy site."""


def open_device(page: Page, base: str) -> None:
    """Open the site's device page from the integration's page."""
    page.goto(f"{base}/config/integrations/integration/tesla_powerwall3")
    page.get_by_role("link", name="device", exact=False).first.click()
    # The entry has several devices (site, Wall Connector, Fleet API usage):
    # the link opens their list, where the site is picked by its name.
    page.get_by_text(SITE_NAME, exact=True).first.click()
    page.wait_for_url(f"{base}/config/devices/device/**")
    page.get_by_text("Battery charge").first.wait_for(timeout=TIMEOUT_MS)


def fit_sensors(page: Page) -> None:
    """Make the viewport tall enough to show the whole Sensors card.

    The site has some 25 entities; the five main ones (solar, battery, grid and
    home power, battery charge) are spread over the alphabetical list.
    """
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 2400})
    page.wait_for_timeout(1000)
    box = page.get_by_text("Add to dashboard").first.bounding_box()
    height = int(box["y"] + box["height"] + 32) if box else VIEWPORT["height"]
    page.set_viewport_size({"width": VIEWPORT["width"], "height": height})


def run(browser: Browser, base: str, out: Path, failure: Path) -> None:
    """Walk the whole setup, keeping a shot of the page where it failed."""
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(TIMEOUT_MS)
    try:
        walk(page, base, out)
    except Exception:
        for number, open_page in enumerate(browser.contexts[0].pages):
            open_page.screenshot(path=str(failure.with_suffix(f".{number}.png")))
        print(f"screenshots: failed; the open pages are in {failure.parent}")
        raise


def walk(page: Page, base: str, out: Path) -> None:
    """Set the integration up as a new user would and take every screenshot."""
    log_in(page, base)
    add_integration(page, base, out)
    sign_in_at_simulator(page, out)
    register_domain(page, out)
    finish_flow(page, out)
    open_device(page, base)
    fit_sensors(page)
    shot(page, out, "device-sensors.png")
    first = time.monotonic()
    # Two polls later: enough for the rounded kW values to move.
    page.wait_for_timeout((2 * LIVE_INTERVAL_S + 8) * 1000)
    assert time.monotonic() - first > 2 * LIVE_INTERVAL_S  # noqa: S101
    shot(page, out, "device-sensors-later.png")


@contextmanager
def chromium(executable: str) -> Iterator[Browser]:
    """Start headless Chromium; Playwright stops it on exit."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


def main() -> int:
    """Parse the arguments and take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8123")
    parser.add_argument("--out", type=Path, default=Path("docs/images"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--failure", type=Path, default=Path("failure.png"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    onboard(args.url)
    with chromium(args.chromium) as browser:
        run(browser, args.url, args.out, args.failure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
