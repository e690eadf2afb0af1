"""The decision: answer, suggest or stay silent, given what the matcher found.

The matcher scores names and FAQ questions and reads the question's form; this module turns
that evidence into a decision. Term names are decided by thresholds on edit similarity (a score
means the same in every glossary). An FAQ asked in the members' own words is decided by a
small logistic model over several numbers at once, because no single score separates a
paraphrase from chit-chat that shares its words: how good the best FAQ is and how far ahead of
the second, how much of the query it covers and how much of itself the query covers, whether
the message is phrased as a question, and, with the semantic extra, the cosine of their
sentence embeddings. Its weights are fitted on tests/data/queries.yaml only (the tuning set) by
``bench/fit_decision.py``, which prints the tables below; the held-out set is never used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bot.core.normalize import fold

# -- scores and thresholds (0-100), calibrated on tests/data/queries.yaml ------------------------

SURE = 98.0  # at or above this (an exact name, a plural, an FAQ as written), no margin is needed
NEAR_VERBATIM = 88.0  # an FAQ question's own wording, give or take a few letters
DEFINE_ANSWER = 80.0  # define mode: a best match this good, clear of the next, is the answer
DEFINE_SUGGEST = 55.0  # define mode: worth offering as "did you mean"
# Define mode: a name with two typos ("Dbuggin") scores 70-80; when nothing else comes near it,
# it is the name meant. Above the 70 that a whole word of a name scores ("promoter"), which
# is offered, not answered.
DEFINE_FAR_AHEAD = 71.0
FAR_AHEAD_MARGIN = 20.0
# Chat mode: a framed question ("what is X") whose subject matches a name this well; one typo
# in a name of seven letters ("what is rvenue") scores 85.7.
CHAT_TERM = 85.0
DEFINE_FAQ = 50.0  # define mode: an FAQ, when someone addressed the bot
MARGIN = 6.0  # the best must lead the next different name by this much, unless sure
CHAT_FAQ_FLOOR = 20.0  # chat mode: an FAQ scoring below this is never the answer


class Scored(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def via(self) -> str: ...
    @property
    def score(self) -> float: ...


C = TypeVar("C", bound=Scored)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the matcher read from a message, for the decision.

    The FAQ numbers are about the best FAQ candidate (``faq_*`` and ``cosine``) and, for
    margins, the second one.
    """

    framed: bool = False  # "what is X", "define X", "X meaning"
    asked: bool = False  # ends with a question mark
    interrogative: bool = False  # asked, or opens with a question word ("how", "why", "can")
    instance: bool = False  # team talk: "is the CRM down?", "... what do you all think?"
    personal: bool = False  # "what is your ...": about a person, not a term
    idle: bool = False  # "what is it", "what's the plan": no term could be meant
    chitchat: bool = False  # the whole message is social noise ("thanks", "ok")
    long: bool = False  # more sentences or words than a question to the bot has
    words: int = 0
    sentences: int = 1
    subject_words: int = 0
    query_cover: float = 0.0  # share of the query's content weight the best FAQ holds
    faq_cover: float = 0.0  # share of the best FAQ's content weight the query holds
    named_term: bool = False  # the message holds a term's name, whole
    worded: bool = False  # the message is the best FAQ's own wording, give or take a few letters
    cosine: float | None = None  # the best FAQ's embedding cosine (semantic extra)
    cosine_margin: float = 0.0  # ... ahead of the second best FAQ's cosine
    cosine_lead: float = 0.0  # ... ahead of the mean of the next few FAQs' cosines


# -- the FAQ model -------------------------------------------------------------------------------

# Feature order of the weights below; see faq_features().
FEATURES = (
    "bias",
    "score",
    "margin",
    "query_cover",
    "faq_cover",
    "interrogative",
    "instance",
    "named_term",
    "words",
    "several_sentences",
)
SEMANTIC_FEATURES = (*FEATURES, "cosine", "cosine_margin", "cosine_lead")
# Fitted by `python bench/fit_decision.py` on the tuning set (tests/data/queries.yaml).
LEXICAL_WEIGHTS = (
    -4.65, 3.18, 4.34, 3.37, 0.10, 0.82, 0.00, -0.51, 2.37, 0.46,
)
LEXICAL_ANSWER_AT = 0.8
SEMANTIC_WEIGHTS = (
    -7.44, 4.49, 2.64, 1.27, -0.87, 0.80, 0.00, -0.70, 2.33, -0.35, 4.49, 2.64, 2.60,
)
SEMANTIC_ANSWER_AT = 0.81


# Semantic extra: an FAQ's score is its lexical score and its cosine (times 100) mixed so.
BLEND_COSINE = 1.0


def blend(lexical: float, cosine: float) -> float:
    """An FAQ's score from its words (0-100) and its meaning (cosine -1..1), 0-100."""
    return (1 - BLEND_COSINE) * lexical + BLEND_COSINE * 100 * max(0.0, cosine)


# Words past this say nothing more about a message (the FAQ model's "words").
LENGTH_CAP = 40
# Chat mode: a term is answered only in one sentence of at most this many words ("what is a
# CRM?"); a name in a longer message is a word of the conversation.
TERM_QUESTION_WORDS = 20


def one_question(words: int, sentences: int) -> bool:
    """Short enough, and alone, to be a question about a name."""
    return words <= TERM_QUESTION_WORDS and sentences <= 1


def faq_features(best: Scored, second: Scored | None, evidence: Evidence) -> list[float]:
    """The numbers the FAQ model weighs, each about 0-1."""
    margin = best.score - (second.score if second is not None else 0.0)
    features = [
        1.0,
        best.score / 100,
        margin / 100,
        evidence.query_cover,
        evidence.faq_cover,
        float(evidence.interrogative),
        float(evidence.instance),
        float(evidence.named_term),
        min(evidence.words, LENGTH_CAP) / 20,
        float(evidence.sentences > 1),
    ]
    if evidence.cosine is not None:
        features += [evidence.cosine, evidence.cosine_margin, evidence.cosine_lead]
    return features


def faq_confidence(features: Sequence[float], weights: Sequence[float]) -> float:
    """The model's probability that the best FAQ is what the message asks."""
    z = sum(w * x for w, x in zip(weights, features, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def faq_is_answer(best: Scored, second: Scored | None, evidence: Evidence) -> bool:
    semantic = evidence.cosine is not None
    weights = SEMANTIC_WEIGHTS if semantic else LEXICAL_WEIGHTS
    threshold = SEMANTIC_ANSWER_AT if semantic else LEXICAL_ANSWER_AT
    return faq_confidence(faq_features(best, second, evidence), weights) >= threshold


# -- the decisions -------------------------------------------------------------------------------


def clear(ranked: Sequence[Scored], threshold: float, margin: float = MARGIN) -> bool:
    """The best is good enough and ahead of the next different name (same-named terms from two
    glossaries do not block each other: either is a right answer and the order is fixed)."""
    best = ranked[0]
    if best.score < threshold:
        return False
    if best.score >= SURE:
        return True
    for other in ranked[1:]:
        if fold(other.label) == fold(best.label):
            continue
        return best.score - other.score >= margin
    return True


def define_answer(terms: Sequence[C], faqs: Sequence[C], subject: str = "") -> C | None:
    """Define mode (/define, a mention): the term or FAQ meant, or None to suggest.

    ``subject`` is the folded name asked about: the beginning of a name ("custom" for
    "Customer") is unfinished, not misspelt, and is offered rather than answered.
    """
    if faqs and faqs[0].score >= SURE:
        return faqs[0]
    faq_behind = not faqs or faqs[0].score < terms[0].score if terms else True
    if (
        terms
        and faq_behind
        and clear(terms, DEFINE_FAR_AHEAD, FAR_AHEAD_MARGIN)
        and not fold(terms[0].via).startswith(subject)
    ):
        return terms[0]  # a name with a typo or two, and nothing else near it
    if terms and clear(terms, DEFINE_ANSWER) and (faq_behind or terms[0].score >= SURE):
        return terms[0]
    if faqs and clear(faqs, DEFINE_FAQ) and (not terms or faqs[0].score > terms[0].score):
        return faqs[0]
    return None


def chat_answer(
    terms: Sequence[C],
    faqs: Sequence[C],
    evidence: Evidence,
    model: Callable[[C, C | None, Evidence], bool] = faq_is_answer,
) -> C | None:
    """Chat mode (a message nobody addressed to the bot): an answer only when sure.

    ``model`` weighs an FAQ that the rules leave open (bench/fit_decision.py passes its own
    to collect what the model is asked).
    """
    if faqs and faqs[0].score >= SURE:
        return faqs[0]  # an FAQ asked as written, however long
    if evidence.long:
        return None
    # A term's name in a longer message is a word of the conversation; an FAQ may still be asked.
    if one_question(evidence.words, evidence.sentences) and terms:
        term = _term_asked(terms, faqs, evidence)
        if term is not None:
            return term
    if not faqs or faqs[0].score < CHAT_FAQ_FLOOR:
        return None
    if evidence.instance and not evidence.worded:
        # Team talk about a particular thing ("is the CRM down?", "is the web server down for
        # you too?"), even when it holds all of an FAQ's content words ("What is a web
        # server?"): only the FAQ's own wording is answered.
        return None
    if faqs[0].score >= NEAR_VERBATIM and clear(faqs, NEAR_VERBATIM):
        return faqs[0]
    second = faqs[1] if len(faqs) > 1 else None
    return faqs[0] if model(faqs[0], second, evidence) else None


def _term_asked(terms: Sequence[C], faqs: Sequence[C], evidence: Evidence) -> C | None:
    """Chat mode: the term a short question asks about, if it clearly names one."""
    if evidence.framed:
        faq_behind = not faqs or faqs[0].score < terms[0].score
        meaningful = not evidence.personal and not evidence.idle
        if meaningful and faq_behind and clear(terms, CHAT_TERM):
            return terms[0]
        return None
    if (
        evidence.asked
        and not evidence.chitchat
        and evidence.subject_words <= 5
        and (clear(terms, SURE) or clear(terms, CHAT_TERM, FAR_AHEAD_MARGIN))
    ):
        # No "what is": only a term's name asked as a question ("CRM?"), give or take a
        # plural or a typo that leaves no other name near ("ricardian equivalance??"). A bare
        # name is a word of the conversation ("Customers." as a reply).
        return terms[0]
    return None
