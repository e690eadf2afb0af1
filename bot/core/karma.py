"""Karma and badges: what members earn when others vote on the definitions they wrote."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core import answers
from bot.core.answers import Answer
from bot.core.model import MemberStats
from bot.core.store import Store

VOTE_EMOJI = {"👍": 1, "👎": -1}


@dataclass(frozen=True, slots=True)
class Badge:
    key: str
    name: str
    description: str

    def earned_by(self, stats: MemberStats) -> bool:
        return _RULES[self.key](stats)


_RULES = {
    "first-definition": lambda s: s.definitions >= 1,
    "prolific": lambda s: s.definitions >= 10,
    "helpful": lambda s: s.karma >= 5,
    "trusted": lambda s: s.karma >= 25,
    "luminary": lambda s: s.karma >= 100,
}

BADGES = (
    Badge("first-definition", "✍️ First definition", "Contributed a definition"),
    Badge("prolific", "📚 Prolific", "Contributed 10 definitions"),
    Badge("helpful", "👍 Helpful", "Reached 5 karma"),
    Badge("trusted", "⭐ Trusted", "Reached 25 karma"),
    Badge("luminary", "🏆 Luminary", "Reached 100 karma"),
)
BADGES_BY_KEY = {badge.key: badge for badge in BADGES}


def award_badges(store: Store, *, guild_id: int, user_id: int) -> list[Badge]:
    """Give the member every badge they have newly earned; badges are never taken back."""
    stats = store.member_stats(guild_id=guild_id, user_id=user_id)
    return [
        badge
        for badge in BADGES
        if badge.earned_by(stats)
        and store.award_badge(guild_id=guild_id, user_id=user_id, badge=badge.key)
    ]


def profile_answer(store: Store, *, guild_id: int, user_id: int, name: str) -> Answer:
    """What /profile shows: the member's karma and badges in this server, and their definitions."""
    definitions = store.member_definitions(guild_id=guild_id, user_id=user_id)
    shown = []
    for definition in definitions[: answers.PROFILE_DEFINITIONS]:
        term = store.term(definition.term_id)
        shown.append((definition, term.name if term else "?"))
    return answers.profile_answer(
        name,
        store.member_stats(guild_id=guild_id, user_id=user_id),
        badges=[
            BADGES_BY_KEY[key].name
            for key in store.badges(guild_id=guild_id, user_id=user_id)
            if key in BADGES_BY_KEY
        ],
        shown=shown,
        total=len(definitions),
    )


def leaderboard_answer(store: Store, *, guild_id: int, limit: int = 10) -> Answer:
    return answers.leaderboard_answer(store.leaderboard(guild_id=guild_id, limit=limit))


def record_reaction(
    store: Store, *, message_id: int, guild_id: int | None, user_id: int, emoji: str, added: bool
) -> list[Badge]:
    """A member reacted to (or took a reaction off) a bot's answer: count it as a vote.

    Only 👍 and 👎 on a message that shows a definition count, and never on one's own
    definition. One vote per member per definition, so a replayed event changes nothing; taking
    back 👍 withdraws an upvote, but not a 👎 given since. Returns the badges the definition's
    author newly earned.
    """
    value = vote_value(emoji)
    if value is None:
        return []
    shown = store.answer_message(message_id)
    definition_id = shown["definition_id"] if shown else None
    if definition_id is None:
        return []
    if not added:
        if store.vote_of(definition_id=definition_id, user_id=user_id) == value:
            store.set_vote(definition_id=definition_id, guild_id=guild_id, user_id=user_id, value=0)
        return []
    definition = store.definition(definition_id, guild_id=guild_id)
    if definition is None or definition.author_id == user_id:
        return []  # your own definition: no karma from yourself
    changed = store.set_vote(
        definition_id=definition_id, guild_id=guild_id, user_id=user_id, value=value
    )
    if changed and definition.author_id and guild_id:
        return award_badges(store, guild_id=guild_id, user_id=definition.author_id)
    return []


def vote_value(emoji: str) -> int | None:
    """+1 or -1 for a voting reaction, None for any other emoji."""
    base = "".join(ch for ch in emoji if ch not in _MODIFIERS)
    return VOTE_EMOJI.get(base)


# Skin tones and the emoji variation selector: 👍🏽 is a 👍 too.
_MODIFIERS = {"\ufe0f", *map(chr, range(0x1F3FB, 0x1F400))}
