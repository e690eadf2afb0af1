"""/profile (also a member's context menu) and /leaderboard: karma, badges and definitions of
the members of this server, computed from the votes the store holds.

Both read through the writer, after the votes and contributions already on their way, so a
member who just voted sees their vote counted. Their pages turn in place on a private view;
on a public one, the member who pressed gets the page privately and the message stays as
everyone else sees it.
"""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import answers
from bot.core.answers import Answer
from bot.discord.components import show_page
from bot.discord.replies import guarded, in_time, send_answer, send_error, service_of

if TYPE_CHECKING:
    from bot.core.service import GlossaryService
    from bot.discord.client import GlossaryBot

# How long a member found in the server counts as still there (the bot has no members intent,
# so it asks Discord about the members a leaderboard page would show, at most this often).
MEMBER_CHECK_HOURS = 1.0
Period = Literal["week", "month", "all"]
PERIOD_BY_DAYS = {days: name for name, days in answers.PERIODS.items()}


async def profile_of(
    interaction: discord.Interaction[GlossaryBot],
    user_id: int,
    name: str | None,
    page: int = 0,
    *,
    private: bool = False,
) -> Answer:
    assert interaction.guild_id is not None
    work = service_of(interaction).profile(
        guild_id=interaction.guild_id, user_id=user_id, name=name, page=page
    )
    return await in_time(interaction, work, ephemeral=private)


async def leaderboard_of(
    interaction: discord.Interaction[GlossaryBot], period: str, page: int = 0
) -> Answer:
    """One page of the board, members who left the server dropped."""
    service = service_of(interaction)
    guild = interaction.guild
    assert guild is not None

    async def build() -> Answer:
        ranked = await service.leaderboard(guild_id=guild.id, period=period)
        needed = (page + 1) * answers.LEADERBOARD_PAGE
        while True:
            shown = [m.user_id for m in ranked[:needed]]
            unchecked = await service.call(
                service.members_to_check,
                guild_id=guild.id,
                user_ids=shown,
                hours=MEMBER_CHECK_HOURS,
            )
            if not unchecked:
                break
            gone = await _left(service, guild, unchecked)
            ranked = [m for m in ranked if m.user_id not in gone]
        at = max(0, min(page, -(-len(ranked) // answers.LEADERBOARD_PAGE) - 1))
        start = at * answers.LEADERBOARD_PAGE
        return answers.leaderboard_answer(
            ranked[start : start + answers.LEADERBOARD_PAGE],
            total=len(ranked),
            page=at,
            period=period,
        )

    return await in_time(interaction, build(), ephemeral=False)


async def _left(service: GlossaryService, guild: discord.Guild, user_ids: list[int]) -> set[int]:
    """Which of these members Discord says are no longer in the server (recorded)."""

    async def present(user_id: int) -> bool:
        try:
            await guild.fetch_member(user_id)
        except discord.NotFound:
            return False
        except discord.HTTPException:
            return True  # not known: keep them
        return True

    found = await asyncio.gather(*(present(u) for u in user_ids))
    for user_id, here in zip(user_ids, found, strict=True):
        await service.set_member_present(guild_id=guild.id, user_id=user_id, present=here)
    return {u for u, here in zip(user_ids, found, strict=True) if not here}


class Profile(commands.Cog):
    def __init__(self, bot: GlossaryBot):
        self.bot = bot
        self.profile_menu = app_commands.ContextMenu(name="Profile", callback=self.show_profile)
        self.profile_menu.guild_only = True

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.profile_menu)
        self.bot.add_dynamic_items(PageButton)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.profile_menu.name, type=self.profile_menu.type)

    @app_commands.command(name="profile", description="A member's karma, badges and definitions")
    @app_commands.describe(member="Whose profile [default: yours]")
    @app_commands.guild_only()
    async def profile(
        self, interaction: discord.Interaction[GlossaryBot], member: discord.User | None = None
    ) -> None:
        member = member or interaction.user
        answer = await profile_of(interaction, member.id, member.display_name)
        await send_answer(interaction, answer, private=False)

    async def show_profile(
        self, interaction: discord.Interaction[GlossaryBot], member: discord.User
    ) -> None:
        """The context menu: the member's profile, privately."""
        answer = await profile_of(interaction, member.id, member.display_name, private=True)
        await send_answer(interaction, answer, private=True)

    @app_commands.command(name="leaderboard", description="The members with the most karma here")
    @app_commands.describe(period="Karma from votes cast this week, month or ever [default: all]")
    @app_commands.guild_only()
    async def leaderboard(
        self, interaction: discord.Interaction[GlossaryBot], period: Period = "all"
    ) -> None:
        answer = await leaderboard_of(interaction, period)
        await send_answer(interaction, answer, private=False)


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"gb:(?P<kind>profile|board):(?P<target>\d+):(?P<page>\d+)",
):
    """◀ / ▶ on a profile or a leaderboard."""

    def __init__(self, item: discord.ui.Button, kind: str, target: int, page: int):
        super().__init__(item)
        self.kind, self.target, self.page = kind, target, page

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[GlossaryBot],
        item: discord.ui.Button,
        match: re.Match[str],
    ) -> PageButton:
        return cls(item, match["kind"], int(match["target"]), int(match["page"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        if interaction.guild_id is None:
            await send_error(interaction, "Profiles and the leaderboard are per server.")
            return
        message = interaction.message
        asked_by = message.interaction_metadata if message is not None else None
        if (
            message is not None
            and message.flags.ephemeral
            and asked_by is not None
            and asked_by.user.id != interaction.user.id
        ):
            await send_error(interaction, "Only the member who asked can turn these pages.")
            return
        if self.kind == "profile":
            answer = await profile_of(interaction, self.target, None, self.page, private=True)
        else:
            period = PERIOD_BY_DAYS.get(self.target, "all")
            answer = await leaderboard_of(interaction, period, self.page)
        await show_page(interaction, answer)


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(Profile(bot))
