"""The report as JSON, for tools."""

from __future__ import annotations

import json
import re

from sovereign_graph.report.model import Report

# JSON escapes C0 controls itself; with ensure_ascii=False it writes DEL and C1 controls (U+009B is CSI to a
# terminal) raw, and a lone surrogate that UTF-8 cannot encode. Inside a JSON string `\u009b` is the same
# character, so escaping them keeps the report exact.
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\ud800-\udfff]")


def to_json(report: Report) -> str:
    """The report as JSON: every value as it is, and safe to print on a terminal."""
    text = json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False)
    return _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"
