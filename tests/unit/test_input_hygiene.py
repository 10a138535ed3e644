"""Input hygiene: what a user or a corpus gives cannot drive the terminal a report or a message is printed on,
a long bad value is not echoed whole, and a model name's mistake is named as what it is."""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite import SqliteSaver

from sovereign_graph.app.runner import Runner, write_report_files
from sovereign_graph.errors import InputError
from sovereign_graph.llm.models import chat_model, embeddings_model
from sovereign_graph.report.json_export import to_json
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.runtime.context import Context
from sovereign_graph.runtime.injected import Engines
from sovereign_graph.settings.live import parse_spec
from sovereign_graph.sources.corpora import open_corpus, require_corpus_name
from sovereign_graph.sources.resolve import require_question, resolve_subject
from sovereign_graph.sources.snapshot import LocalCorpus, bundled_snapshot
from sovereign_graph.steps.verify import check_verifier
from tests.conftest import QUESTION, SMOES

# What a terminal would obey: C0 controls but newline and tab, DEL, C1 controls.
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CLEAR_SCREEN = "\x1b[2J"
RETITLE = "\x1b]0;pwned\x07"
CSI_8BIT = "\x9b31m"


def test_a_question_pasted_with_terminal_escapes_is_searched_as_it_was_seen() -> None:
    coloured = "\x1b[1mexpert\x1b[0m"
    pasted = f"Does\t{CLEAR_SCREEN}modality-guided {coloured} routing\x07 help\n{RETITLE}robustness?{CSI_8BIT}"
    assert require_question(pasted) == "Does modality-guided expert routing help robustness?"
    assert require_question("  does   routing \n help robustness ") == "does routing help robustness"
    with pytest.raises(InputError, match="question is empty"):
        require_question(f"{CLEAR_SCREEN}\x07\x00")


def test_the_report_renders_a_corpus_and_an_owner_note_full_of_escapes_inertly(
    saver: SqliteSaver, tmp_path: Path
) -> None:
    def tainted(paper_id: str, text: str) -> str:
        return f"{text}{CLEAR_SCREEN}{RETITLE}{CSI_8BIT}\x7f" if paper_id == SMOES else f"\x1b[1m{text}"

    papers = [
        p.model_copy(update={"title": tainted(p.id, p.title), "abstract": tainted(p.id, p.abstract)})
        for p in bundled_snapshot()._papers
    ]
    runner = Runner(saver, Context(), engines=Engines(source=LocalCorpus("tainted corpus", papers)))
    out = tmp_path / "out"
    runner.start(SMOES, QUESTION, thread_id="t")
    note = f"ok{CLEAR_SCREEN} ship it{RETITLE}"
    write_report_files(runner.resume("t", "approve", note).report, out)  # as `sovereign resume` writes them

    markdown = (out / "t.md").read_text(encoding="utf-8")
    assert not RAW_CONTROL.search(markdown), RAW_CONTROL.findall(markdown)[:5]
    title = markdown.splitlines()[0]
    assert title.endswith("\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\x7f"), "escaped visibly, not dropped"
    assert "ok\\x1b[2J ship it\\x1b]0;pwned\\x07" in markdown
    assert "\n## Claims\n" in markdown and "\t" not in title, "layout newlines stay"

    report = json.loads((out / "t.json").read_text(encoding="utf-8"))
    assert report["owner_decision"]["note"] == note, "the JSON keeps every value as it was"
    assert report["paper"]["title"] == tainted(SMOES, bundled_snapshot().get(SMOES).title)  # type: ignore[union-attr]


def test_json_is_faithful_and_safe_to_print(runner: Runner) -> None:
    report = runner.start(SMOES, QUESTION).report
    tainted = report.model_copy(update={"question": f"q{CLEAR_SCREEN}{CSI_8BIT}\x7f\udc9b", "thread_id": "t"})
    text = to_json(tainted)
    assert not RAW_CONTROL.search(text.replace("\n", "")), "C1 and DEL escaped too, not only what JSON requires"
    text.encode("utf-8")  # a lone surrogate (an undecodable argv byte) is escaped, so the file can be written
    assert json.loads(text) == tainted.model_dump(mode="json")
    assert "\\u001b[2J\\u009b31m\\u007f" in text
    assert to_markdown(tainted).count("q\\x1b[2J\\x9b31m\\x7f\\udc9b") == 1


TEN_KB = "2604." + "9" * 10_000


def _short_naming(error: pytest.ExceptionInfo[InputError], length: int) -> str:
    """The message quotes the value's start and its length, never the whole of it."""
    message = str(error.value)
    assert f"…' ({length} characters)" in message, message[:300]
    assert not re.search(r"(.)\1{100}|(.{20,}?)\2{5}", message), "no long run of the value"
    return message


def test_a_long_bad_paper_value_is_cut_in_the_message() -> None:
    with pytest.raises(InputError, match="not a valid arXiv id") as caught:
        resolve_subject(TEN_KB, bundled_snapshot())
    assert _short_naming(caught, len(TEN_KB)).startswith(f"'{TEN_KB[:80]}…' (10005 characters) is not")
    title = "A survey of everything " * 500
    with pytest.raises(InputError, match="no paper titled") as caught:
        resolve_subject(title, bundled_snapshot())
    _short_naming(caught, len(title.strip()))


def test_a_paper_reference_copied_with_terminal_colours_still_resolves() -> None:
    assert resolve_subject(f"\x1b[32marXiv:{SMOES}\x1b[0m", bundled_snapshot()).id == SMOES
    with pytest.raises(InputError) as caught:
        resolve_subject(f"arXiv:2604.2{CLEAR_SCREEN}", bundled_snapshot())
    assert str(caught.value).startswith("'arXiv:2604.2' is not a valid arXiv id"), "as the terminal showed it"


def test_a_short_bad_value_is_quoted_whole_with_its_controls_escaped() -> None:
    with pytest.raises(InputError) as caught:
        check_verifier(f"tfidf{CLEAR_SCREEN}\n")
    assert str(caught.value).startswith("unknown verifier 'tfidf\\x1b[2J\\x0a' (available: ")
    with pytest.raises(InputError) as caught:
        require_question(f"too{CLEAR_SCREEN} short")
    assert "'too short'" in str(caught.value)


@pytest.mark.parametrize(
    "reject",
    [
        lambda value: parse_spec(value),
        lambda value: open_corpus(value),
        lambda value: require_corpus_name(value),
        lambda value: check_verifier(value),
        lambda value: chat_model(f"{value}:m", base_url=None, timeout=1),  # names the provider, then the spec
    ],
    ids=["model name", "corpus", "corpus name", "verifier", "provider"],
)
def test_every_echoed_user_value_is_cut_and_escaped(reject: object) -> None:
    value = "x\x1b[2J" + "y" * 5000
    with pytest.raises(InputError) as caught:
        reject(value)  # type: ignore[operator]
    message = _short_naming(caught, len(value))
    assert not RAW_CONTROL.search(message)


def test_an_unknown_provider_is_named_with_the_known_ones() -> None:
    with pytest.raises(InputError) as caught:
        chat_model("zzz:yyy", base_url=None, timeout=1)
    message = str(caught.value)
    assert message.startswith("model 'zzz:yyy': unknown provider 'zzz'; known chat model providers: ")
    assert "nvidia" in message and "openai" in message and "anthropic" in message
    assert "pip install" not in message and "\n" not in message
    with pytest.raises(InputError, match="did you mean 'openai'"):
        chat_model("openia:gpt-4o", base_url=None, timeout=1)
    with pytest.raises(InputError, match=r"unknown provider 'anthropic'; known embeddings providers: .*nvidia"):
        embeddings_model("anthropic:x", base_url=None, truncate="END", timeout=1)


def test_a_known_provider_not_installed_says_what_to_install() -> None:
    assert importlib.util.find_spec("langchain") is None, "this environment has no langchain"
    with pytest.raises(InputError) as caught:
        chat_model("openai:gpt-4o", base_url=None, timeout=1)
    assert str(caught.value) == (
        "model 'openai:gpt-4o': provider 'openai' needs `pip install langchain langchain-openai`."
    )
    missing = r"provider 'google_genai' needs `pip install langchain langchain-google-genai`"
    with pytest.raises(InputError, match=missing):
        chat_model("google-genai:gemini-2.5-pro", base_url=None, timeout=1)
    with pytest.raises(InputError, match=r"embeddings 'ollama:nomic': .*`pip install langchain langchain-ollama`"):
        embeddings_model("ollama:nomic", base_url=None, truncate="END", timeout=1)


@pytest.fixture
def installed_langchain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A `langchain` whose registries name one provider more than this version's list, and drop one."""
    package = tmp_path / "site" / "langchain"
    for sub, registry in (
        (
            "chat_models",
            '_BUILTIN_PROVIDERS = {"openai": ("langchain_openai", "ChatOpenAI", None), '
            '"newcomer": ("langchain_newcomer.chat", "ChatNewcomer", None)}',
        ),
        ("embeddings", '_SUPPORTED_PROVIDERS = {"openai": "langchain_openai"}'),
    ):
        (package / sub).mkdir(parents=True)
        (package / sub / "__init__.py").write_text("")
        (package / sub / "base.py").write_text(registry + "\n")
    (package / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    importlib.invalidate_caches()
    yield
    for name in [m for m in sys.modules if m == "langchain" or m.startswith("langchain.")]:
        del sys.modules[name]


@pytest.mark.usefixtures("installed_langchain")
def test_with_langchain_installed_its_registry_decides() -> None:
    with pytest.raises(InputError) as caught:
        chat_model("anthropic:claude", base_url=None, timeout=1)
    assert "known chat model providers: newcomer, nvidia, openai." in str(caught.value)
    with pytest.raises(InputError, match=r"provider 'newcomer' needs `pip install langchain-newcomer`\.$"):
        chat_model("newcomer:m", base_url=None, timeout=1)
    with pytest.raises(InputError, match="known embeddings providers: nvidia, openai"):
        embeddings_model("cohere:embed", base_url=None, truncate="END", timeout=1)


def test_the_runner_refuses_an_overlong_question_a_foreign_one_and_one_without_content_words(runner: Runner) -> None:
    for question, why in [
        ("routing robustness " * 200, "is 3799 characters; at most 2000 are read"),
        ("路由是否提高了视觉语言模型的鲁棒性 routing", "not in English"),
        ("what is the effect of it on them?", "the question has no content words"),
        (QUESTION + "\udc80", "the research question is not UTF-8 text"),
    ]:
        with pytest.raises(InputError, match=why):
            runner.start(SMOES, question, thread_id="q")
    # Accented Latin letters are English's script: a loanword or an author's name is no refusal.
    assert require_question("Does Müller's naïve routing help robustness?").startswith("Does Müller")


def test_the_markdown_report_carries_no_html_or_script_link_from_a_title_or_a_note(
    saver: SqliteSaver, tmp_path: Path
) -> None:
    script = "<script>alert(1)</script> [site](JavaScript:alert(2)) & <img src=x onerror=alert(3)>"
    papers = [p.model_copy(update={"title": f"{p.title} {script}"}) for p in bundled_snapshot()._papers]
    runner = Runner(saver, Context(), engines=Engines(source=LocalCorpus("tainted corpus", papers)))
    out = tmp_path / "out"
    runner.start(SMOES, QUESTION, thread_id="t")
    note = "ship it <script>x()</script> [me](javascript:y()) `<kept in code>`"
    write_report_files(runner.resume("t", "approve", note).report, out)

    markdown = (out / "t.md").read_text(encoding="utf-8")
    assert "<script" not in markdown and "<img" not in markdown and "javascript:" not in markdown.lower()
    assert "&lt;script>alert(1)&lt;/script> [site](JavaScript :alert(2)) &amp; &lt;img src=x" in markdown
    assert "ship it &lt;script>x()&lt;/script> [me](javascript :y()) `<kept in code>`" in markdown
    assert "<https://arxiv.org/abs/" in markdown, "the report's own links stay links"
    assert json.loads((out / "t.json").read_text(encoding="utf-8"))["owner_decision"]["note"] == note


@pytest.mark.parametrize("thread_id", ["a/b?c#d", "../x", "x" * 65])
def test_a_thread_id_the_desk_cannot_open_is_refused_by_the_library_too(runner: Runner, thread_id: str) -> None:
    with pytest.raises(InputError, match="is not usable"):
        runner.start(SMOES, QUESTION, thread_id=thread_id)
    runner.start(SMOES, QUESTION, thread_id="t", max_revisions=0)
    with pytest.raises(InputError, match="is not usable"):
        runner.fork("t", runner.history("t")[0].checkpoint_id, new_thread_id=thread_id)
    # A host driving the compiled graph itself meets the same rule at its first step.
    config: RunnableConfig = {"configurable": {"thread_id": thread_id}}
    with pytest.raises(InputError, match="is not usable"):
        runner.graph.invoke({"paper": SMOES, "question": QUESTION, "max_revisions": 0}, config, context=Context())
