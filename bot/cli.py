"""The ``glossary-bot`` command line."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import click

from bot.core import answers
from bot.core.errors import StoreError
from bot.core.glossary import (
    Glossary,
    GlossaryError,
    Problem,
    file_digest,
    names_given_twice,
    parse_glossary,
    read_glossary_file,
)
from bot.core.model import name_key
from bot.core.search import SearchResult, marked
from bot.core.service import GlossaryService, Reply, database_path, is_database_url
from bot.core.shards import COUNT_VARIABLE, IDS_VARIABLE, ShardSettingError, shard_plan

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DB_HELP = (
    "Database to use: an SQLite file, or a postgresql:// URL [default: $GLOSSARY_DB, else"
    " ./glossary.db; made on first use]."
)
TOKEN_HELP = """\
No Discord token: set DISCORD_TOKEN to your bot's token.

  1. Open https://discord.com/developers/applications and create an application.
  2. Under "Bot", press "Reset Token" and copy the token.
  3. export DISCORD_TOKEN=...   then run `glossary-bot run` again.

To try the bot without Discord: glossary-bot console"""


PROGRESS_STEPS = 1000


def _open(db: str | None, *, answering: bool = True, seed: bool = True) -> GlossaryService:
    try:
        return GlossaryService.open(db, answering=answering, seed=seed)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    except GlossaryError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2) from exc


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


@contextlib.contextmanager
def _progress(label: str) -> Iterator[Callable[[float], None]]:
    """A progress bar on stderr from the first moment of the work when stderr is a terminal;
    nothing at all on a pipe or in a log. Yields a function taking the fraction done."""
    if not sys.stderr.isatty():
        yield lambda fraction: None
        return
    with click.progressbar(length=PROGRESS_STEPS, label=label, file=sys.stderr) as bar:
        shown = 0

        def update(fraction: float) -> None:
            nonlocal shown
            step = min(PROGRESS_STEPS, int(fraction * PROGRESS_STEPS))
            if step > shown:
                bar.update(step - shown)
                shown = step

        yield update


def _checked(
    files: tuple[str, ...],
    contents: dict[str, bytes],
    unchanged: dict[str, str],
    *,
    outcome: str,
) -> dict[str, Glossary]:
    """Every file read and validated before anything is written, by path; problems end the
    command with status 2 saying `outcome` ("nothing was loaded"). Files in `unchanged` (path:
    glossary name, for a file loaded before as it is) are not parsed again."""
    problems: list[Problem] = []
    glossaries: dict[str, Glossary] = {}
    for path in dict.fromkeys(files):
        if path in unchanged:
            continue
        try:
            if path not in contents:
                contents[path] = read_glossary_file(path)
            with _progress(f"Checking {path}") as progress:
                glossaries[path] = parse_glossary(contents[path], filename=path, progress=progress)
        except GlossaryError as exc:
            problems.extend(exc.problems)
    if not problems:
        names = [name_key(g.name) for g in glossaries.values()] + [
            name_key(name) for name in unchanged.values()
        ]
        named = dict(glossaries)
        for path, name in unchanged.items():
            if names.count(name_key(name)) > 1:  # read only to say where it names it
                named[path] = parse_glossary(contents[path], filename=path)
        problems = names_given_twice((p, named[p]) for p in dict.fromkeys(files) if p in named)
    if problems:
        click.echo("\n".join(str(p) for p in sorted(problems, key=_in_file_order)), err=True)
        click.echo(f"{_plural(len(problems), 'problem')} found; {outcome}.", err=True)
        sys.exit(2)
    return glossaries


def _in_file_order(problem: Problem) -> tuple[str, int, int]:
    return (problem.file, problem.line, problem.column)


db_option = click.option("--db", "db", type=click.Path(dir_okay=False), help=DB_HELP)


class _Commands(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        # A database that cannot be used as asked (busy, newer, not a database) is a message
        # for the user, not a traceback.
        try:
            return super().invoke(ctx)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from exc


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="glossary-bot")
def main() -> None:
    """A Discord bot that answers glossary questions, and its tools.

    Without a Discord token, try `glossary-bot ask "what is a customer?"` or
    `glossary-bot console`.
    """
    level = os.environ.get("GLOSSARY_LOG_LEVEL", "WARNING").upper()
    if level not in LOG_LEVELS:
        raise click.UsageError(
            f"GLOSSARY_LOG_LEVEL={level!r} is not a log level; use one of {', '.join(LOG_LEVELS)}"
        )
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def check(files: tuple[str, ...]) -> None:
    """Validate glossary FILES without loading them.

    Every problem is printed as FILE:LINE:COL: message; the exit status is 2 if any.
    """
    glossaries = _checked(files, {}, {}, outcome="the files were only checked")
    for path, glossary in glossaries.items():
        faqs = len(glossary.faqs) + sum(len(t.faqs) for t in glossary.terms)
        click.echo(f"{path}: ok ({_plural(len(glossary.terms), 'term')}, {_plural(faqs, 'FAQ')})")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@db_option
def load(files: tuple[str, ...], db: str | None) -> None:
    """Validate glossary FILES and load them into the database.

    All files are checked before anything is written: one bad file loads none. Reloading a
    changed file updates it in place; members' definitions, votes and badges are kept, and terms
    that left the file are reported.
    """
    path = database_path(db)
    contents: dict[str, bytes] = {}
    unchanged: dict[str, str] = {}
    # A file loaded before, byte for byte, is known by its digest without being parsed: a
    # reload of an unchanged file costs a read and a hash. A new database knows no files.
    known = is_database_url(path) or (Path(path).is_file() and Path(path).stat().st_size)
    service = _open(db, answering=False) if known else None
    try:
        if service is not None:
            for file in files:
                with contextlib.suppress(GlossaryError):  # unreadable: _checked says so
                    contents[file] = read_glossary_file(file)
                    name = service.loaded_file(file_digest(contents[file]))
                    if name is not None:
                        unchanged[file] = name
        glossaries = _checked(files, contents, unchanged, outcome="nothing was loaded")
        if service is None:
            service = _open(db, answering=False)
        for file in dict.fromkeys(files):
            if file not in glossaries:
                click.echo(
                    f"{unchanged[file]}: unchanged since it was loaded from {file}; nothing to do"
                )
                continue
            with _progress(f"Loading {file}") as progress:
                report = service.load(
                    glossaries[file], progress=progress, file_digest=file_digest(contents[file])
                )
            click.echo(report.summary())
            if report.removed_terms:
                shown = ", ".join(report.removed_terms[:10])
                more = len(report.removed_terms) - 10
                click.echo(
                    f"  removed from the file: {shown}{f' and {more} more' if more > 0 else ''}"
                    f" (kept with their {report.kept_votes_on_removed} votes; a later load that"
                    " brings them back restores them)"
                )
    finally:
        if service is not None:
            service.close()


@main.command()
@db_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE, not stdout.")
@click.option("--glossary", "name", help="Which glossary, by name [default: the first loaded].")
def export(db: str | None, output: str | None, name: str | None) -> None:
    """Write a glossary from the database back in the glossary file format.

    Loading the exported file gives the same glossary.
    """
    from bot.core.export import dump_glossary

    service = _open(db, answering=False)
    try:
        text = dump_glossary(service.export_glossary(name))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        service.close()
    if output:
        _write_whole(Path(output), text.encode("utf-8"))
    else:
        click.echo(text, nl=False)


@main.command()
@click.option("--from", "source", required=True, help="The database to copy: a file or a URL.")
@click.option("--to", "target", required=True, help="An empty database: a new file or a URL.")
def copy(source: str, target: str) -> None:
    """Copy a whole database to another, SQLite to PostgreSQL or back.

    Glossaries, members' definitions, votes, badges, settings and reports, with their ids; the
    rows of each table are counted on both sides. The target must be empty; a copy that fails
    leaves it as it was. Stop the bot first, so that nothing is written meanwhile.

    Example: glossary-bot copy --from glossary.db --to postgresql://bot@db.example/glossary
    """
    if not is_database_url(source) and not Path(source).is_file():
        raise click.ClickException(f"{source}: no such database file")
    if not is_database_url(target) and Path(target).exists():
        raise click.ClickException(f"{target} exists; copy into a new file or an empty database")
    origin = _open(source, answering=False, seed=False)
    try:
        destination = _open(target, answering=False, seed=False)
        try:
            report = origin.copy_into(destination)
        except BaseException:
            destination.close()
            if not is_database_url(target):  # the new file holds nothing: not left behind
                for suffix in ("", "-wal", "-shm"):
                    Path(target + suffix).unlink(missing_ok=True)
            raise
        destination.close()
    finally:
        origin.close()
    width = max(len(table) for table in report.rows)
    for table, rows in report.rows.items():
        click.echo(f"{table:<{width}} {rows:>10,}")
    click.echo(f"copied {report.total:,} rows; every table's count checked on both sides")


def _write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all: a file that was there stays as it was when
    the folder is missing, the path unwritable or the disk full. A regular file is written
    beside it and renamed over it; a device or a pipe (/dev/stdout) is written to directly."""
    existed = path.exists()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if existed and not path.is_file():
            with path.open("wb") as stream:
                stream.write(data)
            return
        try:
            with temporary.open("xb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            if existed:
                with contextlib.suppress(OSError):
                    shutil.copymode(path, temporary)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    except OSError as exc:
        if path.parent.exists() and not path.parent.is_dir():
            reason = f"{path.parent} is not a folder"
        elif not path.parent.exists():
            reason = f"there is no folder {path.parent}"
        else:
            reason = exc.strerror or str(exc)
        kept = f"; {path} is as it was" if existed and path.is_file() else ""
        message = f"cannot write {path}: {reason}; nothing was written{kept}"
        raise click.ClickException(message) from exc


@main.command()
@click.argument("question")
@db_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per answer, per line.")
@click.option(
    "--mode",
    type=click.Choice(["define", "chat"]),
    default="define",
    show_default=True,
    help="define: like /define (suggests when unsure); chat: like free text (answers or stays"
    " silent).",
)
def ask(question: str, db: str | None, as_json: bool, mode: str) -> None:
    """Answer QUESTION from the glossary; `-` reads one question per line from stdin.

    The exit status is 0 whatever the answer.
    """
    from bot.console import readable, render_text

    service = _open(db)
    # Bytes, decoded line by line: a line that is not UTF-8 is answered like any other (its
    # bad bytes shown as U+FFFD), and the lines after it still are.
    if question == "-":
        questions: Iterable[str] = (readable(line) for line in sys.stdin.buffer)
    else:
        questions = [readable(question)]
    try:
        for line in questions:
            text = line.rstrip("\r\n")
            if question == "-" and not text.strip():
                continue
            reply = service.ask(text, mode=mode)  # type: ignore[arg-type]
            if as_json:
                click.echo(_json_line(_decision_json(text, reply)))
            elif reply.answer is None:
                click.echo("(no answer: not a glossary question)")
            else:
                # No number can be typed after a one-shot answer: options are listed plainly.
                click.echo(render_text(reply.answer, numbered=False))
    finally:
        service.close()


def _json_line(value: object) -> str:
    """JSON on one line for any reader: the line separators JSON leaves raw (U+0085, U+2028,
    U+2029) end a line for many (Python's splitlines), so they are escaped."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\x85", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _decision_json(text: str, reply: Reply) -> dict[str, object]:
    decision = reply.decision
    best = decision.best if decision.decision == "answer" else None
    return {
        "query": text,
        "decision": decision.decision,
        "match": best.label if best else None,
        "kind": best.kind if best else None,
        "score": round(
            best.score if best else (decision.candidates[0].score if decision.candidates else 0.0),
            1,
        ),
        "candidates": [
            {"match": c.label, "kind": c.kind, "score": round(c.score, 1)}
            for c in decision.candidates
        ],
    }


@main.command()
@click.argument("words")
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the hits as one JSON object.")
@click.option(
    "--page", type=click.IntRange(min=1), default=1, show_default=True, help="Which page to show."
)
def search(words: str, db: str | None, as_json: bool, page: int) -> None:
    """Search names, aliases, definitions, examples and FAQs for WORDS, ten hits a page.

    Typos are forgiven where the glossary has a close word. The exit status is 0 whatever
    was found.
    """
    from bot.console import readable, render_text

    service = _open(db, answering=False)
    try:
        result = service.search_result(readable(words), guild_id=None, page=page - 1)
        if as_json:
            click.echo(_json_line(_search_json(result)))
        else:
            # No number can be typed after it: options are listed plainly (use --page).
            click.echo(render_text(answers.search_answer(result), numbered=False))
    finally:
        service.close()


def _search_json(result: SearchResult) -> dict[str, object]:
    return {
        "query": result.query,
        "words": result.words,
        "corrected": result.corrected,
        "unknown": result.unknown,
        "all_words": result.all_words,
        "total": result.total,
        "page": result.page + 1,
        "pages": result.pages,
        "hits": [
            {
                "kind": shown.hit.kind,
                "id": shown.hit.target,
                "title": shown.hit.title,
                "found_in": list(shown.fields),
                "snippet": marked(shown.snippet, "[", "]"),
            }
            for shown in result.shown
        ],
    }


@main.command()
@db_option
def console(db: str | None) -> None:
    """Talk to the bot in the terminal: /define, /faq, /search, /contribute, /glossary, /help,
    or free text.

    Reads one input per line; Ctrl-D (end of input) exits. /contribute and /glossary act as a
    member and admin of a local server, with the checks and messages of Discord.
    """
    from bot.console import run_console

    service = _open(db)
    try:
        run_console(service)
    finally:
        service.close()


@main.command()
@db_option
@click.option(
    "--shard-count",
    envvar=COUNT_VARIABLE,
    metavar="N",
    help=f"Shards of the whole bot, across every process [default: ${COUNT_VARIABLE}, else"
    " as many as Discord asks for].",
)
@click.option(
    "--shard-ids",
    envvar=IDS_VARIABLE,
    metavar="IDS",
    help=f"The shards this process runs, such as 0,1 or 0-3 [default: ${IDS_VARIABLE}, else"
    " every shard]. Needs --shard-count and a PostgreSQL database.",
)
def run(db: str | None, shard_count: str | None, shard_ids: str | None) -> None:
    """Run the Discord bot (needs DISCORD_TOKEN).

    With GLOSSARY_WEB_PORT set, it serves the web pages of `glossary-bot web` too. A big bot
    runs its shards in several processes over one PostgreSQL database, each with the same
    --shard-count and its own --shard-ids.
    """
    try:
        shards = shard_plan(shard_count, shard_ids)
    except ShardSettingError as exc:
        raise click.UsageError(str(exc)) from None
    if not shards.every_shard and not is_database_url(database_path(db)):
        click.echo(
            f"Error: this process would run {shards.describe()}, but an SQLite database serves"
            " one process on one machine, which runs every shard. Leave out --shard-ids (and"
            f" {IDS_VARIABLE}), or point --db (GLOSSARY_DB) at a postgresql:// database that"
            " every shard process shares.",
            err=True,
        )
        sys.exit(2)
    token = _token()
    from bot.discord.client import run_bot
    from bot.web.app import WebSettingError, web_settings

    try:
        site = web_settings(os.environ)
    except WebSettingError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    run_bot(token=token, db=database_path(db), site=site, shards=shards)


@main.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
def web(db: str | None, host: str, port: int) -> None:
    """Serve the glossary as read-only web pages: an A-Z index, search and term pages, and
    the profiles and leaderboard of servers whose admins ran `/glossary web on`.

    Never writes to the database; follows what a running bot writes to it. Ctrl-C stops.
    """
    import asyncio

    from bot.web.app import serve_forever

    service = _open(db)
    service.forbid_writes()
    click.echo(f"Serving the glossary on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    try:
        asyncio.run(serve_forever(service, host=host, port=port))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    except KeyboardInterrupt:
        pass
    finally:
        service.close()


@main.command()
@db_option
def sync(db: str | None) -> None:
    """Sync the slash commands with Discord now (needs DISCORD_TOKEN).

    `run` already syncs when the commands changed; use this after changing applications.
    """
    from bot.discord.client import run_sync

    run_sync(token=_token(), db=database_path(db))
    click.echo("Slash commands synced.")


def _token() -> str:
    """DISCORD_TOKEN without the spaces or newline a copy and paste brings; none: exit 2."""
    token = os.environ.get("DISCORD_TOKEN", "").strip()
    if not token:
        click.echo(TOKEN_HELP, err=True)
        sys.exit(2)
    return token


@main.command()
@click.option(
    "--client-id",
    type=int,
    help="The application's id [default: read from DISCORD_TOKEN].",
)
def invite(client_id: int | None) -> None:
    """Print the URL that adds the bot to a server, with exactly the permissions it needs."""
    from bot.discord.client import application_id_from_token, invite_url

    if client_id is None:
        token = os.environ.get("DISCORD_TOKEN", "")
        client_id = application_id_from_token(token) if token else None
    if client_id is None:
        raise click.UsageError(
            "give --client-id (the Application ID on the developer portal's General Information"
            " page) or set DISCORD_TOKEN"
        )
    click.echo(invite_url(client_id))


if __name__ == "__main__":
    main()
