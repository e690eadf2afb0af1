"""/glossary: server administration. Hidden from members without the permission by default,
and checked again on every use, since server owners can override command permissions."""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import karma
from bot.core.answers import info_answer
from bot.core.contributions import Refused, definition_removed
from bot.core.karma import LIMIT_SETTINGS, MEASURES, Badge
from bot.core.server import NEED_MANAGE_SERVER, FreeText, free_text_answer, parse_channels
from bot.discord.replies import in_time, send_answer, send_error, service_of
from bot.discord.votes import RecountReport, Votes

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot

# https://discord.com/channels/<server>/<channel>/<message>
MESSAGE_LINK = re.compile(r"https://(?:\w+\.)?discord(?:app)?\.com/channels/(\d+)/(\d+)/(\d+)")


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Admin(commands.GroupCog, group_name="glossary", group_description="Manage the glossary bot"):
    def __init__(self, bot: GlossaryBot):
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
        interaction: discord.Interaction[GlossaryBot],
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
    async def missed(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        pending = service_of(interaction).missed_queries(interaction.guild_id, limit=25)
        rows = await in_time(interaction, pending)
        body = "\n".join(f"{count}× {query}" for query, count in rows) or "Nothing missed yet."
        await send_answer(interaction, info_answer("Unanswered questions", body))

    @app_commands.command(name="remove-definition", description="Hide a member's definition")
    @app_commands.describe(definition_id="The definition's number (shown in /profile)")
    @app_commands.checks.has_permissions(manage_messages=True)
    async def remove_definition(
        self, interaction: discord.Interaction[GlossaryBot], definition_id: int
    ) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        pending = service_of(interaction).delete_definition(
            definition_id,
            guild_id=guild_id,
            user_id=interaction.user.id,
            moderator=True,
            user_name=interaction.user.display_name,
        )
        try:
            await in_time(interaction, pending)
        except Refused as refused:
            await send_answer(interaction, info_answer("Not found", str(refused)))
            return
        await send_answer(interaction, info_answer("Removed", definition_removed(definition_id)))

    # -- votes: recount, limits, badges ---------------------------------------------------

    @app_commands.command(name="recount", description="Recount votes from Discord's reactions")
    @app_commands.describe(
        message="Link to one answer to recount",
        channel="Recount this channel's recent answers [default: this channel]",
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def recount(
        self,
        interaction: discord.Interaction[GlossaryBot],
        message: str | None = None,
        channel: discord.TextChannel | discord.Thread | None = None,
    ) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        service = service_of(interaction)
        votes = self.bot.get_cog("Votes")
        if not isinstance(votes, Votes) or not votes.enabled:
            await send_error(interaction, "Vote counting is off on this bot.")
            return
        if message:
            link = MESSAGE_LINK.fullmatch(message.strip())
            if link is None or int(link[1]) != guild_id:
                await send_error(interaction, "Give a link to one of my answers in this server.")
                return
            recent = await service.call(service.recent_answers, days=36500, channel_id=int(link[2]))
            rows = [r for r in recent if r["message_id"] == int(link[3])]
            if not rows:
                await send_error(interaction, "That message is not one of my answers.")
                return
        else:
            channel_id = channel.id if channel else interaction.channel_id
            days = (await service.call(service.vote_limits, guild_id)).reconcile_days
            rows = await service.call(
                service.recent_answers, days=days, guild_id=guild_id, channel_id=channel_id
            )
        report = await in_time(interaction, votes.reconcile(rows, RecountReport()))
        await send_answer(interaction, info_answer("Votes recounted", report.summary()))

    @app_commands.command(name="vote-limits", description="Show or change the limits on votes")
    @app_commands.describe(
        per_minute=LIMIT_SETTINGS["per_minute"][3],
        daily_per_author=LIMIT_SETTINGS["daily_per_author"][3],
        min_account_days=LIMIT_SETTINGS["min_account_days"][3],
        min_member_hours=LIMIT_SETTINGS["min_member_hours"][3],
        reconcile_days=LIMIT_SETTINGS["reconcile_days"][3],
        reset="Back to the bot's defaults",
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def vote_limits(
        self,
        interaction: discord.Interaction[GlossaryBot],
        per_minute: app_commands.Range[int, 1, 1000] | None = None,
        daily_per_author: app_commands.Range[int, 1, 10000] | None = None,
        min_account_days: app_commands.Range[float, 0, 3650] | None = None,
        min_member_hours: app_commands.Range[float, 0, 8760] | None = None,
        reconcile_days: app_commands.Range[float, 0, 365] | None = None,
        reset: bool = False,
    ) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        service = service_of(interaction)
        given = {
            "per_minute": per_minute,
            "daily_per_author": daily_per_author,
            "min_account_days": min_account_days,
            "min_member_hours": min_member_hours,
            "reconcile_days": reconcile_days,
        }
        values = {k: str(v) for k, v in given.items() if v is not None}
        if reset or values:
            await in_time(interaction, service.set_vote_limits(guild_id, None if reset else values))
        limits = await service.call(service.vote_limits, guild_id)
        lines = [
            f"{LIMIT_SETTINGS[f.name][3]}: **{getattr(limits, f.name):g}**"
            for f in dataclasses.fields(limits)
        ]
        await send_answer(interaction, info_answer("Vote limits", "\n".join(lines)))

    badges = app_commands.Group(name="badges", description="The badges members earn here")

    @badges.command(name="list", description="The badges members can earn here")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def badges_list(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        await self._show_badges(interaction, "Badges")

    @badges.command(name="set", description="Add a badge, or change one (by its key)")
    @app_commands.describe(
        key="Short id, like karma-10",
        name="What members see",
        emoji="One emoji",
        measure="What it counts",
        threshold="How many it takes",
    )
    @app_commands.choices(
        measure=[app_commands.Choice(name=many, value=key) for key, (_, many) in MEASURES.items()]
    )
    @app_commands.checks.has_permissions(manage_guild=True)
    async def badges_set(
        self,
        interaction: discord.Interaction[GlossaryBot],
        key: app_commands.Range[str, 1, 40],
        name: app_commands.Range[str, 1, 60],
        emoji: app_commands.Range[str, 1, 20],
        measure: str,
        threshold: app_commands.Range[int, 1, 1_000_000],
    ) -> None:
        try:
            badge = karma.check_badge(
                Badge(key.strip().lower(), name.strip(), emoji.strip(), measure, threshold)
            )
        except ValueError as exc:
            await send_error(interaction, f"Not saved: {exc}.")
            return
        service = service_of(interaction)
        current = list(await service.call(service.badges, interaction.guild_id or 0))
        keys = [b.key for b in current]
        if badge.key in keys:
            current[keys.index(badge.key)] = badge
        else:
            current.append(badge)
        await self._save_badges(interaction, tuple(current))

    @badges.command(name="remove", description="Stop awarding a badge (members keep it)")
    @app_commands.describe(key="The badge's key, from /glossary badges list")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def badges_remove(
        self, interaction: discord.Interaction[GlossaryBot], key: app_commands.Range[str, 1, 40]
    ) -> None:
        service = service_of(interaction)
        current = await service.call(service.badges, interaction.guild_id or 0)
        kept = tuple(b for b in current if b.key != key.strip().lower())
        if len(kept) == len(current):
            await send_error(interaction, f"No badge with the key {key!r} here.")
            return
        await self._save_badges(interaction, kept)

    @badges.command(name="reset", description="Back to the default badges (members keep theirs)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def badges_reset(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        await self._save_badges(interaction, None)

    async def _save_badges(
        self, interaction: discord.Interaction[GlossaryBot], badges: tuple[Badge, ...] | None
    ) -> None:
        guild_id = interaction.guild_id
        assert guild_id is not None
        await in_time(interaction, service_of(interaction).set_badges(guild_id, badges))
        await self._show_badges(interaction, "Badges saved")

    async def _show_badges(self, interaction: discord.Interaction[GlossaryBot], title: str) -> None:
        service = service_of(interaction)
        badges = await service.call(service.badges, interaction.guild_id or 0)
        lines = [f"{b.label} (`{b.key}`): {b.description}" for b in badges]
        body = "\n".join(lines) or "No badges: members earn none here."
        await send_answer(interaction, info_answer(title, body))


def glossary_group(bot: GlossaryBot) -> app_commands.Group:
    """/glossary, for the modules that add its other subcommands (bot.discord.admin_*)."""
    cog = bot.get_cog("Admin")
    assert isinstance(cog, Admin), "load bot.discord.admin before the modules that extend it"
    return cog.app_command


async def may_manage(interaction: discord.Interaction[GlossaryBot]) -> bool:
    """Buttons and modals of /glossary check the permission again: whoever presses them may
    not be the admin who ran the command, or may have lost the permission since."""
    if interaction.permissions.manage_guild:
        return True
    await send_error(interaction, NEED_MANAGE_SERVER)
    return False


async def setup(bot: GlossaryBot) -> None:
    await bot.add_cog(Admin(bot))
