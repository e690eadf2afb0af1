"""Votes: 👍 and 👎 reactions on the bot's answers feed the definition's author's karma.

Reaction events can be replayed after a reconnect or arrive out of order; the store keeps one
vote per member per definition, so a replay changes nothing.
"""

from __future__ import annotations

import logging

import discord
from discord.ext import commands

from bot.core.karma import award_badges, vote_value

log = logging.getLogger(__name__)


class Votes(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot

    @property
    def store(self):
        return self.bot.service.store  # type: ignore[attr-defined]

    def _definition_for(self, payload: discord.RawReactionActionEvent) -> int | None:
        if self.bot.user is None or payload.user_id == self.bot.user.id:
            return None
        if vote_value(str(payload.emoji)) is None:
            return None
        shown = self.store.answer_message(payload.message_id)
        return shown["definition_id"] if shown else None

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        definition_id = self._definition_for(payload)
        if definition_id is None:
            return
        definition = self.store.definition(definition_id, guild_id=payload.guild_id)
        if definition is None or definition.author_id == payload.user_id:
            return  # your own definition: no karma from yourself
        value = vote_value(str(payload.emoji))
        changed = self.store.set_vote(
            definition_id=definition_id,
            guild_id=payload.guild_id,
            user_id=payload.user_id,
            value=value,
        )
        if changed and definition.author_id and payload.guild_id:
            for badge in award_badges(
                self.store, guild_id=payload.guild_id, user_id=definition.author_id
            ):
                log.info("member %s earned %s", definition.author_id, badge.key)

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        definition_id = self._definition_for(payload)
        if definition_id is None:
            return
        # Taking back 👍 withdraws an upvote, but not a 👎 given since.
        current = self.store.vote_of(definition_id=definition_id, user_id=payload.user_id)
        if current == vote_value(str(payload.emoji)):
            self.store.set_vote(
                definition_id=definition_id,
                guild_id=payload.guild_id,
                user_id=payload.user_id,
                value=0,
            )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Votes(bot))
