"""/faq: the frequently asked question that best matches what the member typed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.choices import faq_choices, picked
from bot.discord.replies import answer_question, send_answer, service_of

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot


class Faq(commands.Cog):
    def __init__(self, bot: GlossaryBot):
        self.bot = bot

    @app_commands.command(name="faq", description="Ask a frequently asked question")
    @app_commands.describe(question="Your question, in your own words")
    @app_commands.autocomplete(question=faq_choices)
    async def faq(
        self,
        interaction: discord.Interaction[GlossaryBot],
        question: app_commands.Range[str, 1, 300],
    ) -> None:
        service = service_of(interaction)
        faq_id = picked(question, "faq")
        if faq_id is not None:
            answer = await service.call(service.faq_answer, faq_id, guild_id=interaction.guild_id)
            await send_answer(interaction, answer)
            return
        await answer_question(interaction, question, kinds=("faq",))


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(Faq(bot))
