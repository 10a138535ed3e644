"""A real `sovereign mcp` process and the official MCP client talking to it, over stdio or streamable HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

mcp = pytest.importorskip("mcp", reason='the MCP SDK is missing: pip install -e ".[mcp]"')
httpx2 = pytest.importorskip("httpx2")

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client as mcp_stdio_client  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from mcp_types import Implementation  # noqa: E402

from tests.studio_server import stop_group  # noqa: E402

SERVER_LINE = re.compile(r"sovereign MCP server on (http://\S+/mcp)")


@dataclass
class McpPlace:
    """Where a server keeps its threads and writes its reports."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Path:
        return self.root / "runs.sqlite"

    @property
    def out(self) -> Path:
        return self.root / "out"

    @property
    def stderr(self) -> Path:
        return self.root / "server.log"

    def environment(self) -> dict[str, str]:
        return {**os.environ, "SOVEREIGN_HOME": str(self.root / "home"), **self.env}

    def command(self, *extra: str) -> list[str]:
        return [sys.executable, "-m", "sovereign_graph", "mcp", "--db", str(self.db), "--out", str(self.out), *extra]


@asynccontextmanager
async def stdio_client(place: McpPlace, *extra: str, name: str = "pytest-agent") -> AsyncIterator[Client]:
    """The server's stderr (its log) goes to `place.stderr`."""
    command = place.command(*extra)
    params = StdioServerParameters(command=command[0], args=command[1:], env=place.environment())
    with place.stderr.open("a") as log:
        transport = mcp_stdio_client(params, errlog=log)
        async with Client(transport, client_info=Implementation(name=name, version="1")) as client:
            yield client


@contextmanager
def http_server(place: McpPlace, *extra: str) -> Iterator[str]:
    """`sovereign mcp --http 127.0.0.1:0`: the URL it printed once it listens."""
    with place.stderr.open("w") as log:
        process = subprocess.Popen(
            place.command("--http", "127.0.0.1:0", *extra),
            env=place.environment(),
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            found = SERVER_LINE.search(place.stderr.read_text())
            if found:
                yield found.group(1)
                break
            time.sleep(0.1)
        else:
            pytest.fail(f"sovereign mcp --http did not start:\n{place.stderr.read_text()[-3000:]}")
    finally:
        stop_group(process)


@asynccontextmanager
async def http_client(url: str, token: str | None = None) -> AsyncIterator[Client]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    timeout = httpx2.Timeout(30.0, read=300.0)
    async with (
        httpx2.AsyncClient(headers=headers, timeout=timeout) as http,
        Client(streamable_http_client(url, http_client=http)) as client,
    ):
        yield client
