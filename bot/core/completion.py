"""Names for what a member has typed so far, typo and all: the index behind autocomplete.

Autocomplete runs on every keystroke, so it answers from sorted arrays, never a scan:

- names that start with the input are a range of the sorted names (bisect);
- names whose beginning is one edit from the input (a letter wrong, missing, extra or two
  swapped) share its first two letters, when the typo is later than that: that range of names
  is tested in one vectorised pass over a matrix of their first characters;
- a typo in the second letter moves the name out of that range, so a second order of the same
  names, by first and third letter, finds it (and a swap of letters 2 and 3, or an extra second
  letter, is an exact prefix of the input with that fixed).

A first typed letter that is wrong is not forgiven here; the matcher's trigram search covers it.
Names added after the first load wait in a short list beside the arrays, looked at one by one,
until there are enough of them to rebuild; removed ones are marked dead.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np
from rapidfuzz.distance import OSA

from bot.core.grams import run_starts

WIDTH = 16  # leading characters of each name kept in the matrix
_TOP = "\U0010ffff"  # sorts after every character: prefix + _TOP bounds a prefix range
REBUILD_AFTER = 1024  # names added one by one before the arrays are rebuilt
BUILD_SLICE = 1 << 16  # names turned into matrix rows at once
_NO_ROWS = np.zeros(0, dtype=np.int64)
# (kind, length, folded name, record): the order names are offered in. The kind of a name one
# edit away: a letter left out or two swapped is the likelier typo (one way to make it, where
# a wrong or extra letter has 25), so it comes first.
Hit = tuple[int, int, str, int]
SLIP, WRONG = 0, 1
_LONGEST = 1 << 16  # above any folded name's length (inputs are cut at 2,000 characters)


class CompletionIndex:
    """The folded names of one index, sorted, with what typing needs to find them fast."""

    __slots__ = (
        "_anchor",
        "_by_skip",
        "_chars",
        "_lengths",
        "_recent",
        "_rows_alive",
        "_skip_anchor",
        "names",
        "rids",
    )

    def __init__(self) -> None:
        self.names: list[str] = []  # folded names, sorted (equal names in record order) ...
        self.rids = np.zeros(0, dtype=np.int32)  # ... and their records, row by row
        self._rows_alive = np.zeros(0, dtype=bool)
        self._lengths = np.zeros(0, dtype=np.int32)
        self._chars = np.zeros((0, WIDTH), dtype=np.uint16)  # first characters, 0-padded
        self._anchor = np.zeros(0, dtype=np.uint64)  # first three characters, ascending
        self._by_skip = np.zeros(0, dtype=np.int32)  # rows by first and third character ...
        self._skip_anchor = np.zeros(0, dtype=np.uint32)  # ... and those two, ascending
        self._recent: list[tuple[str, int]] = []  # added since the arrays were built

    # -- building --------------------------------------------------------------------------

    def build(self, pairs: list[tuple[str, int]]) -> None:
        """Index (folded name, record) pairs at once, replacing what was there."""
        pairs = sorted(pairs, key=lambda pair: pair[0])  # stable: equal names in record order
        self.names = [name for name, _ in pairs]
        count = len(pairs)
        self.rids = np.fromiter((rid for _, rid in pairs), dtype=np.int32, count=count)
        self._rows_alive = np.ones(count, dtype=bool)
        self._lengths = np.fromiter(map(len, self.names), dtype=np.int32, count=count)
        self._chars = np.empty((count, WIDTH), dtype=np.uint16)
        for start in range(0, count, BUILD_SLICE):  # a slice at a time: small temporaries
            names = self.names[start : start + BUILD_SLICE]
            padded = "".join(name[:WIDTH].ljust(WIDTH, "\0") for name in names)
            points = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32)
            # Characters past the 16-bit range share one value: rare in names, and only the
            # one-edit test sees it (exact prefixes compare the names themselves).
            self._chars[start : start + len(names)] = np.minimum(points, 0xFFFF).reshape(
                len(names), WIDTH
            )
        columns = self._chars[:, :3].astype(np.uint64)
        self._anchor = (columns[:, 0] << 32) | (columns[:, 1] << 16) | columns[:, 2]
        skip = _pair_code(self._chars[:, 0], self._chars[:, 2])
        self._by_skip = np.argsort(skip, kind="stable").astype(np.int32)
        self._skip_anchor = skip[self._by_skip]
        self._recent = []

    def add(self, folded: str, rid: int) -> None:
        self._recent.append((folded, rid))
        if len(self._recent) >= REBUILD_AFTER:
            self.build(self._live_pairs())

    def remove(self, folded: str, rid: int) -> None:
        if (folded, rid) in self._recent:
            self._recent.remove((folded, rid))
            return
        row = bisect_left(self.names, folded)
        while row < len(self.names) and self.names[row] == folded:
            if self.rids[row] == rid and self._rows_alive[row]:
                self._rows_alive[row] = False
                return
            row += 1

    def _live_pairs(self) -> list[tuple[str, int]]:
        rows = np.flatnonzero(self._rows_alive).tolist()
        return [(self.names[r], int(self.rids[r])) for r in rows] + self._recent

    def nbytes(self) -> int:
        arrays = (self.rids, self._rows_alive, self._lengths, self._chars, self._anchor)
        return sum(a.nbytes for a in (*arrays, self._by_skip, self._skip_anchor))

    # -- looking up ------------------------------------------------------------------------

    def alphabetical(self, count: int) -> list[tuple[str, int]]:
        """The first ``count`` live (folded name, record) pairs in alphabetical order."""
        found: list[tuple[str, int]] = []
        for row in range(len(self.names)):
            if len(found) >= count:
                break
            if self._rows_alive[row]:
                found.append((self.names[row], int(self.rids[row])))
        return sorted(found + self._recent)[:count]

    def prefixed(self, prefix: str, count: int) -> list[Hit]:
        """Up to ``count`` live names starting with ``prefix`` (kind 0), shortest first, then
        by name."""
        low = bisect_left(self.names, prefix)
        high = bisect_right(self.names, prefix + _TOP, low)
        hits = self._best(np.arange(low, high), count)
        hits += [(0, len(n), n, r) for n, r in self._recent if n.startswith(prefix)]
        return sorted(hits)[:count]

    def one_edit(self, typed: str, count: int) -> list[Hit]:
        """Up to ``count`` live names whose beginning is one edit from ``typed`` (and not
        ``typed`` itself): a letter left out or two swapped first (SLIP), then a letter wrong
        or one too many (WRONG, a weaker hint: there are 25 ways to get a letter wrong); each
        shortest first, then by name. Needs three characters typed."""
        if len(typed) < 3:
            return []
        part = _codes(typed[: WIDTH - 1])
        # A typo in one of the first three letters moves a name out of the rows sharing the
        # first three: each such typo has a lookup of its own; later typos are tested there.
        found = self._fixed_rows(typed)
        found.extend(self._second_letter_rows(part))
        found.extend(self._third_letter_rows(part))
        if len(part) > 3:
            low, high = self._anchored(part[:3])
            slipped, wrong = _within_one_edit(self._chars[low:high], part)
            found += [(low + np.flatnonzero(slipped), SLIP), (low + np.flatnonzero(wrong), WRONG)]
        rows = np.concatenate([r for r, _ in found])
        kinds = np.concatenate([np.full(len(r), kind, dtype=np.int64) for r, kind in found])
        if len(typed) >= WIDTH - 1:
            # The matrix saw the beginning only: check the whole input on the few left.
            slips = [_slip(typed, self.names[r]) for r in rows.tolist()]
            kept = np.array([kind is not None for kind in slips], dtype=bool)
            rows = rows[kept]
            kinds = np.array([kind for kind in slips if kind is not None], dtype=np.int64)
        # Exact prefixes were offered before.
        low, high = self._range(typed)
        other = (rows < low) | (rows >= high)
        hits = self._best(rows[other], count, kinds[other])
        for name, rid in self._recent:
            kind = _slip(typed, name)
            if kind is not None:
                hits.append((kind, len(name), name, rid))
        return sorted(hits)[:count]

    def _range(self, prefix: str) -> tuple[int, int]:
        """The rows of the names that start with ``prefix``."""
        low = bisect_left(self.names, prefix)
        return low, bisect_right(self.names, prefix + _TOP, low)

    def _best(self, rows: np.ndarray, count: int, kinds: np.ndarray | None = None) -> list[Hit]:
        """The live rows among ``rows`` that come first: by kind (when given), shortest, then
        by name; a row found more than once counts by its best kind."""
        if kinds is None:
            kinds = np.zeros(len(rows), dtype=np.int64)
        alive = self._rows_alive[rows]
        rows, kinds = rows[alive], kinds[alive]
        if len(rows):
            pairs = np.sort(rows.astype(np.int64) * 2 + kinds)
            pairs = pairs[run_starts(pairs >> 1)]
            rows, kinds = pairs >> 1, pairs & 1
        if len(rows) > count:
            # Rows are in name order, so (kind, length, row) is (kind, length, name).
            lengths = np.minimum(self._lengths[rows], _LONGEST - 1)
            order = (kinds * _LONGEST + lengths) * (len(self.names) + 1) + rows
            top = np.argpartition(order, count - 1)[:count]
            rows, kinds = rows[top], kinds[top]
        names, rids = self.names, self.rids
        return [
            (kind, len(names[row]), names[row], int(rids[row]))
            for row, kind in zip(rows.tolist(), kinds.tolist(), strict=True)
        ]

    def _fixed_rows(self, typed: str) -> list[tuple[np.ndarray, int]]:
        """A letter typed extra, or two swapped, at the second or third character: the input
        with that undone is an exact prefix."""
        found = []
        for at in (1, 2):
            fixes = [(typed[:at] + typed[at + 1 :], WRONG)]
            if at + 1 < len(typed):
                fixes.append((typed[:at] + typed[at + 1] + typed[at] + typed[at + 2 :], SLIP))
            for fixed, kind in fixes:
                low, high = self._range(fixed)
                if low < high:
                    found.append((np.arange(low, high), kind))
        return found

    def _second_letter_rows(self, part: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Rows whose second letter was typed wrong or left out: not among the rows sharing
        the first two letters, so looked up by first and third letter."""
        found = []
        # Wrong: first and third letters as typed, the rest too. Left out: the typed second
        # letter is the name's third, and the rest follows one place later.
        for third, rest, kind in ((part[2], part[3:], WRONG), (part[1], part[2:], SLIP)):
            code = np.uint32((int(part[0]) << 16) | int(third))
            low = int(np.searchsorted(self._skip_anchor, code, side="left"))
            high = int(np.searchsorted(self._skip_anchor, code, side="right"))
            rows = self._by_skip[low:high]
            end = min(3 + len(rest), WIDTH)
            same = (self._chars[rows, 3:end] == rest[: end - 3]).all(axis=1)
            found.append((rows[same].astype(np.int64), kind))
        return found

    def _third_letter_rows(self, part: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Rows sharing the first two letters whose third was typed wrong or left out."""
        low, high = self._anchored(part[:2])
        chars = self._chars[low:high]
        wrong = (chars[:, 3 : len(part)] == part[3:]).all(axis=1)
        left_out = (chars[:, 3 : len(part) + 1] == part[2:]).all(axis=1)
        return [(low + np.flatnonzero(wrong), WRONG), (low + np.flatnonzero(left_out), SLIP)]

    def _anchored(self, start: np.ndarray) -> tuple[int, int]:
        """The rows whose first characters (two or three) are ``start``."""
        # numpy scalars of the array's own type: a Python int would convert the whole array.
        low = np.uint64(_anchor_code(*start.tolist(), *[0] * (3 - len(start))))
        high = np.uint64(_anchor_code(*start.tolist(), *[0xFFFF] * (3 - len(start))))
        return (
            int(np.searchsorted(self._anchor, low, side="left")),
            int(np.searchsorted(self._anchor, high, side="right")),
        )


def _anchor_code(first: int, second: int, third: int) -> int:
    return (first << 32) | (second << 16) | third


def _pair_code(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (first.astype(np.uint32) << 16) | second.astype(np.uint32)


def _codes(text: str) -> np.ndarray:
    return np.fromiter((min(ord(c), 0xFFFF) for c in text), dtype=np.uint16, count=len(text))


def _within_one_edit(chars: np.ndarray, typed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``chars`` whose beginning is one edit from ``typed`` (shorter than WIDTH): a
    letter left out or two swapped (SLIP), and a letter wrong or one extra (WRONG); rows that
    start with ``typed`` count as WRONG."""
    size = len(typed)
    rows = np.arange(len(chars))
    same = chars[:, :size] == typed
    agree = np.logical_and.accumulate(same, axis=1).sum(axis=1)  # first difference
    at = np.minimum(agree, size - 1)
    same_after = _all_from(same)  # [:, j]: every column from j on agrees
    substituted = same_after[rows, at + 1]
    left_out = _all_from(chars[:, 1 : size + 1] == typed)[rows, at]
    extra = _all_from(chars[:, : size - 1] == typed[1:])[rows, at]
    nxt = np.minimum(at + 1, size - 1)
    swapped = (
        (at <= size - 2)
        & (chars[rows, at] == typed[nxt])
        & (chars[rows, nxt] == typed[at])
        & same_after[rows, np.minimum(at + 2, size)]
    )
    return left_out | swapped, (agree == size) | substituted | extra


def _all_from(matches: np.ndarray) -> np.ndarray:
    """[:, j] is True when every column of ``matches`` from j on is True (one more column)."""
    out = np.ones((matches.shape[0], matches.shape[1] + 1), dtype=bool)
    out[:, :-1] = np.logical_and.accumulate(matches[:, ::-1], axis=1)[:, ::-1]
    return out


def _slip(typed: str, name: str) -> int | None:
    """How ``name`` begins one edit from ``typed`` (SLIP or WRONG), None when it does not
    (or begins with ``typed`` itself)."""
    size = len(typed)
    if name.startswith(typed):
        return None
    if len(name) > size and OSA.distance(typed, name[: size + 1], score_cutoff=1) == 1:
        return SLIP  # a letter left out
    if OSA.distance(typed, name[:size], score_cutoff=1) == 1:
        same_letters = len(name) >= size and sorted(typed) == sorted(name[:size])
        return SLIP if same_letters else WRONG  # two swapped, else one wrong (or extra)
    if OSA.distance(typed, name[: max(size - 1, 0)], score_cutoff=1) == 1:
        return WRONG  # one letter too many
    return None
