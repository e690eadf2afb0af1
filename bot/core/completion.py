"""Names for what a member has typed so far, typo and all: the index behind autocomplete.

Autocomplete runs on every keystroke, so it answers from sorted arrays, never a scan:

- names that start with the input are a range of the sorted names (bisect);
- names whose beginning is one edit from the input (a letter wrong, missing, extra or two
  swapped) share its first two letters, when the typo is later than that: that range of names
  is tested in one vectorised pass over a matrix of their first characters;
- a typo in the second letter moves the name out of that range, so a second order of the same
  names, by first and third letter, finds it (and a swap of letters 2 and 3, or an extra second
  letter, is an exact prefix of the input with that fixed);
- a typo in the first letter ("xustomer", "ustomer") moves it out of both: a third order, by
  the letters after the first, finds the names whose rest begins as typed (a swapped or extra
  first letter is again an exact prefix once fixed). These come after every other name one
  edit away (kind FIRST): members seldom get the first letter wrong, so a later typo is the
  likelier reading of the same input.

The matrix holds each character as a small code, one byte while the names use at most 254
distinct characters (most glossaries use fewer than a hundred), two beyond: a million names
take about 50 MB. Names added after the first load wait in a short list beside the arrays,
looked at one by one, until there are enough of them to rebuild; removed ones are marked dead.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from operator import itemgetter

import numpy as np
from rapidfuzz.distance import OSA

from bot.core.grams import run_starts

WIDTH = 16  # leading characters of each name kept in the matrix
_TOP = "\U0010ffff"  # sorts after every character: prefix + _TOP bounds a prefix range
REBUILD_AFTER = 1024  # names added one by one before the arrays are rebuilt
BUILD_SLICE = 1 << 16  # names turned into matrix rows at once
# (kind, length, folded name, record): the order names are offered in. The kind of a name one
# edit away: a letter left out or two swapped is the likelier typo (one way to make it, where
# a wrong or extra letter has 25), so it comes first; a typo in the first letter comes last.
Hit = tuple[int, int, str, int]
SLIP, WRONG, FIRST = 0, 1, 2
_KIND_BITS = 2  # a kind packed beside a row number
_LONGEST = 1 << 16  # lengths are kept up to this (inputs are cut at 2,000 characters)
_NARROW = 254  # distinct characters a one-byte matrix codes: 0 pads, 255 is in no name
_WIDE = 0xFFFE  # past this many distinct characters (none seen) the last ones share a code
# Rows sharing the input's first three letters tested whole for one edit; past this many (a
# common beginning in a big glossary), narrowed first to the rows that can be.
WHOLE_TEST_ROWS = 256


class CompletionIndex:
    """The folded names of one index, sorted, with what typing needs to find them fast."""

    __slots__ = (
        "_alphabet",
        "_by_skip",
        "_by_tail",
        "_chars",
        "_lengths",
        "_recent",
        "_rows_alive",
        "_skip_anchor",
        "_tail_anchor",
        "_unknown",
        "names",
        "rids",
    )

    def __init__(self) -> None:
        self.names: list[str] = []  # folded names, sorted (equal names in record order) ...
        self.rids = np.zeros(0, dtype=np.int32)  # ... and their records, row by row
        self._rows_alive = np.zeros(0, dtype=bool)
        self._lengths = np.zeros(0, dtype=np.uint16)  # name lengths, capped at _LONGEST - 1
        self._chars = np.zeros((0, WIDTH), dtype=np.uint8)  # codes of the first characters
        self._alphabet: dict[str, int] = {}  # character -> its code (0 pads a short name)
        self._unknown = 0xFF  # the code of a character in no name: it matches no row
        self._by_skip = np.zeros(0, dtype=np.int32)  # rows by first and third character ...
        self._skip_anchor = np.zeros(0, dtype=np.uint16)  # ... and those two, ascending
        self._by_tail = np.zeros(0, dtype=np.int32)  # rows by the 2nd to 5th characters ...
        self._tail_anchor = np.zeros(0, dtype=np.uint32)  # ... and those four, ascending
        self._recent: list[tuple[str, int]] = []  # added since the arrays were built

    # -- building --------------------------------------------------------------------------

    def build(self, pairs: list[tuple[str, int]]) -> None:
        """Index (folded name, record) pairs at once, replacing what was there."""
        pairs = sorted(pairs, key=itemgetter(0))  # stable: equal names in record order
        self.names = list(map(itemgetter(0), pairs))
        count = len(self.names)
        self.rids = np.fromiter(map(itemgetter(1), pairs), dtype=np.int32, count=count)
        self._rows_alive = np.ones(count, dtype=bool)
        lengths = np.fromiter(map(len, self.names), dtype=np.int64, count=count)
        self._lengths = np.minimum(lengths, _LONGEST - 1).astype(np.uint16)
        self._chars, self._alphabet = _matrix(self.names, lengths)
        self._unknown = int(np.iinfo(self._chars.dtype).max)
        bits = 8 * self._chars.dtype.itemsize
        skip = _packed(self._chars[:, [0, 2]], bits)
        self._by_skip = np.argsort(skip, kind="stable").astype(np.int32)
        self._skip_anchor = skip[self._by_skip]
        tail = _packed(self._chars[:, 1:5], bits)
        self._by_tail = np.argsort(tail).astype(np.int32)
        self._tail_anchor = tail[self._by_tail]
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
        arrays = (self.rids, self._rows_alive, self._lengths, self._chars, self._by_skip)
        arrays += (self._skip_anchor, self._by_tail, self._tail_anchor)
        return sum(a.nbytes for a in arrays)

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
        low, high = self._range(prefix)
        hits = self._best(np.arange(low, high), count)
        hits += [(0, len(n), n, r) for n, r in self._recent if n.startswith(prefix)]
        return sorted(hits)[:count]

    def one_edit(self, typed: str, count: int) -> list[Hit]:
        """Up to ``count`` live names whose beginning is one edit from ``typed`` (and not
        ``typed`` itself): a letter left out or two swapped first (SLIP), then a letter wrong
        or one too many (WRONG, a weaker hint: there are 25 ways to get a letter wrong), then
        a typo in the first letter (FIRST); each shortest first, then by name. Needs three
        characters typed."""
        if len(typed) < 3:
            return []
        part = self._codes(typed[: WIDTH - 1])
        # A typo in one of the first three letters moves a name out of the rows sharing the
        # first three: each such typo has a lookup of its own; later typos are tested there.
        found = self._fixed_rows(typed)
        found.extend(self._first_letter_rows(part))
        found.extend(self._second_letter_rows(part))
        found.extend(self._third_letter_rows(typed, part))
        if len(part) > 3:
            rows = self._later_typo_rows(typed, part)
            slipped, wrong = _within_one_edit(self._chars[rows], part)
            found += [(rows[slipped], SLIP), (rows[wrong], WRONG)]
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

    def _later_typo_rows(self, typed: str, part: np.ndarray, start: int = 3) -> np.ndarray:
        """The rows sharing the input's first ``start`` letters that can be one edit from it,
        the typo at ``start`` or later (a superset: each is tested whole after).

        With the typo past ``half``, a name shares the input up to there: a narrower range of
        the sorted names, narrowed again the same way. With the typo earlier, the input from
        ``half + 2`` on is intact, in the name's same place or one place off (a letter left
        out or extra): one column and then a few, compared on every row of the range.
        """
        low, high = self._range(typed[:start])
        size = len(part)
        if high - low <= WHOLE_TEST_ROWS or size - start < 4:
            return np.arange(low, high)
        half = (start + size) // 2 - 1
        tail = part[half + 2 :]
        found = [self._later_typo_rows(typed, part, half + 1)]
        found += [self._agreeing((low, high), half + 2 + shift, tail) for shift in (-1, 0, 1)]
        return np.unique(np.concatenate(found))

    def _agreeing(
        self, rows: np.ndarray | tuple[int, int], start: int, codes: np.ndarray
    ) -> np.ndarray:
        """The rows (an array, or a range ``(low, high)``) whose matrix columns from
        ``start`` on hold ``codes``: the last column is read first, which leaves few rows
        to read whole."""
        end = start + len(codes)
        if isinstance(rows, tuple):
            low, high = rows
            if not len(codes):
                return np.arange(low, high)
            rows = low + np.flatnonzero(self._chars[low:high, end - 1] == codes[-1])
        elif len(codes):
            rows = rows[self._chars[rows, end - 1] == codes[-1]]
        if len(codes) > 1:
            rows = rows[(self._chars[rows, start : end - 1] == codes[:-1]).all(axis=1)]
        return rows

    def _codes(self, text: str) -> np.ndarray:
        """``text`` in the matrix's codes."""
        alphabet, unknown = self._alphabet, self._unknown
        codes = [alphabet.get(char, unknown) for char in text]
        return np.array(codes, dtype=self._chars.dtype)

    def _keyed(self, anchor: np.ndarray, codes: np.ndarray, columns: int) -> tuple[int, int]:
        """Where in ``anchor`` (``columns`` codes packed) the keys starting with ``codes``
        are; codes past the ones given may be anything."""
        bits = 8 * self._chars.dtype.itemsize
        low = high = 0
        for at in range(columns):
            given = at < len(codes)
            low = (low << bits) | (int(codes[at]) if given else 0)
            high = (high << bits) | (int(codes[at]) if given else self._unknown)
        # numpy scalars of the array's own type: a Python int would convert the whole array.
        key = anchor.dtype.type
        return (
            int(np.searchsorted(anchor, key(low), side="left")),
            int(np.searchsorted(anchor, key(high), side="right")),
        )

    def _best(self, rows: np.ndarray, count: int, kinds: np.ndarray | None = None) -> list[Hit]:
        """The live rows among ``rows`` that come first: by kind (when given), shortest, then
        by name; a row found more than once counts by its best kind."""
        alive = self._rows_alive[rows]
        rows = rows[alive]
        if kinds is None:
            kinds = np.zeros(len(rows), dtype=np.int64)
        elif len(rows):
            pairs = np.sort((rows.astype(np.int64) << _KIND_BITS) + kinds[alive])
            pairs = pairs[run_starts(pairs >> _KIND_BITS)]
            rows, kinds = pairs >> _KIND_BITS, pairs & ((1 << _KIND_BITS) - 1)
        if len(rows) > count:
            # Rows are in name order, so (kind, length, row) is (kind, length, name).
            lengths = self._lengths[rows].astype(np.int64)
            order = (kinds * _LONGEST + lengths) * (len(self.names) + 1) + rows
            top = np.argpartition(order, count - 1)[:count]
            rows, kinds = rows[top], kinds[top]
        names, rids = self.names, self.rids
        return [
            (kind, len(names[row]), names[row], int(rids[row]))
            for row, kind in zip(rows.tolist(), kinds.tolist(), strict=True)
        ]

    def _fixed_rows(self, typed: str) -> list[tuple[np.ndarray, int]]:
        """A letter typed extra, or two swapped, at one of the first three characters: the
        input with that undone is an exact prefix."""
        found = []
        for at in (0, 1, 2):
            fixes = [(typed[:at] + typed[at + 1 :], WRONG)]
            if at + 1 < len(typed):
                fixes.append((typed[:at] + typed[at + 1] + typed[at] + typed[at + 2 :], SLIP))
            for fixed, kind in fixes:
                if at == 0:
                    if fixed[0] == typed[0]:
                        continue  # the first letter is right after all: a later fix finds it
                    kind = FIRST
                low, high = self._range(fixed)
                if low < high:
                    found.append((np.arange(low, high), kind))
        return found

    def _first_letter_rows(self, part: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Rows whose first letter was typed wrong ("xustomer") or left out ("ustomer"): what
        follows it begins as typed after the first letter, or as typed, so they are looked up
        by the characters after the first."""
        found = []
        for rest in (part[1:], part):
            low, high = self._keyed(self._tail_anchor, rest[:4], 4)
            # Matrix column j holds the character the input has at j - 1.
            rows = self._agreeing(self._by_tail[low:high], 5, rest[4 : WIDTH - 1])
            # A right first letter: the name starts as typed, or the typo is a later one.
            rows = rows[self._chars[rows, 0] != part[0]]
            found.append((rows.astype(np.int64), FIRST))
        return found

    def _second_letter_rows(self, part: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Rows whose second letter was typed wrong or left out: not among the rows sharing
        the first two letters, so looked up by first and third letter."""
        found = []
        # Wrong: first and third letters as typed, the rest too. Left out: the typed second
        # letter is the name's third, and the rest follows one place later.
        for third, rest, kind in ((part[2], part[3:], WRONG), (part[1], part[2:], SLIP)):
            low, high = self._keyed(self._skip_anchor, np.array([part[0], third]), 2)
            rows = self._agreeing(self._by_skip[low:high], 3, rest[: WIDTH - 3])
            found.append((rows.astype(np.int64), kind))
        return found

    def _third_letter_rows(self, typed: str, part: np.ndarray) -> list[tuple[np.ndarray, int]]:
        """Rows sharing the first two letters whose third was typed wrong or left out."""
        rows = self._range(typed[:2])
        return [
            (self._agreeing(rows, 3, part[3:]), WRONG),
            (self._agreeing(rows, 3, part[2:]), SLIP),
        ]


def _matrix(names: list[str], lengths: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """The codes of each name's first WIDTH characters (0 past its end), one row per name, and
    the code of each character; codes are given in the order characters are first met."""
    count = len(names)
    # Code point -> code, 0 while unseen; as long as the highest code point met, so that the
    # many small indexes (one per server) do not each fill and read a table of all Unicode.
    table = np.zeros(0, dtype=np.uint16)
    coded = 0
    chars = np.zeros((count, WIDTH), dtype=np.uint8)
    columns = np.arange(WIDTH)
    for start in range(0, count, BUILD_SLICE):  # a slice at a time: small temporaries
        part = names[start : start + BUILD_SLICE]
        sizes = lengths[start : start + len(part)]
        points = np.frombuffer("".join(part).encode("utf-32-le"), dtype=np.uint32)
        if not len(points):
            continue
        highest = int(points.max())
        if highest >= len(table):
            table = np.concatenate([table, np.zeros(highest + 1 - len(table), dtype=np.uint16)])
        inside = columns < sizes[:, None]
        at = np.where(inside, (np.cumsum(sizes) - sizes)[:, None] + columns, 0)
        block = np.where(inside, points[at], 0)
        fresh = np.unique(block[inside & (table[block] == 0)])
        fresh = fresh[fresh != 0]  # NUL (in no folded name) would read as padding
        if len(fresh):
            table[fresh] = np.minimum(np.arange(coded + 1, coded + 1 + len(fresh)), _WIDE)
            coded = min(coded + len(fresh), _WIDE)
            if coded > _NARROW and chars.dtype == np.uint8:
                chars = chars.astype(np.uint16)
        chars[start : start + len(part)] = table[block]
    seen = np.flatnonzero(table)
    alphabet = dict(zip(map(chr, seen.tolist()), table[seen].tolist(), strict=True))
    return chars, alphabet


def _packed(columns: np.ndarray, bits: int) -> np.ndarray:
    """Each row's codes in one unsigned integer, the first column highest: sorting the keys
    sorts the rows by those columns."""
    width = columns.shape[1] * bits
    dtype = np.uint16 if width <= 16 else np.uint32 if width <= 32 else np.uint64
    key = np.zeros(len(columns), dtype=dtype)
    for column in range(columns.shape[1]):
        key <<= bits
        key |= columns[:, column]
    return key


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
    """How ``name`` begins one edit from ``typed`` (SLIP, WRONG or FIRST), None when it does
    not (or begins with ``typed`` itself)."""
    kind = _one_edit_kind(typed, name)
    if kind is not None and name[:1] != typed[:1]:
        return FIRST
    return kind


def _one_edit_kind(typed: str, name: str) -> int | None:
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
