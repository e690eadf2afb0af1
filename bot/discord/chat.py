"""Free text: answer glossary questions asked in a channel, and stay silent otherwise.

A message nobody addressed to the bot is answered only when the matcher is confident (chat
mode); a message that mentions the bot always gets an answer, with suggestions when unsure.
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.core.answers import info_answer
from bot.core.matcher import Candidate
from bot.discord.replies import Once, record_missed, reply_to_message

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot

log = logging.getLogger(__name__)

# The same answer is not repeated in a channel within this many seconds (someone asked, the bot
# answered, a second member asks the same: the answer is still on screen).
REPEAT_COOLDOWN = 120.0
CODE_BLOCK = re.compile(r"```")
MENTION_HELP = "Ask me about a term, for example “@me what is churn?”, or use /define and /faq."


class Chat(commands.Cog):
    def __init__(self, bot: GlossaryBot):
        self.bot = bot
        self.last_answer: dict[int, tuple[tuple[str, int], float]] = {}
        # Discord may deliver a message again (after a reconnect); answer each one once.
        self.messages_seen = Once()

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id is not None or self.bot.user is None:
            return
        text = message.content
        if not text:
            return  # no message content intent, or an attachment alone
        if not self.messages_seen.first(message.id):
            return
        me = self.bot.user
        mentioned = message.guild is None or _addressed(text, me.id)
        if mentioned:
            text = re.sub(rf"<@!?{me.id}>", " ", text).strip()
        elif CODE_BLOCK.search(text) or not await self._free_text_on(message):
            return
        service = self.bot.service
        guild_id = message.guild.id if message.guild else None
        missed = None
        if mentioned and not text:
            answer = info_answer("Hi!", MENTION_HELP, private=False)
        else:
            if mentioned:
                reply = await service.call(
                    service.ask, text, mode="define", guild_id=guild_id, record_missed=False
                )
            else:
                # Chat mode may weigh the message's embedding: computed off the event loop.
                reply = await service.ask_chat(text, guild_id=guild_id)
            answer, missed = reply.answer, reply.missed
            if answer is None:
                return
            best = reply.decision.best
            if best is not None and not mentioned and self._repeated(message.channel.id, best):
                return
        recorded = record_missed(service, guild_id, missed)
        await reply_to_message(self.bot, message, answer)
        await recorded

    async def _free_text_on(self, message: discord.Message) -> bool:
        if message.guild is None:
            return True
        service = self.bot.service
        # A thread counts as the channel it is under, when free text is for chosen channels.
        parent_id = getattr(message.channel, "parent_id", None)
        setting = await service.call(service.free_text, message.guild.id)
        return setting.allows(message.channel.id, parent_id)

    def _repeated(self, channel_id: int, best: Candidate) -> bool:
        key = (best.kind, best.target)
        now = time.monotonic()
        previous = self.last_answer.get(channel_id)
        self.last_answer[channel_id] = (key, now)
        return previous is not None and previous[0] == key and now - previous[1] < REPEAT_COOLDOWN


def _addressed(text: str, bot_id: int) -> bool:
    # A reply to the bot's message also "mentions" it; only an explicit @mention addresses it.
    return re.search(rf"<@!?{bot_id}>", text) is not None


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(Chat(bot))
