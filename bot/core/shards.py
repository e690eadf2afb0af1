"""Which of the bot's shards a process runs: the shard count and the shard ids, checked.

Discord splits a bot's servers into shards by id, `(guild_id >> 22) % shard_count`, and a bot
past 2,500 servers must run several. One process may run every shard, or a range of them beside
other processes that run the rest, all over one database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MAX_SHARDS = 4096  # far beyond any bot: a typo such as 10000 is refused, not obeyed
COUNT_VARIABLE = "GLOSSARY_SHARD_COUNT"
IDS_VARIABLE = "GLOSSARY_SHARD_IDS"


class ShardSettingError(ValueError):
    """A shard count or shard ids that cannot be used, with what to write instead."""


@dataclass(frozen=True)
class ShardPlan:
    """count None: as many shards as Discord asks for; ids None: every shard of the count."""

    count: int | None = None
    ids: tuple[int, ...] | None = None

    @property
    def every_shard(self) -> bool:
        return self.ids is None or (self.count is not None and len(self.ids) == self.count)

    @property
    def holds_shard_zero(self) -> bool:
        """The process holding shard 0 is the one that syncs the slash commands."""
        return self.ids is None or 0 in self.ids

    def describe(self) -> str:
        if self.count is None:
            return "every shard Discord asks for"
        if self.every_shard:
            return f"all {self.count} shard(s)"
        return f"shard(s) {', '.join(map(str, self.ids or ()))} of {self.count}"


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard whose session gets a server's events, as Discord routes them."""
    return (guild_id >> 22) % shard_count


def shard_plan(count: str | int | None, ids: str | None) -> ShardPlan:
    """The plan from `--shard-count` and `--shard-ids` (or their environment variables).

    ids are a comma-separated list, where a range a-b stands for a to b inclusive ("0,2-3").
    """
    if isinstance(count, str):
        count = count.strip() or None
    ids = ids.strip() if ids else None
    if count is None:
        if ids:
            raise ShardSettingError(
                f"--shard-ids ({IDS_VARIABLE}) needs --shard-count ({COUNT_VARIABLE}): the"
                " number of shards of the whole bot, across every process"
            )
        return ShardPlan()
    try:
        total = int(count)
    except ValueError:
        raise ShardSettingError(
            f"the shard count must be a whole number such as 2, not {count!r}"
        ) from None
    if not 1 <= total <= MAX_SHARDS:
        raise ShardSettingError(f"the shard count must be 1 to {MAX_SHARDS}, not {total}")
    if not ids:
        return ShardPlan(total)
    chosen: list[int] = []
    for part in ids.split(","):
        chosen.extend(_shard_ids(part.strip(), total))
    if len(set(chosen)) != len(chosen):
        raise ShardSettingError(f"a shard id is given twice in {ids!r}")
    return ShardPlan(total, tuple(sorted(chosen)))


def plan_from_environment(environ: Mapping[str, str]) -> ShardPlan:
    return shard_plan(environ.get(COUNT_VARIABLE), environ.get(IDS_VARIABLE))


def _shard_ids(part: str, total: int) -> range:
    first, dash, last = part.partition("-")
    try:
        low = int(first)
        high = int(last) if dash else low
    except ValueError:
        raise ShardSettingError(
            f"shard ids are numbers separated by commas, such as 0,1 or 0-3; not {part!r}"
        ) from None
    if not 0 <= low <= high < total:
        raise ShardSettingError(
            f"shard ids of {total} shard(s) run from 0 to {total - 1}; {part!r} does not fit"
        )
    return range(low, high + 1)
