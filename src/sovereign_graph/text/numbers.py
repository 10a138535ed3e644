"""Numbers in plain text, and the one check every step makes with them: which numbers a text states that its
source does not. A claim's numbers against its quote, an Answer sentence's against the quotes it cites, a
reviewer's numbers objection: all the same rule, so that "15%" in a quote never vouches for "5%" in a claim."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:%|x|×)?")


def numbers(text: str) -> list[str]:
    """The numbers of a text as written: '35%', '2.5x', '12'."""
    return _NUMBER.findall(text)


def number_core(number: str) -> str:
    """A number without its unit sign: '35%' and '35' are the same number in a quote."""
    return number.rstrip("%x×")


def number_set(text: str) -> frozenset[str]:
    return frozenset(number_core(n) for n in numbers(text))


def numbers_missing_from(text: str, source: str) -> list[str]:
    """The numbers `text` states that `source` lacks, in the text's order and as the text writes them."""
    present = number_set(source)
    return [n for n in numbers(text) if number_core(n) not in present]
