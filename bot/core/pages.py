"""What the web site shows, as plain data: a term's whole entry, a member's profile, a leaderboard.

Built from the same records and rules as the bot's answers (`answers.py`): definitions come
best-voted first as the store ranks them, each definition's source is `answers.source_of`, and
related terms link only to terms visible where the page is read. Nothing here knows about HTML.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from bot.core.answers import source_of
from bot.core.model import (
    DefinitionRecord,
    FaqRecord,
    MemberStats,
    Related,
    Source,
    TermRecord,
)

PROFILE_PAGE_SIZE = 20
INDEX_PAGE_SIZE = 200
LEADERBOARD_SIZE = 50


@dataclass(frozen=True, slots=True)
class ShownDefinition:
    definition: DefinitionRecord
    source: Source | None


@dataclass(frozen=True, slots=True)
class RelatedLink:
    name: str
    note: str | None
    term_id: int | None  # None: no such term where the page is read (shown, not linked)


@dataclass(frozen=True, slots=True)
class TermPage:
    term: TermRecord
    definitions: list[ShownDefinition]  # best-voted first, the glossary's on ties
    faqs: list[FaqRecord]
    related: list[RelatedLink]


@dataclass(frozen=True, slots=True)
class ProfileDefinition:
    definition: DefinitionRecord
    term_name: str
    source: Source | None


@dataclass(frozen=True, slots=True)
class ProfilePage:
    name: str
    stats: MemberStats
    badges: list[str]
    definitions: list[ProfileDefinition]  # this page's, best-voted first
    total: int  # all their definitions
    page: int  # 0-based
    pages: int


def term_page(
    term: TermRecord,
    definitions: list[DefinitionRecord],
    *,
    faqs: list[FaqRecord],
    glossary_source: Source | None,
    related_ids: dict[str, int],
) -> TermPage:
    return TermPage(
        term=term,
        definitions=[ShownDefinition(d, source_of(d, term, glossary_source)) for d in definitions],
        faqs=faqs,
        related=[_related_link(r, related_ids) for r in term.related],
    )


def _related_link(related: Related, ids: dict[str, int]) -> RelatedLink:
    return RelatedLink(related.term, related.note, ids.get(related.term))


def pages_of(total: int, size: int) -> int:
    return max(1, -(-total // size))


def profile_page(
    name: str,
    stats: MemberStats,
    *,
    badges: list[str],
    definitions: list[ProfileDefinition],
    total: int,
    page: int,
    size: int = PROFILE_PAGE_SIZE,
) -> ProfilePage:
    return ProfilePage(
        name=name,
        stats=stats,
        badges=badges,
        definitions=definitions,
        total=total,
        page=page,
        pages=pages_of(total, size),
    )


def member_token(web_key: str, user_id: int) -> str:
    """A member's part of their profile's address: stable while the server keeps its web key,
    and it does not give away their Discord id."""
    digest = hmac.new(web_key.encode(), str(user_id).encode(), hashlib.sha256).hexdigest()
    return digest[:16]
