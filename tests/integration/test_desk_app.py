"""The owner's desk at the HTTP level (Starlette's TestClient, the real app on a real SQLite database of offline
runs): the list, the report page in the report's order, the report files, the decision form through the CLI's
atomic decision path, and what keeps it safe — CSRF, the token beyond loopback, the Host check, escaping."""

from __future__ import annotations

import html
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableConfig
from starlette.testclient import TestClient

from sovereign_graph.app.checkpoints import sqlite_saver
from sovereign_graph.app.runner import Runner
from sovereign_graph.desk.app import create_app
from sovereign_graph.errors import InputError
from sovereign_graph.report.json_export import to_json
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.runtime.context import Context
from tests.desk_cases import HOSTILE_QUOTE, HOSTILE_SENTENCE, HOSTILE_TITLE, hostile_thread, paused_db

BASE = "http://127.0.0.1:8765"
SECTIONS = [
    "Answer",
    "Abstract",
    "Question and facets",
    "Method (as run)",
    "Results",
    "Uncertainties",
    "Evidence gap",
    "Claims",
    "Tribunal",
    "Policy",
    "Owner decision",
    "References",
]


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("desk")
    return paused_db(directory, directory / "reports")


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "desk.sqlite"
    shutil.copy(template_db, copy)
    return copy


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    return tmp_path / "out"


@pytest.fixture
def client(db: Path, out_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(str(db), out_dir=out_dir), base_url=BASE, raise_server_exceptions=False) as c:
        yield c


def form_of(page: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
        for name in ("csrf", "pause")
    }


def decide(client: TestClient, thread: str, decision: str, note: str = "", **extra: str) -> object:
    fields = form_of(client.get(f"/threads/{thread}").text) | {"decision": decision, "note": note} | extra
    return client.post(f"/threads/{thread}/decision", data=fields, follow_redirects=False)


def applied(client: TestClient, thread: str, timeout: float = 60.0) -> None:
    jobs = client.app.state.desk.store.jobs  # type: ignore[attr-defined]
    deadline = time.monotonic() + timeout
    while jobs.running(thread):
        assert time.monotonic() < deadline, "the decision was not applied in time"
        time.sleep(0.05)
    job = jobs.get(thread)
    assert job is not None and job.state == "done", job and job.error


def report_of(db: Path, thread: str):  # type: ignore[no-untyped-def]
    with sqlite_saver(db) as saver:
        runner = Runner(saver, Context())
        return runner.report(thread), runner.status(thread)


def test_the_list_shows_every_thread_awaiting_first_and_filters_by_status(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    rows = re.findall(r'data-thread="([^"]+)"', page.text)
    assert rows == ["moe", "silent"]  # both awaiting: newest first
    assert "Does modality-guided expert specialization" in page.text and "boiling point of water" in page.text
    assert "SMoES: Soft Modality-Guided Expert Specialization in MoE-VLMs" in page.text
    assert client.get("/?status=approved").text.count("data-thread=") == 0
    assert "No thread is approved" in client.get("/?status=approved").text
    assert re.findall(r'data-thread="([^"]+)"', client.get("/?status=awaiting_owner").text) == ["moe", "silent"]


def test_the_thread_page_is_the_report_in_its_order_with_chart_and_facets(client: TestClient, db: Path) -> None:
    report, _ = report_of(db, "moe")
    page = client.get("/threads/moe").text
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", page)
    assert headings == SECTIONS
    # The chart: one bar per review, one mean tick per round, the threshold line.
    chart = page[page.index('<svg id="tribunal-chart"') : page.index("</svg>")]
    assert chart.count('class="bar"') == len(report.reviews) == 3
    assert chart.count('class="mean"') == len(report.round_scores)
    assert f"round 0 · {report.round_scores[0]:.1f}" in chart
    # Facets at a glance, and every claim with its quote and its links.
    glance = page[page.index('id="facets"') : page.index("</div>", page.index('id="facets"'))]
    assert glance.count('class="chip') == len(report.facets)
    for claim in report.claims:
        assert f'<tr id="{claim.id}">' in page
    assert 'href="https://arxiv.org/abs/2604.23996"' in page
    assert 'id="decision-form"' in page and 'name="csrf"' in page


def test_the_report_files_are_the_clis(client: TestClient, db: Path) -> None:
    report, _ = report_of(db, "moe")
    as_json = client.get("/threads/moe.json")
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_json.text == to_json(report)
    as_md = client.get("/threads/moe.md")
    assert as_md.headers["content-type"].startswith("text/markdown") and as_md.text == to_markdown(report)


def test_unknown_threads_and_routes_are_404_pages_not_tracebacks(client: TestClient) -> None:
    for path in ("/threads/nope", "/threads/nope.json", "/nothing/here", "/threads/" + "x" * 300):
        page = client.get(path)
        assert page.status_code == 404, path
        assert "<h1>404" in page.text and "Traceback" not in page.text
    assert "no thread 'nope'" in html.unescape(client.get("/threads/nope").text)
    assert client.post("/threads/nope/decision", data={"decision": "approve"}).status_code == 404
    assert client.delete("/threads/moe").status_code == 405


def test_approve_with_a_note_applies_the_decision_and_writes_the_final_report(
    client: TestClient, db: Path, out_dir: Path
) -> None:
    answer = decide(client, "moe", "approve", note="ok to publish <b>now</b>")
    assert answer.status_code == 303 and answer.headers["location"] == "/threads/moe?decided=1"  # type: ignore[attr-defined]
    applied(client, "moe")
    report, status = report_of(db, "moe")
    assert status == "approved" and report.owner_decision is not None
    assert report.owner_decision.note == "ok to publish <b>now</b>"
    page = client.get("/threads/moe?decided=1").text
    assert "Decision recorded: approve." in page and 'id="decision-form"' not in page
    assert "ok to publish &lt;b&gt;now&lt;/b&gt;" in page
    assert (out_dir / "moe.md").read_text(encoding="utf-8") == to_markdown(report)
    assert re.findall(r'data-thread="([^"]+)"', client.get("/?status=approved").text) == ["moe"]


@pytest.mark.parametrize(
    ("fields", "code", "reason"),
    [
        ({"decision": "maybe"}, 400, "decision must be one of approve, reject, revise"),
        ({"decision": "approve", "note": "x" * 4001}, 400, "longer than 4000 characters"),
        ({"decision": "approve", "pause": ""}, 400, "which draft it decides"),
        ({"decision": "approve", "csrf": "0" * 64}, 403, "CSRF token is missing"),
        ({"decision": "approve", "csrf": ""}, 403, "CSRF token is missing"),
    ],
)
def test_a_bad_form_is_refused_with_its_reason_and_nothing_is_recorded(
    client: TestClient, db: Path, fields: dict[str, str], code: int, reason: str
) -> None:
    answer = decide(client, "moe", **fields)  # type: ignore[arg-type]
    assert answer.status_code == code  # type: ignore[attr-defined]
    assert reason in html.unescape(answer.text) and "Traceback" not in answer.text  # type: ignore[attr-defined]
    assert report_of(db, "moe")[1] == "awaiting_owner"


def test_a_form_from_another_thread_or_another_site_is_refused(client: TestClient, db: Path) -> None:
    other = form_of(client.get("/threads/silent").text)
    answer = client.post("/threads/moe/decision", data=other | {"decision": "approve"}, follow_redirects=False)
    assert answer.status_code == 403
    fields = form_of(client.get("/threads/moe").text) | {"decision": "approve"}
    cross = client.post(
        "/threads/moe/decision", data=fields, headers={"Origin": "http://evil.example"}, follow_redirects=False
    )
    assert cross.status_code == 403 and "another site" in cross.text
    fetched = client.post(
        "/threads/moe/decision", data=fields, headers={"Sec-Fetch-Site": "cross-site"}, follow_redirects=False
    )
    assert fetched.status_code == 403
    assert report_of(db, "moe")[1] == "awaiting_owner"
    same = client.post("/threads/moe/decision", data=fields, headers={"Origin": BASE}, follow_redirects=False)
    assert same.status_code == 303


def test_two_decisions_on_one_draft_one_wins_and_the_other_is_told(client: TestClient, db: Path) -> None:
    page = client.get("/threads/moe").text
    answers: dict[str, object] = {}

    def send(decision: str) -> None:
        fields = form_of(page) | {"decision": decision, "note": decision}
        answers[decision] = client.post("/threads/moe/decision", data=fields, follow_redirects=False)

    tabs = [threading.Thread(target=send, args=(d,)) for d in ("approve", "reject")]
    for tab in tabs:
        tab.start()
    for tab in tabs:
        tab.join()
    codes = sorted(a.status_code for a in answers.values())  # type: ignore[attr-defined]
    assert codes == [303, 409]
    winner = next(d for d, a in answers.items() if a.status_code == 303)  # type: ignore[attr-defined]
    loser = next(a for a in answers.values() if a.status_code == 409)  # type: ignore[attr-defined]
    assert "was not recorded" in loser.text and "decided meanwhile" in loser.text  # type: ignore[attr-defined]
    applied(client, "moe")
    report, status = report_of(db, "moe")
    assert status == {"approve": "approved", "reject": "rejected"}[winner]
    assert report.owner_decision is not None and report.owner_decision.note == winner


def test_a_decision_on_a_draft_that_moved_on_is_refused(client: TestClient, db: Path) -> None:
    stale = form_of(client.get("/threads/moe").text)
    assert decide(client, "moe", "revise", note="adversarial robustness").status_code == 303  # type: ignore[attr-defined]
    applied(client, "moe")
    assert report_of(db, "moe")[1] == "awaiting_owner"  # paused again, on a new draft
    again = client.post("/threads/moe/decision", data=stale | {"decision": "approve"}, follow_redirects=False)
    assert again.status_code in (403, 409)  # the old pause's token, for a pause that is gone
    assert report_of(db, "moe")[1] == "awaiting_owner"


def test_revise_shows_the_run_progressing_then_the_new_draft(client: TestClient, db: Path) -> None:
    first = form_of(client.get("/threads/moe").text)["pause"]
    assert decide(client, "moe", "revise", note="adversarial robustness").status_code == 303  # type: ignore[attr-defined]
    applied(client, "moe")
    report, status = report_of(db, "moe")
    assert status == "awaiting_owner" and report.revisions[-1].trigger == "owner"
    page = html.unescape(client.get("/threads/moe").text)
    assert form_of(page)["pause"] != first and "Revision round 1 (owner's note: “adversarial robustness”)" in page
    job = client.app.state.desk.store.jobs.get("moe")  # type: ignore[attr-defined]
    assert any(" revise " in line for line in job.lines) and any(" owner " in line for line in job.lines)


def test_while_a_decision_is_applied_the_page_refreshes_and_offers_no_form(client: TestClient) -> None:
    jobs = client.app.state.desk.store.jobs  # type: ignore[attr-defined]
    release = threading.Event()

    def slow(job: object) -> None:
        job.lines.append("   0.1s  revise      round 1: searching")  # type: ignore[attr-defined]
        release.wait(30)

    jobs.start("moe", "revise", slow)
    try:
        page = client.get("/threads/moe").text
        assert '<meta http-equiv="refresh" content="2">' in page and "the run is progressing" in page
        assert "round 1: searching" in page and 'id="decision-form"' not in page
        assert 'class="badge running"' in client.get("/").text
    finally:
        release.set()


def test_beyond_loopback_every_decision_needs_the_token(db: Path, out_dir: Path) -> None:
    app = create_app(str(db), out_dir=out_dir, token="s3cret-token-for-tests", loopback=False)
    with TestClient(app, base_url="http://192.0.2.10:8765") as client:
        client.get("/?token=s3cret-token-for-tests")  # reading needs it too (next test)
        page = client.get("/threads/moe").text
        assert 'name="token"' in page and "s3cret-token-for-tests" not in page
        for given in ({}, {"token": "wrong"}, {"token": ""}):
            answer = decide(client, "moe", "approve", **given)
            assert answer.status_code == 403 and "access token" in answer.text  # type: ignore[attr-defined]
        assert report_of(db, "moe")[1] == "awaiting_owner"
        assert decide(client, "moe", "approve", token="s3cret-token-for-tests").status_code == 303  # type: ignore[attr-defined]
        applied(client, "moe")
    assert report_of(db, "moe")[1] == "approved"


def test_on_loopback_a_request_naming_another_host_is_refused(db: Path) -> None:
    with TestClient(create_app(str(db)), base_url="http://rebound.example:8765") as client:
        answer = client.get("/threads/moe")
        assert answer.status_code == 400 and "SMoES" not in answer.text
    for host in ("http://localhost:8765", "http://[::1]:8765", "http://127.0.0.1"):
        with TestClient(create_app(str(db)), base_url=host) as client:
            assert client.get("/").status_code == 200, host


def test_pages_forbid_scripts_and_frames(client: TestClient) -> None:
    headers = client.get("/threads/moe").headers
    assert "default-src 'none'" in headers["content-security-policy"]
    assert "script-src" not in headers["content-security-policy"]  # none allowed: default-src 'none'
    assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"


def test_a_hostile_corpus_record_is_text_on_every_page(tmp_path: Path, out_dir: Path) -> None:
    db = tmp_path / "hostile.sqlite"
    hostile_thread(tmp_path, db, out_dir)
    with TestClient(create_app(str(db)), base_url=BASE) as client:
        for path in ("/", "/threads/hostile"):
            page = client.get(path).text
            assert "<script>window.pwned" not in page and "<img src=x" not in page
            assert "&lt;script&gt;window.pwned" in page
        page = client.get("/threads/hostile").text
        assert 'href="javascript:' not in page
        report = client.get("/threads/hostile.json").json()
        assert report["paper"]["title"] == HOSTILE_TITLE
        assert HOSTILE_SENTENCE.strip() in report["paper"]["abstract"]
        assert any(HOSTILE_QUOTE in c["quote"] for c in report["claims"])  # the quote is verbatim, markup and all
        assert html.escape(HOSTILE_QUOTE, quote=False) in page.replace("&#39;", "'").replace("&#34;", '"')


def test_an_empty_or_missing_database_is_an_empty_list(tmp_path: Path) -> None:
    missing = tmp_path / "none.sqlite"
    with TestClient(create_app(str(missing)), base_url=BASE) as client:
        page = client.get("/")
        assert page.status_code == 200 and "No threads in this database yet" in page.text
        assert client.get("/threads/any").status_code == 404
    assert not missing.exists()  # reading made no file


def test_show_html_writes_the_page_as_one_standalone_file(db: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from sovereign_graph.cli import app

    cli = CliRunner()
    shown = cli.invoke(app, ["show", "moe", "--db", str(db), "--html", "--out", str(tmp_path / "files")])
    assert shown.exit_code == 0, shown.output
    page = shown.stdout
    assert page.startswith("<!doctype html>") and "SMoES: Soft Modality-Guided Expert Specialization" in page
    assert re.findall(r"<h2[^>]*>([^<]+)</h2>", page) == SECTIONS
    assert 'id="decision-form"' not in page and 'href="/' not in page  # nothing that needs the desk
    assert "sovereign resume moe --decision approve|reject|revise" in page
    assert not re.search(r"<(script|link)\b", page) and 'src="http' not in page  # no script, nothing fetched
    assert (tmp_path / "files" / "moe.html").read_text(encoding="utf-8") == page
    assert (tmp_path / "files" / "moe.md").exists() and (tmp_path / "files" / "moe.json").exists()
    both = cli.invoke(app, ["show", "moe", "--db", str(db), "--html", "--json"])
    assert both.exit_code == 2 and "give one of them" in both.output


def test_a_decision_after_the_cli_decided_is_told_and_shows_the_clis(client: TestClient, db: Path) -> None:
    from typer.testing import CliRunner

    from sovereign_graph.cli import app

    page = client.get("/threads/moe").text  # the owner has the draft open...
    decided = CliRunner().invoke(app, ["resume", "moe", "--db", str(db), "--decision", "reject", "--note", "cli"])
    assert decided.exit_code == 0, decided.output  # ...while the CLI rejects it
    fields = form_of(page) | {"decision": "approve"}
    answer = client.post("/threads/moe/decision", data=fields, follow_redirects=False)
    assert answer.status_code == 409
    text = html.unescape(answer.text)
    assert "Your decision (approve) was not recorded" in text and "already final (rejected" in text
    assert 'id="status">rejected<' in answer.text and 'id="decision-form"' not in answer.text
    assert report_of(db, "moe")[1] == "rejected"


def test_a_decision_that_failed_to_apply_says_how_to_continue(client: TestClient) -> None:
    jobs = client.app.state.desk.store.jobs  # type: ignore[attr-defined]

    def failing(job: object) -> None:
        raise RuntimeError("the source went away")

    jobs.start("moe", "revise", failing)
    while jobs.running("moe"):
        time.sleep(0.01)
    page = html.unescape(client.get("/threads/moe").text)
    assert "Applying “revise” stopped: the source went away" in page
    assert "continue with sovereign resume moe --db " in re.sub(r"</?code>", "", page)


def test_serve_refuses_bad_input_with_one_line(db: Path, tmp_path: Path) -> None:
    import socket

    from typer.testing import CliRunner

    from sovereign_graph.cli import app

    cli = CliRunner()
    missing = cli.invoke(app, ["serve", "--db", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 2 and "no such database" in missing.output
    short = cli.invoke(app, ["serve", "--db", str(db), "--token", "abc"])
    assert short.exit_code == 2 and "at least 8 characters" in short.output
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        busy = cli.invoke(app, ["serve", "--db", str(db), "--port", str(port)])
    assert busy.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in busy.output and "--port" in busy.output


def test_the_list_cuts_a_long_question_and_links_no_id_it_cannot_open(db: Path, out_dir: Path) -> None:
    # What a host driving the graph itself leaves behind: the graph refuses both at its first step, but the
    # input checkpoint holds them (as would a database written by an older version).
    with sqlite_saver(db) as saver:
        graph = Runner(saver, Context()).graph
        for thread_id, question in [
            ("long-q", "routing robustness " * 100_000),
            ("a/b?c#d", "routing help robustness"),
        ]:
            config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
            with pytest.raises(InputError):
                graph.invoke(
                    {"paper": "2604.23996", "question": question, "max_revisions": 0}, config, context=Context()
                )
    with TestClient(create_app(str(db), out_dir=out_dir), base_url=BASE) as client:
        page = client.get("/").text
    assert len(page) < 100_000 and "routing robustness routing robustness" in page
    assert "…</td>" in page
    assert 'a/b?c#d<br><span class="muted small">(an id the desk cannot open)</span>' in html.unescape(page)
    assert 'href="/threads/a' not in page


def test_beyond_loopback_reading_needs_the_token_unless_the_owner_opens_it(db: Path, out_dir: Path) -> None:
    token = "s3cret-token-for-tests"
    app = create_app(str(db), out_dir=out_dir, token=token, loopback=False)
    with TestClient(app, base_url="http://192.0.2.10:8765", follow_redirects=False) as client:
        for path in ("/", "/threads/moe", "/threads/moe.md", "/threads/moe.json"):
            answer = client.get(path)
            assert answer.status_code == 401 and "needs its access token" in answer.text and "moe" not in answer.text
        assert client.get("/?token=wrong").status_code == 401
        assert client.get("/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        opened = client.get(f"/threads/moe?token={token}")
        assert opened.status_code == 303 and opened.headers["location"] == "/threads/moe"
        assert token not in opened.headers["set-cookie"] and "HttpOnly" in opened.headers["set-cookie"]
        assert client.get("/threads/moe.md").status_code == 200, "the cookie opens the rest"
    public = create_app(str(db), out_dir=out_dir, token=token, loopback=False, public_read=True)
    with TestClient(public, base_url="http://192.0.2.10:8765") as client:
        assert client.get("/threads/moe").status_code == 200


def test_inline_latex_of_an_abstract_reads_as_text_on_the_page(db: Path, out_dir: Path) -> None:
    with sqlite_saver(db) as saver:
        Runner(saver).start("2511.15690", "Does dynamic expert skipping preserve accuracy?", thread_id="latex")
    with TestClient(create_app(str(db), out_dir=out_dir), base_url=BASE, raise_server_exceptions=False) as client:
        page = client.get("/threads/latex").text
    assert "2.16× and the decoding time by 1.26×" in page and "$\\times$" not in page
