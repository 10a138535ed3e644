"""A run's settings as one value: where each comes from (flag, environment, default), how it crosses into a
context and back, what a resume may change, what older threads and queue jobs recorded, and the generated
reference in docs/settings.md."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import typer.main

from sovereign_graph.app.recorded_settings import SETTINGS_KEY, recorded_settings
from sovereign_graph.batch.options import RunOptions
from sovereign_graph.cli import app
from sovereign_graph.errors import InputError
from sovereign_graph.runtime.context import CONTEXT_NAMES, Context
from sovereign_graph.settings import LiveConfig, RunSettings
from sovereign_graph.settings.run import DEFAULTS, RESUMABLE, SCALAR_FIELDS, environment_values, flag
from sovereign_graph.settings.table import settings_markdown, with_readme_table

DOCS = Path(__file__).resolve().parents[2] / "docs" / "settings.md"


def _options(command: str) -> dict[str, Any]:
    """The command's options by flag, as its --help lists them."""
    group: Any = typer.main.get_command(app)
    return {name: p for p in group.commands[command].params for name in getattr(p, "opts", ())}


def test_docs_settings_md_is_the_generated_reference() -> None:
    assert DOCS.read_text(encoding="utf-8") == settings_markdown(), (
        "docs/settings.md is stale: python -m sovereign_graph.settings.table > docs/settings.md"
    )


def test_the_readmes_settings_table_is_the_generated_one() -> None:
    readme = DOCS.parents[1] / "README.md"
    text = readme.read_text(encoding="utf-8")
    assert with_readme_table(text) == text, (
        "README.md's settings table is stale: python -m sovereign_graph.settings.table --readme README.md"
    )


def test_every_setting_has_a_description_a_flag_on_run_and_batch_and_only_resumable_ones_on_resume() -> None:
    for name, field in RunSettings.model_fields.items():
        assert field.description, name
    for name, field in LiveConfig.model_fields.items():
        assert field.description, name
    for command in ("run", "batch"):
        options = _options(command)
        for name in RunSettings.model_fields:
            for one in flag(name).split(", "):
                assert one in options, f"{command} has no {one} ({name})"
    setting_flags = {one for name in RunSettings.model_fields for one in flag(name).split(", ")}
    allowed = {one for name in RESUMABLE for one in flag(name).split(", ")}
    for command in ("resume", "fork"):
        given = set(_options(command)) & setting_flags
        assert given == allowed, command


def test_the_help_states_each_settings_default() -> None:
    options = _options("run")
    for name in SCALAR_FIELDS:
        shown = re.search(r"\[default: ([^\]]+)\]", options[flag(name)].help or "")
        if shown is not None and name not in ("corpus",):  # corpus: 'the bundled snapshot'
            assert shown.group(1) == str(DEFAULTS[name]), name


def test_a_flag_wins_over_the_environment_which_wins_over_the_default() -> None:
    environ = {"SOVEREIGN_MAX_CLAIMS": "5", "SOVEREIGN_REVISE_BELOW": "7.5", "SOVEREIGN_SOURCE_NAME": "arxiv"}
    settings = RunSettings.from_env(environ, max_claims=3, verifier=None)
    assert settings.max_claims == 3  # the flag
    assert settings.revise_below == 7.5  # the environment
    assert settings.source == "arxiv"  # the context's older variable name is still read
    assert settings.verifier == "trained"  # the default: None is "not given"
    assert RunSettings.from_env({"SOVEREIGN_SOURCE": "snapshot", "SOVEREIGN_SOURCE_NAME": "arxiv"}).source == "snapshot"


@pytest.mark.parametrize(
    ("environ", "given", "message"),
    [
        ({"SOVEREIGN_MAX_CLAIMS": "many"}, {}, "$SOVEREIGN_MAX_CLAIMS='many': Input should be a valid integer"),
        (
            {"SOVEREIGN_VERIFIER": "bert"},
            {},
            "$SOVEREIGN_VERIFIER='bert': Input should be 'neural', 'trained' or 'tfidf'",
        ),
        ({}, {"revise_below": -1.0}, "--revise-below: Input should be greater than or equal to 0."),
        ({}, {"verify_threshold": 2.0}, "--verify-threshold: Input should be less than or equal to 1."),
    ],
)
def test_a_bad_value_is_one_line_naming_its_flag_or_variable(
    environ: dict[str, str], given: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError) as refused:
        RunSettings.from_env(environ, **given)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


def test_a_context_is_built_from_settings_exactly_and_gives_them_back(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = RunSettings(verifier="tfidf", max_claims=3, revise_below=9.0, source="arxiv", arxiv_delay=0.5)
    # The environment fills a context's defaults, never a setting that is at its default on purpose.
    monkeypatch.setenv("SOVEREIGN_MAX_CLAIMS_PER_PAPER", "1")
    monkeypatch.setenv("SOVEREIGN_VERIFIER", "trained")
    context = Context.from_settings(settings, db="postgresql://u:secret@h/db")
    assert (context.verifier, context.max_claims, context.revise_below) == ("tfidf", 3, 9.0)
    assert context.source_name == "arxiv" and context.max_claims_per_paper == 3
    assert context.corpus_db == "postgresql://u:secret@h/db"
    assert context.settings() == settings
    assert context.with_engines(None).settings() == settings  # a copy keeps them too
    assert "secret" not in context.settings().to_json()
    assert Context.from_settings(settings, db="/tmp/x.sqlite").corpus_db == ""  # a SQLite file holds no corpora
    # A context made directly (Python, Studio's JSON) takes its defaults from the environment.
    assert Context().max_claims_per_paper == 1 and Context(max_claims_per_paper=2).max_claims_per_paper == 2


def test_the_contexts_json_fields_are_the_settings() -> None:
    from pydantic import TypeAdapter

    schema = TypeAdapter(Context).json_schema()["properties"]
    expected = {CONTEXT_NAMES.get(name, name) for name in SCALAR_FIELDS} | {"corpus_db"}
    assert set(schema) == expected
    for name in SCALAR_FIELDS:
        entry = schema[CONTEXT_NAMES.get(name, name)]
        assert entry["description"] == RunSettings.model_fields[name].description
        assert entry["default"] == DEFAULTS[name]


def test_a_resume_may_change_how_services_are_reached_and_nothing_else() -> None:
    started = RunSettings(max_claims=3, live=LiveConfig(model="nvidia:a/b", base_url="http://old/v1", attempts=5))
    resumed = started.resumed({"arxiv_url": "http://mirror/api", "live": {"base_url": "http://new/v1"}})
    assert resumed.arxiv_url == "http://mirror/api" and resumed.max_claims == 3
    assert resumed.live == LiveConfig(model="nvidia:a/b", base_url="http://new/v1", attempts=5)
    for fixed in ({"max_claims": 5}, {"verifier": "tfidf"}, {"revise_below": 1.0}, {"corpus": "lab"}):
        with pytest.raises(InputError, match="a thread keeps the settings it started with"):
            started.resumed(fixed)
    with pytest.raises(InputError, match="--arxiv-delay: Input should be greater than or equal to 0"):
        started.resumed({"arxiv_delay": -1})
    with pytest.raises(InputError, match="--base-url names the endpoint of a live model"):
        RunSettings().resumed({"live": {"base_url": "http://new/v1"}})


def test_recorded_settings_round_trip_and_tolerate_other_versions() -> None:
    settings = RunSettings(verifier="tfidf", live=LiveConfig(model="nvidia:a/b"))
    assert RunSettings.from_json(settings.to_json()) == settings
    newer = json.loads(settings.to_json()) | {"a_setting_of_a_later_version": 1}
    older = {k: v for k, v in json.loads(settings.to_json()).items() if k != "max_papers"}
    assert RunSettings.from_json(json.dumps(newer)) == settings
    assert RunSettings.from_json(json.dumps(older)) == settings


def test_a_thread_an_older_version_started_restores_what_that_version_recorded() -> None:
    current = RunSettings(max_claims=5, fulltext=8)
    legacy = {
        "sovereign_source": "arxiv",
        "sovereign_corpus": "bundled",
        "sovereign_fulltext": "2",
        "sovereign_arxiv_url": "http://mirror/api",
        "sovereign_fulltext_url": "http://mirror",
        "sovereign_live": LiveConfig(model="nvidia:a/b").to_json(),
    }
    restored = recorded_settings(legacy.get, current)
    assert restored is not None
    assert (restored.source, restored.fulltext, restored.arxiv_url) == ("arxiv", 2, "http://mirror/api")
    assert restored.arxiv_fulltext_url == "http://mirror" and restored.live.model == "nvidia:a/b"
    assert restored.max_claims == 5  # not recorded then: the resuming process's, as that version did
    assert recorded_settings({}.get, current) is None
    whole = {SETTINGS_KEY: RunSettings(max_claims=2).to_json(), **legacy}
    assert recorded_settings(whole.get, current) == RunSettings(max_claims=2)  # the whole record wins


def test_batch_options_carry_the_settings_whole_and_read_an_older_versions_queue_job(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = RunSettings(max_claims=3, verifier="tfidf")
    options = RunOptions.of(settings, max_revisions=0)
    assert RunOptions.from_job({"settings": options.settings, "max_revisions": 0}) == options
    assert options.context(None).settings() == settings
    monkeypatch.setenv("SOVEREIGN_MAX_CLAIMS", "4")
    old_job = {"source": "snapshot", "corpus": None, "verifier": "tfidf", "fulltext": 2, "max_revisions": 1}
    old = RunOptions.from_job({**old_job, "live": LiveConfig(model="nvidia:a/b").to_json()}).run_settings()
    assert (old.verifier, old.fulltext, old.max_claims, old.live.model) == ("tfidf", 2, 4, "nvidia:a/b")


def test_environment_values_are_only_the_variables_set() -> None:
    assert environment_values({}) == {}
    assert environment_values({"SOVEREIGN_ARXIV_RETRIES": "1", "SOVEREIGN_HOME": "/x"}) == {"arxiv_retries": 1}


def test_a_thread_recorded_before_the_relevance_setting_resumes_with_the_lexical_model() -> None:
    from sovereign_graph.settings.run import RunSettings

    recorded = json.loads(RunSettings().to_json())
    del recorded["relevance"]
    assert RunSettings.from_json(json.dumps(recorded)).relevance == "lexical"
    assert RunSettings.from_json(RunSettings(relevance="neural").to_json()).relevance == "neural"
