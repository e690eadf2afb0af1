"""Sending answers: one place that renders, sends without pings, and remembers what was sent.

Every read of storage here is awaited through `GlossaryService.call`, the event loop's seam.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import aiohttp
import discord

from bot.core.answers import Answer, for_viewer
from bot.core.errors import StoreBusy
from bot.core.history_store import Actor
from bot.core.karma import VOTE_EMOJI
from bot.discord.render import NO_PINGS, embed_for, full_text_pages, view_for

if TYPE_CHECKING:
    from bot.core.service import GlossaryService
    from bot.discord.client import GlossaryBot

log = logging.getLogger(__name__)
T = TypeVar("T")

# Discord forgets an interaction not acknowledged within 3 seconds. Work that may wait (a write
# while another process holds the database) gets this long before the bot says "thinking…" and
# answers with a follow-up instead.
DEFER_AFTER = 1.5


# The service hands out the same Answer object until something changes it, so its embed and
# buttons are built once. Entries keep their answer alive, so an id is never reused while cached.
_RENDERED: dict[
    tuple[int, str | None, bool], tuple[Answer, discord.Embed, discord.ui.View | None]
] = {}
RENDER_CACHE_SIZE = 1024


def rendered(
    answer: Answer, *, link: str | None = None, private: bool = False
) -> tuple[discord.Embed, discord.ui.View | None]:
    """The answer's embed and buttons (a stopped view: plain components, reusable); a private
    view of a definition votes with buttons, since reactions cannot go on it."""
    key = (id(answer), link, private)
    cached = _RENDERED.get(key)
    if cached is not None and cached[0] is answer:
        return cached[1], cached[2]
    embed, cut = embed_for(answer, private=private)
    view = view_for(answer, cut=cut, link=link, private=private)
    if len(_RENDERED) >= RENDER_CACHE_SIZE:
        _RENDERED.clear()
    _RENDERED[key] = (answer, embed, view)
    return embed, view


async def web_link(bot: GlossaryBot, answer: Answer, guild_id: int | None) -> str | None:
    """The web page of the term an answer shows, when GLOSSARY_WEB_URL names the site."""
    base = bot.web_url
    if not base or answer.kind != "definition" or answer.term_id is None:
        return None
    service = bot.service
    path = await service.call(service.web_path, answer.term_id, guild_id=guild_id)
    return base + path if path else None


class Once:
    """Ids already handled, the last few thousand: Discord may deliver an event twice (after
    a resume), and a member must get one answer, not an answer and an error."""

    def __init__(self, size: int = 4096):
        self._order: deque[int] = deque()
        self._seen: set[int] = set()
        self._size = size

    def first(self, key: int) -> bool:
        if key in self._seen:
            return False
        self._seen.add(key)
        self._order.append(key)
        if len(self._order) > self._size:
            self._seen.discard(self._order.popleft())
        return True


def first_delivery(interaction: discord.Interaction[GlossaryBot]) -> bool:
    """True the first time this interaction arrives."""
    return interaction.client.interactions_seen.first(interaction.id)


def service_of(interaction: discord.Interaction[GlossaryBot]) -> GlossaryService:
    return interaction.client.service


def guild_id_of(interaction: discord.Interaction[GlossaryBot]) -> int | None:
    return interaction.guild_id


def actor_of(interaction: discord.Interaction[GlossaryBot]) -> Actor:
    """Who is acting, as a definition's history names them."""
    return Actor(interaction.user.id, interaction.user.display_name)


async def send_answer(
    interaction: discord.Interaction[GlossaryBot], answer: Answer, *, private: bool | None = None
) -> None:
    """Answer an interaction with an embed; definitions are remembered so reactions vote."""
    answer = for_viewer(answer, interaction.user.id)
    ephemeral = answer.private if private is None else private
    service = service_of(interaction)
    shown = await service.call(
        service.with_waiting, answer, viewer_id=interaction.user.id, guild_id=interaction.guild_id
    )
    if shown is not answer:  # it holds the viewer's definition waiting for review: theirs only
        answer, ephemeral = shown, True
    link = await web_link(interaction.client, answer, interaction.guild_id)
    embed, view = rendered(answer, link=link, private=ephemeral)
    kwargs: dict = {"embed": embed, "ephemeral": ephemeral, "allowed_mentions": NO_PINGS}
    if view is not None:
        kwargs["view"] = view
    if interaction.response.is_done():
        message = await interaction.followup.send(wait=True, **kwargs)
    else:
        callback = await interaction.response.send_message(**kwargs)
        message = callback.resource if isinstance(callback.resource, discord.Message) else None
    if message is not None and not ephemeral:
        await remember(interaction.client, answer, message)


async def send_private(
    interaction: discord.Interaction[GlossaryBot],
    *,
    content: str | None = None,
    answer: Answer | None = None,
    view: discord.ui.View | None = None,
    file: discord.File | None = None,
) -> None:
    """A private reply with what `send_answer` cannot carry: buttons of its own, a file."""
    kwargs: dict = {"ephemeral": True, "allowed_mentions": NO_PINGS}
    if content:
        kwargs["content"] = content
    if answer is not None:
        kwargs["embed"] = rendered(answer)[0]
    if view is not None:
        kwargs["view"] = view
    if file is not None:
        kwargs["file"] = file
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs)
    else:
        await interaction.response.send_message(**kwargs)


async def answer_question(
    interaction: discord.Interaction[GlossaryBot], text: str, *, kinds: tuple[str, ...]
) -> None:
    """/define and /faq: the best match, "did you mean" or "nothing found" (kept for the
    server's maintainers, written once the member has their answer)."""
    service = service_of(interaction)
    reply = await service.call(
        service.ask,
        text,
        mode="define",
        guild_id=interaction.guild_id,
        kinds=kinds,
        record_missed=False,
    )
    assert reply.answer is not None  # define mode always says something
    recorded = record_missed(service, interaction.guild_id, reply.missed)
    await send_answer(interaction, reply.answer)
    await recorded


async def edit_answer(interaction: discord.Interaction[GlossaryBot], answer: Answer) -> None:
    """Show another page of a private answer in its own message (a component's update).

    Public answers are never repainted: a reaction on one always means what its voter saw.
    """
    service = service_of(interaction)
    answer = await service.call(
        service.with_waiting,
        for_viewer(answer, interaction.user.id),
        viewer_id=interaction.user.id,
        guild_id=interaction.guild_id,
    )
    link = await web_link(interaction.client, answer, interaction.guild_id)
    embed, view = rendered(answer, link=link, private=True)
    if interaction.response.is_done():
        await interaction.edit_original_response(embed=embed, view=view)
    else:
        await interaction.response.edit_message(embed=embed, view=view)


async def reply_to_message(
    bot: GlossaryBot, message: discord.Message, answer: Answer
) -> discord.Message:
    """Reply in a channel to a member's message, pinging nobody (not even the author)."""
    guild_id = message.guild.id if message.guild else None
    embed, view = rendered(answer, link=await web_link(bot, answer, guild_id))
    kwargs: dict = {"embed": embed, "mention_author": False, "allowed_mentions": NO_PINGS}
    if view is not None:
        kwargs["view"] = view
    sent = await message.reply(**kwargs)
    await remember(bot, answer, sent)
    return sent


async def send_full_text(interaction: discord.Interaction[GlossaryBot], answer: Answer) -> None:
    """Everything an answer holds, privately, in as many messages as it takes."""
    pages = full_text_pages(answer)
    for number, page in enumerate(pages[:10]):
        title = answer.title if number == 0 else f"{answer.title} (continued)"
        embed = discord.Embed(title=title[:256], description=page)
        if number == 0 and not interaction.response.is_done():
            await interaction.response.send_message(
                embed=embed, ephemeral=True, allowed_mentions=NO_PINGS
            )
        else:
            await interaction.followup.send(embed=embed, ephemeral=True, allowed_mentions=NO_PINGS)


async def remember(bot: GlossaryBot, answer: Answer, message: discord.Message) -> None:
    """Record which definition or FAQ a public message shows, so reactions on it are votes,
    and put 👍 and 👎 on a definition so members vote with one click."""
    if answer.definition_id is None and answer.faq_id is None:
        return
    record = bot.service.record_answer_message(
        message_id=message.id,
        guild_id=message.guild.id if message.guild else None,
        channel_id=message.channel.id,
        definition_id=answer.definition_id,
        faq_id=answer.faq_id,
    )
    await _bookkeeping(record, "which answer a message shows (no votes on it)")
    if answer.definition_id is not None and message.guild is not None:
        await add_vote_reactions(bot, message)


def voting_enabled() -> bool:
    """GLOSSARY_VOTING=off: reactions are not counted at all (the benchmark's floor)."""
    return os.environ.get("GLOSSARY_VOTING", "on").strip().lower() != "off"


async def add_vote_reactions(client: discord.Client, message: discord.Message) -> None:
    """Put 👍 and 👎 on a public answer; the bot's own reactions never count."""
    if not voting_enabled():
        return
    partial = client.get_partial_messageable(
        message.channel.id, guild_id=message.guild.id if message.guild else None
    ).get_partial_message(message.id)
    for emoji in VOTE_EMOJI:
        if client.is_closed():
            return  # stopping: the answer stands, members can still react themselves
        try:
            await partial.add_reaction(emoji)
        except (discord.HTTPException, aiohttp.ClientError, RuntimeError) as exc:
            # Without Add Reactions (or while stopping) members can still react themselves.
            log.info("could not add %s to answer %s: %s", emoji, message.id, exc)
            return


def record_missed(
    service: GlossaryService, guild_id: int | None, query: str | None
) -> asyncio.Future[None]:
    """Keep a question that found nothing for the server's maintainers.

    The write is queued now and may be awaited after answering the member; it is made even if
    answering fails.
    """
    if not query:
        nothing: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        nothing.set_result(None)
        return nothing
    recorded = service.record_missed(guild_id, query)
    return asyncio.ensure_future(_bookkeeping(recorded, "a question that found nothing"))


async def _bookkeeping(pending: Awaitable[None], what: str) -> None:
    """A record the member never sees: if it cannot be written, the log says so, not them."""
    try:
        await pending
    except Exception:
        log.warning("could not record %s", what, exc_info=True)


async def in_time(
    interaction: discord.Interaction[GlossaryBot],
    work: Awaitable[T],
    *,
    ephemeral: bool = True,
    update: bool = False,
) -> T:
    """Await work that is usually quick, deferring the interaction if it is not (update: a
    button that will edit its own message)."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done and not interaction.response.is_done():
        if update:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    return await task


async def send_error(interaction: discord.Interaction[GlossaryBot], text: str) -> None:
    """A short private note to the member; never raises (it runs inside error handlers)."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_PINGS)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except discord.HTTPException:
        log.warning("could not tell the member about an error", exc_info=True)


ERROR_TEXT = "Sorry, something went wrong. The error has been logged."
BUSY_TEXT = "The glossary is busy being updated; nothing was saved. Please try again in a minute."


def guarded(
    callback: Callable[[Any, discord.Interaction[GlossaryBot]], Awaitable[None]],
) -> Callable[[Any, discord.Interaction[GlossaryBot]], Awaitable[None]]:
    """Buttons and modals: log the traceback, tell the member briefly, keep the bot running."""

    @functools.wraps(callback)
    async def wrapper(self: Any, interaction: discord.Interaction[GlossaryBot]) -> None:
        if not first_delivery(interaction):
            return
        try:
            await callback(self, interaction)
        except StoreBusy as exc:
            log.warning("%s", exc)
            await send_error(interaction, BUSY_TEXT)
        except Exception:
            custom_id = (interaction.data or {}).get("custom_id")
            log.exception("error handling component %s", custom_id)
            await send_error(interaction, ERROR_TEXT)

    return wrapper
