"""Karma and badges: what members earn when others vote on the definitions they wrote."""

from __future__ import annotations

from dataclasses import dataclass

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


def vote_value(emoji: str) -> int | None:
    """+1 or -1 for a voting reaction, None for any other emoji."""
    base = "".join(ch for ch in emoji if ch not in _MODIFIERS)
    return VOTE_EMOJI.get(base)


# Skin tones and the emoji variation selector: 👍🏽 is a 👍 too.
_MODIFIERS = {"\ufe0f", *map(chr, range(0x1F3FB, 0x1F400))}
