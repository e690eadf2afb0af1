"""Votes: 👍 and 👎 on the bot's answers feed the definition's author's karma and badges.

The bot puts both reactions on every public answer that shows a definition, so members only
click. Every reaction event (added, taken off, cleared by a moderator, the message deleted) is
one write, queued in order after the write that recorded the answer. Events Discord delivered
while the bot was away are made up for by reconciling recent answers with the reactions Discord
reports, on start and after every resume, and on demand with /glossary recount.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import aiohttp
import discord
from discord.ext import commands, tasks

from bot.core.errors import StoreBusy
from bot.core.karma import vote_value
from bot.core.voting import Outcome, Voter
from bot.discord.render import NO_PINGS
from bot.discord.replies import (
    edit_answer,
    guarded,
    in_time,
    send_error,
    service_of,
    voting_enabled,
)

if TYPE_CHECKING:
    from bot.core.service import GlossaryService
    from bot.discord.client import GlossaryBot

log = logging.getLogger(__name__)

# How often the bot looks for badges earned by work that announces nothing itself.
ANNOUNCE_SECONDS = 5.0
# A reconcile of one answer is retried when live events for it came in meanwhile.
RECONCILE_ATTEMPTS = 3


class ArrivalOrder:
    """The events of one message, queued for writing in the order Discord sent them.

    A handler awaits reads before it queues its write (is this an answer? the server's vote
    limits?). Where reads run off the event loop (PostgreSQL), a later event's read may finish
    first: a 👍 taken off straight after it was put on would be written before it, and the
    vote would stand. asyncio's locks wake their waiters first come, first served, and each
    handler asks for its message's lock before its first await, so queuing stays in order.
    """

    def __init__(self) -> None:
        self._held: dict[int, tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def __call__(self, message_id: int) -> AsyncIterator[None]:
        lock, users = self._held.setdefault(message_id, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._held[message_id]

    def __len__(self) -> int:
        return len(self._held)


@dataclass(slots=True)
class RecountReport:
    """What a reconcile found."""

    answers: int = 0
    added: int = 0
    withdrawn: int = 0
    changed: int = 0
    deleted: int = 0

    def count(self, outcome: Outcome) -> None:
        for change in outcome.changes:
            if change.before == 0:
                self.added += 1
            elif change.after == 0:
                self.withdrawn += 1
            else:
                self.changed += 1

    def summary(self) -> str:
        if not (self.added or self.withdrawn or self.changed or self.deleted):
            return f"Checked {self.answers} answer(s): every vote was already counted."
        parts = [f"{self.added} vote(s) added", f"{self.withdrawn} withdrawn"]
        parts.append(f"{self.changed} changed")
        if self.deleted:
            parts.append(f"{self.deleted} deleted answer(s) forgotten")
        return f"Checked {self.answers} answer(s): " + ", ".join(parts) + "."


class Votes(commands.Cog):
    def __init__(self, bot: GlossaryBot):
        self.bot = bot
        self.enabled = voting_enabled()
        # Per server: a bucket per member, the size the server's limit says.
        self._cooldowns: dict[int, commands.CooldownMapping] = {}
        # Live events seen per message, so a reconcile that raced one looks again.
        self._touched: collections.Counter[int] = collections.Counter()
        self._reconciling: asyncio.Task | None = None
        # Shards whose servers are waiting for a reconcile (None: every server).
        self._to_reconcile: set[int | None] = set()
        self._announcing = asyncio.Lock()
        self._background: set[asyncio.Future] = set()
        self._in_order = ArrivalOrder()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(VoteButton)
        if self.enabled:
            self.announce_pending.start()

    async def cog_unload(self) -> None:
        self.announce_pending.cancel()
        if self._reconciling is not None:
            self._reconciling.cancel()

    @property
    def service(self) -> GlossaryService:
        return self.bot.service

    # -- live events ----------------------------------------------------------------------

    async def rate_limited(self, guild_id: int, user_id: int) -> bool:
        """Take one of the member's new-vote tokens; True when they had none left."""
        service = self.service
        per_minute = (await service.call(service.vote_limits, guild_id)).per_minute
        mapping = self._cooldowns.get(guild_id)
        if mapping is None or mapping._cooldown is None or mapping._cooldown.rate != per_minute:
            mapping = MemberCooldowns.from_cooldown(per_minute, 60.0, _by_member)
            self._cooldowns[guild_id] = mapping
        return mapping.update_rate_limit(user_id) is not None

    async def _is_answer(self, message_id: int) -> bool:
        return await self.service.call(self.service.is_answer, message_id)

    async def _counts(self, payload: discord.RawReactionActionEvent) -> int | None:
        """The vote value of a reaction the bot should look at, else None."""
        me = self.bot.user
        if not self.enabled or payload.guild_id is None or me is None:
            return None
        if payload.user_id == me.id or payload.burst:
            return None  # the bot's own reactions; super reactions are decoration, not votes
        value = vote_value(str(payload.emoji))
        if value is None or not await self._is_answer(payload.message_id):
            return None
        return value

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        async with self._in_order(payload.message_id):
            value = await self._counts(payload)
            if value is None:
                return
            assert payload.guild_id is not None
            self._touched[payload.message_id] += 1
            member = payload.member
            voter = Voter(
                payload.user_id,
                bot=bool(member and member.bot),
                joined_at=member.joined_at if member else None,
                # Every 👍/👎 takes a token; only a new vote is refused for the lack of one.
                rate_limited=await self.rate_limited(payload.guild_id, payload.user_id),
            )
            pending = self.service.add_reaction(
                message_id=payload.message_id, value=value, voter=voter
            )
        await self._apply(pending)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        async with self._in_order(payload.message_id):
            value = await self._counts(payload)
            if value is None:
                return
            self._touched[payload.message_id] += 1
            pending = self.service.remove_reactions(
                message_id=payload.message_id, user_id=payload.user_id, value=value
            )
        await self._apply(pending)

    @commands.Cog.listener()
    async def on_raw_reaction_clear(self, payload: discord.RawReactionClearEvent) -> None:
        # A moderator removed every reaction: every vote made on this answer goes.
        async with self._in_order(payload.message_id):
            if not (self.enabled and await self._is_answer(payload.message_id)):
                return
            self._touched[payload.message_id] += 1
            pending = self.service.remove_reactions(message_id=payload.message_id)
        await self._apply(pending)

    @commands.Cog.listener()
    async def on_raw_reaction_clear_emoji(
        self, payload: discord.RawReactionClearEmojiEvent
    ) -> None:
        value = vote_value(str(payload.emoji))
        async with self._in_order(payload.message_id):
            if not (self.enabled and value is not None):
                return
            if not await self._is_answer(payload.message_id):
                return
            self._touched[payload.message_id] += 1
            pending = self.service.remove_reactions(message_id=payload.message_id, value=value)
        await self._apply(pending)

    @commands.Cog.listener()
    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        async with self._in_order(payload.message_id):
            if not (self.enabled and await self._is_answer(payload.message_id)):
                return
            pending = self.service.forget_messages([payload.message_id])
        await self._apply(pending)

    @commands.Cog.listener()
    async def on_raw_bulk_message_delete(self, payload: discord.RawBulkMessageDeleteEvent) -> None:
        answers = []
        for message_id in payload.message_ids:
            async with self._in_order(message_id):
                if await self._is_answer(message_id):
                    answers.append(message_id)
        if self.enabled and answers:
            await self._apply(self.service.forget_messages(answers))

    async def _apply(self, pending: asyncio.Future[Outcome]) -> Outcome:
        try:
            outcome = await pending
        except StoreBusy as exc:
            log.warning("a vote was not recorded: %s", exc)
            return Outcome()
        if outcome.badges:
            self.announce_soon()
        return outcome

    # -- badges ---------------------------------------------------------------------------

    @tasks.loop(seconds=ANNOUNCE_SECONDS)
    async def announce_pending(self) -> None:
        # Contributions earn badges too; they are announced from here.
        try:
            await self.announce()
        except Exception:
            log.exception("could not announce badges; trying again shortly")

    def announce_soon(self) -> None:
        task = asyncio.ensure_future(self.announce_pending.coro(self))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def announce(self) -> None:
        """Announce every badge not yet announced, once each, in the channel it was earned."""
        service = self.service
        async with self._announcing:
            if self.bot.is_closed() or not await service.call(service.badge_announcements_waiting):
                return
            for row in await service.claim_badge_announcements():
                badges = await service.call(service.badges, row["guild_id"])
                badge = next((b for b in badges if b.key == row["badge"]), None)
                if badge is None:
                    continue
                channel = self.bot.get_partial_messageable(
                    row["channel_id"], guild_id=row["guild_id"]
                )
                text = f"🏅 <@{row['user_id']}> earned **{badge.label}** ({badge.description})."
                try:
                    await channel.send(text, allowed_mentions=NO_PINGS)
                except (discord.HTTPException, aiohttp.ClientError, RuntimeError) as exc:
                    # Claimed first, so never announced twice; at worst (stopping) not at all.
                    log.warning("could not announce a badge in %s: %s", row["channel_id"], exc)

    # -- reconciling ----------------------------------------------------------------------

    # A shard's session may have missed events: when it starts (READY, also after another
    # IDENTIFY) and when it resumes. Each shard of the bot reconnects on its own; the servers of
    # the other shards heard everything.
    @commands.Cog.listener()
    async def on_shard_ready(self, shard_id: int) -> None:
        self.reconcile_soon(shard_id)

    @commands.Cog.listener()
    async def on_shard_resumed(self, shard_id: int) -> None:
        self.reconcile_soon(shard_id)

    def reconcile_soon(self, shard_id: int | None = None) -> None:
        """Reconcile the recent answers of a shard's servers (None: every server's) in the
        background, one run at a time."""
        if not self.enabled:
            return
        self._to_reconcile.add(shard_id)
        if self._reconciling is None or self._reconciling.done():
            self._reconciling = asyncio.ensure_future(self._reconcile_all())

    async def _reconcile_all(self) -> None:
        while self._to_reconcile:
            shards, self._to_reconcile = self._to_reconcile, set()
            report = RecountReport()
            try:
                service = self.service
                for guild in list(self.bot.guilds):
                    if None not in shards and guild.shard_id not in shards:
                        continue
                    days = (await service.call(service.vote_limits, guild.id)).reconcile_days
                    rows = await service.call(service.recent_answers, days=days, guild_id=guild.id)
                    await self.reconcile(rows, report)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("could not reconcile votes with Discord's reactions")
            which = sorted(str(s) for s in shards if s is not None)
            which_text = "every shard" if None in shards else f"shard(s) {', '.join(which)}"
            log.info("votes reconciled with Discord (%s): %s", which_text, report.summary())

    async def reconcile(self, rows: list[dict], report: RecountReport) -> RecountReport:
        """Make the votes of these answers what Discord's reactions on them say."""
        for row in rows:
            report.answers += 1
            await self._reconcile_one(row, report)
        return report

    async def _reconcile_one(self, row: dict, report: RecountReport) -> None:
        message_id, guild_id = row["message_id"], row["guild_id"]
        channel = self.bot.get_partial_messageable(row["channel_id"], guild_id=guild_id)
        for _ in range(RECONCILE_ATTEMPTS):
            seen = self._touched[message_id]
            try:
                message = await channel.fetch_message(message_id)
            except discord.NotFound:
                report.deleted += 1
                report.count(await self._apply(self.service.forget_messages([message_id])))
                return
            except discord.HTTPException as exc:
                log.warning("could not read the reactions on answer %s: %s", message_id, exc)
                return
            standing = await self._standing(message, guild_id)
            if self._touched[message_id] == seen:
                outcome = await self._apply(
                    self.service.reconcile_message(message_id=message_id, standing=standing)
                )
                report.count(outcome)
                return
        log.info("answer %s kept changing while being reconciled; left to live events", message_id)

    async def _standing(self, message: discord.Message, guild_id: int) -> dict[int, dict]:
        """Who has a 👍 and who a 👎 standing on the message, as Discord pages them out."""
        me = self.bot.user
        kept = await self.service.call(self.service.kept_reactions, message.id)
        standing: dict[int, dict[int, Voter]] = {1: {}, -1: {}}
        for reaction in message.reactions:
            value = vote_value(str(reaction.emoji))
            if value is None or not reaction.normal_count:
                continue
            async for user in reaction.users(limit=None):
                if me is not None and user.id == me.id:
                    continue
                if user.id in kept[value]:
                    standing[value][user.id] = Voter(user.id, bot=user.bot)
                else:
                    standing[value][user.id] = await self._new_voter(user, guild_id)
        return standing

    async def _new_voter(self, user: discord.abc.User, guild_id: int) -> Voter:
        """A member whose reaction the bot never saw: is (and since when) they in the server?"""
        limits = await self.service.call(self.service.vote_limits, guild_id)
        if user.bot or not limits.min_member_hours:
            return Voter(user.id, bot=user.bot)
        guild = self.bot.get_guild(guild_id)
        if guild is None:
            return Voter(user.id)
        try:
            member = await guild.fetch_member(user.id)
        except discord.NotFound:
            return Voter(user.id, in_server=False)
        except discord.HTTPException:
            return Voter(user.id)
        return Voter(user.id, bot=member.bot, joined_at=member.joined_at)


def _by_member(user_id: int) -> int:
    return user_id


class MemberCooldowns(commands.CooldownMapping):
    """discord.py's buckets, one per member, swept of idle ones once a window rather than on
    every vote: a burst of reactions from a big server must not scan every bucket each time."""

    _swept = 0.0

    def _verify_cache_integrity(self, current: float | None = None) -> None:
        now = current or time.time()
        per = self._cooldown.per if self._cooldown is not None else 0.0
        if now - self._swept >= per:
            self._swept = now
            super()._verify_cache_integrity(now)


class VoteButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"gb:vote:(?P<definition>\d+):(?P<value>up|down)",
):
    """👍 / 👎 on a private view of a definition (a page others never see), where reactions
    cannot be."""

    def __init__(self, item: discord.ui.Button, definition_id: int, value: int):
        super().__init__(item)
        self.definition_id = definition_id
        self.value = value

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[GlossaryBot],
        item: discord.ui.Button,
        match: re.Match[str],
    ) -> VoteButton:
        return cls(item, int(match["definition"]), 1 if match["value"] == "up" else -1)

    @guarded
    async def callback(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        service = service_of(interaction)
        guild_id = interaction.guild_id
        if guild_id is None or not voting_enabled():
            await send_error(interaction, "Votes count in servers only.")
            return
        cog = interaction.client.get_cog("Votes")
        votes = cog if isinstance(cog, Votes) else None
        user = interaction.user
        voter = Voter(
            user.id,
            bot=user.bot,
            joined_at=getattr(user, "joined_at", None),
            rate_limited=votes is not None and await votes.rate_limited(guild_id, user.id),
        )
        pending = service.press_vote_button(
            definition_id=self.definition_id,
            guild_id=guild_id,
            channel_id=interaction.channel_id,
            value=self.value,
            voter=voter,
        )
        outcome = await in_time(interaction, pending, update=True)
        if votes is not None and outcome.badges:
            votes.announce_soon()
        answer = await service.call(service.definition_page, self.definition_id, guild_id=guild_id)
        if answer is None:
            await send_error(interaction, "That definition is no longer shown here.")
            return
        with contextlib.suppress(discord.NotFound):
            await edit_answer(interaction, answer)


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(Votes(bot))
