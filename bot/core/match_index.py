"""The index: every term name, alias and FAQ question, and how well each fits a query.

Scores are whole-string similarities on normalised text, never partial or token-set scores:
those reward a short term found anywhere inside a longer message, so chit-chat that mentions a
term in passing would look like a question about it. A term scores by the edit similarity of
the question's subject to its name (an exact name 100, a plural 98, one typo in ten letters
90); an FAQ scores by its wording when that is near-verbatim, else by the rarity-weighted share
of content words the two questions have in common. Neither depends on what else is indexed, so
a score means the same in every glossary and one set of thresholds serves them all.

Everything is indexed once and updated in place (a server's term or FAQ edited while the bot
runs): character trigrams narrow a query to a few dozen names before rapidfuzz scores them, so
the cost of a query grows with how common its trigrams are, not with the size of the glossary;
a sorted list (bisect) serves prefix completion. What a message asks is bot/core/question.py's;
whether to answer is bot/core/decision.py's.
"""

from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from bot.core.completion import CompletionIndex
from bot.core.decision import NEAR_VERBATIM
from bot.core.grams import GramPostings, most_shared
from bot.core.grams import grams as _grams
from bot.core.model import Entry
from bot.core.normalize import canonical, fold, stem, strip_markup
from bot.core.question import STOP, content_words, typed

__all__ = ["Candidate", "Kind", "MatchIndex"]

Kind = Literal["term", "faq"]

# -- scores and thresholds (0-100), calibrated on tests/data/queries.yaml ------------------------

EXACT = 100.0  # the folded text equals the name
STEMMED = 98.0  # equal once plurals are folded ("customers" for "Customer")
VARIANT = 99.0  # a derived name: "API" or "Application Programming Interface" for "...(API)"
FUZZY_CAP = 97.0  # a fuzzy match never outranks an exact one
# When to answer (DEFINE_ANSWER, CHAT_TERM, the FAQ model ...) is bot/core/decision.py's.
WORD_OF_NAME = 70.0  # define mode: the input is a whole word of a name (offered, not answered)
WORD_OF_NAME_MAX = 12  # names holding that word, at most, for it to single any out
# A name written with its words cut short ("remote repo"): answered when nothing else is near.
ABBREVIATED = 88.0
SHORTENED_MAX = 400  # names holding the first word, at most, looked at for that
POOL = 48  # names scored finely after trigram pruning
# Postings read per query at most, the rarest trigrams first: GRAM_BUDGET, or one eighth of
# the names when that is more. The share matters on large glossaries, where every trigram of a
# typo'd word's intact part is common; measured: 1M names, 8k postings find 52% of two-typo
# names, 125k find 99% at a p99 under 10 ms.
GRAM_BUDGET = 8_000
GRAM_SHARE = 8
COMPLETE_GRAM_SHARE = 32  # autocomplete reads less: it runs on every keystroke
WORD_BUDGET = 300  # records looked at when completing a word inside names
COMPLETE_WALK = 400  # sorted names looked at when nothing is typed
COMPLETE_RECORDS = 4  # records looked at per name offered, at each step of autocomplete

# Content words sharing which says little: "get more customers" is about the customers.
_LIGHT = frozenset({canonical("get")})
LIGHT_WEIGHT = 0.4
# Chat mode: a member describing their problem often uses the words of an FAQ's answer rather
# than its question ("how do we keep customers from leaving" for "How do we reduce churn?").
# The query's content weight found only in the answer adds this share of 100 to the FAQ's score
# (0.5 put the expected FAQ first most often among the tuning paraphrases: 67% -> 74%), short
# of a near-verbatim score, which is the question's own wording alone.
ANSWER_SHARE = 0.5
ANSWER_CAP = NEAR_VERBATIM - 1.0


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: Kind  # aliases resolve to their term
    target: int
    label: str
    score: float  # 0-100, same meaning across glossaries
    via: str  # the entry text that matched (e.g. the alias "CRM")


def _words_key(folded: str) -> str:
    return " ".join(map(stem, folded.split()))


_PAREN = re.compile(r"^(?P<outer>[^()]+?)\s*\((?P<inner>[^()]+)\)\s*(?P<rest>[^()]*)$")


def _variants(text: str) -> list[str]:
    """Other names a name implies: "Application Programming Interface (API)" also answers to
    "Application Programming Interface" and "API"; "Elasticity (economics FAQ)" to "Elasticity";
    "The Keynesian Perspective" to "Keynesian Perspective".
    """
    found = _bracketed(text)
    if text[:4].casefold() == "the " and " " in text.strip():
        bare = text[4:].strip()
        found += [bare, *_bracketed(bare)]
    return list(dict.fromkeys(found))


def _bracketed(name: str) -> list[str]:
    """The names a bracket in a name implies (see _variants)."""
    if "(" not in name:
        return []  # most names: no regex needed
    match = _PAREN.match(name.strip())
    if not match:
        return []
    found = [f"{match.group('outer')} {match.group('rest')}".strip()]
    inner = match.group("inner").strip()
    # Only an abbreviation in brackets is another name; "Vim (editor)" is no "editor".
    if " " not in inner and sum(c.isupper() for c in inner) >= 2:
        found.append(inner)
    return found


def _add_posting(postings: dict[str, array], token: str, rid: int) -> None:
    found = postings.get(token)
    if found is None:
        postings[token] = array("i", (rid,))
    else:
        found.append(rid)


def _add_exact(exact: dict[Any, int | list[int]], token: Hashable, rid: int) -> None:
    # Most keys name one record; a bare int saves a list per name on large glossaries.
    found = exact.get(token)
    if found is None:
        exact[token] = rid
    elif isinstance(found, int):
        exact[token] = [found, rid]
    else:
        found.append(rid)


def _drop_exact(exact: dict[Any, int | list[int]], token: Hashable, rid: int) -> None:
    found = exact.get(token)
    if found == rid:
        del exact[token]
    elif isinstance(found, list) and rid in found:
        found.remove(rid)
        if len(found) == 1:
            exact[token] = found[0]


def _exact_ids(exact: dict[Any, int | list[int]], token: Hashable) -> list[int]:
    found = exact.get(token)
    if found is None:
        return []
    return [found] if isinstance(found, int) else list(found)


class _Weights:
    """What sharing a content word says, for one query: rarer among the FAQs says more.

    Remembered for the query, since the same words come up in every candidate FAQ.
    """

    __slots__ = ("_index", "_known", "_total")

    def __init__(self, index: _Index) -> None:
        self._index = index
        self._known: dict[str, float] = {}
        self._total = max(index.live, 1)

    def __call__(self, word: str) -> float:
        known = self._known.get(word)
        if known is None:
            rarity = math.log(1.0 + self._total / (1.0 + self._index.df.get(word, 0)))
            known = self._known[word] = rarity * LIGHT_WEIGHT if word in _LIGHT else rarity
        return known

    def total(self, words: Iterable[str]) -> float:
        return sum(self(w) for w in words)


class _Index:
    """The names of one kind ("term": names and aliases, or "faq") visible in one scope.

    Sized for a million names in a few hundred megabytes: postings are arrays of 32-bit record
    numbers, and the sorted names are a list of the records' own strings beside numpy arrays.
    """

    __slots__ = (
        "answers",
        "by_key",
        "completion",
        "content",
        "df",
        "grams",
        "live",
        "odf",
        "pending",
        "vocab",
        "words",
    )

    def __init__(self) -> None:
        self.by_key: dict[str, int | list[int]] = {}  # stemmed key -> records
        self.grams = GramPostings()  # trigram of the key -> records (removed ones too)
        self.completion = CompletionIndex()  # folded names, sorted, for autocomplete
        self.pending: list[tuple[str, int]] = []  # (folded name, record) for a first load
        self.words: dict[str, array] = {}  # folded word -> records, for completion
        self.content: dict[str, array] = {}  # FAQs: content stem -> records
        self.df: Counter[str] = Counter()  # FAQs: live questions holding each content stem
        self.answers: dict[str, array] = {}  # FAQs: stem only in the answer -> records
        self.odf: Counter[str] = Counter()  # FAQs: live FAQs holding each stem, answer included
        self.vocab: list[str] = []  # sorted distinct words, for completing a word inside a name
        self.live = 0

    def freeze(self) -> None:
        """A first load is over: build the bulk structures from what was deferred."""
        self.grams.freeze()
        self.completion.build(self.pending)
        self.pending = []
        self.vocab.sort()


class MatchIndex:
    """Fuzzy lookup over terms, aliases and FAQ questions, updated in place."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        # Records are the unit of the index: one per entry, plus one per derived variant, and
        # an entry's records are consecutive (first record, count).
        self._entries: list[Entry | None] = []
        self._entry_first = array("i")
        self._entry_records = bytearray()
        self._rec_entry = array("i")
        self._rec_folded: list[str] = []
        self._rec_key: list[str] = []  # the same string object as folded when they are equal
        self._rec_base = array("f")  # score of an exact hit on this record
        self._rec_alive = bytearray()
        self._rec_words: dict[int, list[str]] = {}  # FAQ records: content stems
        self._rec_answer: dict[int, frozenset[str]] = {}  # ... and their answer's others
        self._targets: dict[str, dict[int, int | list[int]]] = {"term": {}, "faq": {}}
        self._indexes: dict[tuple[str, int | None], _Index] = {}
        self._count = 0
        # A first load appends to the sorted lists and sorts them once at the end: inserting
        # a million names one by one into a sorted list would move memory a million times.
        self._bulk = True
        # Acronyms read as their terms inside FAQ questions ("NPS" as "net promoter score"),
        # so FAQs are indexed after every alias is known.
        self._acronyms: dict[str, str] = {}
        faqs = []
        for entry in entries:
            if entry.kind == "faq":
                faqs.append(entry)
            else:
                self.add(entry)
        for entry in faqs:
            self.add(entry)
        self._bulk = False
        for index in self._indexes.values():
            index.freeze()

    def __len__(self) -> int:
        return self._count

    # -- maintenance -----------------------------------------------------------------------

    def add(self, entry: Entry) -> None:
        """Index one entry; it is found by the next query."""
        group = "faq" if entry.kind == "faq" else "term"
        eid = len(self._entries)
        self._entries.append(entry)
        if entry.kind == "alias" and is_acronym(entry.text):
            self._acronyms[fold(entry.text)] = fold(entry.label)
        _add_exact(self._targets[group], entry.target, eid)
        index = self._indexes.get((group, entry.scope))
        if index is None:
            index = self._indexes[(group, entry.scope)] = _Index()
        texts = [(entry.text, EXACT)]
        if group == "term":
            texts += [(v, VARIANT) for v in _variants(entry.text)]
        self._entry_first.append(len(self._rec_folded))
        count = 0
        for text, base in texts:
            folded = fold(text)
            if not folded:
                continue
            rid = len(self._rec_folded)
            key = _words_key(folded)
            key = folded if key == folded else key
            self._rec_entry.append(eid)
            self._rec_folded.append(folded)
            self._rec_key.append(key)
            self._rec_base.append(base)
            self._rec_alive.append(1)
            count += 1
            self._index_record(index, group, rid, folded, key, entry.answer)
        self._entry_records.append(count)
        self._count += 1

    def _records_of(self, eid: int) -> range:
        first = self._entry_first[eid]
        return range(first, first + self._entry_records[eid])

    def _index_record(
        self, index: _Index, group: str, rid: int, folded: str, key: str, answer: str = ""
    ) -> None:
        _add_exact(index.by_key, key, rid)
        if self._bulk:
            index.pending.append((folded, rid))
        else:
            index.completion.add(folded, rid)
        index.live += 1
        if group == "faq":
            content = sorted(set(content_words(self.expand(folded))))
            self._rec_words[rid] = content
            for word in content:
                _add_posting(index.content, word, rid)
                index.df[word] += 1
            told = frozenset(content_words(self.expand(fold(strip_markup(answer))))) - set(content)
            self._rec_answer[rid] = told
            for word in told:
                _add_posting(index.answers, word, rid)
            index.odf.update(told.union(content))
        elif self._bulk:
            index.grams.defer(rid, key)
        else:
            index.grams.add(rid, key)
        for word in set(folded.split()):
            posting = index.words.get(word)
            if posting is None:
                posting = index.words[word] = array("i")
                if self._bulk:
                    index.vocab.append(word)
                else:
                    insort(index.vocab, word)
            posting.append(rid)

    def remove(self, kind: str, target: int) -> None:
        """Forget a target: a term with all its aliases, or an FAQ ("alias": its aliases only)."""
        group = "faq" if kind == "faq" else "term"
        targets = self._targets[group]
        keep = []
        for eid in _exact_ids(targets, target):
            entry = self._entries[eid]
            if entry is None or (kind == "alias" and entry.kind != "alias"):
                keep.append(eid)
                continue
            index = self._indexes[(group, entry.scope)]
            for rid in self._records_of(eid):
                self._unindex_record(index, group, rid)
            if entry.kind == "alias" and is_acronym(entry.text):
                self._acronyms.pop(fold(entry.text), None)
            self._entries[eid] = None
            self._count -= 1
        if not keep:
            targets.pop(target, None)
        else:
            targets[target] = keep[0] if len(keep) == 1 else keep

    def _unindex_record(self, index: _Index, group: str, rid: int) -> None:
        # Trigram and word postings keep the record and skip it while it is dead: removing it
        # from every posting would cost a scan per trigram; exact and sorted lookups are cheap.
        folded, key = self._rec_folded[rid], self._rec_key[rid]
        _drop_exact(index.by_key, key, rid)
        index.completion.remove(folded, rid)
        if group == "faq":
            content = self._rec_words.pop(rid, [])
            for word in content:
                index.df[word] -= 1
                if index.df[word] <= 0:
                    del index.df[word]
            for word in self._rec_answer.pop(rid, frozenset()).union(content):
                index.odf[word] -= 1
                if index.odf[word] <= 0:
                    del index.odf[word]
        self._rec_alive[rid] = 0
        index.live -= 1

    def entries(self) -> Iterator[Entry]:
        """Every live entry, in the order added."""
        return (e for e in self._entries if e is not None)

    # -- lookups ---------------------------------------------------------------------------

    def visible(self, group: str, scope: int | None) -> list[_Index]:
        found = [self._indexes.get((group, None))]
        if scope is not None:
            found.append(self._indexes.get((group, scope)))
        return [i for i in found if i is not None and i.live]

    def candidate(self, rid: int, score: float) -> Candidate:
        entry = self._entries[self._rec_entry[rid]]
        assert entry is not None
        kind: Kind = "faq" if entry.kind == "faq" else "term"
        return Candidate(kind, entry.target, entry.label, round(score, 1), entry.text)

    def name_scores(
        self, subject: str, scope: int | None, raw: str = "", *, fuzzy: bool = True
    ) -> dict[int, float]:
        """Records of term names and aliases scored against a folded subject.

        ``raw`` (the subject as typed, case-folded) separates names that fold alike: "mention"
        and "@mention" both fold to "mention", but only one was typed.
        """
        key = _words_key(subject)
        scores: dict[int, float] = {}
        if not key:
            return scores
        for index in self.visible("term", scope):
            for rid in _exact_ids(index.by_key, key):
                if self._rec_folded[rid] == subject:
                    name = typed(self._text_of(rid))
                    # As typed, alone or after a frame ("what is the mention?").
                    as_typed = name == raw or raw.rstrip("?!. ").endswith(" " + name)
                    scores[rid] = self._rec_base[rid] - (0.0 if as_typed else 0.5)
                else:
                    scores[rid] = min(STEMMED, self._rec_base[rid] - 1)
            for rid in self._pruned(index, key) if fuzzy else ():
                if rid not in scores:
                    # Stems forgive plurals but can hide a typo's shape ("blme" against the stem
                    # "blam" of "blame"), so the folded text gets a say too.
                    score = max(
                        _similarity(key, self._rec_key[rid]),
                        _similarity(subject, self._rec_folded[rid]),
                    )
                    scores[rid] = min(FUZZY_CAP, score)
            for rid, score in self._named_by_words(index, subject) if fuzzy else ():
                if score > scores.get(rid, 0.0):
                    scores[rid] = score
            for rid in self._shortened(index, subject) if fuzzy else ():
                if scores.get(rid, 0.0) < ABBREVIATED:
                    scores[rid] = ABBREVIATED
        return scores

    def _shortened(self, index: _Index, subject: str) -> list[int]:
        """Names the subject writes with words cut short ("remote repo" for "remote
        repository", "recurrent neural net"): the first word whole, each other word the
        beginning (three letters or more) of the name's word in the same place."""
        words = subject.split()
        if len(words) < 2 or any(len(w) < 3 for w in words[1:]):
            return []
        posting = index.words.get(words[0])
        if posting is None or len(posting) > SHORTENED_MAX:
            return []
        found = []
        for rid in posting:
            theirs = self._rec_folded[rid].split()
            if (
                self._rec_alive[rid]
                and len(theirs) == len(words)
                and theirs[0] == words[0]
                and all(t.startswith(w) for w, t in zip(words[1:], theirs[1:], strict=True))
                and theirs != words
            ):
                found.append(rid)
        return found

    def _named_by_words(self, index: _Index, subject: str) -> list[tuple[int, float]]:
        """Names holding the subject's words whole ("loyalty" in "Customer Loyalty"): worth
        offering as "did you mean", never enough to answer; the fewer other words, the closer.
        A word that many names hold ("customer") singles none out."""
        words = subject.split()
        if not words or len(words) > 3:
            return []
        postings = [index.words.get(w) for w in words]
        if any(p is None for p in postings):
            return []
        base = min(postings, key=len)  # type: ignore[arg-type]
        if len(base) > WORD_OF_NAME_MAX:
            return []
        found = []
        for rid in base:
            theirs = self._rec_folded[rid].split()
            if self._rec_alive[rid] and all(w in theirs for w in words):
                found.append((rid, WORD_OF_NAME - 2.0 * (len(theirs) - len(words))))
        return found

    def _text_of(self, rid: int) -> str:
        entry = self._entries[self._rec_entry[rid]]
        return "" if entry is None else entry.text

    def _pruned(
        self, index: _Index, key: str, pool: int = POOL, *, share: int = GRAM_SHARE
    ) -> list[int]:
        """The records sharing the most trigrams with the key, rarest trigrams counted first.

        At most GRAM_BUDGET postings are read, or 1/share of a large index.
        """
        postings = sorted(
            (p for g in _grams(key) if (p := index.grams.get(g)) is not None), key=len
        )
        chosen = []
        read = 0
        budget = max(GRAM_BUDGET, index.live // share)
        for posting in postings:
            if read and read + len(posting) > budget:
                break
            chosen.append(posting)
            read += len(posting)
        alive = self._rec_alive
        return [rid for rid in most_shared(chosen, pool * 2) if alive[rid]][:pool]

    def expand(self, folded: str) -> str:
        """Acronyms replaced by the names of their terms, for comparing questions by content."""
        if not self._acronyms:
            return folded
        return " ".join(self._acronyms.get(word, word) for word in folded.split())

    def faq_scores(
        self, body: str, scope: int | None, *, answers: bool = False
    ) -> dict[int, float]:
        """Records of FAQ questions scored against a folded question; with ``answers``, the
        query's words found only in an FAQ's answer count too (ANSWER_SHARE)."""
        scores: dict[int, float] = {}
        key = _words_key(body)
        if not key:
            return scores
        # Sorted, not a set: the order of the words decides ties among the FAQs pooled and the
        # last digit of sums, and a set's order changes from one run to the next.
        mine = sorted(set(content_words(self.expand(body))))
        for index in self.visible("faq", scope):
            for rid in _exact_ids(index.by_key, key):
                scores[rid] = EXACT
            counts: Counter[int] = Counter()
            for word in mine:
                posting = index.content.get(word)
                if posting is not None and len(posting) <= GRAM_BUDGET:
                    counts.update(posting)
            weight = _Weights(index)
            for rid, _ in counts.most_common(POOL):
                if rid not in scores and self._rec_alive[rid]:
                    scores[rid] = self._faq_similarity(key, mine, rid, weight)
            if answers and index.answers:
                self._add_answer_words(index, mine, scores)
        return scores

    def _add_answer_words(self, index: _Index, mine: list[str], scores: dict[int, float]) -> None:
        """Raise each FAQ's score by the query's content weight found only in its answer (by
        rarity among whole FAQs), for the FAQs scored and those whose answers share most."""
        told: Counter[int] = Counter()
        for word in mine:
            posting = index.answers.get(word)
            if posting is not None and len(posting) <= GRAM_BUDGET:
                told.update(posting)
        live = max(index.live, 1)
        rarity = {w: math.log(1.0 + live / (1.0 + index.odf.get(w, 0))) for w in mine}
        total = sum(rarity.values())
        if not total:
            return
        pooled = [rid for rid, _ in told.most_common(POOL) if self._rec_alive[rid]]
        for rid in dict.fromkeys([*scores, *pooled]):
            score = scores.get(rid, 0.0)
            if score >= NEAR_VERBATIM:
                continue
            only = self._rec_answer.get(rid, frozenset())
            found = sum(weight for w, weight in rarity.items() if w in only)
            if found:
                scores[rid] = min(ANSWER_CAP, score + ANSWER_SHARE * 100.0 * found / total)

    def _faq_similarity(self, key: str, mine: list[str], rid: int, weight: _Weights) -> float:
        """How well a question reads as an FAQ question.

        Near-verbatim questions score by their whole wording; otherwise by the content words
        both share (stop-words dropped, stems and a few synonyms merged), each weighted by its
        rarity among the FAQs, so sharing "difference" or "customer" alone says little while
        sharing "net promoter score" says a lot. The whole-wording score is not used below
        NEAR_VERBATIM: "what do you mean?" reads much like 'What does "open source" mean?'.
        """
        whole = fuzz.ratio(key, self._rec_key[rid])
        if whole >= NEAR_VERBATIM:
            return min(FUZZY_CAP, whole)
        theirs = self._rec_words.get(rid, [])
        if not mine or not theirs:
            return 0.0
        shared, count = 0.0, 0
        for word in mine:
            if word in theirs:
                shared, count = shared + weight(word), count + 1
            elif len(word) >= 5 and process.extractOne(
                word, theirs, scorer=OSA.normalized_similarity, score_cutoff=0.8
            ):
                # A misspelt content word still counts, at a discount.
                shared, count = shared + 0.8 * weight(word), count + 1
        their_weight = sum(weight(w) for w in theirs)
        score = 100.0 * 2 * shared / (weight.total(mine) + their_weight)
        if count < 2 and shared < 0.9 * their_weight:
            # One word in common, and the FAQ is about more than that word: "what's your
            # name?" shares "name" with "What is a Domain Name?" and nothing else.
            score *= 0.75
        return min(FUZZY_CAP, score)

    def ranked(self, scores: dict[int, float]) -> list[Candidate]:
        """Candidates best first, one per target; ties fall to the lower target id."""
        best: dict[tuple[str, int], tuple[float, int]] = {}
        for rid, score in scores.items():
            entry = self._entries[self._rec_entry[rid]]
            if entry is None:
                continue
            group = "faq" if entry.kind == "faq" else "term"
            slot = (group, entry.target)
            # The same score through the name itself beats an alias: "via" shows the name.
            rank = (score, entry.kind == "term")
            held = best.get(slot)
            if held is None or rank > (held[0], self._is_name(held[1])):
                best[slot] = (score, rid)
        order = sorted(
            best.items(), key=lambda item: (-item[1][0], item[0][0] != "faq", item[0][1])
        )
        return [self.candidate(rid, score) for (_, _), (score, rid) in order]

    def _is_name(self, rid: int) -> bool:
        entry = self._entries[self._rec_entry[rid]]
        return entry is not None and entry.kind == "term"

    def faq_worded(self, body: str, target: int) -> bool:
        """The folded question is the FAQ's own wording, give or take a few letters (not just
        its content words)."""
        key = _words_key(body)
        return any(
            fuzz.ratio(key, self._rec_key[self._entry_first[eid]]) >= NEAR_VERBATIM
            for eid in _exact_ids(self._targets["faq"], target)
            if self._entries[eid] is not None
        )

    def faq_cover(self, body: str, target: int) -> tuple[float, float]:
        """How much of the query's content weight an FAQ holds, and of the FAQ's the query."""
        for eid in _exact_ids(self._targets["faq"], target):
            entry = self._entries[eid]
            if entry is None:
                continue
            index = self._indexes[("faq", entry.scope)]
            weight = _Weights(index)
            theirs = self._rec_words.get(self._entry_first[eid], [])
            mine = sorted(set(content_words(self.expand(body))))
            shared = weight.total(w for w in mine if w in theirs)
            return (
                shared / max(weight.total(mine), 1e-9),
                shared / max(weight.total(theirs), 1e-9),
            )
        return 0.0, 0.0

    def names_a_term(self, words: list[str], scope: int | None) -> bool:
        """Some run of the message's words is a term's name or alias, whole ("crm" in "is
        the crm down"); function words alone name nothing."""
        for size in range(1, min(4, len(words)) + 1):
            for at in range(len(words) - size + 1):
                run = words[at : at + size]
                if all(w in STOP for w in run):
                    continue
                key = _words_key(" ".join(run))
                if any(_exact_ids(i.by_key, key) for i in self.visible("term", scope)):
                    return True
        return False

    def faq_candidate(self, target: int) -> Candidate | None:
        for eid in _exact_ids(self._targets["faq"], target):
            if self._entries[eid] is not None:
                return self.candidate(self._entry_first[eid], 0.0)
        return None

    # -- autocomplete ----------------------------------------------------------------------

    def complete(
        self,
        text: str,
        *,
        limit: int = 25,
        scope: int | None = None,
        kind: Kind = "term",
    ) -> list[Candidate]:
        """Names for a partial or misspelt input, best first: names that start with it, then
        names with a word that starts with it, then names whose beginning is one edit from it,
        then fuzzy matches; shorter names first at each step. Empty input lists names
        alphabetically."""
        if limit <= 0:
            return []
        query = fold(strip_markup(text))
        indexes = self.visible(kind, scope)
        found: dict[tuple[str, int], Candidate] = {}

        def offer(rid: int, score: float) -> bool:
            entry = self._entries[self._rec_entry[rid]]
            if entry is None or not self._rec_alive[rid]:
                return False
            slot = (kind, entry.target)
            if slot not in found:
                found[slot] = self.candidate(rid, score)
            return len(found) >= limit

        if not query:
            merged = sorted(
                item for index in indexes for item in index.completion.alphabetical(COMPLETE_WALK)
            )
            for _, rid in merged:
                names = self._entries[self._rec_entry[rid]]
                is_name = names is not None and names.kind == "term"
                if is_name and self._rec_base[rid] == EXACT and offer(rid, 0.0):
                    break
            return list(found.values())
        # Several records (a name, its aliases) may offer one target: look at a few more.
        wanted = COMPLETE_RECORDS * limit
        # Exact prefixes of the whole name: shortest first, as they are closest to the input.
        prefixed = sorted(
            hit for index in indexes for hit in index.completion.prefixed(query, wanted)
        )
        for *_, rid in prefixed:
            if offer(rid, 100.0):
                return list(found.values())
        # A word of the name starts with the input's last word, and the other words appear.
        words = query.split()
        inner: list[tuple[float, str, int]] = []
        for index in indexes:
            for rid in self._word_prefixed(index, words):
                folded = self._rec_folded[rid]
                inner.append((-fuzz.ratio(query, folded), folded, rid))
        inner.sort()
        for negative, _, rid in inner:
            if offer(rid, max(60.0, min(95.0, -negative))):
                return list(found.values())
        # One typo in what was typed so far.
        near = sorted(hit for index in indexes for hit in index.completion.one_edit(query, wanted))
        for _, _, folded, rid in near:
            if offer(rid, min(FUZZY_CAP, _similarity(query, folded[: len(query)]))):
                return list(found.values())
        if found:
            return list(found.values())
        # Nothing yet, so more typos: trigram pruning, then the input against each name and
        # its beginning.
        fuzzy: list[tuple[float, str, int]] = []
        qkey = _words_key(query)
        for index in indexes:
            pool = (
                # A keystroke's completions must come quickly, and a typo in a few letters is
                # ambiguous anyway: a smaller budget costs a point of recall at 100k names.
                self._pruned(index, qkey, POOL, share=COMPLETE_GRAM_SHARE)
                if kind == "term"
                else self._faq_pool(index, query)
            )
            for rid in pool:
                folded = self._rec_folded[rid]
                score = max(
                    fuzz.ratio(query, folded),
                    fuzz.ratio(query, folded[: len(query)]) - 5,
                    fuzz.ratio(qkey, self._rec_key[rid]),
                )
                if score >= 55:
                    fuzzy.append((-score, folded, rid))
        fuzzy.sort()
        for negative, _, rid in fuzzy:
            if offer(rid, min(FUZZY_CAP, -negative)):
                break
        return list(found.values())

    def _word_prefixed(self, index: _Index, words: list[str]) -> list[int]:
        """Records holding every word typed, the last one possibly unfinished."""
        head, last = words[:-1], words[-1]
        if head:
            # The rarest whole word typed narrows the search; the rest are checked per record.
            postings = [index.words.get(w) for w in head]
            if any(p is None for p in postings):
                return []
            base = min(postings, key=len)  # type: ignore[arg-type]
            found = []
            for rid in base[:WORD_BUDGET]:
                mine = self._rec_folded[rid].split()
                if all(w in mine for w in head) and any(w.startswith(last) for w in mine):
                    found.append(rid)
            return found
        found = []
        for word in _walk_words(index.vocab, last, 64):
            found.extend(index.words[word][: WORD_BUDGET - len(found)])
            if len(found) >= WORD_BUDGET:
                break
        return found

    def _faq_pool(self, index: _Index, query: str) -> list[int]:
        counts: Counter[int] = Counter()
        for word in set(content_words(query)):
            posting = index.content.get(word)
            if posting is not None:
                counts.update(posting)
        return [rid for rid, _ in counts.most_common(POOL) if self._rec_alive[rid]]


def _similarity(a: str, b: str) -> float:
    """Edit similarity counting a swap of two letters as one edit, over the longer length.

    Not Indel ``ratio``: it charges a substitution like one insertion plus one deletion, so
    "hello" and "shell" (one letter moved from the end to the front) would look like one typo.
    """
    return 100.0 * OSA.normalized_similarity(a, b)


def is_acronym(text: str) -> bool:
    """CRM, NPS, CLV: short, one word, written in capitals."""
    word = text.strip()
    return 2 <= len(word) <= 6 and word.isalnum() and word.isupper()


def _walk_words(vocab: list[str], prefix: str, cap: int) -> Iterator[str]:
    at = bisect_left(vocab, prefix)
    for word in vocab[at : at + cap]:
        if not word.startswith(prefix):
            break
        yield word
