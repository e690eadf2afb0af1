"""/glossary report: what members asked in this server that found nothing, most asked first,
each with a button that starts /glossary add for it (answered in bot.discord.admin_terms)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.core import server
from bot.discord.admin import glossary_group
from bot.discord.replies import send_answer, service_of

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot


@app_commands.command(name="report", description="Questions asked here that found nothing")
@app_commands.checks.has_permissions(manage_guild=True)
async def report(interaction: discord.Interaction[GlossaryBot]) -> None:
    service = service_of(interaction)
    assert interaction.guild_id is not None
    rows = await service.call(service.missed_report, interaction.guild_id)
    waiting = await service.call(service.review_report_line, interaction.guild_id)
    await send_answer(interaction, server.report_answer(rows, waiting=waiting))


async def setup(bot: GlossaryBot) -> None:
    glossary_group(bot).add_command(report)
