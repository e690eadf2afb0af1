"""/glossary web on|off, and the "Open on the web" button on answers.

The command joins the /glossary group of the admin cog (`admin.py`), kept in a file of its own
since it is one feature: a server's web pages. Manage Server is checked again on every use,
since server owners can change who sees a command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.answers import info_answer
from bot.discord.replies import in_time, send_answer, service_of

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot


@app_commands.command(name="web", description="Show this server's glossary on the web site")
@app_commands.describe(state="on: serve this server's terms, definitions and profiles; off: hide")
@app_commands.checks.has_permissions(manage_guild=True)
async def web_view(
    interaction: discord.Interaction[GlossaryBot], state: Literal["on", "off"]
) -> None:
    guild_id = interaction.guild_id
    assert guild_id is not None
    key = await in_time(interaction, service_of(interaction).set_web_view(guild_id, state == "on"))
    base = interaction.client.web_url
    if key is None:
        body = "The web view is off: none of this server's pages are served."
    else:
        address = f"{base}/s/{key}/" if base else f"/s/{key}/ on the bot's web site"
        body = (
            f"The web view is on: this server's terms, members' definitions, profiles and"
            f" leaderboard are at {address} (display names only, never ids)."
        )
    await send_answer(interaction, info_answer("Web view", body))


async def setup(bot: GlossaryBot) -> None:
    admin = bot.get_cog("Admin")
    assert isinstance(admin, commands.GroupCog), "load bot.discord.admin first"
    group = admin.app_command
    assert group is not None
    group.add_command(web_view)


async def teardown(bot: GlossaryBot) -> None:
    admin = bot.get_cog("Admin")
    if isinstance(admin, commands.GroupCog) and admin.app_command is not None:
        admin.app_command.remove_command(web_view.name)
