"""Character-trigram postings built with numpy, and the records that share most trigrams.

A first load hands every record's key over at once: its trigrams are cut, deduplicated and
grouped in a few numpy passes (a sort, not a Python loop per trigram), into one array of record
numbers per trigram, each in record order. Records added later go to small Python arrays beside
it, read after the bulk ones, so a posting reads in record order either way. Counting the
postings a query reads is numpy too, with ``collections.Counter``'s order kept exactly.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence

import numpy as np

# A trigram's three code points (21 bits each) packed into one integer.
_SHIFT = 21
FREEZE_SLICE = 1 << 14  # records whose trigrams are sorted at once in a first load


def grams(key: str) -> set[str]:
    """The trigrams of a key, padded with a space at either end."""
    padded = f" {key} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def gram_code(gram: str) -> int:
    return (ord(gram[0]) << (2 * _SHIFT)) | (ord(gram[1]) << _SHIFT) | ord(gram[2])


class GramPostings:
    """Trigram -> record numbers, for the keys of one index."""

    __slots__ = ("_extra", "_offsets", "_pending_keys", "_pending_rids", "_rids", "_slot")

    def __init__(self) -> None:
        # Records and keys waiting for freeze(), side by side: no tuple per record, which
        # would be a million small objects in a first load, freed only after it.
        self._pending_rids = array("i")
        self._pending_keys: list[str] = []
        self._slot: dict[int, int] = {}  # trigram code -> its number
        self._offsets = np.zeros(1, dtype=np.int64)  # posting i is _rids[_offsets[i]:...[i+1]]
        self._rids = np.zeros(0, dtype=np.int32)
        self._extra: dict[str, array] = {}  # trigrams of records added after freeze()

    def defer(self, rid: int, key: str) -> None:
        """Remember a record for the next freeze() (a first load)."""
        self._pending_rids.append(rid)
        self._pending_keys.append(key)

    def add(self, rid: int, key: str) -> None:
        """Index a record at once (after the first load)."""
        for gram in grams(key):
            found = self._extra.get(gram)
            if found is None:
                self._extra[gram] = array("i", (rid,))
            else:
                found.append(rid)

    def freeze(self) -> None:
        """Turn the deferred records into the bulk postings (record numbers must ascend).

        A slice of records at a time, so that the temporary arrays stay small next to the
        postings (numpy's memory, once taken, is not all given back to the system).
        """
        rids_waiting = np.frombuffer(self._pending_rids, dtype=np.int32).copy()
        keys_waiting = self._pending_keys
        self._pending_rids, self._pending_keys = array("i"), []
        if not keys_waiting:
            return
        known = np.zeros(0, dtype=np.uint64)  # trigram codes seen so far, sorted ...
        ids = np.zeros(0, dtype=np.int64)  # ... and the number each got, in order first seen
        # Per slice: its records grouped by trigram, and which trigrams, how many records each.
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for start in range(0, len(keys_waiting), FREEZE_SLICE):
            end = start + FREEZE_SLICE
            rids, codes = _gram_pairs(rids_waiting[start:end], keys_waiting[start:end])
            # In code order, so that finding each code's number reads `known` in order (an
            # unordered search costs seven times as much at a million names).
            by_code = np.argsort(codes)
            ordered = codes[by_code]
            distinct = ordered[run_starts(ordered)]
            at = np.minimum(np.searchsorted(known, distinct), max(len(known) - 1, 0))
            new = distinct if not len(known) else distinct[known[at] != distinct]
            if len(new):
                known = np.concatenate([known, new])
                ids = np.concatenate([ids, np.arange(len(ids), len(ids) + len(new))])
                order = np.argsort(known, kind="stable")
                known, ids = known[order], ids[order]
            gram_ids = np.empty(len(codes), dtype=np.int64)
            gram_ids[by_code] = ids[np.searchsorted(known, ordered)]
            # Grouped by trigram, each posting in record order; a trigram twice in one key once.
            pairs = np.sort((gram_ids << 32) | rids.astype(np.int64))
            pairs = pairs[run_starts(pairs)]
            grouped = pairs >> 32
            starts = np.flatnonzero(run_starts(grouped))
            counts = np.diff(np.append(starts, len(pairs))).astype(np.int32)
            held = grouped[starts].astype(np.int32)
            parts.append(((pairs & 0xFFFFFFFF).astype(np.int32), held, counts))
        total = np.zeros(len(ids), dtype=np.int64)
        for _, held, counts in parts:
            total[held] += counts
        offsets = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(total, out=offsets[1:])
        merged = np.empty(int(offsets[-1]), dtype=np.int32)
        cursor = offsets[:-1].copy()  # where each posting's next slice goes
        while parts:
            records, held, counts = parts.pop(0)
            groups = np.repeat(np.arange(len(held)), counts)
            within = np.arange(len(records)) - (np.cumsum(counts) - counts)[groups]
            merged[cursor[held][groups] + within] = records
            cursor[held] += counts
        self._slot = dict(zip(known.tolist(), ids.tolist(), strict=True))
        self._offsets = offsets
        self._rids = merged

    def get(self, gram: str) -> Sequence[int] | None:
        """The records holding a trigram, in record order (None: none ever did)."""
        slot = self._slot.get(gram_code(gram))
        extra = self._extra.get(gram)
        if slot is None:
            return None if extra is None else np.frombuffer(extra, dtype=np.int32).copy()
        bulk = self._rids[self._offsets[slot] : self._offsets[slot + 1]]
        if extra is None:
            return bulk
        return np.concatenate([bulk, np.frombuffer(extra, dtype=np.int32)])

    def nbytes(self) -> int:
        return self._offsets.nbytes + self._rids.nbytes


def run_starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in a sorted array."""
    starts = np.ones(len(ordered), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    return starts


def _gram_pairs(rids: np.ndarray, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(record, trigram code) for every trigram position of every key, in one numpy pass."""
    # Keys padded with a space at either end and kept apart by two NULs, which no key holds
    # (folding turns control characters into spaces): a trigram holding a NUL spans two keys.
    text = " " + " \0\0 ".join(keys) + " \0\0"
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys)) + 4
    owners = np.repeat(rids, lengths)
    first, second, third = points[:-2], points[1:-1], points[2:]
    codes = (first << np.uint64(2 * _SHIFT)) | (second << np.uint64(_SHIFT)) | third
    whole = (first != 0) & (second != 0) & (third != 0)
    return owners[:-2][whole], codes[whole]


def most_shared(postings: Iterable[Sequence[int]], count: int) -> list[int]:
    """The ``count`` records found in most of the postings, best first.

    Exactly ``Counter().update(...)`` over the postings in turn, then ``most_common(count)``:
    equal counts keep the order in which their records were first read.
    """
    chosen = [np.asarray(p, dtype=np.int32) for p in postings]
    if not chosen or count <= 0:
        return []
    read = np.concatenate(chosen) if len(chosen) > 1 else chosen[0]
    if not len(read):
        return []
    # Each read as (record, where it was read) in one integer, sorted: a record's reads are
    # a run, its first read the run's start (one plain sort, where np.unique's return_index
    # takes a stable argsort and more passes).
    keys = np.sort((read.astype(np.int64) << 32) | np.arange(len(read), dtype=np.int64))
    starts = np.flatnonzero(run_starts(keys >> 32))
    records = keys[starts] >> 32
    counts = np.diff(np.append(starts, len(keys)))
    # Most postings first, then the earliest first read: one integer orders both.
    order_key = (keys[starts] & 0xFFFFFFFF) - counts * (len(read) + 1)
    if len(records) > count:
        top = np.argpartition(order_key, count - 1)[:count]
        top = top[np.argsort(order_key[top], kind="stable")]
    else:
        top = np.argsort(order_key, kind="stable")
    return records[top].tolist()
