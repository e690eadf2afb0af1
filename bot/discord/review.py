"""/glossary review: the server's review queue. With options it switches review on or off and
sets the karma above which members skip it; alone it lists what waits, oldest first, with
Approve and Reject buttons (Reject asks for an optional reason). Authors are told by direct
message; when theirs are closed, the reviewer is told that instead. The rules are the core's
(bot/core/review.py); Manage Server is checked on every command and every press."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.answers import Answer
from bot.core.contributions import Refused
from bot.core.review import MAX_REASON, MAX_SKIP_KARMA, Decided
from bot.discord.admin import glossary_group, may_manage
from bot.discord.render import BUTTON_LABEL_LIMIT, NO_PINGS, shorten
from bot.discord.replies import actor_of, guarded, in_time, rendered, send_error, service_of

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot

REVIEW_PREFIX = "gb:review:"


@app_commands.command(name="review", description="Members' definitions waiting for review")
@app_commands.describe(
    state="on: members' new definitions wait for an admin's approval; off: they go public",
    skip_karma="Members with more karma than this skip review (-1: nobody skips)",
)
@app_commands.checks.has_permissions(manage_guild=True)
async def review(
    interaction: discord.Interaction[GlossaryBot],
    state: Literal["on", "off"] | None = None,
    skip_karma: app_commands.Range[int, -1, MAX_SKIP_KARMA] | None = None,
) -> None:
    guild_id = interaction.guild_id
    assert guild_id is not None
    service = service_of(interaction)
    note = None
    if state is not None or skip_karma is not None:
        on = None if state is None else state == "on"
        try:
            note = await in_time(
                interaction, service.set_review(guild_id, on=on, skip_karma=skip_karma)
            )
        except Refused as refused:
            await send_error(interaction, str(refused))
            return
    await send_queue(interaction, await service.call(service.review_queue, guild_id, note=note))


def queue_view(answer: Answer) -> discord.ui.View:
    """Approve and Reject for each waiting definition (a row each), paging on the last row."""
    view = discord.ui.View(timeout=None)
    row = 0
    styles = {
        "approve": discord.ButtonStyle.success,
        "reject": discord.ButtonStyle.danger,
        "reviews": discord.ButtonStyle.primary,
    }
    for action in answer.actions:
        if action.kind not in styles:
            continue
        style = styles[action.kind]
        if action.kind == "reviews":
            custom_id = f"{REVIEW_PREFIX}page:{action.page}"
        else:
            custom_id = f"{REVIEW_PREFIX}{action.kind}:{action.target}"
        view.add_item(
            discord.ui.Button(
                label=shorten(action.label, BUTTON_LABEL_LIMIT),
                style=style,
                custom_id=custom_id,
                row=4 if action.kind == "reviews" else row,
            )
        )
        if action.kind == "reject":
            row += 1
    view.stop()  # answered by ReviewButton through the custom ids, after restarts too
    return view


async def send_queue(
    interaction: discord.Interaction[GlossaryBot], answer: Answer, *, in_place: bool = False
) -> None:
    """The queue, privately: a new message, or this message updated (in_place)."""
    embed, view = rendered(answer)[0], queue_view(answer)
    if in_place:
        if interaction.response.is_done():
            await interaction.edit_original_response(embed=embed, view=view)
        else:
            await interaction.response.edit_message(embed=embed, view=view)
    elif interaction.response.is_done():
        await interaction.followup.send(
            embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS
        )
    else:
        await interaction.response.send_message(
            embed=embed, view=view, ephemeral=True, allowed_mentions=NO_PINGS
        )


async def tell_author(interaction: discord.Interaction[GlossaryBot], decided: Decided) -> bool:
    """Tell the author privately, by direct message; False when they cannot be reached."""
    guild = interaction.guild
    text = decided.author_message(guild.name if guild else "")
    try:
        channel = await interaction.client.create_dm(discord.Object(id=decided.item.author_id))
        await channel.send(text, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        return False
    return True


class RejectModal(discord.ui.Modal, title="Reject this definition"):
    reason = discord.ui.TextInput(
        label="Reason (optional), sent to its author",
        style=discord.TextStyle.paragraph,
        required=False,
        max_length=MAX_REASON,
    )

    def __init__(self, review_id: int):
        super().__init__()
        self.review_id = review_id

    @guarded
    async def on_submit(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        if not await may_manage(interaction):
            return
        await decide(interaction, self.review_id, reject=True, reason=self.reason.value)


async def decide(
    interaction: discord.Interaction[GlossaryBot],
    review_id: int,
    *,
    reject: bool,
    reason: str | None = None,
) -> None:
    """Approve or reject, tell the author, and show the queue after it."""
    guild_id = interaction.guild_id
    assert guild_id is not None
    service = service_of(interaction)
    # Deferred at once: telling the author is a round trip to Discord of its own.
    await interaction.response.defer(ephemeral=True, thinking=not in_place_for(interaction))
    try:
        if reject:
            decided = await service.reject_review(
                review_id, guild_id=guild_id, reviewer=actor_of(interaction), reason=reason
            )
        else:
            decided = await service.approve_review(
                review_id, guild_id=guild_id, reviewer=actor_of(interaction)
            )
    except Refused as refused:
        await send_error(interaction, str(refused))
        return
    told = await tell_author(interaction, decided)
    answer = await service.call(service.review_queue, guild_id, note=decided.note(told=told))
    await send_queue(interaction, answer, in_place=in_place_for(interaction))


def in_place_for(interaction: discord.Interaction[GlossaryBot]) -> bool:
    """A button on the queue updates the queue; a form's submission answers anew."""
    return interaction.type == discord.InteractionType.component


class ReviewButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"gb:review:(?P<action>approve|reject|page):(?P<arg>\d+)",
):
    def __init__(self, item: discord.ui.Button, action: str, arg: int):
        super().__init__(item)
        self.action = action
        self.arg = arg

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[GlossaryBot],
        item: discord.ui.Button,
        match: re.Match[str],
    ) -> ReviewButton:
        return cls(item, match["action"], int(match["arg"]))

    @guarded
    async def callback(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        if not await may_manage(interaction):
            return
        guild_id = interaction.guild_id
        assert guild_id is not None
        if self.action == "page":
            service = service_of(interaction)
            answer = await service.call(service.review_queue, guild_id, page=self.arg)
            await send_queue(interaction, answer, in_place=True)
        elif self.action == "reject":
            await interaction.response.send_modal(RejectModal(self.arg))
        else:
            await decide(interaction, self.arg, reject=False)


async def setup(bot: commands.Bot) -> None:
    glossary_group(bot).add_command(review)
    bot.add_dynamic_items(ReviewButton)
