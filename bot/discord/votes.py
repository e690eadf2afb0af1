"""Votes: 👍 and 👎 reactions on the bot's answers feed the definition's author's karma.

Reaction events can be replayed after a reconnect or arrive out of order; the core keeps one
vote per member per definition, so a replay changes nothing. Each reaction is handled on the
writer thread, after the write that recorded the answer it reacts to.
"""

from __future__ import annotations

import functools
import logging

import discord
from discord.ext import commands

from bot.core.karma import record_reaction, vote_value
from bot.core.store import StoreBusy

log = logging.getLogger(__name__)


class Votes(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot

    async def _record(self, payload: discord.RawReactionActionEvent, *, added: bool) -> None:
        if self.bot.user is None or payload.user_id == self.bot.user.id:
            return
        emoji = str(payload.emoji)
        if vote_value(emoji) is None:
            return
        work = functools.partial(
            record_reaction,
            message_id=payload.message_id,
            guild_id=payload.guild_id,
            user_id=payload.user_id,
            emoji=emoji,
            added=added,
        )
        try:
            badges = await self.bot.service.run(work)  # type: ignore[attr-defined]
        except StoreBusy as exc:
            log.warning("a vote was not recorded: %s", exc)
            return
        for badge in badges:
            log.info("a member earned %s in server %s", badge.key, payload.guild_id)

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self._record(payload, added=True)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self._record(payload, added=False)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Votes(bot))
