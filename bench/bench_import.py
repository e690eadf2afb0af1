"""A real glossary file as a server's glossary: /glossary import and export, next to
`glossary-bot load` of the same file (the baseline), in the same run.

    python bench/bench_import.py [FILE ...]   (default: the files in ../shared/data)

For each file: reading and checking it (as `glossary-bot check`), `load` of it as a shared
glossary into a fresh database (baseline), then into another fresh database its import as a
server's glossary (the rehearsal that finds what would change, then the import with the
matcher rebuilt), its export, and re-importing the export (which must change nothing). Also one
`/glossary add` with the file loaded, which patches the matcher instead of rebuilding it.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from bot.core import server  # noqa: E402
from bot.core.glossary import load_glossary  # noqa: E402
from bot.core.service import GlossaryService  # noqa: E402
from bot.core.store import Store  # noqa: E402

SHARED = HERE.parents[1] / "shared" / "data"
GUILD = 1


def timed(work):
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


async def atimed(work):
    start = time.perf_counter()
    result = await work()
    return result, time.perf_counter() - start


async def bench(path: Path, folder: Path) -> None:
    glossary, read = timed(lambda: load_glossary(path))
    with Store(folder / f"{path.stem}-load.db") as store:
        _, load = timed(lambda: store.load_glossary(glossary))
    service = GlossaryService.open(folder / f"{path.stem}-import.db")
    try:
        _, rehearse = await atimed(lambda: service.plan_import(GUILD, glossary))
        _, apply = await atimed(lambda: service.apply_import(GUILD, glossary))
        (_, text), export = await atimed(lambda: service.export_server_glossary(GUILD))
        again = server.read_import(text.encode(), filename=path.name)
        replan = await service.plan_import(GUILD, again)
        form = server.TermForm(name="Bench Term", definition="A term added by the benchmark.")
        _, add = await atimed(lambda: service.add_server_term(GUILD, form))
    finally:
        service.close()
    assert not replan.report.changed_anything(), f"{path.name}: the export did not round-trip"
    print(
        f"{path.name:40} {len(glossary.terms):5} terms  check {read:6.2f} s  load {load:6.2f} s"
        f" (baseline)  rehearse {rehearse:6.2f} s ({rehearse / load:4.2f}x)"
        f"  import {apply:6.2f} s ({apply / load:4.2f}x)  export {export:6.2f} s"
        f"  add one term {add * 1000:6.1f} ms  round trip: unchanged"
    )


async def main(paths: list[Path]) -> None:
    if not paths:
        if not SHARED.is_dir():
            sys.exit(f"{SHARED} is absent; name glossary files to measure")
        paths = sorted(p for p in SHARED.glob("*.yaml"))
    with tempfile.TemporaryDirectory() as folder:
        for path in paths:
            await bench(path, Path(folder))


if __name__ == "__main__":
    asyncio.run(main([Path(p) for p in sys.argv[1:]]))
