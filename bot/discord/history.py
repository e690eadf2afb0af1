"""A definition's History button: its versions, paged, privately; and Revert, for its author
or an admin. The custom ids carry the definition and the page or version, so the buttons keep
working after a restart. Who may revert is decided by the core (bot/core/history.py), with
Manage Server as Discord reports it for this very press."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord.ext import commands

from bot.core.contributions import Refused
from bot.discord.replies import (
    edit_answer,
    guarded,
    guild_id_of,
    in_time,
    send_answer,
    send_error,
    service_of,
)

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot


def is_admin(interaction: discord.Interaction[GlossaryBot]) -> bool:
    """Manage Server in this server, as Discord resolved it for this interaction."""
    return interaction.guild_id is not None and interaction.permissions.manage_guild


class HistoryButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"gb:(?P<action>history|revert):(?P<definition>\d+):(?P<arg>\d+|open)",
):
    """History on a definition (arg "open"), a history page's Previous and Next (arg: the
    page), and its Revert buttons (arg: the version to bring back)."""

    def __init__(self, item: discord.ui.Button, action: str, definition_id: int, arg: str):
        super().__init__(item)
        self.action = action
        self.definition_id = definition_id
        self.arg = arg

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[GlossaryBot],
        item: discord.ui.Button,
        match: re.Match[str],
    ) -> HistoryButton:
        return cls(item, match["action"], int(match["definition"]), match["arg"])

    @guarded
    async def callback(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        service = service_of(interaction)
        guild_id = guild_id_of(interaction)
        try:
            if self.action == "revert":
                if not self.arg.isdigit():
                    raise Refused("That button is broken; open the history again.")
                pending = service.revert_definition(
                    self.definition_id,
                    int(self.arg),
                    guild_id=guild_id,
                    user_id=interaction.user.id,
                    user_name=interaction.user.display_name,
                    admin=is_admin(interaction),
                )
                answer = await in_time(interaction, pending, update=True)
            else:
                answer = await service.call(
                    service.definition_history,
                    self.definition_id,
                    guild_id=guild_id,
                    user_id=interaction.user.id,
                    admin=is_admin(interaction),
                    page=int(self.arg) if self.arg.isdigit() else 0,
                )
        except Refused as refused:
            await send_error(interaction, str(refused))
            return
        if self.arg == "open":
            await send_answer(interaction, answer, private=True)
        else:  # a page of the history, or the history after a revert: in place
            await edit_answer(interaction, answer)


async def setup(bot: commands.Bot) -> None:
    bot.add_dynamic_items(HistoryButton)
