"""/contribute: a member adds, edits or deletes their own definition of a term, or creates a
term their server lacks. Every check is the core's (bot/core/contributions.py): what a Discord
client enforces in the modal is a courtesy, not a guarantee."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core import contributions
from bot.core.contributions import (
    MAX_DEFINITION,
    MAX_TERM_NAME,
    MIN_DEFINITION,
    Contribution,
    Refused,
    Saved,
)
from bot.core.model import DefinitionRecord
from bot.discord.choices import picked, term_choices
from bot.discord.replies import guarded, in_time, send_answer, send_error, service_of

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot

DELETED = (
    "Your definition of “{term}” is deleted; it no longer shows, and its votes no longer count."
)


def _boxes(mine: DefinitionRecord | None) -> list[discord.ui.TextInput]:
    """The definition and its source, pre-filled with the member's own when they have one."""
    source = mine.source if mine else None
    return [
        discord.ui.TextInput(
            label="Definition",
            style=discord.TextStyle.paragraph,
            min_length=MIN_DEFINITION,
            max_length=MAX_DEFINITION,
            default=mine.text if mine else None,
        ),
        discord.ui.TextInput(
            label="Source (optional)",
            required=False,
            max_length=contributions.MAX_SOURCE_NAME,
            default=source.name if source and source.name != "link" else None,
        ),
        discord.ui.TextInput(
            label="Source link (optional)",
            required=False,
            max_length=contributions.MAX_SOURCE_URL,
            placeholder="https://...",
            default=source.url if source else None,
        ),
    ]


class DefinitionModal(discord.ui.Modal):
    """A member's definition of a term; with no term (term_id None), of the new term it names."""

    def __init__(self, term_id: int | None, term_name: str, mine: DefinitionRecord | None = None):
        verb = "New term:" if term_id is None else "Edit your definition of" if mine else "Define"
        super().__init__(title=f"{verb} {term_name}"[:45])
        self.term_id = term_id
        self.name = discord.ui.TextInput(label="Term", max_length=MAX_TERM_NAME, default=term_name)
        if term_id is None:
            self.add_item(self.name)
        self.text, self.source_name, self.source_url = _boxes(mine)
        for box in (self.text, self.source_name, self.source_url):
            self.add_item(box)

    @guarded
    async def on_submit(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        sent = await _sent(interaction, self.text, self.source_name, self.source_url)
        if sent is None:
            return
        service = service_of(interaction)
        if self.term_id is None:
            await _saved(interaction, service.create_member_term(self.name.value, sent))
        else:
            await _saved(interaction, service.contribute(self.term_id, sent))


async def _sent(
    interaction: discord.Interaction[GlossaryBot], *boxes: discord.ui.TextInput
) -> Contribution | None:
    """The member's contribution, after the checks that need no database: they come before
    the answer may go public ("thinking…"), so a refusal stays private."""
    assert interaction.guild_id is not None
    text, source_name, source_url = (box.value for box in boxes)
    sent = Contribution(
        interaction.guild_id,
        interaction.user.id,
        interaction.user.display_name,
        text,
        source_name,
        source_url,
        channel_id=interaction.channel_id,
    )
    try:
        sent.checked()
    except Refused as refused:
        await send_error(interaction, str(refused))
        return None
    return sent


async def _saved(interaction: discord.Interaction[GlossaryBot], pending: Awaitable[Saved]) -> None:
    """Post the stored definition for everyone, or tell the member privately why not."""
    # Where definitions may wait for review, "thinking…" stays private: what it turns into
    # may be a definition nobody else may see yet.
    guild_id = interaction.guild_id
    service = service_of(interaction)
    reviewed = guild_id is not None and await service.call(service.reviews_definitions, guild_id)
    try:
        saved: Saved = await in_time(interaction, pending, ephemeral=reviewed)
    except Refused as refused:
        await send_error(interaction, str(refused))
        return
    service = service_of(interaction)
    if saved.waiting is not None and interaction.guild_id is not None:
        # In the review queue: for the member's eyes (and the reviewers') only.
        waiting = await service.call(service.waiting_answer, saved, guild_id=interaction.guild_id)
        await send_answer(interaction, waiting, private=True)
        return
    answer = await service.call(
        service.term_answer, saved.term_id, guild_id=interaction.guild_id, page=saved.page
    )
    await send_answer(interaction, answer, private=False)


async def open_definition_modal(
    interaction: discord.Interaction[GlossaryBot], term_id: int
) -> None:
    """The modal for the member's definition of a term: pre-filled when they have one."""
    service = service_of(interaction)
    assert interaction.guild_id is not None
    term = await service.call(service.term, term_id)
    if term is None or term.removed or term.guild_id not in (None, interaction.guild_id):
        await send_error(interaction, contributions.TERM_GONE)
        return
    mine = await service.call(
        service.author_definition,
        term.id,
        guild_id=interaction.guild_id,
        author_id=interaction.user.id,
    )
    await interaction.response.send_modal(DefinitionModal(term.id, term.name, mine))


class Contribute(commands.Cog):
    def __init__(self, bot: GlossaryBot):
        self.bot = bot

    @app_commands.command(name="contribute", description="Add or edit your definition of a term")
    @app_commands.describe(term="The term you want to define (a new one is fine)")
    @app_commands.autocomplete(term=term_choices)
    @app_commands.guild_only()
    async def contribute(
        self, interaction: discord.Interaction[GlossaryBot], term: app_commands.Range[str, 1, 200]
    ) -> None:
        service = service_of(interaction)
        term_id = picked(term, "term")
        if term_id is None:
            decision = service.decide(term, guild_id=interaction.guild_id, kinds=("term",))
            if decision.decision == "answer" and decision.best:
                term_id = decision.best.target
            else:
                choices = [(c.target, c.label) for c in decision.candidates if c.kind == "term"]
                await send_answer(interaction, contributions.unknown_term_answer(term, choices))
                return
        await open_definition_modal(interaction, term_id)


class ContributionButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"gb:(?P<action>contribute|new-term|edit|delete):(?P<arg>.+)",
):
    """The buttons of contributions: on "not a term yet", define one of the closest terms or
    create the one asked for; on a definition its author is looking at, edit or delete it
    (anyone else pressing those is refused)."""

    def __init__(self, item: discord.ui.Button, action: str, arg: str):
        super().__init__(item)
        self.action = action
        self.arg = arg

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[GlossaryBot],
        item: discord.ui.Button,
        match: re.Match[str],
    ) -> ContributionButton:
        return cls(item, match["action"], match["arg"])

    @guarded
    async def callback(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        if self.action == "new-term":
            await interaction.response.send_modal(DefinitionModal(None, self.arg))
        elif interaction.guild_id is None or not self.arg.isdigit():
            await send_error(interaction, contributions.TERM_GONE)
        elif self.action == "contribute":
            await open_definition_modal(interaction, int(self.arg))
        else:
            await self._own_definition(interaction, int(self.arg))

    async def _own_definition(
        self, interaction: discord.Interaction[GlossaryBot], definition_id: int
    ) -> None:
        service = service_of(interaction)
        guild_id, user_id = interaction.guild_id, interaction.user.id
        assert guild_id is not None
        try:
            if self.action == "edit":
                mine = await service.call(
                    service.own_definition, definition_id, guild_id=guild_id, user_id=user_id
                )
                term = await service.call(service.term, mine.term_id)
                name = term.name if term else "this term"
                await interaction.response.send_modal(DefinitionModal(mine.term_id, name, mine))
                return
            pending = service.delete_definition(
                definition_id,
                guild_id=guild_id,
                user_id=user_id,
                user_name=interaction.user.display_name,
            )
            gone = await in_time(interaction, pending)
        except Refused as refused:
            await send_error(interaction, str(refused))
            return
        term = await service.call(service.term, gone.term_id)
        name = term.name if term else "that term"
        await send_error(interaction, contributions.DELETED.format(term=name))


async def setup(bot: GlossaryBot) -> None:
    bot.add_dynamic_items(ContributionButton)
    await bot.add_cog(Contribute(bot))
