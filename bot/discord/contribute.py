"""/contribute: a member adds their own definition of a term, with its source."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.model import Source
from bot.core.store import Store
from bot.core.voting import award_badges
from bot.discord.choices import picked, term_choices
from bot.discord.replies import guarded, in_time, send_answer, send_error, service_of


class DefinitionModal(discord.ui.Modal, title="Add a definition"):
    text = discord.ui.TextInput(
        label="Definition", style=discord.TextStyle.paragraph, min_length=10, max_length=1500
    )
    source_name = discord.ui.TextInput(label="Source (optional)", required=False, max_length=100)
    source_url = discord.ui.TextInput(
        label="Source link (optional)",
        required=False,
        max_length=300,
        placeholder="https://...",
    )

    def __init__(self, term_id: int, term_name: str):
        super().__init__()
        self.term_id = term_id
        self.title = f"Define {term_name}"[:45]

    @guarded
    async def on_submit(self, interaction: discord.Interaction) -> None:
        url = self.source_url.value.strip() or None
        if url and not url.startswith(("http://", "https://")):
            await send_error(interaction, "The source link must start with http:// or https://.")
            return
        name = self.source_name.value.strip() or (url and "link") or None
        service = service_of(interaction)
        guild_id, user = interaction.guild_id, interaction.user
        assert guild_id is not None
        text, source = self.text.value.strip(), Source(name, url) if name else None

        def add(store: Store) -> int:
            """The new definition's page among the term's definitions."""
            definition_id = store.add_definition(
                term_id=self.term_id,
                guild_id=guild_id,
                author_id=user.id,
                author_name=user.display_name,
                text=text,
                source=source,
            )
            award_badges(
                store, guild_id=guild_id, user_id=user.id, channel_id=interaction.channel_id
            )
            definitions = store.definitions(self.term_id, guild_id=guild_id)
            return next(i for i, d in enumerate(definitions) if d.id == definition_id)

        page = await in_time(interaction, service.run(add), ephemeral=False)
        answer = service.term_answer(self.term_id, guild_id=guild_id, page=page)
        await send_answer(interaction, answer, private=False)


class Contribute(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot

    @app_commands.command(name="contribute", description="Add your own definition of a term")
    @app_commands.describe(term="The term you want to define")
    @app_commands.autocomplete(term=term_choices)
    @app_commands.guild_only()
    async def contribute(
        self, interaction: discord.Interaction, term: app_commands.Range[str, 1, 200]
    ) -> None:
        service = service_of(interaction)
        found = None
        term_id = picked(term, "term")
        if term_id is not None:
            found = service.store.term(term_id)
        else:
            decision = service.decide(term, guild_id=interaction.guild_id, kinds=("term",))
            if decision.decision == "answer" and decision.best:
                found = service.store.term(decision.best.target)
        if found is None or found.removed:
            await send_error(
                interaction, "Pick a term from the list; new terms are added to the glossary file."
            )
            return
        await interaction.response.send_modal(DefinitionModal(found.id, found.name))


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Contribute(bot))
