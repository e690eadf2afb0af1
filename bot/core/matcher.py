"""The matcher: which term or FAQ a message asks about, and whether to answer it.

The front ends ask three things: which term or FAQ a message asks about (``decide``), whether
it is sure enough to answer, and which names to offer while someone types (``complete``). It
knows nothing of Discord or SQL: the store hands it ``Entry`` values. Its three concerns live
in three modules, and ``Matcher`` puts them together:

- bot/core/question.py reads the message: its question form and what it is about;
- bot/core/match_index.py holds the names and FAQ questions and scores candidates;
- bot/core/decision.py decides: answer, suggest or stay silent.

With the semantic extra (bot/core/semantic.py), chat mode also compares FAQ questions by the
meaning of their sentence embeddings.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from bot.core import decision
from bot.core.decision import DEFINE_ANSWER, DEFINE_SUGGEST, Evidence
from bot.core.match_index import Candidate, MatchIndex
from bot.core.model import Entry, Glossary
from bot.core.normalize import fold, strip_markup
from bot.core.question import (
    Question,
    compared_sides,
    content_words,
    is_comparison,
    question_sentences,
    typed,
    understand,
)

__all__ = [
    "Candidate",
    "Decision",
    "Entry",
    "Matcher",
    "Question",
    "glossary_entries",
    "understand",
]

Mode = Literal["define", "chat"]

# Chat mode: a message longer than this is conversation, never answered. Members do ask an FAQ
# in a few sentences ("new here - ... what is it used for?"), so up to this the FAQ model weighs
# the length, while a term is answered only in a question of one sentence (decision.py).
CHAT_MAX_WORDS = 40
CHAT_MAX_SENTENCES = 3
SUGGEST_LIMIT = 5
SEMANTIC_POOL = 8  # semantic extra: FAQs nearest in meaning added to the lexical candidates
# Semantic extra: a paraphrase stands out from the FAQs nearest in meaning after the best; a
# chat line is about as near to many (the best's lead over the mean of the next LEAD_OVER+1).
LEAD_OVER = 4


@dataclass(frozen=True, slots=True)
class Decision:
    query: str
    decision: Literal["answer", "suggest", "none"]
    best: Candidate | None  # the answer when decision == "answer"
    candidates: list[Candidate]  # best first, distinct targets, at most SUGGEST_LIMIT for suggest
    subject: str  # the normalised subject extracted from the question


class Matcher:
    """The index, the semantic extra's vectors, and the decisions made with them."""

    def __init__(self, entries: Iterable[Entry] = (), *, semantic: Any = None) -> None:
        self.index = MatchIndex(entries)
        # The semantic extra's FAQ vectors and query embedder (bot.core.semantic), or None.
        self.semantic = semantic

    def __len__(self) -> int:
        return len(self.index)

    # -- maintenance: a server's term or FAQ edited while the bot runs ----------------------

    def add(self, entry: Entry) -> None:
        """Index one entry; it is found by the next query (with the semantic extra, an FAQ by
        its meaning too: its vector is computed here unless the index holds it already)."""
        self.index.add(entry)
        if self.semantic is not None and entry.kind == "faq":
            self.semantic.add(entry)

    def prepares(self, entries: list[Entry]) -> bool:
        """Whether ``prepare`` has work to do for these entries (FAQs, with the extra)."""
        return self.semantic is not None and any(e.kind == "faq" for e in entries)

    def prepare(self, entries: Iterable[Entry]) -> None:
        """Get ready to add these entries: with the semantic extra, the FAQs' vectors are
        computed now (a worker thread may call this while queries go on)."""
        if self.semantic is not None:
            self.semantic.prepare(entries)

    def remove(self, kind: str, target: int) -> None:
        """Forget a target: a term with all its aliases, or an FAQ ("alias": its aliases only)."""
        self.index.remove(kind, target)
        if self.semantic is not None and kind == "faq":
            self.semantic.remove(target)

    def entries(self) -> Iterator[Entry]:
        """Every live entry, in the order added."""
        return self.index.entries()

    # -- lookups ---------------------------------------------------------------------------

    def complete(self, text: str, **options: Any) -> list[Candidate]:
        """Names for a partial or misspelt input, best first: MatchIndex.complete, with its
        options (limit, scope, kind)."""
        return self.index.complete(text, **options)

    def decide(
        self,
        text: str,
        *,
        mode: Mode = "define",
        scope: int | None = None,
        kinds: Collection[str] = ("term", "faq"),
        vector: Any = None,
    ) -> Decision:
        """Answer, suggest or stay silent about a message (see the module docstring).

        With the semantic extra, chat mode also weighs the message's sentence embedding:
        ``vector`` when the caller computed it (off the event loop), else computed here.
        """
        question = understand(text)
        subject = question.topic
        nothing = Decision(text, "none", None, [], subject)
        chat = mode == "chat"
        found = self._gather(question, text, mode, scope, kinds, vector)
        if found is None:
            return nothing
        terms, faqs, evidence = found
        ranked = sorted(terms + faqs, key=lambda c: (-c.score, c.kind != "faq", c.target))
        if not ranked:
            return nothing
        if chat:
            best = decision.chat_answer(terms, faqs, evidence)
            if best is None and "term" in kinds and not evidence.long:
                best = self._term_in_a_sentence(question, text, scope)
            if best is None:
                return Decision(text, "none", None, ranked[:SUGGEST_LIMIT], subject)
            return Decision(text, "answer", best, ranked[:SUGGEST_LIMIT], subject)
        best = decision.define_answer(terms, faqs, subject)
        compared = self._compared(question, scope) if "term" in kinds else None
        if compared and (best is None or not self._compares(best, compared[1])):
            # "difference between X and Y" with no FAQ that compares them: offer both terms.
            pair, sides = compared
            also = [c for c in faqs if c.score >= DEFINE_SUGGEST and self._compares(c, sides)]
            return Decision(text, "suggest", None, [*pair, *also][:SUGGEST_LIMIT], subject)
        if best is not None:
            return Decision(text, "answer", best, ranked[:SUGGEST_LIMIT], subject)
        near = [c for c in ranked if c.score >= DEFINE_SUGGEST][:SUGGEST_LIMIT]
        if near:
            return Decision(text, "suggest", None, near, subject)
        return Decision(text, "none", None, ranked[:SUGGEST_LIMIT], subject)

    def _term_in_a_sentence(
        self, question: Question, text: str, scope: int | None
    ) -> Candidate | None:
        """Chat mode: a message of a few sentences, one of which asks about a term on its own
        ("can someone explain what NPS is? keeps coming up in the all-hands"): that term,
        decided as if the sentence had been sent alone."""
        if question.sentences < 2:
            return None
        for sentence in question_sentences(text):
            found = self.decide(sentence, mode="chat", scope=scope, kinds=("term",))
            if found.decision == "answer":
                return found.best
        return None

    def wants_vector(self, text: str) -> bool:
        """Whether chat mode would weigh this message's sentence embedding (semantic extra):
        not for a long message, a code block or an empty one, which chat never answers by
        meaning, so the bot spends no embedding on them."""
        if self.semantic is None or not self.semantic.size:
            return False
        question = understand(text)
        return bool(question.body) and not question.code and not _long(question)

    def chat_evidence(
        self, text: str, *, scope: int | None = None, vector: Any = None
    ) -> tuple[list[Candidate], list[Candidate], Evidence] | None:
        """The ranked terms and FAQs, and the evidence, that chat mode decides on (for
        bench/fit_decision.py, which fits the decision's weights on them)."""
        return self._gather(understand(text), text, "chat", scope, ("term", "faq"), vector)

    def _gather(
        self,
        question: Question,
        text: str,
        mode: Mode,
        scope: int | None,
        kinds: Collection[str],
        vector: Any,
    ) -> tuple[list[Candidate], list[Candidate], Evidence] | None:
        subject = question.topic
        if not question.body:
            return None
        chat = mode == "chat"
        if chat and question.code:
            return None
        long = _long(question)
        term_scores: dict[int, float] = {}
        faq_scores: dict[int, float] = {}
        if "term" in kinds:
            # The frame may be part of a name ("Team plan", "What's new"), so the whole text and
            # the body are tried too; each record keeps its best score.
            # Only the subject is looked up fuzzily, and in chat mode only when a term could be
            # the answer at all: a long unframed message costs no trigram lookup.
            raw = typed(strip_markup(text))
            hopeless = chat and (
                not decision.one_question(question.words, question.sentences)
                or (not question.framed and len(subject.split()) > 5)
            )
            for variant in dict.fromkeys((subject, question.body, question.text)):
                if variant and len(variant.split()) <= 12:
                    fuzzy = variant == subject and not hopeless
                    scores = self.index.name_scores(variant, scope, raw, fuzzy=fuzzy)
                    for rid, score in scores.items():
                        if score > term_scores.get(rid, -1.0):
                            term_scores[rid] = score
            # Names whose own words a frame would drop ("A/B testing", "word of mouth"), and
            # a name asked about in a field ("a touchpoint in marketing"): exact names only.
            for variant in question.alternatives:
                for rid, score in self.index.name_scores(variant, scope, fuzzy=False).items():
                    if score > term_scores.get(rid, -1.0):
                        term_scores[rid] = score
        if "faq" in kinds:
            faq_scores = self.index.faq_scores(question.body, scope, answers=chat)
        terms = self.index.ranked(term_scores)
        faqs = self.index.ranked(faq_scores)
        cosines: dict[int, float] = {}
        semantic = self.semantic if chat and "faq" in kinds and not long else None
        if semantic is not None and semantic.size:
            if vector is None:
                vector = semantic.embed_query(text)
            cosines = semantic.cosines(vector, scope)
            faqs = self._blended(faqs, cosines)
        evidence = self._evidence(question, subject, faqs, scope, long, cosines) if chat else None
        return terms, faqs, evidence or Evidence()

    def _compared(
        self, question: Question, scope: int | None
    ) -> tuple[list[Candidate], list[set[str]]] | None:
        """The two terms a comparison asks about, when both are clearly in the glossary, and
        the content words of each side."""
        found = compared_sides(question)
        if found is None:
            return None
        pair, sides = [], []
        for side in found:
            ranked = self.index.ranked(self.index.name_scores(side, scope))
            if not ranked or not decision.clear(ranked, DEFINE_ANSWER):
                return None
            pair.append(ranked[0])
            sides.append(set(content_words(self.index.expand(side))))
        if pair[0].target == pair[1].target:
            return None
        return pair, sides

    def _compares(self, candidate: Candidate, sides: list[set[str]]) -> bool:
        """An FAQ that itself compares these two things ("What is the difference between a
        customer and a consumer?" for "customer vs consumer")."""
        if candidate.kind != "faq":
            return False
        folded = fold(candidate.label)
        theirs = set(content_words(self.index.expand(folded)))
        return is_comparison(folded) and all(s <= theirs for s in sides)

    def _evidence(
        self,
        question: Question,
        subject: str,
        faqs: list[Candidate],
        scope: int | None,
        long: bool,
        cosines: dict[int, float],
    ) -> Evidence:
        """What decision.chat_answer weighs, read from the question and the best FAQs."""
        query_cover = faq_cover = 0.0
        cosine: float | None = None
        cosine_margin = cosine_lead = 0.0
        if faqs:
            query_cover, faq_cover = self.index.faq_cover(question.body, faqs[0].target)
            if cosines:
                cosine = cosines.get(faqs[0].target, 0.0)
                second = cosines.get(faqs[1].target, 0.0) if len(faqs) > 1 else 0.0
                cosine_margin = cosine - second
                others = heapq.nlargest(
                    LEAD_OVER + 1, (v for t, v in cosines.items() if t != faqs[0].target)
                )
                cosine_lead = cosine - sum(others) / len(others) if others else cosine
        instance = question.instance
        return Evidence(
            framed=question.framed,
            asked=question.asked,
            interrogative=question.interrogative,
            instance=instance,
            personal=question.personal,
            idle=question.idle,
            chitchat=question.chitchat,
            long=long,
            words=question.words,
            sentences=question.sentences,
            subject_words=len(subject.split()),
            query_cover=query_cover,
            faq_cover=faq_cover,
            named_term=self.index.names_a_term(question.body.split(), scope),
            # Read only where it is weighed: a team-talk question (decision.chat_answer).
            worded=instance
            and bool(faqs)
            and self.index.faq_worded(question.body, faqs[0].target),
            cosine=cosine,
            cosine_margin=cosine_margin,
            cosine_lead=cosine_lead,
        )

    def _blended(self, faqs: list[Candidate], cosines: dict[int, float]) -> list[Candidate]:
        """FAQ candidates scored by their words and their meaning together (semantic extra):
        the lexical candidates and the FAQs nearest in meaning, best first."""
        lexical = {c.target: c for c in faqs}
        for target in sorted(cosines, key=cosines.__getitem__, reverse=True)[:SEMANTIC_POOL]:
            if target not in lexical and (found := self.index.faq_candidate(target)) is not None:
                lexical[target] = found
        blended = [
            Candidate(
                c.kind,
                c.target,
                c.label,
                round(decision.blend(c.score, cosines.get(c.target, 0.0)), 1),
                c.via,
            )
            for c in lexical.values()
        ]
        blended.sort(key=lambda c: (-c.score, c.target))
        return blended


def _long(question: Question) -> bool:
    """More sentences or words than a question to the bot has."""
    return question.words > CHAT_MAX_WORDS or question.sentences > CHAT_MAX_SENTENCES


def glossary_entries(glossaries: Iterable[Glossary]) -> Iterator[Entry]:
    """Entries for glossaries held in memory (tests, benchmarks, tools without a store): terms
    and FAQs numbered from 1 in file order, as a fresh store would number them."""
    term_id = faq_id = 0
    for glossary in glossaries:
        for term in glossary.terms:
            term_id += 1
            yield Entry(term.name, "term", term_id, term.name)
            for alias in term.aliases:
                yield Entry(alias, "alias", term_id, term.name)
            for faq in term.faqs:
                faq_id += 1
                yield Entry(faq.question, "faq", faq_id, faq.question, answer=faq.answer)
        for faq in glossary.faqs:
            faq_id += 1
            yield Entry(faq.question, "faq", faq_id, faq.question, answer=faq.answer)
