"""Start the real bot as a user does (`glossary-bot run`) against the Discord stand-in."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
from pathlib import Path

from standin import DiscordStandin
from standin.bare import until

REPO = Path(__file__).resolve().parents[1]
SITE = Path(__file__).resolve().parent / "e2e_site"
READY_LINE = "server(s):"  # the bot's log line on READY: "serving N server(s): ..."


def bot_command() -> tuple[list[str], str | None]:
    """The installed glossary-bot, or the source tree's when it is not installed."""
    installed = shutil.which("glossary-bot")
    if installed:
        return [installed], None
    return [sys.executable, "-m", "bot.cli"], str(REPO)


def bot_env(standin: DiscordStandin, *, token: str | None = None) -> dict[str, str]:
    """The environment of a `glossary-bot` whose discord.py talks to the stand-in."""
    _, source = bot_command()
    paths = [str(SITE), *([source] if source else []), os.environ.get("PYTHONPATH", "")]
    env = {
        **os.environ,
        "DISCORD_TOKEN": token or standin.token,
        "GLOSSARY_STANDIN_URL": standin.url,
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
    }
    env.pop("GLOSSARY_DB", None)
    return env


async def run_cli(standin: DiscordStandin, *args: str, timeout: float = 30) -> tuple[int, str]:
    """Run another `glossary-bot` command (sync, load, ...) to the end: exit status, output."""
    command, _ = bot_command()
    process = await asyncio.create_subprocess_exec(
        *command,
        *args,
        env=bot_env(standin),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        stdin=asyncio.subprocess.DEVNULL,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


class BotProcess:
    """`glossary-bot run --db DB [ARGS]` in a subprocess whose discord.py talks to the stand-in.

    db: an SQLite file, or a postgresql:// URL.
    """

    def __init__(
        self,
        standin: DiscordStandin,
        db: Path | str,
        log: Path,
        *,
        env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
    ):
        self.standin = standin
        self.env = env or {}
        self.args = args
        self.db = db
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self.tracebacks_expected = False

    async def start(self, *, timeout: float = 30.0) -> BotProcess:
        command, _ = bot_command()
        env = {**bot_env(self.standin), **self.env}
        ready = self.output().count(READY_LINE)
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                *command,
                "run",
                "--db",
                str(self.db),
                *self.args,
                env=env,
                stdout=log,
                stderr=log,
                stdin=asyncio.subprocess.DEVNULL,
            )
        process = self.process
        # Ready once it says which servers it serves: their GUILD_CREATEs are in, so a message
        # in a server is not mistaken for a direct message.
        await until(
            lambda: self.output().count(READY_LINE) > ready or process.returncode is not None,
            timeout=timeout,
        )
        assert process.returncode is None, f"the bot exited:\n{self.output()}"
        return self

    async def kill(self) -> None:
        """The process dies at once (a crash, a lost machine): no goodbye to Discord."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    async def stop(self) -> int | None:
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
