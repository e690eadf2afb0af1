"""Votes applied to the store: the rules of `karma.py` with the figures the store holds.

A member's vote on a definition is their latest standing 👍 or 👎 on an answer showing it (or
their latest vote button press) that counts. Every reaction is kept, counted or not, so taking
one of two reactions off leaves the other as the vote, and a replayed event changes nothing.
Each function here is one piece of work for `GlossaryService._write`: one transaction.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.core import karma
from bot.core.karma import BadgeFigures, Ballot, VoteLimits
from bot.core.model import VoteChange
from bot.core.store import Store

log = logging.getLogger(__name__)

LIMITS_SETTING = "vote_limits"
# What a vote can change: the author's figures, and the voter's count of votes cast.
RECEIVED = frozenset({"upvotes", "karma", "best_definitions"})
CAST = frozenset({"votes_cast"})
BADGES_SETTING = "badges"


@dataclass(frozen=True, slots=True)
class Voter:
    """What Discord says about who reacted."""

    user_id: int
    bot: bool = False
    joined_at: datetime | None = None  # None: not known
    rate_limited: bool = False
    in_server: bool = True


@dataclass(slots=True)
class Outcome:
    """What an event changed: votes, and badges newly earned (user id, badge key, channel)."""

    changes: list[VoteChange] = field(default_factory=list)
    refused: str | None = None
    badges: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        self.changes += other.changes
        self.badges += other.badges


def limits_for(store: Store, guild_id: int, defaults: VoteLimits) -> VoteLimits:
    return karma.guild_limits(defaults, store.guild_setting(guild_id, LIMITS_SETTING))


def badges_for(store: Store, guild_id: int) -> tuple[karma.Badge, ...]:
    return karma.badge_set(store.guild_setting(guild_id, BADGES_SETTING))


def add_reaction(
    store: Store,
    *,
    message_id: int,
    value: int,
    voter: Voter,
    defaults: VoteLimits,
    via: str = "reaction",
) -> Outcome:
    """A 👍 or 👎 put on an answer: kept, judged, and the member's vote settled."""
    target = store.vote_target(message_id)
    if target is None:
        return Outcome()
    definition_id, guild_id = target["definition_id"], target["guild_id"]
    before = store.vote_of(definition_id=definition_id, guild_id=guild_id, user_id=voter.user_id)
    reason = _judge(store, target, voter, changes_a_vote=before != 0, defaults=defaults)
    if not store.add_reaction(
        definition_id=definition_id,
        guild_id=guild_id,
        user_id=voter.user_id,
        value=value,
        message_id=message_id,
        via=via,
        refused=reason,
    ):
        return Outcome()  # already kept: a replayed event
    if reason is not None:
        log.debug("reaction of %s on %s not counted: %s", voter.user_id, message_id, reason)
        return Outcome(refused=reason)
    store.drop_legacy_vote(definition_id, guild_id, voter.user_id)
    change = store.settle_vote(
        definition_id=definition_id, guild_id=guild_id, user_id=voter.user_id
    )
    return _settled(store, [change] if change.changed else [], channel_id=target["channel_id"])


def remove_reactions(
    store: Store, *, message_id: int, user_id: int | None = None, value: int | None = None
) -> Outcome:
    """Reactions taken off an answer: by their member, or all / one emoji by a moderator."""
    target = store.answer_message(message_id)
    changes = store.remove_reactions(message_id=message_id, user_id=user_id, value=value)
    return _settled(store, changes, channel_id=target["channel_id"] if target else None)


def forget_messages(store: Store, *, message_ids: Iterable[int]) -> Outcome:
    """Answers deleted: the votes their reactions made are withdrawn."""
    return Outcome(changes=store.forget_messages(message_ids))


def press_vote_button(
    store: Store,
    *,
    definition_id: int,
    guild_id: int,
    channel_id: int | None,
    value: int,
    voter: Voter,
    defaults: VoteLimits,
) -> Outcome:
    """A vote button on a private view: pressing the standing vote again withdraws it."""
    definition = store.definition(definition_id, guild_id=guild_id)
    if definition is None or definition.guild_id not in (None, guild_id):
        return Outcome()
    before = store.vote_of(definition_id=definition_id, guild_id=guild_id, user_id=voter.user_id)
    if before == value:
        value = 0
    elif before == 0:
        target = {
            "definition_id": definition_id,
            "guild_id": guild_id,
            "author_id": definition.author_id,
        }
        reason = _judge(store, target, voter, changes_a_vote=False, defaults=defaults)
        if reason is not None:
            log.debug(
                "vote button of %s on %s not counted: %s", voter.user_id, definition_id, reason
            )
            return Outcome(refused=reason)
    store.set_vote(
        definition_id=definition_id, guild_id=guild_id, user_id=voter.user_id, value=value
    )
    after = store.vote_of(definition_id=definition_id, guild_id=guild_id, user_id=voter.user_id)
    change = VoteChange(definition_id, guild_id, voter.user_id, before, after)
    return _settled(store, [change] if change.changed else [], channel_id=channel_id)


def reconcile_message(
    store: Store,
    *,
    message_id: int,
    standing: Mapping[int, Mapping[int, Voter]],
    defaults: VoteLimits,
) -> Outcome:
    """Make the kept reactions of an answer what Discord reports standing on it.

    `standing` maps +1/-1 to the members whose 👍/👎 stand. Reactions that went while the bot
    was away are taken off, new ones are judged as live ones are (the rate limit aside:
    they were not made in one burst), and the rest is left alone, so a recount of what live
    counting saw changes nothing.
    """
    if store.vote_target(message_id) is None:
        return Outcome()
    kept = store.reactions_on(message_id)
    outcome = Outcome()
    for value in (1, -1):
        for user_id in sorted(kept[value] - set(standing.get(value, {}))):
            outcome.add(
                remove_reactions(store, message_id=message_id, user_id=user_id, value=value)
            )
    for value in (1, -1):
        for user_id, voter in sorted(standing.get(value, {}).items()):
            if user_id not in kept[value]:
                outcome.add(
                    add_reaction(
                        store, message_id=message_id, value=value, voter=voter, defaults=defaults
                    )
                )
    return outcome


def award_badges(
    store: Store,
    *,
    guild_id: int,
    user_id: int,
    channel_id: int | None = None,
    measures: frozenset[str] | None = None,
) -> list[str]:
    """Give the member every badge of this server they have newly earned (never taken back);
    they are announced in `channel_id`, once."""
    held = set(store.badges(guild_id=guild_id, user_id=user_id))
    badges = tuple(
        b
        for b in badges_for(store, guild_id)
        if b.key not in held and (measures is None or b.measure in measures)
    )
    if not badges:
        return []
    # Only the figures some badge still to earn counts: a vote is handled in a millisecond.
    needed = {b.measure for b in badges}
    figures = BadgeFigures()
    if needed & {"definitions", "upvotes", "karma"}:
        figures = BadgeFigures.of(store.member_stats(guild_id=guild_id, user_id=user_id))
    elif "votes_cast" in needed:
        figures = BadgeFigures(votes_cast=store.votes_cast(guild_id=guild_id, user_id=user_id))
    if "best_definitions" in needed:
        best = store.best_definitions(guild_id=guild_id, user_id=user_id)
        figures = dataclasses.replace(figures, best_definitions=best)
    missing = karma.earned(badges, figures)
    if not missing:
        return []
    return store.award_badges(
        guild_id=guild_id,
        user_id=user_id,
        badges=missing,
        channel_id=channel_id,
        labels={b.key: b.label for b in badges},
    )


def _judge(
    store: Store, target: Mapping, voter: Voter, *, changes_a_vote: bool, defaults: VoteLimits
) -> str | None:
    guild_id, author_id = target["guild_id"], target["author_id"]
    limits = limits_for(store, guild_id, defaults)
    now = datetime.now(UTC)
    given = None
    if author_id is not None and not changes_a_vote:
        since = (now - timedelta(days=1)).isoformat(timespec="seconds")
        given = store.votes_given_since(
            guild_id=guild_id, voter_id=voter.user_id, author_id=author_id, since=since
        )
    ballot = Ballot(
        voter_is_bot=voter.bot,
        own_definition=author_id == voter.user_id,
        changes_a_vote=changes_a_vote,
        account_age=karma.account_age(voter.user_id, now),
        membership_age=now - voter.joined_at if voter.joined_at else None,
        rate_limited=voter.rate_limited,
        given_to_author_today=given,
        in_server=voter.in_server,
    )
    return karma.refusal(ballot, limits)


def _settled(store: Store, changes: list[VoteChange], *, channel_id: int | None) -> Outcome:
    """The badges these vote changes earned: the author's when a vote rose, the voter's when
    they cast a new one."""
    outcome = Outcome(changes=changes)
    for change in changes:
        earners: list[tuple[int, frozenset[str]]] = []
        if change.after > change.before:
            shown = store.definition(change.definition_id, guild_id=change.guild_id)
            if shown is not None and shown.author_id and shown.guild_id == change.guild_id:
                earners.append((shown.author_id, RECEIVED))
        if change.before == 0 and change.after != 0:
            earners.append((change.user_id, CAST))
        for user_id, measures in earners:
            new = award_badges(
                store,
                guild_id=change.guild_id,
                user_id=user_id,
                channel_id=channel_id,
                measures=measures,
            )
            outcome.badges += [(user_id, key) for key in new]
    return outcome
