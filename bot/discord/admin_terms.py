"""/glossary add, edit and remove: the server's own terms, beside the shared glossaries.

A server term is found by /define, autocomplete and free text in its server only. The checks
and what is said are the core's (bot/core/server.py), shared with the console.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.core import server
from bot.core.contributions import MAX_TERM_NAME, Refused
from bot.core.server import TermForm
from bot.discord.admin import glossary_group, may_manage
from bot.discord.choices import picked
from bot.discord.render import CHOICE_LIMIT, choice_name
from bot.discord.replies import actor_of, guarded, in_time, send_answer, send_error, service_of

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot

# The boxes of the term modal, and how much each may hold.
BOX_LIMITS = {
    "name": MAX_TERM_NAME,
    "definition": server.MAX_TERM_DEFINITION,
    "summary": server.MAX_SUMMARY,
    "aliases": 1000,
    "related": 1000,
}
TOO_LONG_TO_EDIT = (
    "“{name}” holds more than a Discord form can show ({box}); change it in the glossary file"
    " and /glossary import it. Nothing was changed."
)


class TermModal(discord.ui.Modal):
    """The long fields of a term. Pre-filled when editing; the name too when adding one."""

    def __init__(self, form: TermForm, term_id: int | None = None):
        super().__init__(title=(f"Edit {form.name}" if term_id else "Add a term")[:45])
        self.term_id = term_id
        paragraph = discord.TextStyle.paragraph
        self.boxes = {
            "name": discord.ui.TextInput(label="Term", default=form.name or None),
            "definition": discord.ui.TextInput(
                label="Definition", style=paragraph, default=form.definition or None
            ),
            "summary": discord.ui.TextInput(
                label="Summary (optional): one line", required=False, default=form.summary or None
            ),
            "aliases": discord.ui.TextInput(
                label="Other names (optional), comma-separated",
                required=False,
                default=form.aliases or None,
            ),
            "related": discord.ui.TextInput(
                label="Related terms (optional), comma-separated",
                required=False,
                default=form.related or None,
            ),
        }
        for key, box in self.boxes.items():
            box.max_length = BOX_LIMITS[key]
            self.add_item(box)

    @guarded
    async def on_submit(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        if not await may_manage(interaction):
            return
        guild_id = interaction.guild_id
        assert guild_id is not None
        form = TermForm(**{key: box.value for key, box in self.boxes.items()})
        service = service_of(interaction)
        if self.term_id is None:
            pending = service.add_server_term(guild_id, form, by=actor_of(interaction))
        else:
            pending = service.edit_server_term(
                guild_id, self.term_id, form, by=actor_of(interaction)
            )
        try:
            await in_time(interaction, pending)
        except Refused as refused:
            await send_error(interaction, str(refused))
            return
        name = " ".join(form.name.split())
        await send_answer(interaction, server.term_saved_answer(name, added=self.term_id is None))


def term_modal(form: TermForm, term_id: int | None = None) -> TermModal | str:
    """The modal, or why Discord could not show it (a field longer than its box)."""
    for key, limit in BOX_LIMITS.items():
        if len(getattr(form, key)) > limit:
            return TOO_LONG_TO_EDIT.format(name=form.name, box=key)
    return TermModal(form, term_id)


async def open_term_modal(
    interaction: discord.Interaction[GlossaryBot], form: TermForm, term_id: int | None = None
) -> None:
    modal = term_modal(form, term_id)
    if isinstance(modal, str):
        await send_error(interaction, modal)
    else:
        await interaction.response.send_modal(modal)


async def server_term_choices(
    interaction: discord.Interaction[GlossaryBot], current: str
) -> list[app_commands.Choice[str]]:
    assert interaction.guild_id is not None
    service = service_of(interaction)
    candidates = await service.call(service.server_term_choices, interaction.guild_id, current)
    return [
        app_commands.Choice(name=choice_name(label), value=f"#term:{target}")
        for target, label in candidates[:CHOICE_LIMIT]
    ]


async def _server_term_id(interaction: discord.Interaction[GlossaryBot], term: str) -> int:
    """The server's own term picked or typed, or Refused."""
    assert interaction.guild_id is not None
    service = service_of(interaction)
    found = picked(term, "term") or await service.call(
        service.find_server_term, interaction.guild_id, term
    )
    if found is None:
        raise Refused(server.TERM_NOT_HERE)
    return found


@app_commands.command(name="add", description="Add a term to this server's own glossary")
@app_commands.describe(term="The new term's name")
@app_commands.checks.has_permissions(manage_guild=True)
async def add(
    interaction: discord.Interaction[GlossaryBot], term: app_commands.Range[str, 1, 80]
) -> None:
    await open_term_modal(interaction, TermForm(name=term))


@app_commands.command(name="edit", description="Change one of this server's own terms")
@app_commands.describe(term="The server's term to change")
@app_commands.autocomplete(term=server_term_choices)
@app_commands.checks.has_permissions(manage_guild=True)
async def edit(
    interaction: discord.Interaction[GlossaryBot], term: app_commands.Range[str, 1, 200]
) -> None:
    assert interaction.guild_id is not None
    try:
        term_id = await _server_term_id(interaction, term)
        service = service_of(interaction)
        form = await service.call(service.server_term_form, interaction.guild_id, term_id)
    except Refused as refused:
        await send_error(interaction, str(refused))
        return
    await open_term_modal(interaction, form, term_id)


@app_commands.command(name="remove", description="Remove one of this server's own terms")
@app_commands.describe(term="The server's term to remove")
@app_commands.autocomplete(term=server_term_choices)
@app_commands.checks.has_permissions(manage_guild=True)
async def remove(
    interaction: discord.Interaction[GlossaryBot], term: app_commands.Range[str, 1, 200]
) -> None:
    assert interaction.guild_id is not None
    try:
        term_id = await _server_term_id(interaction, term)
        pending = service_of(interaction).remove_server_term(
            interaction.guild_id, term_id, by=actor_of(interaction)
        )
        name = await in_time(interaction, pending)
    except Refused as refused:
        await send_error(interaction, str(refused))
        return
    await send_answer(interaction, server.term_removed_answer(name))


class AddMissedTermButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"gb:add-term:(?P<query>\d+)"
):
    """On /glossary report: add a term for a question that found nothing."""

    def __init__(self, item: discord.ui.Button, query_id: int):
        super().__init__(item)
        self.query_id = query_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[GlossaryBot],
        item: discord.ui.Button,
        match: re.Match[str],
    ) -> AddMissedTermButton:
        return cls(item, int(match["query"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        if not await may_manage(interaction):
            return
        service = service_of(interaction)
        query = await service.call(
            service.missed_query, self.query_id, guild_id=interaction.guild_id
        )
        if query is None:
            await send_error(interaction, "That question is no longer on the report.")
            return
        await open_term_modal(interaction, TermForm(name=server.term_name_from(query)))


async def setup(bot: GlossaryBot) -> None:
    group = glossary_group(bot)
    for command in (add, edit, remove):
        group.add_command(command)
    bot.add_dynamic_items(AddMissedTermButton)
