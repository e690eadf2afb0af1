"""The ``glossary-bot`` command line."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import click

from bot.core import answers
from bot.core.glossary import GlossaryError, load_glossaries
from bot.core.search import SearchResult, marked
from bot.core.service import GlossaryService, Reply, database_path
from bot.core.store import StoreError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DB_HELP = "SQLite database to use [default: $GLOSSARY_DB, else ./glossary.db; made on first use]."
TOKEN_HELP = """\
No Discord token: set DISCORD_TOKEN to your bot's token.

  1. Open https://discord.com/developers/applications and create an application.
  2. Under "Bot", press "Reset Token" and copy the token.
  3. export DISCORD_TOKEN=...   then run `glossary-bot run` again.

To try the bot without Discord: glossary-bot console"""


def _open(db: str | None) -> GlossaryService:
    try:
        return GlossaryService.open(db)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    except GlossaryError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(2) from exc


def _validated(files: tuple[str, ...]) -> list:
    """Every file checked before anything is written; problems end the command with status 2."""
    try:
        return load_glossaries(files)
    except GlossaryError as exc:
        click.echo(str(exc), err=True)
        click.echo(f"{len(exc.problems)} problem(s) found; nothing was loaded.", err=True)
        sys.exit(2)


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
    glossaries = _validated(files)
    for path, glossary in zip(files, glossaries, strict=True):
        faqs = len(glossary.faqs) + sum(len(t.faqs) for t in glossary.terms)
        click.echo(f"{path}: ok ({len(glossary.terms)} terms, {faqs} FAQs)")


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@db_option
def load(files: tuple[str, ...], db: str | None) -> None:
    """Validate glossary FILES and load them into the database.

    All files are checked before anything is written: one bad file loads none. Reloading a
    changed file updates it in place; members' definitions, votes and badges are kept, and terms
    that left the file are reported.
    """
    glossaries = _validated(files)
    service = _open(db)
    try:
        for path, glossary in zip(files, glossaries, strict=True):
            with click.progressbar(
                length=len(glossary.terms), label=f"Loading {path}", file=sys.stderr
            ) as bar:
                report = service.load(glossary, progress=bar.update)
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

    service = _open(db)
    try:
        text = dump_glossary(service.store.export_glossary(name))
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        service.close()
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


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
    from bot.console import render_text

    service = _open(db)
    questions = sys.stdin if question == "-" else [question]
    try:
        for line in questions:
            text = line.rstrip("\n")
            if question == "-" and not text.strip():
                continue
            reply = service.ask(text, mode=mode)  # type: ignore[arg-type]
            if as_json:
                click.echo(json.dumps(_decision_json(text, reply), ensure_ascii=False))
            elif reply.answer is None:
                click.echo("(no answer: not a glossary question)")
            else:
                click.echo(render_text(reply.answer))
    finally:
        service.close()


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
    from bot.console import render_text

    service = _open(db)
    try:
        result = service.search_result(words, guild_id=None, page=page - 1)
        if as_json:
            click.echo(json.dumps(_search_json(result), ensure_ascii=False))
        else:
            click.echo(render_text(answers.search_answer(result)))
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
def run(db: str | None) -> None:
    """Run the Discord bot (needs DISCORD_TOKEN)."""
    if not os.environ.get("DISCORD_TOKEN"):
        click.echo(TOKEN_HELP, err=True)
        sys.exit(2)
    from bot.discord.client import run_bot

    run_bot(token=os.environ["DISCORD_TOKEN"], db=database_path(db))


@main.command()
@db_option
def sync(db: str | None) -> None:
    """Sync the slash commands with Discord now (needs DISCORD_TOKEN).

    `run` already syncs when the commands changed; use this after changing applications.
    """
    if not os.environ.get("DISCORD_TOKEN"):
        click.echo(TOKEN_HELP, err=True)
        sys.exit(2)
    import asyncio

    from bot.discord.client import sync_once

    asyncio.run(sync_once(token=os.environ["DISCORD_TOKEN"], db=database_path(db)))
    click.echo("Slash commands synced.")


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
