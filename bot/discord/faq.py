"""/faq: the frequently asked question that best matches what the member typed."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.choices import faq_choices, picked
from bot.discord.replies import guild_id_of, record_missed, send_answer, service_of


class Faq(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot

    @app_commands.command(name="faq", description="Ask a frequently asked question")
    @app_commands.describe(question="Your question, in your own words")
    @app_commands.autocomplete(question=faq_choices)
    async def faq(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 300]
    ) -> None:
        service = service_of(interaction)
        faq_id = picked(question, "faq")
        if faq_id is not None:
            await send_answer(interaction, service.faq_answer(faq_id))
            return
        reply = service.ask(
            question,
            mode="define",
            guild_id=guild_id_of(interaction),
            kinds=("faq",),
            record_missed=False,
        )
        assert reply.answer is not None  # define mode always says something
        recorded = record_missed(service, interaction.guild_id, reply.missed)
        await send_answer(interaction, reply.answer)
        await recorded


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Faq(bot))
