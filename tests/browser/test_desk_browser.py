"""The owner's desk in a real browser (headless Chromium, Selenium): `sovereign serve` in its own process on a
database of offline runs; the owner opens the list, reads a draft, decides, and the CLI agrees."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium.common.exceptions import NoAlertPresentException, NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.runtime.context import Context
from tests.browser.conftest import Desk, save_screenshot
from tests.conftest import SMOES
from tests.desk_cases import HOSTILE_QUOTE, HOSTILE_TITLE, hostile_thread, paused_db

Serve = Callable[..., Desk]
WAIT = 60  # seconds: a decision is applied in the background on 2 slow cores


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("desk-browser")
    db = paused_db(directory, directory / "reports")
    with sqlite_saver(db) as saver:  # a decided thread too, so the list shows more than one status
        runner = Runner(saver, Context())
        runner.start(
            SMOES,
            "How does SMoES reduce expert-parallel communication overhead?",
            thread_id="comm",
            max_revisions=0,
            out_dir=directory / "reports",
        )
        runner.resume("comm", "approve", "read it, fine")
    return db


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "desk.sqlite"
    shutil.copy(template_db, copy)
    return copy


def threads_cli(db: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sovereign_graph", "threads", "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout


def status_row(listing: str, thread: str) -> str:
    return next(line for line in listing.splitlines() if f" {thread} " in line)


def shown(driver: Any, element_id: str) -> str:
    """The element's text once the page that has it is loaded (a click submits; the next page comes after)."""
    wait = WebDriverWait(driver, WAIT, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))
    return str(wait.until(lambda d: (d.find_element(By.ID, element_id).text,))[0])  # a tuple: found, even if empty


def wait_for_status(driver: Any, status: str) -> None:
    # The page may be replaced between finding the element and reading it (a submit's next page): look again.
    wait = WebDriverWait(driver, WAIT, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException))
    wait.until(lambda d: d.find_element(By.ID, "status").text == status)


def test_the_owner_opens_a_draft_and_approves_it_with_a_note(
    browser: Any, serve: Serve, db: Path, tmp_path: Path
) -> None:
    desk = serve(db, "--out", str(tmp_path / "out"))
    browser.get(desk.url + "/")
    rows = browser.find_elements(By.CSS_SELECTOR, "#threads tbody tr")
    assert [r.get_attribute("data-thread") for r in rows] == ["moe", "silent", "comm"]  # awaiting first
    save_screenshot(browser, "desk-threads.png")
    browser.find_element(By.LINK_TEXT, "moe").click()
    assert browser.find_element(By.ID, "title").text == "SMoES: Soft Modality-Guided Expert Specialization in MoE-VLMs"
    assert browser.find_element(By.ID, "status").text == "awaiting owner"
    assert (
        len(browser.find_elements(By.CSS_SELECTOR, "#tribunal-chart rect.bar")) == 6
    )  # in the glance and the tribunal
    save_screenshot(browser, "desk-thread.png")
    browser.find_element(By.ID, "note").send_keys("Checked C1 against the paper's Table 2.")
    browser.find_element(By.ID, "approve").click()
    assert "Decision recorded: approve." in shown(browser, "notice")
    wait_for_status(browser, "approved")
    assert browser.find_element(By.ID, "owner-decision").text == "approve — “Checked C1 against the paper's Table 2.”"
    assert not browser.find_elements(By.ID, "decision-form")
    save_screenshot(browser, "desk-thread-approved.png")
    assert " approved " in status_row(threads_cli(db), "moe")
    assert (tmp_path / "out" / "moe.md").exists() and (tmp_path / "out" / "moe.json").exists()


def test_two_tabs_decide_the_same_draft_one_wins_and_the_other_is_told(browser: Any, serve: Serve, db: Path) -> None:
    desk = serve(db)
    browser.get(desk.url + "/threads/silent")
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(desk.url + "/threads/silent")
    second = browser.current_window_handle
    browser.switch_to.window(first)
    browser.find_element(By.ID, "reject").click()
    wait_for_status(browser, "rejected")
    browser.switch_to.window(second)  # still showing the draft and its form, as a forgotten tab does
    browser.find_element(By.ID, "note").send_keys("looks fine to me")
    browser.find_element(By.ID, "approve").click()
    notice = shown(browser, "notice")
    assert "Your decision (approve) was not recorded" in notice and "rejected" in notice
    assert browser.find_element(By.ID, "status").text == "rejected"  # the page shows the state that won
    save_screenshot(browser, "desk-race-lost.png")
    assert " rejected " in status_row(threads_cli(db), "silent")


def test_a_hostile_title_and_quote_are_shown_as_text_and_run_nothing(
    browser: Any, serve: Serve, tmp_path: Path
) -> None:
    db = tmp_path / "hostile.sqlite"
    hostile_thread(tmp_path, db, tmp_path / "out")
    desk = serve(db)
    for path in ("/", "/threads/hostile"):
        browser.get(desk.url + path)
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.text  # noqa: B018 — an alert would mean the markup ran
        assert browser.execute_script("return window.pwned === undefined")
        assert not browser.find_elements(By.CSS_SELECTOR, "main img, main script, body script")
    assert browser.find_element(By.ID, "title").text == HOSTILE_TITLE
    claims = browser.find_element(By.ID, "claims").text
    assert HOSTILE_QUOTE in claims
    save_screenshot(browser, "desk-hostile.png")


def test_beyond_loopback_a_decision_needs_the_printed_token(browser: Any, serve: Serve, db: Path) -> None:
    desk = serve(db, "--host", "0.0.0.0")
    assert desk.token is not None and len(desk.token) >= 16
    browser.get(desk.url + "/threads/moe")
    assert "needs its access token" in browser.page_source, "reading needs it too"
    browser.get(desk.url + f"/?token={desk.token}")  # as the desk printed: a cookie, then the list
    assert desk.token not in browser.current_url
    browser.get(desk.url + "/threads/moe")
    browser.find_element(By.ID, "token").send_keys("not-the-token")
    browser.find_element(By.ID, "approve").click()
    assert "access token" in shown(browser, "error")
    assert "403" in browser.find_element(By.TAG_NAME, "h1").text
    assert " awaiting_owner " in status_row(threads_cli(db), "moe")
    browser.get(desk.url + "/threads/moe")
    browser.find_element(By.ID, "token").send_keys(desk.token)
    browser.find_element(By.ID, "approve").click()
    wait_for_status(browser, "approved")
    assert desk.token not in browser.page_source
