"""/glossary: server administration. Hidden from members without the permission by default,
and checked again on every use, since server owners can override command permissions."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.answers import info_answer
from bot.core.contributions import Refused, definition_removed
from bot.core.server import NEED_MANAGE_SERVER, FreeText, free_text_answer, parse_channels
from bot.discord.replies import in_time, send_answer, send_error, service_of


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(commands.GroupCog, group_name="glossary", group_description="Manage the glossary bot"):
    def __init__(self, bot: commands.Bot):
        self.bot = bot
        super().__init__()

    @app_commands.command(name="free-text", description="Answer questions asked in channels")
    @app_commands.describe(
        enabled="on: answer glossary questions in channels; off: only commands",
        channels="Only in these channels (and threads under them), like: #help #sales",
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def free_text(
        self,
        interaction: discord.Interaction,
        enabled: bool,
        channels: app_commands.Range[str, 1, 1000] | None = None,
    ) -> None:
        guild = interaction.guild
        assert guild is not None
        names = {c.id: c.name for c in guild.channels}
        try:
            only = parse_channels(channels, names) if enabled and channels else []
        except Refused as refused:
            await send_error(interaction, str(refused))
            return
        setting = FreeText(enabled=enabled, channels=tuple(only))
        await in_time(interaction, service_of(interaction).set_free_text(guild.id, setting))
        await send_answer(interaction, free_text_answer(setting, names))

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
        guild_id = interaction.guild_id
        assert guild_id is not None
        pending = service_of(interaction).delete_definition(
            definition_id, guild_id=guild_id, user_id=interaction.user.id, moderator=True
        )
        try:
            await in_time(interaction, pending)
        except Refused as refused:
            await send_answer(interaction, info_answer("Not found", str(refused)))
            return
        await send_answer(interaction, info_answer("Removed", definition_removed(definition_id)))


def glossary_group(bot: commands.Bot) -> app_commands.Group:
    """/glossary, for the modules that add its other subcommands (bot.discord.admin_*)."""
    cog = bot.get_cog("Admin")
    assert isinstance(cog, Admin), "load bot.discord.admin before the modules that extend it"
    return cog.app_command


async def may_manage(interaction: discord.Interaction) -> bool:
    """Buttons and modals of /glossary check the permission again: whoever presses them may
    not be the admin who ran the command, or may have lost the permission since."""
    if interaction.permissions.manage_guild:
        return True
    await send_error(interaction, NEED_MANAGE_SERVER)
    return False


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Admin(bot))
