"""Browser tests: pytest-playwright driving the system Chromium against a live portal and sandbox.

The `sandbox` (the sandbox bank as a subprocess) and `live_portal` (a real portal on a free
port, registered at the sandbox, scheduler running) fixtures are tests/conftest.py's.
"""
import functools
import os
import subprocess
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
}

# Every run saves its screenshots under test-artifacts/ (git-ignored); `make screenshots`
# sets TSUNAGU_SCREENSHOTS_DIR=docs/screenshots to refresh the README's pictures.
SCREENSHOTS = Path(os.environ.get("TSUNAGU_SCREENSHOTS_DIR") or
                   Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots")


def pytest_collection_modifyitems(items):
    if not Path(CHROMIUM).exists():
        skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # The system Chromium, never a downloaded one; headless without a sandbox or GPU.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url():
    # Replaces pytest-playwright's own, a session fixture written as an instance method that
    # pytest 9 deprecates (a warning, which this project's settings turn into an error).
    # Tests build URLs from the live portal's address instead.
    return None


@pytest.fixture(params=list(VIEWPORTS))
def viewport_name(request) -> str:
    return request.param


@pytest.fixture
def browser_context_args(browser_context_args, viewport_name):
    return {**browser_context_args, **VIEWPORTS[viewport_name],
            "locale": "ja-JP", "timezone_id": "Asia/Tokyo"}


@functools.cache
def has_japanese_font() -> bool:
    """Without one (e.g. Debian's fonts-ipafont-gothic) Chromium draws boxes for Japanese text."""
    try:
        out = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.strip())


class Shots:
    """Numbered screenshots: {viewport}-{NN}-{step}.png (the README shows docs/screenshots/).

    Skipped where no Japanese font is installed, so such a machine never overwrites the
    committed pictures with unreadable ones.
    """

    def __init__(self, page, viewport: str, enabled: bool = True):
        self.page, self.viewport, self.enabled = page, viewport, enabled

    def __call__(self, number: int, step: str, full_page: bool = False) -> None:
        if not self.enabled or not has_japanese_font():
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=SCREENSHOTS / f"{self.viewport}-{number:02d}-{step}.png",
                             full_page=full_page, animations="disabled", caret="hide")


@pytest.fixture
def shots(page, viewport_name) -> Shots:
    return Shots(page, viewport_name)
