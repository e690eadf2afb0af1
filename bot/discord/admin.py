"""/glossary: server administration. Hidden from members without the permission by default,
and checked again on every use, since server owners can override command permissions."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.answers import info_answer
from bot.discord.replies import in_time, send_answer, service_of


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(commands.GroupCog, group_name="glossary", group_description="Manage the glossary bot"):
    def __init__(self, bot: commands.Bot):
        self.bot = bot
        super().__init__()

    @app_commands.command(name="free-text", description="Answer questions asked in channels")
    @app_commands.describe(enabled="on: answer glossary questions in channels; off: only commands")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def free_text(self, interaction: discord.Interaction, enabled: bool) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        value = "on" if enabled else "off"
        await in_time(
            interaction,
            service_of(interaction).run(
                lambda store: store.set_guild_setting(guild_id, "free_text", value)
            ),
        )
        state = (
            "on: I answer glossary questions asked in channels"
            if enabled
            else ("off: I answer only /define, /faq and @mentions")
        )
        await send_answer(interaction, info_answer("Free-text answers", f"Free text is {state}."))

    @app_commands.command(name="missed", description="What members asked that found nothing")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def missed(self, interaction: discord.Interaction) -> None:
        guild_id = interaction.guild_id
        rows = await in_time(
            interaction,
            service_of(interaction).run(
                lambda store: store.missed_queries(guild_id=guild_id, limit=25)
            ),
        )
        body = "\n".join(f"{count}× {query}" for query, count in rows) or "Nothing missed yet."
        await send_answer(interaction, info_answer("Unanswered questions", body))

    @app_commands.command(name="remove-definition", description="Hide a member's definition")
    @app_commands.describe(definition_id="The definition's number (shown in /profile)")
    @app_commands.checks.has_permissions(manage_messages=True)
    async def remove_definition(self, interaction: discord.Interaction, definition_id: int) -> None:
        service = service_of(interaction)
        definition = service.store.definition(definition_id, guild_id=interaction.guild_id)
        if definition is None or definition.guild_id != interaction.guild_id:
            await send_answer(interaction, info_answer("Not found", "No such definition here."))
            return
        await in_time(
            interaction, service.run(lambda store: store.remove_definition(definition_id))
        )
        await send_answer(
            interaction,
            info_answer(
                "Removed",
                f"Definition {definition_id} is hidden; its votes"
                " stay in the members' karma history.",
            ),
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Admin(bot))
