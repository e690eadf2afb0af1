"""Buttons and menus on answers. Their custom ids carry everything they need (``gb:term:42``), so
they keep working after a restart without the bot remembering any view."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import discord

from bot.core.answers import Answer
from bot.discord.replies import (
    edit_answer,
    guarded,
    guild_id_of,
    send_answer,
    send_error,
    send_full_text,
    service_of,
)

if TYPE_CHECKING:
    from bot.discord.client import GlossaryBot


class AnswerButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"gb:(?P<action>pick|term|faq|page|faqs|more):(?P<args>[\d:a-z]+)",
):
    """Every button the bot puts on its answers."""

    def __init__(self, item: discord.ui.Button, action: str, args: list[str]):
        super().__init__(item)
        self.action = action
        self.args = args

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[GlossaryBot],
        item: discord.ui.Button,
        match: re.Match[str],
    ) -> AnswerButton:
        return cls(item, match["action"], match["args"].split(":"))

    @guarded
    async def callback(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        service = service_of(interaction)
        guild_id = guild_id_of(interaction)
        numbers = [int(a) for a in self.args if a.isdigit()]
        if not numbers:
            await send_error(interaction, "That button is broken; ask again with /define.")
            return
        target = numbers[0]
        page = numbers[1] if len(numbers) > 1 else 0
        if self.action == "pick":
            # A choice from "did you mean": the member's question, answered for everyone.
            kind = self.args[0]
            opened = service.faq_answer if kind == "faq" else service.term_answer
            answer = await service.call(opened, target, guild_id=guild_id)
            await send_answer(interaction, answer, private=answer.kind not in ("definition", "faq"))
        elif self.action == "term":
            answer = await service.call(service.term_answer, target, guild_id=guild_id)
            await send_answer(interaction, answer, private=True)
        elif self.action == "faq":
            answer = await service.call(service.faq_answer, target, guild_id=guild_id)
            await send_answer(interaction, answer, private=True)
        elif self.action == "faqs":
            answer = await service.call(service.faq_list, target, guild_id=guild_id)
            await send_answer(interaction, answer, private=True)
        elif self.action == "page":
            answer = await service.call(service.term_answer, target, guild_id=guild_id, page=page)
            await show_page(interaction, answer)
        elif self.action == "more":
            answer = await service.call(service.term_answer, target, guild_id=guild_id, page=page)
            await send_full_text(interaction, answer)


async def show_page(interaction: discord.Interaction[GlossaryBot], answer: Answer) -> None:
    """Another page of an answer: in place on a private view; on a public message, as a
    private view for the member who asked, so the message others see (and voted on) stays."""
    message = interaction.message
    if message is not None and message.flags.ephemeral:
        await edit_answer(interaction, answer)
    else:
        await send_answer(interaction, answer, private=True)


class RelatedSelect(discord.ui.DynamicItem[discord.ui.Select], template=r"gb:related"):
    """The related-terms menu on a definition with many related terms."""

    def __init__(self, item: discord.ui.Select):
        super().__init__(item)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[GlossaryBot],
        item: discord.ui.Select,
        match: re.Match[str],
    ) -> RelatedSelect:
        return cls(item)

    @guarded
    async def callback(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        values = (interaction.data or {}).get("values") or []
        kind, _, target = (values[0] if values else "").partition(":")
        if kind not in ("term", "faq") or not target.isdigit():
            await send_error(interaction, "That choice is no longer available.")
            return
        service = service_of(interaction)
        opened = service.faq_answer if kind == "faq" else service.term_answer
        answer = await service.call(opened, int(target), guild_id=guild_id_of(interaction))
        await send_answer(interaction, answer, private=True)


class SearchPageButton(
    discord.ui.DynamicItem[discord.ui.Button], template=r"gb:search:(?P<page>\d+):(?P<query>.*)"
):
    """Previous and next on a page of search hits: the words ride in the custom id."""

    def __init__(self, item: discord.ui.Button, page: int, query: str):
        super().__init__(item)
        self.page = page
        self.query = query

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[GlossaryBot],
        item: discord.ui.Button,
        match: re.Match[str],
    ) -> SearchPageButton:
        return cls(item, int(match["page"]), match["query"])

    @guarded
    async def callback(self, interaction: discord.Interaction[GlossaryBot]) -> None:
        service = service_of(interaction)
        answer = await service.call(
            service.search, self.query, guild_id=guild_id_of(interaction), page=self.page
        )
        await edit_answer(interaction, answer)


DYNAMIC_ITEMS = (AnswerButton, RelatedSelect, SearchPageButton)
