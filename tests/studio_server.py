"""`langgraph dev` serving langgraph.json on a free port, for the tests that talk to it as a client would
(the SDK in test_studio_sdk.py, an MCP client in test_studio_mcp.py)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
API_LINE = re.compile(r"API: \S*http://127\.0\.0\.1:(\d+)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def langgraph_dev(workdir: Path) -> Iterator[str]:
    """Yield the server's base URL; `workdir` holds its log and the SOVEREIGN_HOME it runs with."""
    langgraph = shutil.which("langgraph")
    if langgraph is None:
        pytest.skip('langgraph CLI missing: pip install -e ".[studio]"')
    log_path = workdir / "langgraph-dev.log"
    env = {
        **os.environ,
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
        "LANGGRAPH_NO_VERSION_CHECK": "1",
        "SOVEREIGN_HOME": str(workdir / "home"),
        "PYTHONPATH": os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [langgraph, "dev", "--no-browser", "--no-reload", "--port", str(_free_port())],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            # The server moves to another port if ours was taken meanwhile: read the real one back.
            found = API_LINE.search(re.sub(r"\x1b\[[0-9;]*m", "", log_path.read_text()))
            if found:
                url = f"http://127.0.0.1:{found.group(1)}"
                try:
                    if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
            time.sleep(0.3)
        else:
            pytest.fail(f"langgraph dev did not start:\n{log_path.read_text()[-3000:]}")
        assert url is not None
        yield url
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """A server started in a session of its own, and whatever it started: SIGTERM, then SIGKILL after 20 s."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
