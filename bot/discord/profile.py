"""/profile and /leaderboard: karma, badges and definitions of the members of this server.

Both read through the writer, after the votes and contributions already on their way, so a
member who just voted sees their vote counted.
"""

from __future__ import annotations

import functools

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import karma
from bot.discord.replies import in_time, send_answer, service_of


class Profile(commands.Cog):
    def __init__(self, bot: commands.Bot):
        self.bot = bot

    @app_commands.command(name="profile", description="A member's karma, badges and definitions")
    @app_commands.describe(member="Whose profile [default: yours]")
    @app_commands.guild_only()
    async def profile(
        self, interaction: discord.Interaction, member: discord.User | None = None
    ) -> None:
        member = member or interaction.user
        assert interaction.guild_id is not None
        work = functools.partial(
            karma.profile_answer,
            guild_id=interaction.guild_id,
            user_id=member.id,
            name=member.display_name,
        )
        answer = await in_time(interaction, service_of(interaction).run(work), ephemeral=False)
        await send_answer(interaction, answer, private=False)

    @app_commands.command(name="leaderboard", description="The members with the most karma here")
    @app_commands.guild_only()
    async def leaderboard(self, interaction: discord.Interaction) -> None:
        assert interaction.guild_id is not None
        work = functools.partial(karma.leaderboard_answer, guild_id=interaction.guild_id)
        answer = await in_time(interaction, service_of(interaction).run(work), ephemeral=False)
        await send_answer(interaction, answer, private=False)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Profile(bot))
