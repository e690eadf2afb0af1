"""Search inside the glossary: which terms and FAQs say the words a member typed.

Words are matched whole (a plural finds its singular, "customers" finds "customer"), every
word must be found, and where none is found together the best of any word is shown. A word
the glossary never uses is read as the closest word it does use ("retension" as "retention"),
so a typo still finds something. Hits are grouped per term (or per FAQ that belongs to no
term) and ranked: a hit in a name or alias above any hit in a text, then by bm25, which weighs
rarer words more.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from bot.core.db import SearchIndex
from bot.core.normalize import MAX_INPUT, fold, stem, strip_markup
from bot.core.search_index import MARK_CLOSE, MARK_OPEN, RawHit

PAGE_SIZE = 10
MAX_HITS = 100  # rows read per table; a search shows at most ten pages
MAX_WORDS = 8
DESCRIBED_ROWS = 3  # rows of a hit shown for where its words were found
NAME_FIELDS = frozenset({"name", "alias"})
# Words too common to search for on their own ("what is the ..."); kept when nothing else is.
STOP_WORDS = frozenset(
    {"a", "an", "and", "are", "as", "at", "be", "by", "can", "do", "does", "for", "from", "how"}
    | {"i", "in", "is", "it", "of", "on", "or", "our", "the", "this", "to", "we", "what", "when"}
    | {"where", "which", "who", "why", "will", "with", "you", "your"}
)
# The snippet shown comes from the first of these that holds the words.
SNIPPET_ORDER = ("summary", "definition", "FAQ", "context", "purpose", "example", "name", "alias")


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A term or an FAQ that holds the words, with every row of it that does."""

    kind: Literal["term", "faq"]
    target: int
    title: str
    score: float
    in_name: bool
    rows: tuple[RawHit, ...]


@dataclass(frozen=True, slots=True)
class ShownHit:
    hit: SearchHit
    fields: tuple[str, ...]  # where the words were found, best first
    snippet: str  # with MARK_OPEN / MARK_CLOSE around the words found


@dataclass(slots=True)
class SearchResult:
    query: str
    words: list[str]  # the words searched for, after typos were read as glossary words
    corrected: dict[str, str] = field(default_factory=dict)  # typed word -> word searched
    unknown: list[str] = field(default_factory=list)  # typed words no entry uses, left out
    all_words: bool = True  # False: no hit had every word, so these hold some of them
    total: int = 0
    page: int = 0
    shown: list[ShownHit] = field(default_factory=list)  # the hits of this page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


def query_words(text: str) -> list[str]:
    """The words of a search, folded as the index folds them, common words dropped."""
    words = [w for w in re.split(r"[^\w]+", fold(strip_markup(text[:MAX_INPUT]))) if w]
    words = list(dict.fromkeys(words))
    meaningful = [w for w in words if w not in STOP_WORDS]
    return (meaningful or words)[:MAX_WORDS]


def fts_term(word: str) -> str:
    """One word as an FTS5 query: a plural as its singular's prefix, quoted so it is literal."""
    singular = stem(word)
    if singular.endswith("i") and not word.endswith("i"):
        singular = singular[:-1]  # "companies" and "company" both start "compan"
    if len(singular) >= 4:
        return f'"{singular}"*'
    return f'"{word}"'


def search(
    index: SearchIndex,
    text: str,
    *,
    guild_id: int | None,
    vocabulary: Callable[[], Vocabulary],
    page: int = 0,
) -> SearchResult:
    """Search what the glossaries visible in `guild_id` say (None: the shared ones only), and
    describe the hits of one page."""
    words = query_words(text)
    result = SearchResult(query=text, words=words)
    if not words:
        return result
    searched = []
    for word in words:
        if not index.matches_anything(fts_term(word)):
            better = vocabulary().closest(word)
            if better is None:
                result.unknown.append(word)  # in no entry: it would only make AND fail
                continue
            result.corrected[word] = better
            word = better
        searched.append(word)
    result.words = searched
    if not searched:
        return result
    terms = [fts_term(w) for w in searched]
    expression = " AND ".join(terms)
    rows = index.search_rows(expression, guild_id=guild_id, limit=MAX_HITS)
    if not rows and len(terms) > 1:
        result.all_words = False
        expression = " OR ".join(terms)
        rows = index.search_rows(expression, guild_id=guild_id, limit=MAX_HITS)
    hits = ranked(rows)
    result.total = len(hits)
    result.page = max(0, min(page, result.pages - 1))
    start = result.page * PAGE_SIZE
    result.shown = [shown(index, hit, expression) for hit in hits[start : start + PAGE_SIZE]]
    return result


def shown(index: SearchIndex, hit: SearchHit, expression: str) -> ShownHit:
    """Where a hit's words were found, and a snippet: from its texts where they hold the
    words (a name alone says nothing new), summary and definition first."""
    # The best few rows say enough; each costs a query of its own.
    found = [
        place for row in hit.rows[:DESCRIBED_ROWS] for place in index.describe(row, expression)
    ]
    fields = tuple(dict.fromkeys(f for f, _ in found))
    found.sort(key=lambda place: SNIPPET_ORDER.index(place[0]))
    return ShownHit(hit, fields, found[0][1] if found else hit.title)


class Vocabulary:
    """The index's words by length, with how many rows use each: a typo is compared with the
    words of about its length only."""

    def __init__(self, counts: dict[str, int]):
        self.counts = counts
        self.by_length: dict[int, list[str]] = {}
        for word in sorted(counts):
            if word.isalpha():
                self.by_length.setdefault(len(word), []).append(word)

    def closest(self, word: str) -> str | None:
        """The word nearest a typed one: one edit for short words, two for long ones; among
        equals, the one most rows use. Words of under four letters are not guessed at."""
        if len(word) < 4 or not word.isalpha():
            return None
        allowed = 1 if len(word) <= 6 else 2
        found = []
        for length in range(len(word) - allowed, len(word) + allowed + 1):
            found += process.extract(
                word,
                self.by_length.get(length, ()),
                scorer=Levenshtein.distance,
                score_cutoff=allowed,
                limit=20,
            )
        if not found:
            return None
        best = min(distance for _, distance, _ in found)
        return max((w for w, d, _ in found if d == best), key=lambda w: (self.counts[w], w))


def ranked(rows: Iterable[RawHit]) -> list[SearchHit]:
    """Rows grouped into one hit per term or FAQ; names first, then the strongest evidence
    (the best row, plus a quarter of the others), then the title."""
    groups: dict[tuple[str, int], list[RawHit]] = {}
    for row in rows:
        key = ("faq", row.faq_id) if row.faq_id is not None else ("term", row.term_id)
        if key[1] is not None:
            groups.setdefault(key, []).append(row)  # type: ignore[arg-type]
    hits = []
    for (kind, target), found in groups.items():
        found.sort(key=lambda r: (not r.in_name, -r.rank))
        ranks = sorted((r.rank for r in found), reverse=True)
        hits.append(
            SearchHit(
                kind=kind,  # type: ignore[arg-type]
                target=target,
                title=found[0].title,
                score=ranks[0] + 0.25 * sum(ranks[1:]),
                in_name=found[0].in_name,
                rows=tuple(found),
            )
        )
    hits.sort(key=lambda h: (not h.in_name, -h.score, h.title.casefold(), h.target))
    return hits


def marked(snippet: str, open_mark: str, close_mark: str) -> str:
    """A snippet with its matched words between the given marks (``**`` for Discord)."""
    return snippet.replace(MARK_OPEN, open_mark).replace(MARK_CLOSE, close_mark)
