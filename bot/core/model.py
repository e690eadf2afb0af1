"""The glossary as plain data: what a glossary file holds, independent of YAML and SQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True, slots=True)
class Source:
    name: str
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Related:
    term: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Faq:
    question: str
    answer: str


@dataclass(slots=True)
class Term:
    name: str
    definition: str
    aliases: list[str] = field(default_factory=list)
    summary: str | None = None
    context: str | None = None
    purpose: str | None = None
    example: str | None = None
    related: list[Related] = field(default_factory=list)
    faqs: list[Faq] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    source: Source | None = None


@dataclass(slots=True)
class Glossary:
    name: str
    terms: list[Term] = field(default_factory=list)
    faqs: list[Faq] = field(default_factory=list)
    source: Source | None = None
    # Where its file gives the name (line, column), for errors about it; not part of equality.
    name_at: tuple[int, int] = field(default=(1, 1), compare=False, repr=False)


def name_key(name: str) -> str:
    """How the format compares names for uniqueness: trimmed and case-insensitive."""
    return name.strip().casefold()


# -- what the store hands back ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DefinitionRecord:
    id: int
    term_id: int
    text: str
    origin: str  # "glossary" or "member"
    guild_id: int | None
    author_id: int | None
    author_name: str | None
    source: Source | None
    created_at: str
    upvotes: int = 0
    downvotes: int = 0
    removed: bool = False

    @property
    def score(self) -> int:
        return self.upvotes - self.downvotes


@dataclass(frozen=True, slots=True)
class FaqRecord:
    id: int
    question: str
    answer: str
    term_id: int | None
    term_name: str | None
    glossary: str
    source: Source | None
    guild_id: int | None = None  # a server's own FAQ


@dataclass(frozen=True, slots=True)
class TermRecord:
    id: int
    name: str
    glossary: str
    summary: str | None
    context: str | None
    purpose: str | None
    example: str | None
    aliases: list[str]
    tags: list[str]
    related: list[Related]
    source: Source | None
    guild_id: int | None
    removed: bool


@dataclass(slots=True)
class LoadReport:
    """What one load changed, counted per kind of thing."""

    glossary: str
    added: dict[str, int] = field(default_factory=lambda: {"terms": 0, "aliases": 0, "faqs": 0})
    changed: dict[str, int] = field(default_factory=lambda: {"terms": 0, "aliases": 0, "faqs": 0})
    removed: dict[str, int] = field(default_factory=lambda: {"terms": 0, "aliases": 0, "faqs": 0})
    removed_terms: list[str] = field(default_factory=list)
    kept_votes_on_removed: int = 0

    def summary(self) -> str:
        parts = []
        for kind in ("terms", "aliases", "faqs"):
            parts.append(f"{kind} +{self.added[kind]} ~{self.changed[kind]} -{self.removed[kind]}")
        return f"{self.glossary}: " + ", ".join(parts)

    def changed_anything(self) -> bool:
        return any(sum(counts.values()) for counts in (self.added, self.changed, self.removed))


@dataclass(frozen=True, slots=True)
class MemberStats:
    guild_id: int
    user_id: int
    name: str | None
    upvotes: int
    downvotes: int
    definitions: int
    votes_cast: int = 0

    @property
    def karma(self) -> int:
        return self.upvotes - self.downvotes


@dataclass(frozen=True, slots=True)
class VoteChange:
    """A member's vote on a definition in a server, before and after an event (0: none)."""

    definition_id: int
    guild_id: int
    user_id: int
    before: int
    after: int

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclass(frozen=True, slots=True)
class MissedQuery:
    """A question members asked in a server that found nothing."""

    id: int  # the latest asking's id
    query: str
    count: int
    last_asked: str


@dataclass(frozen=True, slots=True)
class Entry:
    """A name the matcher knows: a term's name, an alias, or an FAQ question."""

    text: str
    kind: Literal["term", "alias", "faq"]
    target: int  # the term's id (for term and alias) or the FAQ's id
    label: str  # the target's display name: the term's name or the FAQ's question
    scope: int | None = None  # None: visible everywhere; else only in that Discord server
    # An FAQ's answer: the semantic extra compares a message with the question and with the
    # question followed by the answer's first sentence, whose words a member often uses.
    answer: str = ""
