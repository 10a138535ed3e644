"""Inline LaTeX from abstracts ("2.16$\\times$", "$^{2}$", "$\\pm$") as the text a reader expects ("2.16×", "²",
"±"), for display only: reports' markdown and the desk show this, while the JSON keeps the verbatim text and quotes
are still checked against it. A fragment it cannot turn into plain text is shown as written."""

from __future__ import annotations

import re

_COMMANDS = {
    "times": "×", "pm": "±", "mp": "∓", "sim": "~", "approx": "≈", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥",
    "neq": "≠", "ne": "≠", "rightarrow": "→", "to": "→", "leftarrow": "←", "Rightarrow": "⇒", "cdot": "·",
    "circ": "°", "infty": "∞", "langle": "⟨", "rangle": "⟩", "%": "%", "alpha": "α", "beta": "β", "gamma": "γ",
    "delta": "δ", "Delta": "Δ", "epsilon": "ε", "theta": "θ", "lambda": "λ", "mu": "μ", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "phi": "φ", "omega": "ω", "Omega": "Ω", "ell": "ℓ",
}  # fmt: skip
_SUPERSCRIPT = str.maketrans("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ")
_SUBSCRIPT = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_MATH = re.compile(r"\$([^$\n]{1,60})\$")
_COMMAND = re.compile(r"\\([A-Za-z]+|%)")
_WRAPPER = re.compile(r"\\(?:text|mathrm|textbf|textit|texttt|mathbf|mathit|operatorname)\{([^{}]*)\}")
_SCRIPT = re.compile(r"([\^_])(?:\{([^{}]*)\}|(.))")


def _script(match: re.Match[str]) -> str:
    sign = match.group(1)
    body = match.group(2) if match.group(2) is not None else match.group(3)
    converted = body.translate(_SUPERSCRIPT if sign == "^" else _SUBSCRIPT)
    # Only when every character has a raised or lowered form; else "x_{total}" stays readable as "x_total".
    if any(new == old and old.strip() for new, old in zip(converted, body, strict=True)):
        return f"{sign}{body}"
    return converted


def _fragment(match: re.Match[str]) -> str:
    body = match.group(1)
    if body != body.strip():  # "$5 and $6": two prices, not math (LaTeX math never opens or closes on a space)
        return match.group(0)
    body = _WRAPPER.sub(r"\1", body)
    body = _COMMAND.sub(lambda m: _COMMANDS.get(m.group(1), m.group(0)), body).replace("^°", "°")
    body = _SCRIPT.sub(_script, body)
    body = body.replace("{", "").replace("}", "") if "\\" not in body else body
    return match.group(0) if "\\" in body else body


def readable(text: str) -> str:
    """`text` with each inline `$...$` fragment shown as plain text where it can be."""
    return _MATH.sub(_fragment, text) if "$" in text else text
