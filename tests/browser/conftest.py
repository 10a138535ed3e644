"""A real browser for the desk's tests: Debian's chromium driven by Selenium through the system chromedriver, so
nothing is downloaded. Without chromium the tests are skipped on a developer's machine and fail in CI,
where `.ci/run` installs it. Screenshots go to $SOVEREIGN_TEST_ARTIFACTS (default: .artifacts/desk/)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REPO = Path(__file__).resolve().parents[2]
URL_LINE = re.compile(r"sovereign desk on (http://\S+?:(\d+))/")
TOKEN_LINE = re.compile(r"access token \(shown once\): (\S+)")


def artifacts_dir() -> Path:
    directory = Path(os.environ.get("SOVEREIGN_TEST_ARTIFACTS", REPO / ".artifacts" / "desk"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are not installed (.ci/run installs them)")
        pytest.skip("needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1400",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@dataclass
class Desk:
    url: str
    token: str | None
    process: subprocess.Popen[str]


@pytest.fixture
def serve() -> Iterator[object]:
    """`serve(db, *flags)` starts `sovereign serve --port 0` in its own process and returns its URL (and token)."""
    started: list[Desk] = []

    def start(db: Path, *flags: str) -> Desk:
        command = [sys.executable, "-m", "sovereign_graph", "serve", "--db", str(db), "--port", "0", *flags]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        desk = Desk("", None, process)
        started.append(desk)
        deadline = time.monotonic() + 60
        assert process.stdout is not None
        seen = []
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                raise AssertionError(f"sovereign serve exited: {''.join(seen)}")
            seen.append(line)
            if (found := URL_LINE.search(line)) is not None:
                desk.url = f"http://127.0.0.1:{found.group(2)}"
            if (token := TOKEN_LINE.search(line)) is not None:
                desk.token = token.group(1)
            if desk.url and ("--host" not in flags or desk.token is not None or "--token" in flags):
                return desk
        raise AssertionError(f"sovereign serve did not start: {''.join(seen)}")

    yield start
    for desk in started:
        desk.process.terminate()
        try:
            desk.process.wait(10)
        except subprocess.TimeoutExpired:
            desk.process.kill()


def save_screenshot(driver: object, name: str) -> Path:
    path = artifacts_dir() / name
    driver.save_screenshot(str(path))  # type: ignore[attr-defined]
    return path
