"""/define: a term's definition, with autocomplete that forgives typos."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.choices import picked, term_choices
from bot.discord.replies import answer_question, guild_id_of, send_answer, service_of

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot


class Define(commands.Cog):
    def __init__(self, bot: GlossaryBot):
        self.bot = bot

    @app_commands.command(name="define", description="Look up a term in the glossary")
    @app_commands.describe(term="The term to define (typos are fine)")
    @app_commands.autocomplete(term=term_choices)
    async def define(
        self, interaction: discord.Interaction[GlossaryBot], term: app_commands.Range[str, 1, 200]
    ) -> None:
        service = service_of(interaction)
        guild_id = guild_id_of(interaction)
        term_id = picked(term, "term")
        if term_id is not None:
            answer = await service.call(service.term_answer, term_id, guild_id=guild_id)
            await send_answer(interaction, answer)
            return
        await answer_question(interaction, term, kinds=("term",))


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(Define(bot))
