"""Inline LaTeX from abstracts is shown as text in reports and on the desk, and kept verbatim in the JSON."""

from __future__ import annotations

import json

from sovereign_graph.app.runner import Runner
from sovereign_graph.report.json_export import to_json
from sovereign_graph.report.markdown import to_markdown
from sovereign_graph.text.latex import readable

# Its abstract: "improving the prefilling time by 2.16$\times$ and the decoding time by 1.26$\times$".
MODES = "2511.15690"


def test_fragments_read_as_text_and_what_cannot_be_read_stays_as_written() -> None:
    assert readable(r"prefilling 2.16$\times$ faster, $\pm$0.3, $^{18}$F, 25$^\circ$C") == (
        "prefilling 2.16× faster, ±0.3, ¹⁸F, 25°C"
    )
    assert readable(r"$\text{RLR}^3$ and $F_1$ and $O(N^2)$ and $5.2\%$") == "RLR³ and F₁ and O(N²) and 5.2%"
    assert readable(r"$N_{total}$") == "N_total"  # no subscript letters: readable as written, braces aside
    assert readable(r"$\frac{a}{b}$") == r"$\frac{a}{b}$"  # no plain form: shown as written
    assert readable("costs $5 and $6 each") == "costs $5 and $6 each"  # prices, not math


def test_the_markdown_shows_the_abstract_as_text_and_the_json_keeps_it_verbatim(runner: Runner) -> None:
    outcome = runner.start(MODES, "Does dynamic expert skipping preserve accuracy in MoE video-LLMs?", thread_id="l")
    markdown, data = to_markdown(outcome.report), json.loads(to_json(outcome.report))
    assert "2.16× and the decoding time by 1.26×" in markdown and "$\\times$" not in markdown
    assert "2.16$\\times$" in data["paper"]["abstract"]
