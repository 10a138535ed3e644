"""A minimal plain-Python HTTP service (standard library only) that starts research runs and accepts the
owner's decisions, on a persistent checkpointer shared with the `sovereign` CLI.

    POST /runs                  {"paper": "2604.23996", "question": "..."}  -> the run, paused for the owner
    GET  /runs/<thread>         the run's status and report
    POST /runs/<thread>/decision {"decision": "approve|reject|revise", "note": "..."}  -> the run after it

Bad input answers 400 with {"error": "..."}; an unknown thread 404; a busy database 503 (try again); any
other failure 500; a conflict 409: the thread is held by
another process (`ThreadBusyError`), or its pause was answered first by someone else ("the thread was
decided meanwhile (...)", "is already final (...)": `DecidedMeanwhileError`, whose decision stands). Nothing
was written by a call that answers 409.

One service serialises its graph calls with one lock, so conflicts come from other processes on the same
--db: a second service instance, or the `sovereign` CLI. The database settles them: of two decisions on one
pause, the first recorded wins and the other gets 409.

    python3 examples/service.py --db runs.sqlite --port 8080
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sovereign_graph.app.checkpoints import open_saver
from sovereign_graph.app.database_errors import database_error
from sovereign_graph.app.runner import Runner, RunOutcome
from sovereign_graph.errors import DatabaseError, InputError, ThreadConflictError


def outcome_json(outcome: RunOutcome) -> dict[str, Any]:
    return {"thread_id": outcome.thread_id, "paused": outcome.paused, "report": outcome.report.model_dump(mode="json")}


class ResearchService:
    """One runner for the process; graph calls are serialised (the embedded engines are CPU-bound anyway)."""

    def __init__(self, runner: Runner, db: str | Path | None = None) -> None:
        self.runner = runner
        self.db = db  # named in database errors
        self.lock = threading.Lock()

    def start(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            outcome = self.runner.start(
                str(body.get("paper", "")),
                str(body.get("question", "")),
                max_revisions=int(body.get("max_revisions", 1)),
            )
        return outcome_json(outcome)

    def decide(self, thread_id: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            self.runner.status(thread_id)  # unknown thread -> InputError("no thread ...")
            outcome = self.runner.resume(thread_id, str(body.get("decision", "")), str(body.get("note", "")))
        return outcome_json(outcome)

    def get(self, thread_id: str) -> dict[str, Any]:
        with self.lock:
            status = self.runner.status(thread_id)
            return {
                "thread_id": thread_id,
                "status": status,
                "report": self.runner.report(thread_id).model_dump(mode="json"),
            }


def handler_for(service: ResearchService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError as error:
                raise InputError(f"the request body is not JSON ({error.msg}).") from None
            if not isinstance(body, dict):
                raise InputError("the request body must be a JSON object.")
            return body

        def _route(self, method: str) -> None:
            parts = [p for p in self.path.split("/") if p]
            try:
                if method == "POST" and parts == ["runs"]:
                    self._reply(201, service.start(self._body()))
                elif method == "POST" and len(parts) == 3 and parts[0] == "runs" and parts[2] == "decision":
                    self._reply(200, service.decide(parts[1], self._body()))
                elif method == "GET" and len(parts) == 2 and parts[0] == "runs":
                    self._reply(200, service.get(parts[1]))
                else:
                    self._reply(404, {"error": f"no route {method} {self.path}"})
            except ThreadConflictError as error:  # another process has the thread or answered first
                self._reply(409, {"error": str(error)})
            except InputError as error:
                self._reply(404 if str(error).startswith("no thread") else 400, {"error": str(error)})
            except (DatabaseError, sqlite3.DatabaseError) as error:  # busy, full or damaged: which, and what to do
                if isinstance(error, sqlite3.DatabaseError):
                    error = database_error(Path(str(service.db)), error)
                self._reply(503 if "busy" in str(error) else 500, {"error": str(error)})
            except Exception as error:  # anything else still gets an answer, never a dropped connection
                self._reply(500, {"error": f"{type(error).__name__}: {error}"})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def log_message(self, format: str, *args: Any) -> None:  # quiet: the caller sees the JSON
            pass

    return Handler


@contextmanager
def serving(db: str | Path, port: int = 0) -> Iterator[ThreadingHTTPServer]:
    """The service on 127.0.0.1:port (0: a free one), in a background thread, until the block ends."""
    with open_saver(db, must_exist=False) as saver:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(ResearchService(Runner(saver), db)))
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield server
        finally:
            server.shutdown()
            server.server_close()
            thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="sovereign-service.sqlite", help="SQLite path or postgresql:// URL")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args()
    with serving(args.db, args.port) as server:
        print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
