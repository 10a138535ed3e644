"""The checks live answers pass before they enter the state, and the live settings' parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sovereign_graph.errors import InputError
from sovereign_graph.llm.calls import redact, retryable
from sovereign_graph.llm.models import parse_retry_after
from sovereign_graph.settings.live import LiveConfig, load_config, parse_spec
from sovereign_graph.state import Passage, RoleUsage, merge_usage
from sovereign_graph.steps.extract.checks import check_claim, missing_numbers, verbatim_span
from sovereign_graph.steps.extract.reading import PaperClaim

PASSAGE = Passage(id="p#1", paper_id="p", text="Our router  improves robustness by 4.2% on MMMU\nover top-k routing.")


def claim(quote: str, text: str = "It improves robustness.", passage_id: str = "p#1") -> PaperClaim:
    return PaperClaim(own_result=True, subject="it", passage_id=passage_id, quote=quote, claim=text)


def test_a_quote_matches_its_passage_word_for_word_whatever_the_spacing() -> None:
    assert verbatim_span("router improves robustness by 4.2%", PASSAGE.text) == "router  improves robustness by 4.2%"
    assert verbatim_span("“on MMMU over top-k routing.”", PASSAGE.text) == "on MMMU\nover top-k routing."
    assert verbatim_span("router improves accuracy", PASSAGE.text) is None
    assert verbatim_span("   ", PASSAGE.text) is None


def test_a_claim_is_rejected_for_an_invented_quote_an_unknown_passage_or_a_number_not_in_its_quote() -> None:
    passages = {PASSAGE.id: PASSAGE}
    quote = "Our router improves robustness by 4.2% on MMMU"
    assert check_claim(claim(quote, "The router improves robustness by 4.2%."), passages)[0] is not None
    assert check_claim(claim("improves robustness a lot"), passages) == (None, "quote is not verbatim in its passage")
    assert check_claim(claim("improves", passage_id="q#9"), passages) == (None, "no passage 'q#9' was shown")
    assert check_claim(claim(quote, "The router improves robustness by 5%."), passages) == (
        None,
        "numbers not in its quote: 5%",
    )
    assert missing_numbers("up 4.2 points, 3x faster", "4.2% better and 3x faster") == []


def test_usage_sums_per_role_across_parallel_branches() -> None:
    a = {"skeptic": RoleUsage(calls=1, input_tokens=10, output_tokens=2, seconds=0.5)}
    b = {"skeptic": RoleUsage(calls=2, input_tokens=5, output_tokens=1, seconds=0.25, cost=0.1), "planner": RoleUsage()}
    merged = merge_usage(a, b)
    assert merged["skeptic"] == RoleUsage(calls=3, input_tokens=15, output_tokens=3, seconds=0.75, cost=0.1)
    assert set(merged) == {"skeptic", "planner"}


def test_keys_are_redacted_and_final_statuses_are_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NVIDIA_API_KEY", "plain-secret-value-123")
    text = redact("failed: plain-secret-value-123 / Authorization: Bearer abc.def / nvapi-XYZ_12 / sk-abcdefghijkl")
    assert "plain-secret" not in text and "abc.def" not in text and "nvapi-XYZ" not in text and "sk-abc" not in text
    assert not retryable(Exception("[401] Unauthorized")) and not retryable(Exception("[404] Not Found"))
    assert retryable(Exception("[429] Too Many Requests")) and retryable(TimeoutError("read timed out"))
    assert parse_retry_after("2") == 2.0 and parse_retry_after("soon") is None
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: no wait


def test_model_names_and_config_files(tmp_path: Path) -> None:
    assert parse_spec("nvidia:meta/llama-3.3-70b-instruct") == ("nvidia", "meta/llama-3.3-70b-instruct")
    assert parse_spec("openai:gpt-4o:2024") == ("openai", "gpt-4o:2024")
    with pytest.raises(InputError, match="provider:model"):
        parse_spec("llama")
    path = tmp_path / "live.toml"
    path.write_text(
        'model = "nvidia:a"\nbase_url = "http://nim/v1"\nprice_in = 1.0\n'
        '[roles.skeptic]\nmodel = "nvidia:b"\n[roles.validator]\nmodel = "openai:c"\nprice_in = 3.0\n'
    )
    config = load_config(path)
    assert config.role("planner").model == "nvidia:a" and config.role("skeptic").base_url == "http://nim/v1"
    assert config.role("validator").base_url is None and config.role("validator").price_in == 3.0
    assert LiveConfig.from_json(config.to_json()) == config
    path.write_text("attempts = 0\n")
    with pytest.raises(InputError, match=r"attempts: Input should be greater than or equal to 1"):
        load_config(path)
    path.write_text("model = \n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_config(path)
