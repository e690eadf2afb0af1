"""Autocomplete for slash-command options: the matcher's names as Discord choices.

A picked choice's value carries the id of what it names (``#term:42``), because names can be
longer than a choice value's 100 characters and two glossaries may share a name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands

from bot.discord.render import CHOICE_LIMIT, choice_name
from bot.discord.replies import guild_id_of, service_of

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot

Kind = Literal["term", "faq"]


def picked(value: str, kind: Kind) -> int | None:
    """The id a picked choice carries, or None when the member typed their own text."""
    prefix = f"#{kind}:"
    rest = value[len(prefix) :] if value.startswith(prefix) else ""
    return int(rest) if rest.isdigit() else None


def choices_for(
    interaction: discord.Interaction[GlossaryBot], current: str, kind: Kind
) -> list[app_commands.Choice[str]]:
    # The matcher alone, in memory: no storage is read, so no seam is needed.
    candidates = service_of(interaction).complete(
        current, guild_id=guild_id_of(interaction), kind=kind, limit=CHOICE_LIMIT
    )
    return [
        app_commands.Choice(name=choice_name(c.label), value=f"#{kind}:{c.target}")
        for c in candidates[:CHOICE_LIMIT]
    ]


async def term_choices(
    interaction: discord.Interaction[GlossaryBot], current: str
) -> list[app_commands.Choice[str]]:
    return choices_for(interaction, current, "term")


async def faq_choices(
    interaction: discord.Interaction[GlossaryBot], current: str
) -> list[app_commands.Choice[str]]:
    return choices_for(interaction, current, "faq")
