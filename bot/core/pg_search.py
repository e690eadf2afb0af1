"""The full-text index behind /search on PostgreSQL: tsvector over GIN expression indexes.

``bot.core.search`` builds its queries as FTS5 expressions (``"retent"* AND "customer"``);
here they are read as tsqueries (``'retent':* & 'customer'``) and run against the same rows,
with the same visibility rules and the same weights per column as the SQLite index. Words are
folded by ``glossary_words`` (the schema's function: case and Latin accents, as FTS5's
unicode61 tokenizer folds them), so the indexes and these queries read words alike.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.core import search_index
from bot.core.search_index import FIELDS, INDEXED, MARK_CLOSE, MARK_OPEN, WEIGHTS, RawHit

if TYPE_CHECKING:
    from bot.core.pg import PostgresDatabase

_TERM = re.compile(r'"([^"]*)"(\*?)|\b(AND|OR)\b')
# ts_rank with normalization 8 (divided by how many distinct words the text has): a name or a
# short text holding the word ranks above a long one, as with bm25 on SQLite.
_NORMALIZATION = 8
_HEADLINE = (
    f'StartSel="{MARK_OPEN}", StopSel="{MARK_CLOSE}", MaxWords=12, MinWords=4, ShortWord=0,'
    ' MaxFragments=1, FragmentDelimiter="…"'
)


def tsquery(expression: str) -> str:
    """An FTS5 expression of quoted words (a trailing * for a prefix) joined by AND or OR,
    as tsquery text."""
    parts = []
    for word, prefix, operator in _TERM.findall(expression):
        if operator:
            parts.append("&" if operator == "AND" else "|")
        else:
            lexeme = word.replace("'", "''").replace("\\", "\\\\")
            parts.append(f"'{lexeme}'" + (":*" if prefix else ""))
    return " ".join(parts)


def _vector(columns: tuple[str, ...], alias: str = "") -> str:
    """The expression the table's GIN index is on (the schema writes the same one)."""
    prefix = f"{alias}." if alias else ""
    return " || ".join(f"glossary_words({prefix}{c})" for c in columns)


class PostgresSearchIndex:
    """The index as /search reads it (bot.core.db.SearchIndex)."""

    def __init__(self, db: PostgresDatabase):
        self.db = db

    def matches_anything(self, expression: str) -> bool:
        query = tsquery(expression)
        return any(
            self.db.tuples(
                f"SELECT 1 FROM {table} b WHERE {_vector(columns, 'b')}"
                " @@ to_tsquery('simple', ?) LIMIT 1",
                [query],
            )
            for table, (_, columns) in INDEXED.items()
        )

    def search_rows(self, expression: str, *, guild_id: int | None, limit: int) -> list[RawHit]:
        """As search_index.search_rows: names ranked on their own and in full, texts capped."""
        query = tsquery(expression)
        hits: list[RawHit] = []
        for table in INDEXED:
            if table == "aliases":
                hits += self._rows(table, query, guild_id, limit, in_name=True)
            elif table == "terms":
                named = self._rows(table, query, guild_id, limit, in_name=True, names_only=True)
                ids = {hit.rowid for hit in named}
                texts = self._rows(table, query, guild_id, limit, capped=True)
                hits += named + [hit for hit in texts if hit.rowid not in ids]
            else:
                hits += self._rows(table, query, guild_id, limit, capped=True)
        return hits

    def _rows(
        self,
        table: str,
        query: str,
        guild_id: int | None,
        limit: int,
        *,
        in_name: bool = False,
        capped: bool = False,
        names_only: bool = False,
    ) -> list[RawHit]:
        _, columns = INDEXED[table]
        joins, visible, term, faq, title = search_index._VISIBLE[table]
        matched = _vector(columns[:1] if names_only else columns, "b")
        weights = WEIGHTS[table][:1] if names_only else WEIGHTS[table]
        score = " + ".join(
            f"{weight} * ts_rank(glossary_words(b.{column}), q.q, {_NORMALIZATION})"
            for column, weight in zip(columns, weights, strict=False)
        )
        params: dict[str, object] = {"query": query, "guild": guild_id, "limit": limit}
        bound = ""
        if capped:
            # As on SQLite: past RANKED_AT_MOST matches, only the first ones stored are ranked.
            beyond = self.db.value(
                f"SELECT b.id FROM {table} b WHERE {matched} @@ to_tsquery('simple', ?)"
                " ORDER BY b.id LIMIT 1 OFFSET ?",
                [query, search_index.RANKED_AT_MOST],
            )
            if beyond is not None:
                bound = " AND b.id < :beyond"
                params["beyond"] = beyond
        sql = (
            f"SELECT b.id, {term}, {faq}, {title}, {score} AS score"
            f" FROM (SELECT to_tsquery('simple', :query) AS q) q, {table} b {joins}"
            f" WHERE {matched} @@ q.q{bound} AND {visible} ORDER BY score DESC, b.id LIMIT :limit"
        )
        return [
            RawHit(table, rowid, term_id, faq_id, name, float(score), in_name)
            for rowid, term_id, faq_id, name, score in self.db.tuples(sql, params)
        ]

    def describe(self, hit: RawHit, expression: str) -> list[tuple[str, str]]:
        """Where in one row the words were found: (field, snippet) per column holding them."""
        _, columns = INDEXED[hit.table]
        headlines = ", ".join(
            f"ts_headline('simple', coalesce({c}, ''), q.q, :options)" for c in columns
        )
        found = self.db.tuples(
            f"SELECT {headlines} FROM (SELECT to_tsquery('simple', :query) AS q) q, {hit.table}"
            " WHERE id = :id",
            {"query": tsquery(expression), "options": _HEADLINE, "id": hit.rowid},
        )
        return [
            (FIELDS[hit.table][i], text)
            for i, text in enumerate(found[0] if found else ())
            if text and MARK_OPEN in text
        ]

    def vocabulary(self) -> dict[str, int]:
        """Every word the index holds, with how many rows use it (for forgiving typos)."""
        words: dict[str, int] = {}
        for table, (_, columns) in INDEXED.items():
            inner = f"SELECT {_vector(columns)} FROM {table}"
            for word, docs in self.db.tuples("SELECT word, ndoc FROM ts_stat(?)", [inner]):
                words[word] = words.get(word, 0) + docs
        return words
