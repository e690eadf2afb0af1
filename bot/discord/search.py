"""/search: the terms and FAQs whose texts say the words a member typed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.replies import guild_id_of, record_missed, send_answer, service_of

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot


class Search(commands.Cog):
    def __init__(self, bot: GlossaryBot):
        self.bot = bot

    @app_commands.command(name="search", description="Search the glossary's texts for words")
    @app_commands.describe(text="Words to look for in names, definitions and FAQs")
    async def search(
        self, interaction: discord.Interaction[GlossaryBot], text: app_commands.Range[str, 1, 80]
    ) -> None:
        service = service_of(interaction)
        guild_id = guild_id_of(interaction)
        answer = await service.call(service.search, text, guild_id=guild_id)
        # A search that found nothing is kept for the server's maintainers, like a /define.
        recorded = record_missed(service, guild_id, text.strip() if answer.kind == "none" else None)
        await send_answer(interaction, answer)
        await recorded


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(Search(bot))
