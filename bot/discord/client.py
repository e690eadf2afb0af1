"""The Discord bot: intents, cogs, command sync, error handling, and how it is started.

Cogs reach storage only through the service the bot carries (`GlossaryBot.service`): its
writes are futures queued in order, and every read of storage is awaited through the one seam
`GlossaryService.call` (see there), so that a backend whose reads are network round trips can
take them off the event loop without touching a cog.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import hashlib
import json
import logging
import os
import signal
import time
from collections.abc import Awaitable, Coroutine
from pathlib import Path
from typing import Any

import aiohttp
import discord
from aiohttp import web
from discord import app_commands
from discord.ext import commands, tasks

from bot.core.errors import StoreBusy
from bot.core.server import missing_permission_text
from bot.core.service import GlossaryService
from bot.core.shards import ShardPlan
from bot.discord.components import DYNAMIC_ITEMS
from bot.discord.render import NO_PINGS
from bot.discord.replies import BUSY_TEXT, ERROR_TEXT, Once, first_delivery, send_error
from bot.web.app import WebSettings, start_site

log = logging.getLogger(__name__)

COGS = (
    "bot.discord.define",
    "bot.discord.faq",
    "bot.discord.search",
    "bot.discord.chat",
    "bot.discord.votes",
    "bot.discord.contribute",
    "bot.discord.profile",
    "bot.discord.history",
    "bot.discord.admin",
    # The rest of /glossary: each adds its subcommands to the admin cog's group.
    "bot.discord.admin_terms",
    "bot.discord.admin_files",
    "bot.discord.admin_report",
    "bot.discord.review",
    "bot.discord.web",
)

# What the bot does in a channel: read it, answer with embeds, reply to messages, use threads,
# put 👍 and 👎 on its answers (and read them back: Read Message History).
PERMISSIONS = discord.Permissions(
    add_reactions=True,
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,
)
SCOPES = ("bot", "applications.commands")

# How often the bot looks for a glossary loaded by another process (one cheap query).
FOLLOW_DATABASE_SECONDS = 2.0

MESSAGE_CONTENT_HELP = (
    "Discord refused the Message Content intent, so free-text answers are off (slash commands"
    " and @mentions still work). To answer questions asked in channels, open"
    " https://discord.com/developers/applications, pick this bot, and under Bot switch on"
    " 'Message Content Intent', then restart."
)


# What Discord's close codes for a wrong shard mean for whoever started the bot.
SHARD_REFUSALS = {
    4010: (
        "Discord refused the shard: --shard-ids must be below --shard-count, and every"
        " process of the bot must give the same --shard-count."
    ),
    4011: (
        "Discord requires more shards for this bot's servers: raise --shard-count"
        " (GLOSSARY_SHARD_COUNT), or leave it out to run as many as Discord asks for."
    ),
}


class GlossaryTree(app_commands.CommandTree["GlossaryBot"]):
    async def interaction_check(self, interaction: discord.Interaction[GlossaryBot], /) -> bool:
        # Discord may deliver an interaction twice; answering it twice would show the member
        # an error ("already acknowledged") after their answer.
        return first_delivery(interaction)


# The longest the bot reads one shard's gateway before it lets other tasks run (see below).
GATEWAY_SLICE_SECONDS = 0.004


class PacedGateway(discord.Client):
    """A client whose gateway reads let the event loop run other tasks between the frames of a
    burst.

    discord.py reads each shard as ``while ...: await ws.poll_event()``, and poll_event only
    suspends when no frame is waiting. When Discord sends events faster than they are handled
    (a thousand reactions in a second on a big server, all on one shard's socket), every
    frame is already buffered: the reader decodes and dispatches them all in one go, the
    heartbeat, timers and answers to members wait for the whole burst, and then every handler
    task it created starts in the same turn of the loop. Here the reader yields (sleep(0))
    once it has read for GATEWAY_SLICE_SECONDS without the loop getting control; frames are
    still read and dispatched in the order they came, and each frame's handlers are started
    in that order, so events of one message are queued as they came.

    discord.py has no public way to plug in a websocket class (``DiscordWebSocket.from_client``
    constructs its own), so this wraps one method of each new websocket, as discord.py itself
    swaps ``ws.send`` for ``ws.debug_send``. It hooks ``ConnectionState._update_references``,
    which ``from_client`` calls with every gateway websocket it makes (first connect,
    reconnect, resume) before reading its first frame. Both are internals:
    tests/test_gateway_pacing.py fails if a new discord.py stops calling the hook or reading
    through ``poll_event``.
    """

    gateway_slice_seconds = GATEWAY_SLICE_SECONDS

    def _get_state(self, **options: Any) -> Any:
        state = super()._get_state(**options)  # type: ignore[misc]
        update_references = state._update_references

        # GLOSSARY_GATEWAY_PACING=off: discord.py's own reading (the vote benchmark compares).
        paced = os.environ.get("GLOSSARY_GATEWAY_PACING", "on").strip().lower() != "off"

        def new_websocket(ws: Any) -> None:
            update_references(ws)
            if paced:
                pace_gateway_reads(ws, self.gateway_slice_seconds)

        state._update_references = new_websocket
        return state


def pace_gateway_reads(ws: Any, slice_seconds: float = GATEWAY_SLICE_SECONDS) -> None:
    """Make ``ws.poll_event`` yield to the loop after slice_seconds of reading without a
    break (a first frame after a wait yields at once: cheap, one turn of the loop)."""
    if getattr(ws.poll_event, "paced", False):
        return
    poll_event = ws.poll_event
    loop = asyncio.get_running_loop()
    since = loop.time()

    async def paced_poll_event() -> None:
        nonlocal since
        await poll_event()
        if loop.time() - since >= slice_seconds:
            await asyncio.sleep(0)
            since = loop.time()

    paced_poll_event.paced = True  # type: ignore[attr-defined]
    ws.poll_event = paced_poll_event


class GlossaryBot(PacedGateway, commands.AutoShardedBot):
    """The bot, running the shards its plan names (by default every shard Discord asks for),
    typed for its cogs (``def __init__(self, bot: GlossaryBot)``, and
    ``discord.Interaction[GlossaryBot]`` in their commands and components).

    Cogs read storage through ``await bot.service.call(bot.service.op, ...)`` and write
    through the service's named writes; nothing else in bot/discord touches the database.
    """

    service: GlossaryService
    interactions_seen: Once
    serving: bool
    web_url: str | None
    shard_plan: ShardPlan

    def __init__(
        self,
        service: GlossaryService,
        *,
        message_content: bool = True,
        serving: bool = True,
        web_url: str | None = None,
        shards: ShardPlan | None = None,
    ):
        self.shard_plan = shards or ShardPlan()
        intents = discord.Intents.default()
        intents.message_content = message_content
        # Members and presences are privileged and not needed.
        intents.members = False
        intents.presences = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            help_command=None,
            allowed_mentions=NO_PINGS,
            # Votes come from raw reaction events, so no message cache is needed.
            max_messages=None,
            tree_cls=GlossaryTree,
            shard_count=self.shard_plan.count,
            shard_ids=list(self.shard_plan.ids) if self.shard_plan.ids is not None else None,
        )
        self.interactions_seen = Once()
        self.service = service
        # serving=False: the bot only logs in to sync its commands (`glossary-bot sync`).
        self.serving = serving
        # GLOSSARY_WEB_URL: answers link to their page on the web site.
        self.web_url = web_url
        self.tree.on_error = self.on_app_command_error

    async def setup_hook(self) -> None:
        for cog in COGS:
            await self.load_extension(cog)
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if self.serving:
            if self.shard_plan.holds_shard_zero:
                await self.sync_commands()
            else:
                # Of several shard processes, one syncs: two would race on the daily limit.
                log.info("slash commands are synced by the process holding shard 0; not here")
            self.follow_database.start()
            if os.environ.get("GLOSSARY_LOOP_MONITOR"):
                self._monitor = asyncio.ensure_future(monitor_event_loop())

    async def close(self) -> None:
        self.follow_database.cancel()
        if getattr(self, "_monitor", None) is not None:
            self._monitor.cancel()
        await super().close()

    @tasks.loop(seconds=0)  # paced by wait_for_changes: a NOTIFY, or FOLLOW_DATABASE_SECONDS
    async def follow_database(self) -> None:
        # Maintainers run `glossary-bot load` while the bot runs; answer from the new file.
        await self.service.wait_for_changes(FOLLOW_DATABASE_SECONDS)
        try:
            if await self.service.follow_other_writers():
                log.info("the glossary in the database changed; answering from the new one")
                freeze_heap()
        except Exception:
            log.exception("could not catch up with the database; trying again shortly")

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync slash commands only when they changed, so restarts never hit the daily limit."""
        service = self.service
        digest = command_tree_hash(self.tree)
        synced = await service.sync_commands(
            self.application_id, digest, self.tree.sync, force=force
        )
        if synced is None:
            log.info("slash commands unchanged; not syncing")
            return False
        log.info("synced %d slash commands", len(synced))
        return True

    async def on_ready(self) -> None:
        freeze_heap()
        names = ", ".join(f"{g.name} ({g.id})" for g in self.guilds) or "no servers yet"
        log.info(
            "logged in as %s, running %s; serving %d server(s): %s",
            self.user,
            self._running_shards(),
            len(self.guilds),
            names,
        )

    def _running_shards(self) -> str:
        ids = sorted(self.shards)
        return f"shard(s) {', '.join(map(str, ids))} of {self.shard_count}"

    async def on_shard_ready(self, shard_id: int) -> None:
        log.info("shard %d is ready", shard_id)

    async def on_shard_resumed(self, shard_id: int) -> None:
        log.info("reconnected to Discord (shard %d's session resumed)", shard_id)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        log.info("joined server %s (%s)", guild.name, guild.id)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        log.info("left server %s (%s)", guild.name, guild.id)

    async def on_app_command_error(
        self, interaction: discord.Interaction[GlossaryBot], error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.MissingPermissions):
            await send_error(interaction, missing_permission_text(error.missing_permissions))
            return
        if isinstance(error, app_commands.CheckFailure):
            await send_error(interaction, "You don't have permission to do that here.")
            return
        original = getattr(error, "original", None)
        if isinstance(original, StoreBusy):
            log.warning("%s", original)
            await send_error(interaction, BUSY_TEXT)
            return
        log.error("error in /%s", interaction.command and interaction.command.name, exc_info=error)
        await send_error(interaction, ERROR_TEXT)

    async def on_error(self, event_method: str, /, *args: object, **kwargs: object) -> None:
        # Log and keep running: one bad event must not take the bot down.
        log.exception("error while handling %s", event_method)


def freeze_heap() -> None:
    """Leave what the bot holds for its whole run (the glossary's matcher and indexes, the
    servers' cache) out of Python's garbage collections from now on.

    A full collection walks every object alive: with the matcher built, one took 30-85 ms of
    the event loop in the middle of a burst of reactions (the votes made the garbage that
    started it). gc.freeze() moves everything alive now to a generation collections never
    walk; what is made later is collected as usual. Done when the bot is ready and after each
    rebuild of the glossary (what the old matcher held is then kept, once per reload).
    """
    gc.collect()
    gc.freeze()


# How often the loop monitor wakes: a stall is how much later than this it wakes.
MONITOR_TICK = 0.005
MONITOR_WINDOW = 0.25  # seconds per logged figure


async def monitor_event_loop() -> None:
    """GLOSSARY_LOOP_MONITOR=1: log, every quarter second, the longest time the event loop was kept
    from running anything else (what bench/bench_votes.py reports), and how much of it the loop's
    thread spent running (cpu_ms): on a loaded machine the rest is the OS running others."""
    loop = asyncio.get_running_loop()
    longest, longest_cpu, window = 0.0, 0.0, loop.time()
    while True:
        before, before_cpu = loop.time(), time.thread_time()
        await asyncio.sleep(MONITOR_TICK)
        stall = loop.time() - before - MONITOR_TICK
        if stall > longest:
            longest, longest_cpu = stall, time.thread_time() - before_cpu
        if loop.time() - window >= MONITOR_WINDOW:
            log.info(
                "loop monitor t=%.3f longest_stall_ms=%.1f cpu_ms=%.1f",
                time.time(),
                longest * 1000,
                longest_cpu * 1000,
            )
            longest, longest_cpu, window = 0.0, 0.0, loop.time()


def command_tree_hash(tree: app_commands.CommandTree) -> str:
    payload = [command.to_dict(tree) for command in tree.get_commands()]
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def application_id_from_token(token: str) -> int | None:
    """A bot token starts with its user id in base64; a bot's user id is its application id."""
    head = token.split(".", 1)[0]
    try:
        return int(base64.b64decode(head + "=" * (-len(head) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        return None


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


async def serve(
    *,
    token: str,
    db: str | Path,
    message_content: bool = True,
    site: WebSettings | None = None,
    shards: ShardPlan | None = None,
) -> None:
    """Run the bot until it is closed; falls back to no free text if the intent is refused.

    With a web port in `site`, the web pages are served on this same event loop.
    """
    service = GlossaryService.open(db)
    service.write_in_background()
    site = site or WebSettings(None, None, None)
    pages = await _start_pages(service, site)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    # Service managers stop a bot with SIGTERM: close the gateway and the database cleanly.
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, stopping.set)
    try:
        while True:
            bot = GlossaryBot(
                service, message_content=message_content, web_url=site.url, shards=shards
            )
            try:
                async with bot:
                    await _until_stopped(bot.start(token), stopping)
                return
            except discord.PrivilegedIntentsRequired:
                if not message_content:
                    raise
                log.warning(MESSAGE_CONTENT_HELP)
                message_content = False
    finally:
        if pages is not None:
            await pages.cleanup()
        service.close()
        log.info("stopped")


async def _start_pages(service: GlossaryService, site: WebSettings) -> web.AppRunner | None:
    if site.port is None or site.host is None:
        return None
    try:
        return await start_site(service, host=site.host, port=site.port)
    except OSError as exc:
        service.close()
        log.error("cannot serve the web pages on %s:%d: %s", site.host, site.port, exc.strerror)
        raise SystemExit(2) from None


async def _until_stopped(running: Awaitable[None], stopping: asyncio.Event) -> None:
    main = asyncio.ensure_future(running)
    stop = asyncio.ensure_future(stopping.wait())
    try:
        await asyncio.wait({main, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
    if main.done():
        main.result()
    else:
        main.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await main


async def sync_once(*, token: str, db: str | Path) -> bool:
    """Log in, sync the slash commands whatever the stored hash says, and log out."""
    service = GlossaryService.open(db)
    try:
        bot = GlossaryBot(service, serving=False)
        async with bot:
            await bot.login(token)
            return await bot.sync_commands(force=True)
    finally:
        service.close()


def run_bot(
    *,
    token: str,
    db: str | Path,
    site: WebSettings | None = None,
    shards: ShardPlan | None = None,
) -> None:
    if not os.environ.get("GLOSSARY_LOG_LEVEL"):
        # A running bot says which servers it serves and when it reconnects.
        logging.getLogger().setLevel(logging.INFO)
    _talking_to_discord(serve(token=token, db=db, site=site, shards=shards))


def run_sync(*, token: str, db: str | Path) -> None:
    _talking_to_discord(sync_once(token=token, db=db))


def _talking_to_discord(work: Coroutine[Any, Any, object]) -> None:
    """Run `work`; a rejected token (exit 2) or an unreachable Discord (exit 1) is one line.

    Only the first contact can fail this way: once logged in, discord.py reconnects by
    itself whenever the network comes back.
    """
    try:
        asyncio.run(work)
    except discord.LoginFailure:
        log.error("Discord rejected the token: check DISCORD_TOKEN (Bot > Reset Token).")
        raise SystemExit(2) from None
    except discord.ConnectionClosed as exc:
        if exc.code not in SHARD_REFUSALS:
            raise
        log.error("%s", SHARD_REFUSALS[exc.code])
        raise SystemExit(2) from None
    except (TimeoutError, OSError, aiohttp.ClientError, discord.GatewayNotFound) as exc:
        log.error("cannot reach Discord: %s", exc or type(exc).__name__)
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        pass
