"""Does an Answer sentence say only what the quotes it cites say? Two checks a writer cannot steer:

1. **Faithful to its quotes** (`steps/extract/faithful.py`, the check every model claim passes): its numbers, in
   digits or words, are in the cited quotes; it adds no negation they lack; it states no direction, effect size or
   stronger assertion they do not; it names nothing they, the claims and their papers' titles do not; at most a
   few content words are new. Read on the sentence's *finding*: what is left once its citations, ids, sources and
   the words an answer uses to talk about evidence ("corroborated", "the subject paper's authors", "only in
   part") are taken out. A sentence with no finding left (a pointer: "Further claims bear on it: C2, C3") has
   nothing to check here.
2. **Not read against its quotes by the verifier**: the run's trained verifier (the embedded reader's stance too,
   when the neural one was chosen) reads the finding against the cited quotes; a sentence it labels CONTRADICT
   is dropped. (SUPPORT is not required: the verifier was trained on SciFact's single-claim sentences, and an
   answer that joins two findings in one sentence reads as NOT_ENOUGH_INFO against either.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sovereign_graph.ml.reader.runtime import load_reader
from sovereign_graph.state import AnswerSentence, Claim
from sovereign_graph.steps.extract.faithful import Context, unfaithful
from sovereign_graph.steps.verify.features import SentenceIndex
from sovereign_graph.steps.verify.model import VerifierModel
from sovereign_graph.steps.verify.trained import decided
from sovereign_graph.text.prose import stems
from sovereign_graph.text.vocabulary import Vocabulary

# Names of sources and places, not figures the evidence must state: arXiv ids, the library's local ids, where a
# quote stands in its paper ("§4.2", "p. 6"), and the Answer's own ids (C3, F2).
SOURCE_NAMES = re.compile(
    r"(?:arXiv:\s*)?\b\d{4}\.\d{4,5}(?:v\d+)?\b|\blocal-[0-9a-f]{12}\b|§\s*[\w.]+|\bpp?\.\s*\d+(?:[-–]\d+)?"
    r"|\b[CF]\d+\b",
    re.IGNORECASE,
)
_CITATION = re.compile(r"\[[^\]]*\]")
# The words an Answer uses to talk about evidence and its sources rather than to state a finding.
_TALK = re.compile(
    r"\b(?:bottom line|only in part|in part|on this|the subject paper's authors|the subject paper|"
    r"(?:un)?address(?:es|ed)?|answer(?:s|ed)?|facets?|evidence|literature|retrieved|sources?|papers?|authors?|"
    r"independent(?:ly)?|corroborat(?:es|ed|ing|ion)?|contradict(?:s|ed|ing|ion)?|conflict(?:s|ed|ing)?|"
    r"disagree(?:s|d)?|agree(?:s|d)?|cites?|cited|quot(?:e|es|ed)|entailed|(?:un)?verified|claims?|bears?|"
    r"further|own|results?|reports?|reported|finds?|found|shows?|shown|states?|stated|notes?|noted|whereas|"
    r"however|while|both|each|others?|another|leaves?|question)\b",
    re.IGNORECASE,
)


def finding_of(sentence: str) -> str:
    """What a sentence says about the world: without citations, ids, sources and the vocabulary of answering."""
    text = _CITATION.sub(" ", sentence)
    text = SOURCE_NAMES.sub(" ", text)
    text = _TALK.sub(" ", text)
    return " ".join(text.split())


def states_a_finding(sentence: str) -> bool:
    return bool(stems(finding_of(sentence)))


@dataclass(frozen=True)
class SupportCheck:
    """The checks of this module over one Answer's claims, with the run's verifier (None: faithfulness only)."""

    claims: dict[str, Claim]
    titles: dict[str, str]
    verifier: VerifierModel | None = None
    vocabulary: Vocabulary | None = None

    def problems(self, sentences: Sequence[AnswerSentence]) -> list[str | None]:
        """Per sentence, why its finding does not follow from its cited quotes, or None. Every cited id must
        already be one of `claims` (`checks.py` tests that first)."""
        found = [finding_of(s.text) if s.claims else "" for s in sentences]
        problems: list[str | None] = []
        to_read: list[int] = []
        for i, (sentence, finding) in enumerate(zip(sentences, found, strict=True)):
            if not stems(finding):
                problems.append(None)
                continue
            cited = [self.claims[cid] for cid in sentence.claims]
            quotes = " ".join(c.quote for c in cited)
            around = Context(
                passage=" ".join(c.text for c in cited),
                title=" ".join(self.titles.get(c.paper_id, "") for c in cited),
            )
            reason = unfaithful(finding, quotes, around, exact_negations=False, min_quote=False)
            problems.append(None if reason is None else f"does not follow from the quotes it cites: {reason}")
            if reason is None:
                to_read.append(i)
        if self.verifier is not None and to_read:
            for i, against in zip(to_read, self._read_against(sentences, found, to_read), strict=True):
                if against:
                    problems[i] = "the verifier reads its cited quotes as contradicting it"
        return problems

    def _read_against(self, sentences: Sequence[AnswerSentence], found: list[str], rows: list[int]) -> list[bool]:
        assert self.verifier is not None
        documents = [[self.claims[cid].quote for cid in sentences[i].claims] for i in rows]
        index = SentenceIndex(documents, vocabulary=self.vocabulary)
        reps = index.represent([found[i] for i in rows])
        against: list[bool] = []
        for doc, rep in enumerate(reps):
            verdict = self.verifier.judge(index, rep, [doc])[0]
            label = decided(verdict, self.verifier.decision_threshold)
            if label != "CONTRADICT" and self.verifier.neural:
                read = load_reader().read([(found[rows[doc]], " ".join(documents[doc]))])
                label = "CONTRADICT" if float(read.stance[0][1]) > float(read.stance[0][0]) else label
            against.append(label == "CONTRADICT")
        return against
