"""Drive the setup of the integration in headless Chromium and take screenshots.

Run by scripts/screenshots with a Python that has Playwright installed, while
scripts/develop serves Home Assistant (fresh configuration) and the simulator.
Onboarding goes through Home Assistant's onboarding API; everything after that
is clicked through the UI as a new user would.
"""

import argparse
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
import json
import os
from pathlib import Path
import re
import subprocess
import sys
import time
from typing import Any
import urllib.parse
import urllib.request

from playwright.sync_api import (  # type: ignore[import-not-found]
    Browser,
    Dialog,
    Locator,
    Page,
    TimeoutError as PlaywrightTimeoutError,
    sync_playwright,
)

USERNAME = "dev"
PASSWORD = "dev-password"  # noqa: S105 - a throwaway local account
CLIENT_ID = "simulator-client"
CLIENT_SECRET = "simulator-secret"  # noqa: S105 - the simulator accepts any
ONBOARDING_SUGGESTIONS = {"google_translate", "met", "radio_browser", "shopping_list"}
VIEWPORT = {"width": 1280, "height": 800}
WIDE = {"width": 1440, "height": 900}
LIVE_INTERVAL_S = 30
TIMEOUT_MS = 60_000
ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = ROOT / "docs" / "dashboards" / "powerwall.yaml"
DASHBOARD_URL = "dashboard-powerwall"
APEXCHARTS_URL = "/local/apexcharts-card.js"


@dataclass(frozen=True)
class Demo:
    """Where the development instance lives and how to fill in its past."""

    base: str
    out: Path
    config_dir: Path
    project_python: str
    time_zone: str
    apexcharts: bool


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


def shot(page: Page, out: Path, name: str, *, full_page: bool = False) -> None:
    """Save a screenshot of the viewport once the UI has settled."""
    page.wait_for_timeout(1500)
    path = out / name
    page.screenshot(path=str(path), full_page=full_page)
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
    # Typed key by key, as a user does: the label then moves out of the way.
    field.press_sequentially("nokey.example.com")
    shot(page, out, "setup-register.png")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("The key is not at", exact=False).wait_for(timeout=TIMEOUT_MS)
    shot(page, out, "setup-register-error.png")
    field.fill("example.com")
    page.get_by_role("button", name="Submit").click()


def finish_flow(page: Page, out: Path) -> None:
    """Keep the default polling choice, wait for the entry, close the dialog."""
    page.get_by_text("How often to ask Tesla").wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Submit").click()
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


def call_ws(page: Page, message: dict[str, Any]) -> Any:
    """Send one websocket command through the logged-in frontend."""
    return page.evaluate(
        "m => document.querySelector('home-assistant').hass.callWS(m)", message
    )


def configure_polling(page: Page, base: str, out: Path) -> None:
    """Configure > the default monthly budget, as a user keeping costs down would.

    scripts/develop polls live data every 30 s until options are saved, so that
    the device page moves; the dashboards are shown with the default plan, and
    the options form is taken once that plan is saved, as users see it.
    """
    page.goto(f"{base}/config/integrations/integration/tesla_powerwall3")
    configure = page.get_by_role("button", name="Configure").first
    configure.click()
    page.get_by_text("Polling and Fleet API costs").wait_for()
    page.get_by_text("Stay within a monthly request budget").click()
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Monthly request budget").wait_for()
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Confirm the cost").wait_for()
    shot(page, out, "options-confirm.png")
    page.get_by_role("button", name="Submit").click()
    page.get_by_text("Options successfully saved", exact=False).wait_for()
    page.get_by_role("button", name="Finish").click()
    configure.click()
    page.get_by_text("Polling and Fleet API costs").wait_for()
    # The saved choice, which this frontend leaves unticked on a new form.
    page.get_by_text("Stay within a monthly request budget").click()
    shot(page, out, "options-polling.png")
    page.keyboard.press("Escape")


def fill_in_the_past(page: Page, demo: Demo) -> None:
    """Give the new instance a week of history computed from the simulator.

    scripts/demo_history.py writes the states into the throwaway recorder
    database and prints the hourly statistics in each sensor's unit, sent here
    as the recorder's import command. Eight days: the first is partial, and the
    7-day graphs show the seven after it.
    """
    result = subprocess.run(
        [
            demo.project_python,
            "scripts/demo_history.py",
            "--time-zone",
            demo.time_zone,
            "--days",
            "8",
            "--database",
            str(demo.config_dir / "home-assistant_v2.db"),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    )
    print(result.stderr.strip())
    series_list = json.loads(result.stdout)
    for key, series in series_list.items():
        has_sum = series["has_sum"]
        call_ws(
            page,
            {
                "type": "recorder/import_statistics",
                "metadata": {
                    "has_mean": not has_sum,
                    "mean_type": 0 if has_sum else 1,
                    "has_sum": has_sum,
                    "name": None,
                    "source": "recorder",
                    "statistic_id": f"sensor.my_home_{key}",
                    "unit_class": series["unit_class"],
                    "unit_of_measurement": series["unit"],
                },
                "stats": series["stats"],
            },
        )
    print(f"screenshots: imported hourly statistics of {len(series_list)} sensors")


def pick(page: Page, picker: Locator, search: str, option: str) -> None:
    """Open a statistic picker, search and choose the option with this name.

    The list re-renders while its items load, so a click can miss; the choice
    is read back from the closed picker and tried again, up to three times.
    """
    name = re.compile(rf"^\s*{re.escape(option)}\s*$")
    headlines = picker.locator('[slot="headline"]').filter(has_text=name)
    box = picker.get_by_placeholder("Search", exact=True)
    for attempt in range(3):
        picker.click()
        box.wait_for()
        box.fill(search)
        # The last match: the list's item, not a value already shown above it.
        choice = headlines.last
        choice.wait_for()
        page.wait_for_timeout(500)
        # A click on an item a re-render detached times out; read back below.
        with suppress(PlaywrightTimeoutError):
            choice.click(timeout=10_000)
        with suppress(PlaywrightTimeoutError):  # the list closes, animated
            box.wait_for(state="hidden", timeout=5_000)
        if box.is_visible():
            page.keyboard.press("Escape")  # closes the list, not the dialog
        if (
            picker.evaluate("p => Boolean(p.value)")
            or headlines.filter(visible=True).count()
        ):
            return
        print(f"screenshots: picking {option!r} did not take (try {attempt + 1})")
    raise RuntimeError(f"could not pick {option!r}")


def standard_power(page: Page, dialog: Locator, search: str, option: str) -> None:
    """Type of power measurement: Standard, then pick the power sensor."""
    config = dialog.locator("ha-energy-power-config")
    config.get_by_text("Standard", exact=True).click()
    config.locator("ha-statistic-picker").first.wait_for()
    pick(page, config.locator("ha-statistic-picker").first, search, option)


def save_dialog(dialog: Locator) -> None:
    """Press the dialog's Save and wait for it to close."""
    dialog.get_by_role("button", name="Save").click()
    dialog.locator("ha-dialog").wait_for(state="hidden")


def configure_energy(page: Page, demo: Demo) -> None:
    """Set up the Energy dashboard exactly as the README's steps say."""
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.goto(f"{demo.base}/config/energy")
    site = "My Home"
    page.get_by_role("button", name="Add grid connection").click()
    grid = page.locator("dialog-energy-grid-settings")
    pickers = grid.locator("ha-statistic-picker")
    pick(page, pickers.nth(0), "grid import", f"{site} grid import")
    pick(page, pickers.nth(1), "grid export", f"{site} grid export")
    standard_power(page, grid, "grid power", "Grid power")
    shot(page, demo.out, "energy-settings-grid.png")
    save_dialog(grid)

    page.get_by_role("button", name="Add solar production").click()
    solar = page.locator("dialog-energy-solar-settings")
    pickers = solar.locator("ha-statistic-picker")
    pick(page, pickers.nth(0), "solar production", f"{site} solar production")
    pick(page, pickers.nth(1), "solar power", "Solar power")
    save_dialog(solar)

    page.get_by_role("button", name="Add battery system").click()
    battery = page.locator("dialog-energy-battery-settings")
    pickers = battery.locator("ha-statistic-picker")
    pick(page, pickers.nth(0), "battery discharge", f"{site} battery discharge")
    pick(page, pickers.nth(1), "battery charge", f"{site} battery charge")
    standard_power(page, battery, "battery power", "Battery power")
    charge = pickers.filter(has_text="state of charge")
    pick(page, charge, "battery charge", "Battery charge")
    battery.locator("ha-input[type=number] input").press_sequentially("13.5")
    shot(page, demo.out, "energy-settings-battery.png")
    save_dialog(battery)
    page.set_viewport_size(VIEWPORT)
    shot(page, demo.out, "energy-settings.png")
    prefs = call_ws(page, {"type": "energy/get_prefs"})
    kinds = [source["type"] for source in prefs["energy_sources"]]
    assert kinds == ["grid", "solar", "battery"], prefs  # noqa: S101


def add_dashboard(page: Page, demo: Demo) -> None:
    """Paste docs/dashboards/powerwall.yaml into a new dashboard, as the file says."""
    page.goto(f"{demo.base}/config/lovelace/dashboards")
    page.get_by_role("button", name="Add dashboard").click()
    page.get_by_text("New dashboard from scratch").click()
    details = page.locator("dialog-lovelace-dashboard-detail")
    details.locator("ha-form input").first.fill("Powerwall")
    details.get_by_role("button", name="Create").click()
    details.locator("ha-dialog").wait_for(state="hidden")
    page.goto(f"{demo.base}/{DASHBOARD_URL}/0")
    page.get_by_role("button", name="Edit dashboard").click()
    page.get_by_role("button", name="Open dashboard menu").click()
    page.get_by_text("Raw configuration editor").click()
    page.locator("ha-code-editor .cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(DASHBOARD.read_text())
    warnings: list[str] = []

    def accept(dialog: Dialog) -> None:  # "comments will not be saved"
        warnings.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Unsaved changes").wait_for(state="hidden")
    print(f"screenshots: the raw editor asked: {warnings}")
    page.get_by_role("button", name="Close").first.click()
    page.get_by_role("button", name="Done").click()
    if demo.apexcharts:
        call_ws(
            page,
            {
                "type": "lovelace/resources/create",
                "res_type": "module",
                "url": APEXCHARTS_URL,
            },
        )


def view_shots(page: Page, demo: Demo) -> None:
    """Take every dashboard view and both Energy views; no card may fail."""
    page.set_viewport_size(WIDE)
    views = [("powerwall", "dashboard-now.png"), ("week", "dashboard-week.png")]
    if demo.apexcharts:
        views.append(("apexcharts", "dashboard-apexcharts.png"))
    else:
        print("screenshots: no APEXCHARTS_CARD given, the ApexCharts view is skipped")
    for path, name in views:
        page.goto(f"{demo.base}/{DASHBOARD_URL}/{path}")
        page.locator("hui-view, hui-sections-view").first.wait_for()
        page.wait_for_timeout(6000)  # graphs load their history
        errors = page.locator("hui-error-card")
        assert errors.count() == 0, errors.all_inner_texts()  # noqa: S101
        shot(page, demo.out, name, full_page=True)
    for path, name in (("overview", "energy-overview.png"), ("now", "energy-now.png")):
        page.goto(f"{demo.base}/energy/{path}")
        page.wait_for_timeout(6000)
        shot(page, demo.out, name, full_page=True)


def run(browser: Browser, demo: Demo, failure: Path) -> None:
    """Walk the whole setup, keeping a shot of the page where it failed."""
    page = browser.new_page(viewport=VIEWPORT)
    page.set_default_timeout(TIMEOUT_MS)
    try:
        walk(page, demo)
    except Exception:
        for number, open_page in enumerate(browser.contexts[0].pages):
            open_page.screenshot(path=str(failure.with_suffix(f".{number}.png")))
        print(f"screenshots: failed; the open pages are in {failure.parent}")
        raise


def walk(page: Page, demo: Demo) -> None:
    """Set everything up as a new user would and take every screenshot."""
    base, out = demo.base, demo.out
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
    page.set_viewport_size(VIEWPORT)
    configure_polling(page, base, out)
    # In the order a new user meets them: the Energy settings before any
    # statistics of the power sensors exist, then the week the demo makes up.
    configure_energy(page, demo)
    fill_in_the_past(page, demo)
    add_dashboard(page, demo)
    view_shots(page, demo)


@contextmanager
def chromium(executable: str, time_zone: str) -> Iterator[Browser]:
    """Start headless Chromium in the site's time zone; Playwright stops it on exit.

    Home Assistant's graphs show the browser's time by default: a browser in
    another zone than the home would draw the sun at night.
    """
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            env={**os.environ, "TZ": time_zone},
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
    parser.add_argument("--config-dir", type=Path, required=True)
    parser.add_argument("--project-python", default=str(ROOT / ".venv/bin/python"))
    parser.add_argument("--time-zone", default="America/Los_Angeles")
    parser.add_argument(
        "--apexcharts",
        action="store_true",
        help=f"apexcharts-card is served at {APEXCHARTS_URL}: show its view too",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    demo = Demo(
        base=args.url,
        out=args.out,
        config_dir=args.config_dir,
        project_python=args.project_python,
        time_zone=args.time_zone,
        apexcharts=args.apexcharts,
    )
    onboard(args.url)
    with chromium(args.chromium, args.time_zone) as browser:
        run(browser, demo, args.failure)
    return 0


if __name__ == "__main__":
    sys.exit(main())
