"""The one door to storage: front ends reach the database only through the service.

Read from the source, since a front end that reaches round the service works, today, on
SQLite, and breaks only when the backend changes: cogs, console, CLI and web import nothing
from the store but its errors (bot/core/errors.py), touch no `.store`, and queue no work of
their own; on the event loop, every service read that touches storage is awaited through
`GlossaryService.call`, the seam a backend of network round trips takes off the loop.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from bot.core.service import GlossaryService

ROOT = Path(__file__).resolve().parent.parent
FRONT_ENDS = sorted(
    [
        *ROOT.glob("bot/discord/*.py"),
        *ROOT.glob("bot/web/*.py"),
        *ROOT.glob("bot/console*.py"),
        ROOT / "bot/cli.py",
    ]
)
# Run on the event loop (the bot, and the web site it may serve).
ON_THE_LOOP = [p for p in FRONT_ENDS if p.parent.name in ("discord", "web")]
# Storage modules a front end must not import (the service and the errors are its door).
STORAGE = (
    *("bot.core.store", "bot.core.writer", "bot.core.search_index"),
    *("bot.core.db", "bot.core.sqlite_db", "bot.core.pg", "bot.core.pg_search"),
    "bot.core.copy",
)
# Sync service methods that read no storage: the matcher alone, or the service's own life.
NO_STORAGE = {
    "decide",
    "complete",
    "close",
    "write_in_background",
    "read_off_loop",
    "serve_from_event_loop",
}


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def door_breaches(path: Path) -> list[str]:
    """Where a front end reaches round the service: imports from storage modules, `.store`,
    and the service's private queue."""
    found = []
    for node in ast.walk(_tree(path)):
        where = f"{_name(path)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = {alias.name for alias in node.names}
            if module in STORAGE or (module == "bot.core" and names & {"store", "writer"}):
                found.append(f"{where}: imports {', '.join(sorted(names))} from {module}")
        elif isinstance(node, ast.Import):
            found += [
                f"{where}: imports {alias.name}" for alias in node.names if alias.name in STORAGE
            ]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in ("store", "_write", "run")
            and (node.attr != "run" or _is_service(node.value))
        ):
            found.append(f"{where}: uses .{node.attr}")
    return found


def _is_service(node: ast.expr) -> bool:
    """`service`, `self.service`, `bot.service`, `service_of(interaction)`..."""
    if isinstance(node, ast.Name):
        return node.id == "service"
    if isinstance(node, ast.Attribute):
        return node.attr == "service"
    if isinstance(node, ast.Call):
        return isinstance(node.func, ast.Name) and node.func.id == "service_of"
    return False


def storage_reads() -> set[str]:
    """The service's public sync operations that may read storage: on the event loop they are
    awaited through `call`. (Writes return futures; async operations are already awaited.)"""
    reads = set()
    for name, member in vars(GlossaryService).items():
        if name.startswith("_") or name in NO_STORAGE or not inspect.isfunction(member):
            continue
        if inspect.iscoroutinefunction(member) or "Future" in str(
            member.__annotations__.get("return", "")
        ):
            continue
        reads.add(name)
    return reads


def reads_around_the_seam(path: Path, reads: set[str]) -> list[str]:
    """Calls like `service.term_answer(...)` on the event loop, not `service.call(service.
    term_answer, ...)`. A function handed whole to the seam (the web's page builders, given
    to `call` or to `Site.cached`, which calls it) may call the service inside."""
    tree = _tree(path)
    handed = {
        arg.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("call", "cached")
        for arg in node.args
        if isinstance(arg, ast.Name)
    }
    found = []
    for node in _walk_outside(tree, handed):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in reads
            and _is_service(node.func.value)
        ):
            found.append(f"{_name(path)}:{node.lineno}: {node.func.attr}() not through call")
    return found


def _walk_outside(tree: ast.AST, skipped: set[str]):
    """Every node, but not the bodies of the functions named in `skipped`."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not (isinstance(child, ast.FunctionDef) and child.name in skipped):
                todo.append(child)


def test_the_front_ends_are_all_read():
    names = {_name(p) for p in FRONT_ENDS}
    assert {"bot/cli.py", "bot/console.py", "bot/web/app.py", "bot/discord/votes.py"} <= names


@pytest.mark.parametrize("path", FRONT_ENDS, ids=_name)
def test_front_ends_reach_storage_only_through_the_service(path):
    assert door_breaches(path) == []


def test_the_check_finds_a_front_end_that_reaches_round_the_service(tmp_path):
    """Each way round the door is seen (the check would pass vacuously otherwise)."""
    breach = tmp_path / "cog.py"
    breach.write_text(
        "from bot.core.store import Store\n"
        "from bot.core import store\n"
        "import bot.core.writer\n"
        "from bot.core.errors import StoreBusy\n"
        "def f(bot):\n"
        "    bot.service.store.get_meta('x')\n"
        "    bot.service.run(lambda s: s)\n"
        "    bot.service._write(lambda s: s)\n"
        "    subprocess.run(['true'])\n"
    )
    found = door_breaches(breach)
    assert len(found) == 6, found
    assert not any("StoreBusy" in f or "subprocess" in f for f in found)


def test_the_reads_that_need_the_seam_are_known():
    reads = storage_reads()
    assert {"term_answer", "is_answer", "free_text", "web_path", "command_hash"} <= reads
    assert not reads & {"record_missed", "add_reaction", "profile", "call", "decide"}


@pytest.mark.parametrize("path", ON_THE_LOOP, ids=_name)
def test_on_the_event_loop_storage_is_read_through_the_seam(path):
    assert reads_around_the_seam(path, storage_reads()) == []


def test_the_seam_check_finds_a_read_on_the_loop(tmp_path):
    cog = tmp_path / "cog.py"
    cog.write_text(
        "async def f(interaction, service):\n"
        "    service_of(interaction).term_answer(1, guild_id=2)\n"
        "    await service.call(service.term_answer, 1, guild_id=2)\n"
        "    service.record_missed(2, 'x')\n"
        "    def build():\n"
        "        return service.term_answer(1, guild_id=2)\n"
        "    await service.call(build)\n"
        "    def not_handed():\n"
        "        return service.faq_answer(1)\n"
    )
    found = reads_around_the_seam(cog, storage_reads())
    # The direct read (line 2) and the one in a function never handed to the seam (line 9).
    assert sorted(found) == [
        "cog.py:2: term_answer() not through call",
        "cog.py:9: faq_answer() not through call",
    ]


async def test_the_seam_runs_reads_inline_or_on_the_executor_given(service):
    """SQLite: inline, on the loop's thread (its connection's); an executor: on its threads."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    loop_thread = threading.get_ident()
    assert await service.call(threading.get_ident) == loop_thread
    customer = service.store.find_term("Customer").id
    answer = await service.call(service.term_answer, customer, guild_id=None)
    assert answer.title == "Customer"
    with ThreadPoolExecutor(1) as pool:
        service.read_off_loop(pool)
        assert await service.call(threading.get_ident) != loop_thread
        service.read_off_loop(None)
    assert await service.call(threading.get_ident) == loop_thread


def test_the_rules_of_karma_take_figures_not_the_store():
    """karma.py judges values handed to it; voting.py, inside the service, fetches them."""
    tree = _tree(ROOT / "bot/core/karma.py")
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {*STORAGE, "bot.core.voting", "bot.core.service"}
    parameters = {
        arg.arg
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for arg in node.args.args + node.args.kwonlyargs
    }
    assert "store" not in parameters and "figures" in parameters
