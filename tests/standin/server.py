"""A stand-in for Discord's REST API (v10) and gateway on 127.0.0.1, for the real discord.py.

It models what the glossary bot depends on and enforces Discord's rules: a bot that breaks one
gets Discord's error answer, and the break is recorded as a violation so the test fails.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import time
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from aiohttp import WSMsgType, web

from . import limits
from .state import (
    ALL_PERMISSIONS,
    DAY,
    DM,
    LOADING,
    PUBLIC_THREAD,
    Attachment,
    Channel,
    Guild,
    Interaction,
    Member,
    Message,
    User,
    iso_now,
    snowflake,
)

MESSAGE_CONTENT = 1 << 15
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
PRIVILEGED = {
    MESSAGE_CONTENT: "message content",
    GUILD_MEMBERS: "members",
    GUILD_PRESENCES: "presences",
}
# The application flags that say a privileged intent is switched on in the developer portal.
APP_FLAG_FOR_INTENT = {MESSAGE_CONTENT: 1 << 19, GUILD_MEMBERS: 1 << 15, GUILD_PRESENCES: 1 << 13}
HEARTBEAT_MS = 41250
MODAL_FILL_SECONDS = 0.2  # how long a member takes to fill a modal in, at the least
JSON = "application/json"
ARRIVED = web.RequestKey("arrived", float)


@dataclass
class Violation:
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.detail}"


@dataclass
class Session:
    id: str
    intents: int
    seq: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    compress: str | None = None
    compressor: Any = None
    identifies: int = 0
    resumes: int = 0
    shard_id: int = 0


class Gateway:
    """The bot's gateway sessions, one per shard, each with the event log that RESUME replays.

    Events about a server go to the session of its shard, `(guild_id >> 22) % shard_count`, as
    Discord routes them; events of no server (direct messages) go to shard 0.
    """

    def __init__(self, standin: DiscordStandin):
        self.standin = standin
        self.sessions: dict[int, Session] = {}
        self.ready = asyncio.Event()  # every shard has identified
        self.connections = 0
        # Shards whose IDENTIFY was refused, with the close code Discord sent.
        self.refused: list[tuple[list[int] | None, int]] = []
        self._sending: set[asyncio.Future[None]] = set()

    @property
    def session(self) -> Session | None:
        """Shard 0's session: the bot's only one when it runs unsharded."""
        return self.sessions.get(0)

    def session_for(self, guild_id: int | None) -> Session | None:
        return self.sessions.get(self.standin.shard_of(guild_id))

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=0)
        await ws.prepare(request)
        self.connections += 1
        compress = request.query.get("compress")
        self.standin.compressions.append(compress)
        sender = _Sender(ws, compress)
        await sender.send(
            {"op": 10, "d": {"heartbeat_interval": HEARTBEAT_MS}, "s": None, "t": None}
        )
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                await self._on_payload(payload, sender)
        finally:
            for session in self.sessions.values():
                if session.ws is ws:
                    session.ws = None
        return ws

    async def _on_payload(self, payload: dict[str, Any], sender: _Sender) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:
            await sender.send({"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:
            await self._identify(data, sender)
        elif op == 6:
            await self._resume(data, sender)

    async def _identify(self, data: dict[str, Any], sender: _Sender) -> None:
        standin = self.standin
        if data.get("token") != standin.token:
            await sender.ws.close(code=4004, message=b"Authentication failed.")
            return
        shard = data.get("shard")
        shard_id, shard_count = shard if shard is not None else (0, 1)
        if not (isinstance(shard_id, int) and isinstance(shard_count, int)) or not (
            0 <= shard_id < shard_count
        ):
            self.refused.append((shard, 4010))
            await sender.ws.close(code=4010, message=b"Invalid shard.")
            return
        if shard_count < standin.shard_count:
            # Too few shards for the bot's servers: Discord asks for more.
            self.refused.append((shard, 4011))
            await sender.ws.close(code=4011, message=b"Sharding required.")
            return
        if shard_count != standin.shard_count:
            # A simplification: the stand-in serves only the shard count its test set.
            self.refused.append((shard, 4010))
            await sender.ws.close(code=4010, message=b"Invalid shard.")
            return
        intents = int(data.get("intents", 0))
        for bit, name in PRIVILEGED.items():
            if intents & bit and bit not in standin.privileged_intents:
                standin.refused_intents.append(name)
                await sender.ws.close(code=4014, message=b"Disallowed intent(s).")
                return
        previous = self.sessions.get(shard_id)
        session = Session(id=secrets.token_hex(16), intents=intents, shard_id=shard_id)
        session.identifies = (previous.identifies if previous else 0) + 1
        session.ws, session.compress = sender.ws, sender.compress
        session.compressor = sender
        # A newer session of a shard takes its events; an older one still open gets none.
        self.sessions[shard_id] = session
        standin.identify_count += 1
        guilds = [g for g in standin.guilds.values() if standin.shard_of(g.id) == shard_id]
        self._send(
            session,
            "READY",
            {
                "v": 10,
                "user": standin.bot.payload(),
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.id,
                "resume_gateway_url": standin.gateway_url,
                "shard": [shard_id, shard_count],
                "application": {"id": str(standin.application_id), "flags": standin.app_flags},
                "private_channels": [],
                "relationships": [],
            },
        )
        for guild in guilds:
            self._send(session, "GUILD_CREATE", guild.payload())
        if len(self.sessions) == standin.shard_count:
            self.ready.set()

    async def _resume(self, data: dict[str, Any], sender: _Sender) -> None:
        session = next((s for s in self.sessions.values() if s.id == data.get("session_id")), None)
        if session is None or data.get("token") != self.standin.token:
            await sender.send({"op": 9, "d": False, "s": None, "t": None})
            return
        session.ws, session.compressor = sender.ws, sender
        session.resumes += 1
        seen = int(data.get("seq") or 0)
        for event in session.log:
            if event["s"] > seen:
                await sender.send(event)
        self._send(session, "RESUMED", {})

    def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to the session of its server's shard now, or keep it for that
        session's RESUME if it is away."""
        guild_id = data.get("id") if event.startswith("GUILD_") and "id" in data else None
        guild_id = guild_id or data.get("guild_id")
        session = self.session_for(int(guild_id) if guild_id else None)
        if session is not None:
            self._send(session, event, data)

    def _send(self, session: Session, event: str, data: dict[str, Any]) -> None:
        session.seq += 1
        payload = {"op": 0, "t": event, "s": session.seq, "d": data}
        session.log.append(payload)
        if session.ws is not None and not session.ws.closed:
            # Sends run in order: each waits on the sender's FIFO lock.
            task = asyncio.ensure_future(session.compressor.send(payload))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    def message_content(self, guild_id: int | None = None) -> bool:
        """Whether the session that gets this server's events asked for message content."""
        session = self.session_for(guild_id)
        return bool(session and session.intents & MESSAGE_CONTENT)

    def _chosen(self, shard_id: int | None) -> list[Session]:
        if shard_id is None:
            return list(self.sessions.values())
        return [self.sessions[shard_id]] if shard_id in self.sessions else []

    async def close_connection(self, code: int = 4000, *, shard_id: int | None = None) -> None:
        for session in self._chosen(shard_id):
            if session.ws is not None:
                ws, session.ws = session.ws, None
                await ws.close(code=code, message=b"Connection dropped by the stand-in")

    async def send_op(self, op: int, data: Any, *, shard_id: int | None = None) -> None:
        for session in self._chosen(shard_id):
            if session.ws is not None:
                await session.compressor.send({"op": op, "d": data, "s": None, "t": None})


class _Sender:
    """Writes gateway payloads with the compression the client asked for in its URL."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None):
        self.ws = ws
        self.compress = compress
        self.lock = asyncio.Lock()
        if compress == "zlib-stream":
            self.zlib = zlib.compressobj()
        elif compress == "zstd-stream":
            import zstandard

            self.zstd = zstandard.ZstdCompressor().compressobj()
            self.flush_block = zstandard.COMPRESSOBJ_FLUSH_BLOCK

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        async with self.lock:
            if self.ws.closed:
                return
            try:
                if self.compress == "zlib-stream":
                    data = self.zlib.compress(text.encode()) + self.zlib.flush(zlib.Z_SYNC_FLUSH)
                    await self.ws.send_bytes(data)
                elif self.compress == "zstd-stream":
                    data = self.zstd.compress(text.encode()) + self.zstd.flush(self.flush_block)
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(text)
            except ConnectionError:
                pass


class DiscordStandin:
    """The stand-in server, its state, and the driver a test uses to act as Discord members."""

    def __init__(
        self,
        *,
        message_content_intent: bool = True,
        interaction_deadline: float = 3.0,
        shard_count: int = 1,
    ):
        # How many shards the bot must run: GET /gateway/bot says so, and IDENTIFY must agree.
        self.shard_count = shard_count
        self.application_id = snowflake()
        self.bot = User(self.application_id, "GlossaryBot", bot=True)
        # The server's owner has had a Discord account for years, as owners do.
        self.owner = User(snowflake(time.time() - 3 * 365 * DAY), "owner")
        self.token = (
            base64.b64encode(str(self.application_id).encode()).decode().rstrip("=")
            + ".standin."
            + secrets.token_urlsafe(16)
        )
        self.privileged_intents: set[int] = {MESSAGE_CONTENT} if message_content_intent else set()
        self.interaction_deadline = interaction_deadline
        self.users: dict[int, User] = {self.bot.id: self.bot, self.owner.id: self.owner}
        self.guilds: dict[int, Guild] = {}
        self.channels: dict[int, Channel] = {}
        self.messages: dict[int, Message] = {}
        self.interactions: dict[int, Interaction] = {}
        self.interactions_by_token: dict[str, Interaction] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.command_syncs: list[str] = []  # "global" or a guild id, per PUT
        self.dm_channels: dict[int, Channel] = {}  # by the user at the other end
        self.dms_closed: set[int] = set()  # users who accept no direct messages from the bot
        self.files: dict[int, Attachment] = {}  # served at /attachments/ID/NAME, as a CDN does
        self.violations: list[Violation] = []
        self.requests: list[str] = []
        self.compressions: list[str | None] = []
        self.refused_intents: list[str] = []
        self.identify_count = 0
        self.reaction_pages = 0  # GET reactions answered (pages of who reacted)
        self.gateway = Gateway(self)
        self._new_messages = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def app_flags(self) -> int:
        return sum(APP_FLAG_FOR_INTENT[i] for i in self.privileged_intents)

    @property
    def gateway_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/gateway"

    async def start(self) -> DiscordStandin:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_route("*", "/api/v10/{path:.*}", self._rest)
        app.router.add_get("/attachments/{id}/{filename}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        await self.gateway.close_connection(1000)
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> DiscordStandin:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def shard_of(self, guild_id: int | None) -> int:
        """The shard that gets a server's events (direct messages: shard 0)."""
        return 0 if guild_id is None else (guild_id >> 22) % self.shard_count

    def violation(self, rule: str, detail: str) -> None:
        self.violations.append(Violation(rule, detail))

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        # When the request reached us: the end of a round trip, before any work of ours.
        request[ARRIVED] = time.monotonic()
        self.requests.append(f"{request.method} {request.path}")
        return await handler(request)

    # -- the world a test sets up ---------------------------------------------------------

    def add_guild(
        self,
        name: str = "Test Server",
        *,
        channels: tuple[str, ...] = ("general",),
        shard: int | None = None,
    ) -> Guild:
        """A server the bot is in; `shard`: one whose events go to that shard."""
        guild_id = snowflake()
        while shard is not None and self.shard_of(guild_id) != shard:
            guild_id = snowflake()
        guild = Guild(guild_id, name, self.owner.id)
        guild.roles[guild.id] = {
            "id": str(guild.id),
            "name": "@everyone",
            "permissions": str(0x6FFFFFFFFFF & ~0x8),
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        for channel_name in channels:
            channel = Channel(snowflake(), channel_name, guild.id)
            guild.channels[channel.id] = channel
            self.channels[channel.id] = channel
        guild.members[self.bot.id] = Member(self.bot, permissions=ALL_PERMISSIONS)
        # The owner made the server a while ago.
        guild.members[self.owner.id] = Member(
            self.owner, permissions=ALL_PERMISSIONS, joined_at=iso_now(time.time() - 365 * DAY)
        )
        self.guilds[guild.id] = guild
        if self.gateway.session_for(guild.id) is not None:
            # The bot joins a server: unlike the GUILD_CREATEs that fill in READY's unavailable
            # servers, this one carries no "unavailable" (discord.py tells them apart by it).
            joined = guild.payload()
            joined.pop("unavailable", None)
            self.gateway.dispatch("GUILD_CREATE", joined)
        return guild

    def add_member(
        self,
        guild: Guild,
        name: str,
        *,
        permissions: int | None = None,
        bot: bool = False,
        account_days: float = 365.0,
        member_days: float = 30.0,
    ) -> User:
        """A member of the server: by default an account a year old that joined a month ago
        (a member's id holds their account's creation time, as on Discord)."""
        now = time.time()
        user = User(snowflake(now - account_days * DAY), name, bot=bot)
        self.users[user.id] = user
        member = Member(user, joined_at=iso_now(now - member_days * DAY))
        if permissions is not None:
            member.permissions = permissions
        guild.members[user.id] = member
        return user

    def remove_member(self, guild: Guild, user: User) -> None:
        """A member leaves. Discord tells only bots with the members intent (GUILD_MEMBER_REMOVE);
        others learn it when they ask for the member and get Unknown Member."""
        guild.members.pop(user.id, None)
        session = self.gateway.session_for(guild.id)
        if session is not None and session.intents & GUILD_MEMBERS:
            self.gateway.dispatch(
                "GUILD_MEMBER_REMOVE", {"guild_id": str(guild.id), "user": user.payload()}
            )

    def add_thread(self, channel: Channel, name: str, owner: User) -> Channel:
        """A member starts a public thread under a channel; Discord sends the bot THREAD_CREATE."""
        thread = Channel(
            snowflake(),
            name,
            channel.guild_id,
            type=PUBLIC_THREAD,
            parent_id=channel.id,
            owner_id=owner.id,
        )
        self.channels[thread.id] = thread
        payload = thread.payload()
        payload["newly_created"] = True
        self.gateway.dispatch("THREAD_CREATE", payload)
        return thread

    def attachment(self, filename: str, data: bytes, content_type: str = "") -> Attachment:
        """A file as Discord holds it once uploaded: on its CDN, at a URL anyone can fetch."""
        attachment_id = snowflake()
        attachment = Attachment(
            attachment_id,
            filename,
            data,
            content_type or _content_type(filename),
            f"{self.url}/attachments/{attachment_id}/{filename}",
        )
        self.files[attachment_id] = attachment
        return attachment

    async def _download(self, request: web.Request) -> web.Response:
        attachment = self.files.get(int(request.match_info["id"]))
        if attachment is None or attachment.filename != request.match_info["filename"]:
            return web.Response(status=404)
        return web.Response(body=attachment.data, content_type=attachment.content_type)

    async def wait_until_ready(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self.gateway.ready.wait(), timeout)

    # -- what members do ------------------------------------------------------------------

    def _interaction(
        self,
        kind: int,
        guild: Guild,
        channel: Channel,
        user: User,
        data: dict[str, Any],
        message: Message | None = None,
    ) -> Interaction:
        member = guild.members[user.id]
        interaction_id = snowflake()
        token = "itok_" + secrets.token_urlsafe(24)
        payload: dict[str, Any] = {
            "id": str(interaction_id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "member": member.payload(with_permissions=True),
            "token": token,
            "version": 1,
            "app_permissions": str(ALL_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }
        if message is not None:
            payload["message"] = message.payload()
        record = Interaction(interaction_id, token, kind, payload)
        self.interactions[interaction_id] = record
        self.interactions_by_token[token] = record
        self.gateway.dispatch("INTERACTION_CREATE", payload)
        return record

    def deliver_interaction_again(self, ix: Interaction) -> None:
        """Deliver an interaction's event a second time (Discord's delivery is at least once)."""
        self.gateway.dispatch("INTERACTION_CREATE", ix.payload)

    def _command_data(
        self, name: str, options: dict[str, Any], focused: str | None, guild: Guild
    ) -> dict[str, Any]:
        words = name.split()
        commands = self.guild_commands.get(guild.id, []) + self.global_commands
        command = next((c for c in commands if c["name"] == words[0]), None)
        if command is None:
            raise AssertionError(
                f"/{words[0]} was never synced; synced: {[c['name'] for c in commands]}"
            )
        spec = command
        path = []
        for word in words[1:]:
            spec = next(o for o in spec.get("options", []) if o["name"] == word)
            path.append(spec)
        resolved: dict[str, Any] = {}
        typed = []
        for key, value in options.items():
            option = next((o for o in spec.get("options", []) if o["name"] == key), None)
            if option is None:
                raise AssertionError(f"/{name} has no option {key!r}")
            entry: dict[str, Any] = {"name": key, "type": option["type"], "value": value}
            if option["type"] == 11:  # a file: uploaded first, then sent as its id, resolved
                filename, content = value
                attachment = self.attachment(filename, content)
                entry["value"] = str(attachment.id)
                resolved.setdefault("attachments", {})[str(attachment.id)] = attachment.payload()
            if option["type"] == 6:  # a user: Discord sends the id and resolves it
                user = value
                entry["value"] = str(user.id)
                resolved.setdefault("users", {})[str(user.id)] = user.payload()
                member = guild.members[user.id].payload()
                member.pop("user")
                resolved.setdefault("members", {})[str(user.id)] = member
            if key == focused:
                entry["focused"] = True
            typed.append(entry)
        for sub in reversed(path):
            typed = [{"name": sub["name"], "type": sub["type"], "options": typed}]
        data = {"id": command["id"], "name": words[0], "type": 1, "options": typed}
        if resolved:
            data["resolved"] = resolved
        return data

    async def slash(
        self,
        guild: Guild,
        channel: Channel,
        user: User,
        name: str,
        options: dict[str, Any] | None = None,
    ) -> Interaction:
        """A member runs a slash command ("define", or "glossary free-text" for a subcommand)."""
        return self._interaction(
            2, guild, channel, user, self._command_data(name, options or {}, None, guild)
        )

    async def user_command(
        self, guild: Guild, channel: Channel, user: User, name: str, target: User
    ) -> Interaction:
        """A member picks an app's command from another member's context menu (Apps > name)."""
        commands = self.guild_commands.get(guild.id, []) + self.global_commands
        command = next((c for c in commands if c["name"] == name and c["type"] == 2), None)
        if command is None:
            raise AssertionError(f"no user command {name!r} was synced")
        member = guild.members[target.id].payload()
        member.pop("user")
        data = {
            "id": command["id"],
            "name": name,
            "type": 2,
            "target_id": str(target.id),
            "resolved": {
                "users": {str(target.id): target.payload()},
                "members": {str(target.id): member},
            },
        }
        return self._interaction(2, guild, channel, user, data)

    async def autocomplete(
        self,
        guild: Guild,
        channel: Channel,
        user: User,
        name: str,
        options: dict[str, Any],
        focused: str,
        timeout: float = 5.0,
    ) -> list[dict[str, Any]]:
        """A member types in an option; returns the choices the bot offered."""
        ix = self._interaction(
            4, guild, channel, user, self._command_data(name, options, focused, guild)
        )
        try:
            callback = await ix.response(timeout)
        except TimeoutError:
            raise AssertionError(f"no autocomplete answer for /{name}") from None
        assert callback["type"] == 8, callback
        return callback["data"]["choices"]

    async def click(
        self, message: Message, custom_id: str, user: User, values: list[str] | None = None
    ) -> Interaction:
        """A member presses a button (or picks from a select menu) on a message."""
        assert custom_id in message.custom_ids(), f"{custom_id!r} not on the message"
        channel = self.channels[message.channel_id]
        guild = self.guilds[channel.guild_id]  # type: ignore[index]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": 3 if values else 2}
        if values is not None:
            data["values"] = values
        return self._interaction(3, guild, channel, user, data, message=message)

    async def submit_modal(
        self, opened_by: Interaction, user: User, values: dict[str, str]
    ) -> Interaction:
        """A member fills in the modal the bot opened and submits it."""
        modal = next(c for c in opened_by.callbacks if c["type"] == 9)["data"]
        # A member takes seconds to fill a form in. discord.py keeps the modal only once it
        # has read our answer to its callback, and silently drops a submit for a modal it
        # does not (yet) keep: sent in the same instant, under load, the submit could win.
        await asyncio.sleep(MODAL_FILL_SECONDS)
        rows = []
        for row in modal["components"]:
            items = row.get("components") or [row.get("component")]
            for item in items:
                rows.append(
                    {
                        "type": 1,
                        "components": [
                            {
                                "type": 4,
                                "custom_id": item["custom_id"],
                                # A box the member leaves alone keeps what the bot
                                # pre-filled; a client may send anything, min_length or not.
                                "value": values.get(
                                    item["custom_id"],
                                    values.get(item.get("label", ""), item.get("value") or ""),
                                ),
                            }
                        ],
                    }
                )
        payload = opened_by.payload
        guild = self.guilds[int(payload["guild_id"])]
        channel = self.channels[int(payload["channel_id"])]
        return self._interaction(
            5, guild, channel, user, {"custom_id": modal["custom_id"], "components": rows}
        )

    async def send_message(self, channel: Channel, user: User, content: str) -> Message:
        """A member posts in a channel; the bot sees it as Discord would deliver it."""
        message = Message(snowflake(), channel.id, channel.guild_id, user, content, me=self.bot.id)
        self.messages[message.id] = message
        self.deliver_again(message)
        return message

    def deliver_again(self, message: Message) -> None:
        """Deliver a member's message (again: Discord's delivery is at least once)."""
        channel = self.channels[message.channel_id]
        payload = message.payload()
        mentioned = str(self.bot.id) in message.content
        content = self.gateway.message_content(channel.guild_id)
        if not content and not mentioned and channel.guild_id is not None:
            # Without the message content intent Discord sends the message, not what it says.
            payload.update(content="", embeds=[], attachments=[], components=[])
        payload["mentions"] = [self.bot.payload()] if mentioned else []
        if channel.guild_id is not None:
            member = self.guilds[channel.guild_id].members[message.author.id].payload()
            member.pop("user")
            payload["member"] = member
        self.gateway.dispatch("MESSAGE_CREATE", payload)

    async def react(
        self,
        message: Message,
        user: User,
        emoji: str,
        *,
        burst: bool = False,
        deliver: bool = True,
    ) -> None:
        """A member (or the bot) puts a reaction on a message; a super reaction with burst.

        deliver=False: the reaction stands but its event never reaches the bot (Discord's
        gateway gives no guarantee; only reading the reactions back finds it).
        """
        kept = message.burst_reactions if burst else message.reactions
        kept.setdefault(emoji, set()).add(user.id)
        if deliver:
            self._dispatch_reaction("MESSAGE_REACTION_ADD", message, user.id, emoji, burst=burst)

    async def unreact(
        self,
        message: Message,
        user: User,
        emoji: str,
        *,
        burst: bool = False,
        deliver: bool = True,
    ) -> None:
        kept = message.burst_reactions if burst else message.reactions
        kept.get(emoji, set()).discard(user.id)
        if deliver:
            self._dispatch_reaction("MESSAGE_REACTION_REMOVE", message, user.id, emoji, burst=burst)

    def deliver_reaction_again(
        self, message: Message, user: User, emoji: str, *, added: bool = True
    ) -> None:
        """A reaction event delivered a second time (delivery is at least once)."""
        event = "MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE"
        self._dispatch_reaction(event, message, user.id, emoji)

    async def clear_reactions(self, message: Message) -> None:
        """A moderator removes every reaction from a message."""
        message.reactions.clear()
        message.burst_reactions.clear()
        self.gateway.dispatch("MESSAGE_REACTION_REMOVE_ALL", self._message_ids(message))

    async def clear_emoji(self, message: Message, emoji: str) -> None:
        """A moderator removes every reaction of one emoji from a message."""
        message.reactions.pop(emoji, None)
        message.burst_reactions.pop(emoji, None)
        data = {**self._message_ids(message), "emoji": {"id": None, "name": emoji}}
        self.gateway.dispatch("MESSAGE_REACTION_REMOVE_EMOJI", data)

    async def delete_message(self, message: Message) -> None:
        """A moderator deletes a message."""
        self.messages.pop(message.id, None)
        self.gateway.dispatch("MESSAGE_DELETE", self._message_ids(message, key="id"))

    async def delete_messages(self, messages: list[Message]) -> None:
        """A moderator deletes messages of one channel at once (bulk delete)."""
        for message in messages:
            self.messages.pop(message.id, None)
        first = messages[0]
        data: dict[str, Any] = {
            "ids": [str(m.id) for m in messages],
            "channel_id": str(first.channel_id),
        }
        if first.guild_id is not None:
            data["guild_id"] = str(first.guild_id)
        self.gateway.dispatch("MESSAGE_DELETE_BULK", data)

    def _message_ids(self, message: Message, key: str = "message_id") -> dict[str, Any]:
        data = {key: str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
        return data

    def _dispatch_reaction(
        self, event: str, message: Message, user_id: int, emoji: str, *, burst: bool = False
    ) -> None:
        data: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": str(message.channel_id),
            "message_id": str(message.id),
            "emoji": {"id": None, "name": emoji},
            "type": 1 if burst else 0,
            "burst": burst,
        }
        if burst:
            data["burst_colors"] = ["#ff0000"]
        if message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
            data["message_author_id"] = str(message.author.id)
            member = self.guilds[message.guild_id].members.get(user_id)
            if event == "MESSAGE_REACTION_ADD" and member is not None:
                # Discord sends who reacted, with when they joined, on an add in a server.
                data["member"] = member.payload()
        self.gateway.dispatch(event, data)

    async def drop_connection(self, *, shard_id: int | None = None) -> None:
        """The connection breaks (as networks do; of one shard, or all); the bot should RESUME."""
        await self.gateway.close_connection(4000, shard_id=shard_id)

    async def request_reconnect(self, *, shard_id: int | None = None) -> None:
        await self.gateway.send_op(7, None, shard_id=shard_id)

    async def invalidate_session(self, *, shard_id: int | None = None) -> None:
        await self.gateway.send_op(9, False, shard_id=shard_id)

    # -- what a test reads back -----------------------------------------------------------

    def direct_messages(self, user: User) -> list[Message]:
        """What the bot sent a user by direct message, oldest first."""
        channel = self.dm_channels.get(user.id)
        return self.bot_messages(channel) if channel is not None else []

    def bot_messages(self, channel: Channel) -> list[Message]:
        return [
            m
            for m in self.messages.values()
            if m.channel_id == channel.id and m.author.id == self.bot.id
        ]

    async def next_bot_message(
        self, channel: Channel, *, after: int = 0, timeout: float = 5.0
    ) -> Message:
        """The first message the bot posts in the channel with an id above `after`."""

        async def found() -> Message:
            async with self._new_messages:
                while True:
                    for message in self.bot_messages(channel):
                        if message.id > after:
                            return message
                    await self._new_messages.wait()

        return await asyncio.wait_for(found(), timeout)

    async def expect_silence(self, channel: Channel, seconds: float = 0.5) -> None:
        """Fails when the bot posts anything in the channel within `seconds`."""
        before = {m.id for m in self.bot_messages(channel)}
        await asyncio.sleep(seconds)
        new = [m for m in self.bot_messages(channel) if m.id not in before]
        assert not new, (
            f"the bot should have stayed silent, but said: {[m.embeds or m.content for m in new]}"
        )

    # -- REST -----------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        if request.headers.get("Authorization") not in (
            f"Bot {self.token}",
            None,
        ) and not path.startswith(("/interactions/", "/webhooks/")):
            return _json({"message": "401: Unauthorized", "code": 0}, status=401)
        parts = [unquote(p) for p in path.strip("/").split("/")]
        method = request.method
        body = await _body(request)
        try:
            return await self._route(method, parts, body, request)
        except _NotFound:
            self.violation("unknown route", f"{method} {path}")
            return _json({"message": "404: Not Found", "code": 0}, status=404)

    async def _route(
        self, method: str, p: list[str], body: Any, request: web.Request
    ) -> web.StreamResponse:
        match (method, p):
            case ("GET", ["gateway"]):
                return _json({"url": self.gateway_url})
            case ("GET", ["gateway", "bot"]):
                # Where to connect, how many shards to run, and how many sessions may start.
                return _json(
                    {
                        "url": self.gateway_url,
                        "shards": self.shard_count,
                        "session_start_limit": {
                            "total": 1000,
                            "remaining": 1000 - self.identify_count,
                            "reset_after": 86_400_000,
                            "max_concurrency": 1,
                        },
                    }
                )
            case ("GET", ["users", "@me"]):
                return _json(self.bot.payload())
            case ("GET", ["oauth2", "applications", "@me"]) | ("GET", ["applications", "@me"]):
                return _json(self._app_info())
            case ("GET", ["applications", _, "commands"]):
                return _json(self.global_commands)
            case ("PUT", ["applications", _, "commands"]):
                self.global_commands = self._registered(body)
                self.command_syncs.append("global")
                return _json(self.global_commands)
            case ("GET", ["applications", _, "guilds", guild_id, "commands"]):
                return _json(self.guild_commands.get(int(guild_id), []))
            case ("PUT", ["applications", _, "guilds", guild_id, "commands"]):
                self.guild_commands[int(guild_id)] = self._registered(body, int(guild_id))
                self.command_syncs.append(guild_id)
                return _json(self.guild_commands[int(guild_id)])
            case ("POST", ["interactions", interaction_id, token, "callback"]):
                return await self._callback(int(interaction_id), token, body, request)
            case ("POST", ["webhooks", _, token]):
                return await self._followup(token, body)
            case (_, ["webhooks", _, token, "messages", message_id]):
                return await self._webhook_message(method, token, message_id, body)
            case ("POST", ["users", "@me", "channels"]):
                return _json(self._dm_channel(int((body or {}).get("recipient_id") or 0)))
            case ("GET", ["channels", channel_id]):
                return _json(self._channel(int(channel_id)).payload())
            case ("POST", ["channels", channel_id, "messages"]):
                channel = self._channel(int(channel_id))
                return await self._create_message(channel, body)
            case (_, ["channels", channel_id, "messages", message_id]):
                return await self._channel_message(method, int(channel_id), int(message_id), body)
            case (_, ["channels", channel_id, "messages", message_id, "reactions", emoji, who]):
                return await self._reaction(method, int(channel_id), int(message_id), emoji, who)
            case ("GET", ["channels", channel_id, "messages", message_id, "reactions", emoji]):
                return self._reaction_users(int(channel_id), int(message_id), emoji, request)
            case ("DELETE", ["channels", channel_id, "messages", message_id, "reactions", *emoji]):
                message = self._reactable(int(channel_id), int(message_id))
                if message is None:
                    return _json({"message": "Unknown Message", "code": 10008}, status=404)
                if emoji:
                    await self.clear_emoji(message, emoji[0])
                else:
                    await self.clear_reactions(message)
                return web.Response(status=204)
            case ("GET", ["guilds", guild_id, "members", user_id]):
                guild = self.guilds.get(int(guild_id))
                if guild is None or int(user_id) not in guild.members:
                    return _json({"message": "Unknown Member", "code": 10007}, status=404)
                return _json(guild.members[int(user_id)].payload())
        raise _NotFound

    def _app_info(self) -> dict[str, Any]:
        return {
            "id": str(self.application_id),
            "name": "GlossaryBot",
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.owner.payload(),
            "verify_key": "0" * 64,
            "flags": self.app_flags,
            "team": None,
            "summary": "",
            "rpc_origins": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
            "approximate_guild_count": len(self.guilds),
            "bot": self.bot.payload(),
        }

    def _registered(self, body: Any, guild_id: int | None = None) -> list[dict[str, Any]]:
        registered = []
        for command in body or []:
            entry = dict(command)
            entry.setdefault("type", 1)
            # Context-menu commands have no description; Discord returns an empty one.
            entry.setdefault("description", "")
            entry.update(
                id=str(snowflake()),
                application_id=str(self.application_id),
                version=str(snowflake()),
            )
            entry.setdefault("default_member_permissions", None)
            entry.setdefault("nsfw", False)
            entry.setdefault("options", [])
            if guild_id is not None:
                entry["guild_id"] = str(guild_id)
            registered.append(entry)
        return registered

    def _channel(self, channel_id: int) -> Channel:
        if channel_id not in self.channels:
            raise _NotFound
        return self.channels[channel_id]

    async def _store(self, message: Message) -> None:
        self.messages[message.id] = message
        async with self._new_messages:
            self._new_messages.notify_all()
        if not message.ephemeral:
            payload = message.payload()
            self.gateway.dispatch("MESSAGE_CREATE", payload)

    def _message_from(
        self,
        body: dict[str, Any],
        channel: Channel,
        *,
        flags: int = 0,
        interaction_id: int | None = None,
    ) -> Message:
        reference = (body.get("message_reference") or {}).get("message_id")
        return Message(
            snowflake(),
            channel.id,
            channel.guild_id,
            self.bot,
            content=body.get("content") or "",
            embeds=body.get("embeds") or [],
            components=body.get("components") or [],
            flags=(body.get("flags") or 0) | flags,
            allowed_mentions=body.get("allowed_mentions"),
            reference=int(reference) if reference else None,
            interaction_id=interaction_id,
            me=self.bot.id,
            attachments=self._uploaded(body),
        )

    def _uploaded(self, body: dict[str, Any]) -> list[Attachment]:
        return [
            self.attachment(name, data, content_type)
            for name, data, content_type in body.get(UPLOADS) or []
        ]

    def _invalid(self, where: str, errors: dict[str, Any]) -> web.Response:
        self.violation("invalid form body", f"{where}: {json.dumps(errors)}")
        return _json({"code": 50035, "message": "Invalid Form Body", "errors": errors}, status=400)

    def _dm_channel(self, user_id: int) -> dict[str, Any]:
        """Open (or find) the direct-message channel with a user, as Discord does even when
        they do not accept messages: that is found out on sending."""
        channel = self.dm_channels.get(user_id)
        if channel is None:
            if user_id not in self.users:
                raise _NotFound
            channel = Channel(snowflake(), "", None, type=DM, recipient=self.users[user_id])
            self.dm_channels[user_id] = channel
            self.channels[channel.id] = channel
        return channel.payload()

    async def _create_message(self, channel: Channel, body: dict[str, Any]) -> web.Response:
        if channel.type == DM and channel.recipient and channel.recipient.id in self.dms_closed:
            return _json(
                {"message": "Cannot send messages to this user", "code": 50007}, status=403
            )
        if errors := limits.check_message(body):
            return self._invalid("create message", errors)
        if not (
            body.get("content") or body.get("embeds") or body.get("components") or body.get(UPLOADS)
        ):
            return self._invalid(
                "create message",
                {"_errors": [{"code": "EMPTY", "message": "Cannot send an empty message"}]},
            )
        message = self._message_from(body, channel)
        await self._store(message)
        return _json(message.payload())

    async def _callback(
        self, interaction_id: int, token: str, body: dict[str, Any], request: web.Request
    ) -> web.StreamResponse:
        arrived = request[ARRIVED]
        ix = self.interactions.get(interaction_id)
        if ix is None or ix.token != token:
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        if arrived - ix.created > self.interaction_deadline:
            self.violation("3-second deadline", f"interaction {interaction_id} answered too late")
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        if ix.acknowledged:
            self.violation("double acknowledgement", f"interaction {interaction_id}")
            return _json(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, status=400
            )
        kind = body.get("type")
        data = body.get("data") or {}
        if body.get(UPLOADS):
            data[UPLOADS] = body[UPLOADS]
        if kind in (4, 7) and (errors := limits.check_message(data)):
            return self._invalid(f"callback type {kind}", errors)
        if kind == 8 and (errors := limits.check_choices(data.get("choices") or [])):
            return self._invalid("autocomplete", errors)
        if kind == 9 and (errors := limits.check_modal(data)):
            return self._invalid("modal", errors)
        channel = self.channels[int(ix.payload["channel_id"])]
        response: dict[str, Any] = {"interaction": {"id": str(interaction_id), "type": ix.type}}
        if kind in (4, 5):
            message = self._message_from(data, channel, interaction_id=interaction_id)
            if kind == 5:
                message.content, message.embeds = "", []
                message.flags |= LOADING
            ix.original = message
            await self._store(message)
            response["interaction"].update(
                response_message_id=str(message.id),
                response_message_loading=kind == 5,
                response_message_ephemeral=message.ephemeral,
            )
            response["resource"] = {"type": kind, "message": message.payload()}
        elif kind == 6 and "message" in ix.payload:
            # A deferred update: the original response is the message the component is on.
            ix.original = self.messages.get(int(ix.payload["message"]["id"]))
        elif kind == 7:
            target = self.messages.get(int(ix.payload.get("message", {}).get("id", 0)))
            if target is None:
                return _json({"message": "Unknown Message", "code": 10008}, status=404)
            _edit(target, data)
            response["resource"] = {"type": 7, "message": target.payload()}
        ix.callbacks.append({"type": kind, "data": data})
        ix.answered_at = arrived
        # The bot's answer is on its way back to it before the test acts on it: a member acts
        # on what Discord shows them, by when the bot has Discord's reply.
        sent = _json(response)
        await sent.prepare(request)
        await sent.write_eof()
        ix.answered.set()
        return sent

    async def _followup(self, token: str, body: dict[str, Any]) -> web.Response:
        ix = self.interactions_by_token.get(token)
        if ix is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
        if not ix.acknowledged:
            self.violation("follow-up before acknowledgement", f"interaction {ix.id}")
            return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
        if errors := limits.check_message(body):
            return self._invalid("follow-up", errors)
        if ix.original is not None and ix.original.flags & LOADING:
            # The first follow-up to a deferred "thinking…" response fills that message in,
            # keeping its visibility (the follow-up's own ephemeral flag is ignored).
            _edit(ix.original, body)
            ix.original.attachments = self._uploaded(body) or ix.original.attachments
            ix.original.flags &= ~LOADING
            ix.followup_arrived.set()
            return _json(ix.original.payload())
        channel = self.channels[int(ix.payload["channel_id"])]
        message = self._message_from(body, channel, interaction_id=ix.id)
        ix.followups.append(message)
        ix.followup_arrived.set()
        await self._store(message)
        return _json(message.payload())

    async def _webhook_message(
        self, method: str, token: str, message_id: str, body: Any
    ) -> web.Response:
        ix = self.interactions_by_token.get(token)
        if ix is None:
            return _json({"message": "Unknown Webhook", "code": 10015}, status=404)
        original = message_id == "@original"
        message = ix.original if original else self.messages.get(int(message_id))
        if message is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        if method == "PATCH":
            if errors := limits.check_message(body or {}):
                return self._invalid("edit", errors)
            _edit(message, body or {})
            message.attachments = self._uploaded(body or {}) or message.attachments
            message.flags &= ~LOADING
            if message is ix.original:
                ix.followup_arrived.set()
        elif method == "DELETE":
            await self.delete_message(message)
            return web.Response(status=204)
        return _json(message.payload())

    async def _channel_message(
        self, method: str, channel_id: int, message_id: int, body: Any
    ) -> web.StreamResponse:
        message = self.messages.get(message_id)
        if message is None or message.channel_id != channel_id or message.ephemeral:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        if method == "GET":
            return _json(message.payload())
        if method == "PATCH":
            if errors := limits.check_message(body or {}):
                return self._invalid("edit", errors)
            _edit(message, body or {})
            self.gateway.dispatch("MESSAGE_UPDATE", message.payload())
            return _json(message.payload())
        if method == "DELETE":
            await self.delete_message(message)
            return web.Response(status=204)
        raise _NotFound

    def _reactable(self, channel_id: int, message_id: int) -> Message | None:
        message = self.messages.get(message_id)
        if message is None or message.channel_id != channel_id or message.ephemeral:
            return None
        return message

    def _reaction_users(
        self, channel_id: int, message_id: int, emoji: str, request: web.Request
    ) -> web.Response:
        """Who reacted with an emoji, a page at a time: up to `limit` (1-100, default 25)
        users with ids above `after`, by id, as Discord pages them."""
        message = self._reactable(channel_id, message_id)
        if message is None:
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        try:
            limit = int(request.query.get("limit", 25))
            after = int(request.query.get("after", 0))
            kind = int(request.query.get("type", 0))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 100:
            return self._invalid(
                "get reactions", {"limit": {"_errors": [{"code": "NUMBER_TYPE_MAX"}]}}
            )
        self.reaction_pages += 1
        kept = message.burst_reactions if kind == 1 else message.reactions
        ids = sorted(u for u in kept.get(emoji, set()) if u > after)[:limit]
        return _json([self.users[u].payload() for u in ids])

    async def _reaction(
        self, method: str, channel_id: int, message_id: int, emoji: str, who: str
    ) -> web.StreamResponse:
        message = self.messages.get(message_id)
        if message is None or message.channel_id != channel_id or message.ephemeral:
            self.violation("reaction on a message that cannot have one", f"message {message_id}")
            return _json({"message": "Unknown Message", "code": 10008}, status=404)
        user_id = self.bot.id if who == "@me" else int(who)
        if method == "PUT":
            await self.react(message, self.users[user_id], emoji)
        elif method == "DELETE":
            await self.unreact(message, self.users[user_id], emoji)
        else:
            raise _NotFound
        return web.Response(status=204)


class _NotFound(Exception):
    pass


def _edit(message: Message, data: dict[str, Any]) -> None:
    for key in ("content", "embeds", "components"):
        if key in data and data[key] is not None:
            setattr(message, key, data[key])

    if "allowed_mentions" in data:
        message.allowed_mentions = data["allowed_mentions"]
    message.edits += 1


UPLOADS = "__uploads__"  # where a request's files sit in its body: (filename, bytes, type)


async def _body(request: web.Request) -> Any:
    if not request.can_read_body:
        return None
    if request.content_type.startswith("multipart/"):
        # A message with files: its JSON in payload_json, each file in a files[N] part.
        reader = await request.multipart()
        payload: Any = None
        uploads = []
        async for part in reader:
            if part.name == "payload_json":  # type: ignore[union-attr]
                payload = json.loads(await part.text())  # type: ignore[union-attr]
            elif (part.name or "").startswith("files["):  # type: ignore[union-attr]
                content = await part.read()  # type: ignore[union-attr]
                content_type = part.headers.get("Content-Type", "")  # type: ignore[union-attr]
                uploads.append((part.filename or "", bytes(content), content_type))  # type: ignore[union-attr]
        if payload is not None and uploads:
            payload[UPLOADS] = uploads
        return payload
    text = await request.text()
    return json.loads(text) if text else None


def _content_type(filename: str) -> str:
    if filename.endswith((".yaml", ".yml")):
        return "application/yaml"
    return "text/plain; charset=utf-8" if filename.endswith(".txt") else "application/octet-stream"


def _json(data: Any, *, status: int = 200) -> web.Response:
    # discord.py only parses bodies whose Content-Type is exactly application/json.
    return web.Response(
        body=json.dumps(data).encode(), status=status, headers={"Content-Type": JSON}
    )
