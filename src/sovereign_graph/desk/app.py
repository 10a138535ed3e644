"""The desk's routes (Starlette): the thread list, a thread's page and its report files, and the decision form.

    GET  /                          threads, awaiting the owner first (?status=awaiting_owner|approved|...)
    GET  /threads/<id>              the report as a page, with the decision form on an open pause
    GET  /threads/<id>.json | .md   the report files
    POST /threads/<id>/decision     decision, note, csrf, pause (+ token beyond loopback) → 303 to the page

Blocking work (the database, the graph) runs in Starlette's thread pool; a decision is applied in the background
(`jobs.py`) and the page shows its progress. Errors are pages: 404 for an unknown thread, 400 for a bad form
with its reason, 403 for a missing CSRF or access token, 409 for a decision that lost a race; never a traceback.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from sovereign_graph.desk.pages import MAX_NOTE, DecisionForm, ThreadPage, render_error, render_thread, render_threads
from sovereign_graph.desk.security import Guard, LoopbackHostCheck, ReadAccess, SecurityHeaders
from sovereign_graph.desk.store import AWAITING, DeskStore, ThreadView, shown_db
from sovereign_graph.errors import DecidedMeanwhileError, InputError, SovereignError, ThreadConflictError
from sovereign_graph.names import shell_word
from sovereign_graph.report.json_export import to_json
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.steps.owner.node import DECISIONS

MAX_FORM_BYTES = 64 * 1024
REPORT_FILES = {".json": "application/json; charset=utf-8", ".md": "text/markdown; charset=utf-8"}
log = logging.getLogger("sovereign_graph.desk")


class Desk:
    def __init__(self, store: DeskStore, guard: Guard) -> None:
        self.store = store
        self.guard = guard
        self.db_shown = shown_db(store.db)

    # --- pages ---------------------------------------------------------------------------------------------

    async def threads(self, request: Request) -> Response:
        status = request.query_params.get("status") or None
        rows = await run_in_threadpool(self.store.threads)
        flag = f"--db {shell_word(self.db_shown)}" if self.store.db else ""
        return HTMLResponse(render_threads(rows, status=status, db_shown=self.db_shown, db_flag=flag))

    async def thread(self, request: Request) -> Response:
        name = request.path_params["name"]
        for suffix, media_type in REPORT_FILES.items():
            if name.endswith(suffix):
                try:
                    found = await run_in_threadpool(self.store.thread, name.removesuffix(suffix))
                except InputError:
                    break  # perhaps a thread whose own id ends in ".json"
                return self._report_file(found, suffix, media_type)
        view = await self._view(name)
        notice = ""
        job = self.store.jobs.get(view.thread_id)
        if request.query_params.get("decided") and job is not None:
            notice = f"Decision recorded: {job.decision}."
        return HTMLResponse(render_thread(self._page(view, notice=notice)))

    @staticmethod
    def _report_file(view: ThreadView, suffix: str, media_type: str) -> Response:
        if view.report is None:
            raise HTTPException(404, f"thread '{view.thread_id}' has no report yet (it is {view.status}).")
        text = to_json(view.report) if suffix == ".json" else to_markdown(view.report)
        return Response(text, media_type=media_type)

    async def _view(self, thread_id: str) -> ThreadView:
        try:
            return await run_in_threadpool(self.store.thread, thread_id)
        except InputError as error:
            raise HTTPException(404, str(error)) from None

    def _page(self, view: ThreadView, *, notice: str = "", error: bool = False) -> ThreadPage:
        form = None
        if view.pause is not None and view.status == AWAITING and not self.store.jobs.running(view.thread_id):
            form = DecisionForm(
                csrf=self.guard.csrf_for(view.thread_id, view.pause),
                pause=view.pause,
                token_required=self.guard.token is not None,
            )
        return ThreadPage(
            thread_id=view.thread_id,
            status=view.status,
            question=view.question,
            report=view.report,
            form=form,
            job=self.store.jobs.get(view.thread_id),
            notice=notice,
            notice_kind="error" if error else "info",
            db_shown=self.db_shown,
            db_flag=self.db_shown if self.store.db else "",
        )

    # --- the decision --------------------------------------------------------------------------------------

    async def decide(self, request: Request) -> Response:
        thread_id = request.path_params["thread_id"]
        await self._view(thread_id)  # an unknown thread is a 404, whatever the form holds
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_FORM_BYTES):
            raise HTTPException(400, f"the form is larger than {MAX_FORM_BYTES // 1024} KiB.")
        if not _same_origin(request):
            raise HTTPException(403, "the form was sent from another site; decide from this desk's own page.")
        try:
            form = await request.form(max_files=0, max_fields=10, max_part_size=MAX_FORM_BYTES)
        except HTTPException:
            raise
        except Exception:
            raise HTTPException(
                400, "the form could not be read (expected application/x-www-form-urlencoded)."
            ) from None
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        decision = fields.get("decision", "").strip().lower()
        note = fields.get("note", "").strip()
        pause = fields.get("pause", "")
        if decision not in DECISIONS:
            raise HTTPException(400, f"decision must be one of {', '.join(DECISIONS)}.")
        if len(note) > MAX_NOTE:
            raise HTTPException(400, f"the note is longer than {MAX_NOTE} characters.")
        if not pause:
            raise HTTPException(400, "the form does not say which draft it decides (reload the page).")
        if not self.guard.csrf_ok(thread_id, pause, fields.get("csrf", "")):
            raise HTTPException(
                403, "the form's CSRF token is missing or not this desk's: reload the page, then decide."
            )
        if not self.guard.token_ok(fields.get("token", "")):
            raise HTTPException(403, "the access token is missing or wrong (the one `sovereign serve` printed).")
        try:
            await run_in_threadpool(self.store.decide, thread_id, decision, note, pause)
        except (DecidedMeanwhileError, ThreadConflictError) as lost:
            view = await self._view(thread_id)
            page = self._page(view, notice=f"Your decision ({decision}) was not recorded: {lost}", error=True)
            return HTMLResponse(render_thread(page), status_code=409)
        except InputError as error:
            raise HTTPException(400, str(error)) from None
        return RedirectResponse(f"/threads/{quote(thread_id, safe='')}?decided=1", status_code=303)

    # --- errors --------------------------------------------------------------------------------------------

    async def http_error(self, request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        phrase = HTTPStatus(error.status_code).phrase
        detail = str(error.detail or "")
        reason = detail if detail and detail != phrase else f"nothing here ({request.method} {request.url.path})."
        page = render_error(error.status_code, phrase, reason, db_shown=self.db_shown)
        return HTMLResponse(page, status_code=error.status_code)

    async def server_error(self, request: Request, error: Exception) -> Response:
        log.error("desk: %s %s failed: %s: %s", request.method, request.url.path, type(error).__name__, error)
        # The package's own errors are written for their reader; anything else stays in the desk's log.
        known = isinstance(error, SovereignError)
        reason = str(error) if known else "the desk failed on this request; its terminal says why."
        return HTMLResponse(render_error(500, "Internal error", reason, db_shown=self.db_shown), status_code=500)


def _same_origin(request: Request) -> bool:
    """A browser names the page a form came from: refuse one from another site (CSRF's first line; the token
    bound to the thread and its pause is the second)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser's cross-site form (they send Origin on every POST)
    return urlsplit(origin).netloc.lower() == request.headers.get("host", "").lower()


def create_app(
    db: str | None,
    *,
    out_dir: Path | None = None,
    token: str | None = None,
    loopback: bool = True,
    public_read: bool = False,
) -> Starlette:
    """The desk on the database `db` (as `--db`). `token`: required on every decision (give one whenever the desk
    listens beyond loopback); `loopback`: refuse requests naming another host (DNS rebinding); beyond loopback
    the token is needed for reading too, unless `public_read`."""
    desk = Desk(DeskStore(db, out_dir), Guard(token=token))
    middleware = [Middleware(SecurityHeaders)]
    if loopback:
        middleware.append(Middleware(LoopbackHostCheck))
    elif token is not None and not public_read:
        middleware.append(Middleware(ReadAccess, token=token))
    app = Starlette(
        routes=[
            Route("/", desk.threads, methods=["GET"]),
            Route("/threads/{thread_id}/decision", desk.decide, methods=["POST"]),
            Route("/threads/{name}", desk.thread, methods=["GET"]),
            Route("/favicon.ico", lambda request: PlainTextResponse("", status_code=204), methods=["GET"]),
        ],
        middleware=middleware,
        exception_handlers={HTTPException: desk.http_error, Exception: desk.server_error},
    )
    app.state.desk = desk
    return app
