"""/glossary import and export: the server's own glossary as a YAML file, both ways.

An import is checked as `glossary-bot check` checks a file (the same FILE:LINE:COL messages) and
applied whole or not at all. When it would remove terms, the admin confirms first; the checked
file waits in memory for that (a restart forgets it, and the admin imports again).
"""

from __future__ import annotations

import asyncio
import io
import re
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.core import server
from bot.core.contributions import Refused
from bot.core.glossary import GlossaryError
from bot.core.model import Glossary
from bot.discord.admin import glossary_group, may_manage
from bot.discord.render import CONTENT_LIMIT
from bot.discord.replies import (
    actor_of,
    guarded,
    in_time,
    rendered,
    send_error,
    send_private,
    service_of,
)

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot

CONFIRM_SECONDS = 15 * 60  # how long a checked import waits for its confirmation
EXPIRED = "That import is no longer waiting; run /glossary import again. Nothing was changed."
CANCELLED = "Import cancelled. Nothing was changed."


@dataclass(slots=True)
class PendingImport:
    guild_id: int
    admin_id: int
    glossary: Glossary
    expires: float


_pending: dict[str, PendingImport] = {}


def _keep(pending: PendingImport) -> str:
    now = time.monotonic()
    for token in [t for t, p in _pending.items() if p.expires < now]:
        del _pending[token]
    token = secrets.token_hex(8)
    _pending[token] = pending
    return token


def _confirm_view(token: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(
        discord.ui.Button(
            label="Import and remove those terms",
            style=discord.ButtonStyle.danger,
            custom_id=f"gb:import:{token}:yes",
        )
    )
    view.add_item(
        discord.ui.Button(
            label="Cancel", style=discord.ButtonStyle.secondary, custom_id=f"gb:import:{token}:no"
        )
    )
    view.stop()  # answered by ImportButton, by its custom id
    return view


async def send_problems(
    interaction: discord.Interaction[GlossaryBot], error: GlossaryError
) -> None:
    """The file's problems: in the message when they fit, else as a file beside it."""
    text = server.problems_text(error)
    block = f"```\n{text}\n```"
    if len(block) <= CONTENT_LIMIT and "```" not in text:
        await send_private(interaction, content=block)
        return
    await send_private(
        interaction,
        content=f"{len(error.problems)} problem(s) found; nothing was imported. The list is"
        " attached.",
        file=discord.File(io.BytesIO(text.encode()), filename="problems.txt"),
    )


@app_commands.command(name="import", description="Make a glossary file this server's glossary")
@app_commands.describe(file="A YAML glossary file, in the format `glossary-bot check` reads")
@app_commands.checks.has_permissions(manage_guild=True)
async def import_file(
    interaction: discord.Interaction[GlossaryBot], file: discord.Attachment
) -> None:
    guild_id = interaction.guild_id
    assert guild_id is not None
    service = service_of(interaction)

    async def checked() -> server.ImportPlan:
        if file.size > server.IMPORT_LIMIT:
            raise Refused(
                f"{file.filename} is over {server.IMPORT_LIMIT // 1024 // 1024} MiB."
                f" {server.NOTHING_CHANGED}"
            )
        data = await file.read()
        # Reading a large YAML file takes a while: off the event loop.
        glossary = await asyncio.to_thread(server.read_import, data, filename=file.filename)
        return await service.plan_import(guild_id, glossary)

    try:
        plan = await in_time(interaction, checked())
    except GlossaryError as error:
        await send_problems(interaction, error)
        return
    except Refused as refused:
        await send_error(interaction, str(refused))
        return
    except discord.HTTPException:
        await send_error(interaction, "I could not download that file; try again.")
        return
    if plan.removes_terms:
        token = _keep(
            PendingImport(
                guild_id, interaction.user.id, plan.glossary, time.monotonic() + CONFIRM_SECONDS
            )
        )
        answer = server.import_plan_answer(plan)
        await send_private(interaction, answer=answer, view=_confirm_view(token))
        return
    report = await in_time(
        interaction, service.apply_import(guild_id, plan.glossary, by=actor_of(interaction))
    )
    await send_private(interaction, answer=server.import_done_answer(report))


@app_commands.command(name="export", description="This server's own glossary, as a YAML file")
@app_commands.checks.has_permissions(manage_guild=True)
async def export_file(interaction: discord.Interaction[GlossaryBot]) -> None:
    assert interaction.guild_id is not None
    pending = service_of(interaction).export_server_glossary(interaction.guild_id)
    filename, text = await in_time(interaction, pending)
    await send_private(
        interaction,
        content="This server's own glossary. Change it and bring it back with /glossary import.",
        file=discord.File(io.BytesIO(text.encode()), filename=filename),
    )


class ImportButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"gb:import:(?P<token>[0-9a-f]+):(?P<choice>yes|no)",
):
    """Confirm or cancel an import that removes terms."""

    def __init__(self, item: discord.ui.Button, token: str, choice: str):
        super().__init__(item)
        self.token = token
        self.choice = choice

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[GlossaryBot],
        item: discord.ui.Button,
        match: re.Match[str],
    ) -> ImportButton:
        return cls(item, match["token"], match["choice"])

    @guarded
    async def callback(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        if not await may_manage(interaction):
            return
        pending = _pending.get(self.token)
        if (
            pending is None
            or pending.guild_id != interaction.guild_id
            or pending.expires < time.monotonic()
        ):
            await interaction.response.edit_message(content=EXPIRED, embed=None, view=None)
            return
        if self.choice == "no":
            del _pending[self.token]
            await interaction.response.edit_message(content=CANCELLED, embed=None, view=None)
            return
        del _pending[self.token]  # once: a second press finds it gone
        service = service_of(interaction)
        report = await in_time(
            interaction,
            service.apply_import(pending.guild_id, pending.glossary, by=actor_of(interaction)),
        )
        embed = rendered(server.import_done_answer(report))[0]
        if interaction.response.is_done():
            await interaction.edit_original_response(embed=embed, view=None)
        else:
            await interaction.response.edit_message(embed=embed, view=None)


async def setup(bot: GlossaryBot) -> None:
    group = glossary_group(bot)
    for command in (import_file, export_file):
        group.add_command(command)
    bot.add_dynamic_items(ImportButton)
