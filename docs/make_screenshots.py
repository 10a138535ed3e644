"""The two screenshots of the owner's desk in docs/desk.md, from real offline runs (needs the `web` extra and Debian's
chromium + chromium-driver):

    python3 docs/make_screenshots.py        # writes docs/desk-threads.png and docs/desk-thread.png

Three questions on SMoES run to the owner's pause in a throwaway $SOVEREIGN_HOME, one is approved, then
`sovereign serve` runs on that database and a headless Chromium takes the list and the first draft."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

DOCS = Path(__file__).resolve().parent
PAPER = "2604.23996"
QUESTIONS = {
    "smoes-accuracy": "Does modality-guided expert specialization improve the accuracy and efficiency of MoE-based "
    "VLMs compared to modality-agnostic routing?",
    "smoes-communication": "How much does SMoES reduce expert-parallel communication overhead?",
    "smoes-boiling": "What is the boiling point of water at an altitude of 3000 metres?",
}


def sovereign(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "sovereign_graph", *args], capture_output=True, text=True, check=True)
    return done.stdout


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ["SOVEREIGN_HOME"] = home
        out = Path(home) / "reports"
        for thread, question in reversed(QUESTIONS.items()):
            sovereign("run", "--paper", PAPER, "--question", question, "--thread", thread, "--out", str(out))
        sovereign("resume", "smoes-communication", "--decision", "approve", "--note", "checked the figures")
        server = subprocess.Popen(
            [sys.executable, "-m", "sovereign_graph", "serve", "--port", "0"], stdout=subprocess.PIPE, text=True
        )
        try:
            assert server.stdout is not None
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", server.stdout.readline())
            assert found is not None, "sovereign serve did not start"
            url = f"http://127.0.0.1:{found.group(1)}"
            options = webdriver.ChromeOptions()
            options.binary_location = "/usr/bin/chromium"
            for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,760"):
                options.add_argument(flag)
            driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
            try:
                driver.get(url + "/")
                driver.save_screenshot(str(DOCS / "desk-threads.png"))
                driver.set_window_size(1280, 1180)
                driver.get(url + "/threads/smoes-accuracy")
                driver.save_screenshot(str(DOCS / "desk-thread.png"))
            finally:
                driver.quit()
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
