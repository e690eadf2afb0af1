"""/faq: the frequently asked question that best matches what the member typed."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord.render import CHOICE_LIMIT, choice_name
from bot.discord.replies import guild_id_of, send_answer, service_of

# Questions can be longer than a choice's 100 characters, so a picked choice carries the id.
PICKED = "#faq:"


class Faq(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot

    @app_commands.command(name="faq", description="Ask a frequently asked question")
    @app_commands.describe(question="Your question, in your own words")
    async def faq(
        self, interaction: discord.Interaction, question: app_commands.Range[str, 1, 300]
    ):
        service = service_of(interaction)
        guild_id = guild_id_of(interaction)
        if question.startswith(PICKED) and question[len(PICKED) :].isdigit():
            answer = service.faq_answer(int(question[len(PICKED) :]))
        else:
            answer = service.ask(question, mode="define", guild_id=guild_id, kinds=("faq",)).answer
        assert answer is not None
        await send_answer(interaction, answer)

    @faq.autocomplete("question")
    async def faq_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        service = service_of(interaction)
        candidates = service.matcher.complete(
            current, limit=CHOICE_LIMIT, scope=guild_id_of(interaction), kind="faq"
        )
        return [
            app_commands.Choice(name=choice_name(c.label), value=f"{PICKED}{c.target}")
            for c in candidates[:CHOICE_LIMIT]
        ]


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Faq(bot))
