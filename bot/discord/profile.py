"""/profile and /leaderboard: karma, badges and definitions of the members of this server."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.answers import Answer, Section
from bot.core.karma import BADGES_BY_KEY
from bot.discord.replies import send_answer, service_of


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
        store = service_of(interaction).store
        guild_id = interaction.guild_id
        assert guild_id is not None
        stats = store.member_stats(guild_id=guild_id, user_id=member.id)
        badges = [
            BADGES_BY_KEY[b].name
            for b in store.badges(guild_id=guild_id, user_id=member.id)
            if b in BADGES_BY_KEY
        ]
        definitions = store.member_definitions(guild_id=guild_id, user_id=member.id)
        lines = []
        for definition in definitions[:15]:
            term = store.term(definition.term_id)
            name = term.name if term else "?"
            lines.append(
                f"#{definition.id} **{name}** (👍 {definition.upvotes} 👎 {definition.downvotes})"
            )
        sections = [
            Section("Karma", f"{stats.karma} (👍 {stats.upvotes} received, 👎 {stats.downvotes})"),
            Section("Badges", ", ".join(badges) or "None yet"),
            Section(
                f"Definitions ({len(definitions)})",
                "\n".join(lines) or "None yet: add one with /contribute",
            ),
        ]
        await send_answer(
            interaction,
            Answer(kind="info", title=f"{member.display_name}'s profile", sections=sections),
            private=False,
        )

    @app_commands.command(name="leaderboard", description="The members with the most karma here")
    @app_commands.guild_only()
    async def leaderboard(self, interaction: discord.Interaction) -> None:
        store = service_of(interaction).store
        assert interaction.guild_id is not None
        ranked = store.leaderboard(guild_id=interaction.guild_id, limit=10)
        lines = [
            f"{rank}. {m.name or m.user_id}: {m.karma} karma ({m.definitions} definitions)"
            for rank, m in enumerate(ranked, 1)
        ]
        body = "\n".join(lines) or "Nobody has contributed a definition yet. Try /contribute!"
        await send_answer(
            interaction, Answer(kind="info", title="Leaderboard", body=body), private=False
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Profile(bot))
