"""Numbers in plain text, and the one check every step makes with them: which numbers a text states that its
source does not. A claim's numbers against its quote, an Answer sentence's against the quotes it cites, a
reviewer's numbers objection: all the same rule, so that "15%" in a quote never vouches for "5%" in a claim.

The check reads number words too ("ninety-nine percent", "a tenfold gain", "doubles"): a model that writes a
number out in words must not slip it past a check that reads digits only. `numbers` and `number_set` stay
digits-only, because the trained verifier's features were fitted on them."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:%|x|×)?")

_UNITS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "dozen": 12,
}  # fmt: skip
# "one" is left out: as a pronoun ("one of the experts") it is no number, and a quote rarely writes it as "1".
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
# Words that state a multiplier without a number word ("tenfold" is a number word run ending in -fold).
_MULTIPLIERS = {
    "twice": 2, "double": 2, "doubles": 2, "doubled": 2, "doubling": 2,
    "triple": 3, "triples": 3, "tripled": 3, "tripling": 3, "thrice": 3,
    "quadruple": 4, "quadruples": 4, "quadrupled": 4,
}  # fmt: skip
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_TENS, *_SCALES, "one"], key=len, reverse=True))
# A run of number words ("ninety-nine", "two hundred and fifty"), optionally ending in -fold.
_WORD_RUN = re.compile(
    rf"\b(?:{_NUMBER_WORD})(?:(?:[\s-]+|\s+and\s+)(?:{_NUMBER_WORD}))*(?:[\s-]?fold)?\b", re.IGNORECASE
)
_MULTIPLIER = re.compile(rf"\b(?:{'|'.join(_MULTIPLIERS)})\b", re.IGNORECASE)


def numbers(text: str) -> list[str]:
    """The numbers of a text as written in digits: '35%', '2.5x', '12'."""
    return _NUMBER.findall(text)


def number_core(number: str) -> str:
    """A number without its unit sign: '35%' and '35' are the same number in a quote."""
    return number.rstrip("%x×")


def number_set(text: str) -> frozenset[str]:
    return frozenset(number_core(n) for n in numbers(text))


def _run_value(run: str) -> int | None:
    """The value of a run of number words, or None when it is the bare word "one" (a pronoun, as often as not)."""
    parts = [p for p in re.split(r"[\s-]+", run.casefold().removesuffix("fold")) if p and p != "and"]
    if parts == ["one"]:
        return None
    total = current = 0
    for part in parts:
        if part == "one":
            current += 1
        elif part in _UNITS:
            current += _UNITS[part]
        elif part in _TENS:
            current += _TENS[part]
        elif part in _SCALES:
            current = max(current, 1) * _SCALES[part]
            if _SCALES[part] >= 1000:
                total, current = total + current, 0
    return total + current


def stated_numbers(text: str) -> list[tuple[str, str]]:
    """Every number a text states, as (how it is written, its value without unit): digits ('35%' -> '35',
    '10-fold' -> '10'), number words ('ninety-nine percent' -> '99', 'tenfold' -> '10') and multiplier words
    ('doubles' -> '2'). In the order they stand."""
    found: list[tuple[int, str, str]] = []
    for m in _NUMBER.finditer(text):
        found.append((m.start(), m.group(0), number_core(m.group(0))))
    for m in _WORD_RUN.finditer(text):
        value = _run_value(m.group(0))
        if value is not None:
            found.append((m.start(), m.group(0), str(value)))
    for m in _MULTIPLIER.finditer(text):
        found.append((m.start(), m.group(0), str(_MULTIPLIERS[m.group(0).casefold()])))
    return [(written, core) for _, written, core in sorted(found)]


def numbers_missing_from(text: str, source: str) -> list[str]:
    """The numbers `text` states that `source` lacks (digits or words on either side), in the text's order and
    as the text writes them."""
    present = {core for _, core in stated_numbers(source)}
    return [written for written, core in stated_numbers(text) if core not in present]
