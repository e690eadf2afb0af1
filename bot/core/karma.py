"""The rules of votes, karma and badges, as pure functions of the figures they judge.

Nothing here reads the database: `bot/core/voting.py` gathers the figures from the store and
applies these rules, so each rule can be read, and tested, on its own.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime, timedelta

from bot.core.model import MemberStats

VOTE_EMOJI = {"👍": 1, "👎": -1}


def vote_value(emoji: str) -> int | None:
    """+1 or -1 for a voting reaction, None for any other emoji."""
    base = "".join(ch for ch in emoji if ch not in _MODIFIERS)
    return VOTE_EMOJI.get(base)


# Skin tones and the emoji variation selector: 👍🏽 is a 👍 too.
_MODIFIERS = {"\ufe0f", *map(chr, range(0x1F3FB, 0x1F400))}


def karma(upvotes: int, downvotes: int) -> int:
    """Karma is upvotes received minus downvotes received."""
    return upvotes - downvotes


# -- limits ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VoteLimits:
    """What keeps votes honest; every field has a default a server would keep."""

    per_minute: int = 10  # new votes one member may give per minute
    daily_per_author: int = 20  # votes one member may give one author's definitions a day
    min_account_days: float = 7.0  # a Discord account younger than this cannot vote
    min_member_hours: float = 24.0  # nor can a member who joined the server more recently
    reconcile_days: float = 14.0  # answers this recent are re-counted on start and resume


# name: (environment variable, lowest, highest, what it means)
LIMIT_SETTINGS: dict[str, tuple[str, float, float, str]] = {
    "per_minute": ("GLOSSARY_VOTES_PER_MINUTE", 1, 1000, "new votes a member may give a minute"),
    "daily_per_author": (
        "GLOSSARY_VOTES_PER_AUTHOR_DAILY",
        1,
        10000,
        "votes a member may give one author a day",
    ),
    "min_account_days": (
        "GLOSSARY_MIN_ACCOUNT_DAYS",
        0,
        3650,
        "days a Discord account must have existed to vote",
    ),
    "min_member_hours": (
        "GLOSSARY_MIN_MEMBER_HOURS",
        0,
        8760,
        "hours a member must have been in the server to vote",
    ),
    "reconcile_days": (
        "GLOSSARY_RECONCILE_DAYS",
        0,
        365,
        "days of answers re-counted from Discord on start",
    ),
}


def limits_from(values: Mapping[str, str], base: VoteLimits | None = None) -> VoteLimits:
    """Limits with some fields replaced by text values; ValueError names a bad one."""
    base = base or VoteLimits()
    changes: dict[str, float | int] = {}
    for name, text in values.items():
        if name not in LIMIT_SETTINGS:
            raise ValueError(f"{name!r} is not a vote limit")
        label, low, high, _ = LIMIT_SETTINGS[name]
        kind = type(getattr(base, name))
        try:
            number = kind(float(text)) if kind is int else float(text)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise ValueError(f"{label}={text!r} is not a number from {low:g} to {high:g}")
        changes[name] = number
    return replace(base, **changes)


def limits_from_env(environ: Mapping[str, str] | None = None) -> VoteLimits:
    """The server-wide defaults: VoteLimits, with the environment's GLOSSARY_* settings."""
    environ = os.environ if environ is None else environ
    values = {
        name: environ[variable].strip()
        for name, (variable, *_) in LIMIT_SETTINGS.items()
        if environ.get(variable, "").strip()
    }
    return limits_from(values)


@functools.lru_cache(maxsize=256)
def guild_limits(defaults: VoteLimits, overrides: str | None) -> VoteLimits:
    """The defaults with a server's own settings (JSON, as stored) over them."""
    if not overrides:
        return defaults
    try:
        return limits_from({k: str(v) for k, v in json.loads(overrides).items()}, defaults)
    except (ValueError, AttributeError):
        return defaults  # a setting from an older release that no longer applies


def limits_json(limits: VoteLimits, defaults: VoteLimits) -> str | None:
    """A server's limits as stored: only what differs from the defaults (None: all default)."""
    changed = {
        f.name: getattr(limits, f.name)
        for f in fields(limits)
        if getattr(limits, f.name) != getattr(defaults, f.name)
    }
    return json.dumps(changed, sort_keys=True) if changed else None


# -- judging a vote -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ballot:
    """The figures a new reaction is judged on."""

    voter_is_bot: bool
    own_definition: bool
    changes_a_vote: bool  # the member already has a vote on this definition
    account_age: timedelta | None = None
    membership_age: timedelta | None = None  # None: not known (the member is not checked)
    rate_limited: bool = False
    given_to_author_today: int | None = None  # None: the definition has no author
    in_server: bool = True  # False: Discord says the member has left


def refusal(ballot: Ballot, limits: VoteLimits) -> str | None:
    """Why this reaction does not count as a vote, or None when it counts.

    Bots never vote, nor authors on their own definitions. Changing one's vote is never
    limited; a new vote waits for an account and a membership old enough, and counts within
    the member's rate and their daily cap per author.
    """
    if ballot.voter_is_bot:
        return "a bot"
    if ballot.own_definition:
        return "their own definition"
    if ballot.changes_a_vote:
        return None
    if not ballot.in_server:
        return "not a member of the server"
    if ballot.account_age is not None and ballot.account_age < timedelta(
        days=limits.min_account_days
    ):
        return f"account younger than {limits.min_account_days:g} days"
    if ballot.membership_age is not None and ballot.membership_age < timedelta(
        hours=limits.min_member_hours
    ):
        return f"member for less than {limits.min_member_hours:g} hours"
    if ballot.rate_limited:
        return f"more than {limits.per_minute} votes a minute"
    if (
        ballot.given_to_author_today is not None
        and ballot.given_to_author_today >= limits.daily_per_author
    ):
        return f"{limits.daily_per_author} votes for this author today already"
    return None


def account_age(user_id: int, now: datetime | None = None) -> timedelta:
    """How old a Discord account is, from its id (a snowflake holds its creation time)."""
    created = datetime.fromtimestamp(((user_id >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)
    return (now or datetime.now(UTC)) - created


DISCORD_EPOCH_MS = 1420070400000


# -- badges ---------------------------------------------------------------------------------

# What a badge can count, and how it reads after a number: one, then many.
MEASURES = {
    "definitions": ("definition contributed", "definitions contributed"),
    "upvotes": ("upvote received", "upvotes received"),
    "karma": ("karma", "karma"),
    "votes_cast": ("vote cast", "votes cast"),
    "best_definitions": (
        "definition that is the best-voted of its term",
        "definitions that are the best-voted of their term",
    ),
}


@dataclass(frozen=True, slots=True)
class Badge:
    key: str
    name: str
    emoji: str
    measure: str
    threshold: int

    @property
    def label(self) -> str:
        return f"{self.emoji} {self.name}"

    @property
    def description(self) -> str:
        one, many = MEASURES[self.measure]
        return f"{self.threshold} {one if self.threshold == 1 else many}"


DEFAULT_BADGES: tuple[Badge, ...] = (
    Badge("first-definition", "First definition", "✍️", "definitions", 1),
    Badge("upvotes-10", "Well received", "👍", "upvotes", 10),
    Badge("upvotes-100", "Crowd favourite", "🌟", "upvotes", 100),
    Badge("karma-10", "Helpful", "💡", "karma", 10),
    Badge("karma-50", "Trusted", "⭐", "karma", 50),
    Badge("karma-250", "Luminary", "🏆", "karma", 250),
    Badge("votes-50", "Voter", "🗳️", "votes_cast", 50),
    Badge("best-of-term", "Best definition", "🥇", "best_definitions", 1),
)

# Badges of earlier releases, still shown on the profiles that earned them.
RETIRED_BADGES = {
    "prolific": "📚 Prolific",
    "helpful": "👍 Helpful",
    "trusted": "⭐ Trusted",
    "luminary": "🏆 Luminary",
}


@dataclass(frozen=True, slots=True)
class BadgeFigures:
    """What a member has done in a server, as badges count it."""

    definitions: int = 0
    upvotes: int = 0
    karma: int = 0
    votes_cast: int = 0
    best_definitions: int = 0

    @classmethod
    def of(cls, stats: MemberStats, *, best_definitions: int = 0) -> BadgeFigures:
        return cls(
            definitions=stats.definitions,
            upvotes=stats.upvotes,
            karma=stats.karma,
            votes_cast=stats.votes_cast,
            best_definitions=best_definitions,
        )


def earned(badges: tuple[Badge, ...], figures: BadgeFigures) -> list[str]:
    """The keys of the badges these figures reach."""
    return [b.key for b in badges if getattr(figures, b.measure) >= b.threshold]


def check_badge(badge: Badge) -> Badge:
    """A badge an admin defined, checked: ValueError says what is wrong."""
    if not badge.key or len(badge.key) > 40 or not badge.key.replace("-", "").isalnum():
        raise ValueError("a badge key is 1-40 letters, digits and dashes, like 'karma-10'")
    if not badge.name.strip() or len(badge.name) > 60:
        raise ValueError("a badge name is 1-60 characters")
    if not badge.emoji.strip() or len(badge.emoji) > 20:
        raise ValueError("give the badge one emoji")
    if badge.measure not in MEASURES:
        raise ValueError(f"a badge counts one of: {', '.join(MEASURES)}")
    if not 1 <= badge.threshold <= 1_000_000:
        raise ValueError("a badge's threshold is a number from 1 to 1000000")
    return badge


@functools.lru_cache(maxsize=256)
def badge_set(stored: str | None) -> tuple[Badge, ...]:
    """A server's badges from its setting (JSON, as stored); the defaults when it has none."""
    if not stored:
        return DEFAULT_BADGES
    try:
        return tuple(check_badge(Badge(**item)) for item in json.loads(stored))
    except (TypeError, ValueError):
        return DEFAULT_BADGES


def badges_json(badges: tuple[Badge, ...]) -> str | None:
    """A server's badges as stored (None: the defaults)."""
    if badges == DEFAULT_BADGES:
        return None
    return json.dumps([asdict(b) for b in badges], ensure_ascii=False)


def badge_labels(earned: Mapping[str, str | None], badges: tuple[Badge, ...]) -> list[str]:
    """How a member's badges (key: label when earned) read on their profile, in the order
    earned: as the server names them now, else as they read when earned."""
    by_key = {b.key: b.label for b in badges}
    return [
        by_key.get(key) or label or RETIRED_BADGES.get(key) or key for key, label in earned.items()
    ]
