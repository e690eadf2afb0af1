"""/define: a term's definition, with autocomplete that forgives typos."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.render import CHOICE_LIMIT, choice_name
from bot.discord.replies import guild_id_of, send_answer, service_of

# A picked autocomplete choice carries the term's id, so it opens exactly that term.
PICKED = "#term:"


class Define(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot

    @app_commands.command(name="define", description="Look up a term in the glossary")
    @app_commands.describe(term="The term to define (typos are fine)")
    async def define(self, interaction: discord.Interaction, term: app_commands.Range[str, 1, 200]):
        service = service_of(interaction)
        guild_id = guild_id_of(interaction)
        if term.startswith(PICKED) and term[len(PICKED) :].isdigit():
            answer = service.term_answer(int(term[len(PICKED) :]), guild_id=guild_id)
        else:
            answer = service.ask(term, mode="define", guild_id=guild_id, kinds=("term",)).answer
        assert answer is not None  # define mode always says something
        await send_answer(interaction, answer)

    @define.autocomplete("term")
    async def define_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        service = service_of(interaction)
        candidates = service.matcher.complete(
            current, limit=CHOICE_LIMIT, scope=guild_id_of(interaction), kind="term"
        )
        return [
            app_commands.Choice(name=choice_name(c.label), value=f"{PICKED}{c.target}")
            for c in candidates[:CHOICE_LIMIT]
        ]


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Define(bot))
