"""Read and validate glossary files (the format of docs/glossary-format.md).

Validation works on PyYAML's node tree rather than on loaded Python objects, because only nodes
remember where they came from: every problem is reported as ``FILE:LINE:COL: message`` so that a
maintainer can jump straight to it. A file with any problem is rejected whole.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.model import Faq, Glossary, Related, Source, Term, name_key

TOP_KEYS = {"name": True, "source": False, "terms": True, "faqs": False}
TERM_KEYS = {
    "term": True,
    "aliases": False,
    "summary": False,
    "definition": True,
    "context": False,
    "purpose": False,
    "example": False,
    "related": False,
    "faqs": False,
    "tags": False,
    "source": False,
}
TEXT_FIELDS = ("summary", "context", "purpose", "example")
FAQ_KEYS = {"q": True, "a": True}
SOURCE_KEYS = {"name": True, "url": False}
RELATED_KEYS = {"term": True, "note": False}

Progress = Callable[[float], None]
# Bumped whenever a file valid before may not be now (or read differently): a load knows an
# unchanged file by its bytes under these rules.
FORMAT_RULES = b"glossary-bot format 1\n"
MAX_DEPTH = 64  # levels of nesting; the format itself has 5
MAX_EXPANSION = 1_000_000  # nodes that aliases may repeat beyond the document's own
REWORD_UP_TO = 256 * 1024  # characters: syntax errors of smaller files are worded by PyYAML
REWORD_SECONDS = 1.0  # ... if its parser gets there in this time
PROGRESS_EVERY = 4096  # events between two progress reports
PARSE_SHARE = 0.8  # of a check's time, parsing (the rest is validating)
NULL_TAG = "tag:yaml.org,2002:null"
STR_TAG = "tag:yaml.org,2002:str"
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
_COLLECTION_TAGS = {MappingNode: "tag:yaml.org,2002:map", SequenceNode: "tag:yaml.org,2002:seq"}
# What YAML refuses in a file (control characters, lone surrogates), as PyYAML's reader does.
_NOT_YAML_TEXT = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
# What YAML counts as the end of a line.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# libyaml's parser when PyYAML was built with it (about 20 times faster), else PyYAML's own.
_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class GlossaryError(Exception):
    """A glossary file was rejected; ``problems`` lists every reason, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))


def bundled_glossary_path() -> Path:
    """The glossary that ships with the bot: inside the installed package, or at the repo root."""
    packaged = resources.files("bot") / "glossary.yaml"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "glossary.yaml"


def read_glossary_file(path: str | Path) -> bytes:
    """A glossary file's bytes; a file that cannot be read is a problem like any other."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        problem = Problem(str(path), 1, 1, f"cannot read file: {exc.strerror or exc}")
        raise GlossaryError([problem]) from exc


def file_digest(data: bytes) -> str:
    """What a load remembers of a file, to know it again: its bytes, under this format's rules."""
    return hashlib.sha256(FORMAT_RULES + data).hexdigest()


def load_glossary(path: str | Path, *, progress: Progress | None = None) -> Glossary:
    """Read and validate one glossary file; raise GlossaryError listing every problem."""
    return parse_glossary(read_glossary_file(path), filename=str(path), progress=progress)


def parse_glossary(
    data: bytes | str, *, filename: str = "<string>", progress: Progress | None = None
) -> Glossary:
    """Validate glossary text; raise GlossaryError listing every problem.

    `progress`, if given, is called now and then with the fraction of the work done (0 to 1).
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line, column = _position_of(data, exc.start)
            raise GlossaryError(
                [Problem(filename, line, column, "file is not valid UTF-8 text")]
            ) from exc
    else:
        text = data
    text = text.removeprefix("\ufeff")
    forbidden = _NOT_YAML_TEXT.search(text)
    if forbidden:
        # Found here rather than by the parser, which reports such a character at 1:1.
        line, column = _text_position(text, forbidden.start())
        character = f"U+{ord(forbidden.group()):04X}"
        message = f"character {character} is not allowed in YAML (a control character?)"
        raise GlossaryError([Problem(filename, line, column, message)])
    root = _Composer(text, filename, progress).root()
    validator = _Validator(filename, progress)
    glossary = validator.glossary(root)
    if validator.problems:
        raise GlossaryError(validator.problems)
    assert glossary is not None
    if progress:
        progress(1.0)
    return glossary


def _text_position(text: str, offset: int) -> tuple[int, int]:
    """Line and column of a character, counted as the YAML parser counts them."""
    line, line_start = 1, 0
    for line_break in _LINE_BREAK.finditer(text, 0, offset):
        line, line_start = line + 1, line_break.end()
    return line, offset - line_start + 1


class _Composer:
    """YAML text to PyYAML's node tree, with every node's position, fast and without recursion.

    PyYAML's own composers recurse once per level of nesting: the Python one ends in a
    RecursionError on deeply nested input and the C one can overflow the C stack. This one
    walks libyaml's events (PyYAML's pure-Python parser when libyaml is missing) with a stack
    of its own, refuses nesting deeper than any glossary needs, and refuses aliases that
    would multiply the document (a "billion laughs").
    """

    def __init__(self, text: str, filename: str, progress: Progress | None):
        self.text = text
        self.filename = filename
        self.progress = progress
        self.lines = text.count("\n") + 1

    def root(self) -> Node | None:
        loader = _FastLoader(self.text)
        try:
            return self._compose(loader)
        except yaml.MarkedYAMLError as exc:
            raise GlossaryError([self._syntax_problem(exc)]) from exc
        except yaml.YAMLError as exc:
            raise GlossaryError([Problem(self.filename, 1, 1, f"invalid YAML: {exc}")]) from exc
        finally:
            loader.dispose()

    def _at(self, mark: yaml.Mark | None, message: str) -> Problem:
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        return Problem(self.filename, line, column, message)

    def _problem(self, mark: yaml.Mark | None, message: str) -> GlossaryError:
        return GlossaryError([self._at(mark, message)])

    def _compose(self, loader: yaml.SafeLoader) -> Node | None:
        get_event = loader.get_event
        anchors: dict[str, tuple[Node, int]] = {}
        # The open collections, each [node, its anchor, its size: nodes, aliases expanded].
        stack: list[list[Any]] = []
        root: Node | None = None
        documents = events = expanded = 0
        while True:
            event = get_event()
            events += 1
            if self.progress and not events % PROGRESS_EVERY:
                self.progress(PARSE_SHARE * event.start_mark.line / self.lines)
            kind = type(event)
            if kind is ScalarEvent:
                tag = event.tag
                if tag is None or tag == "!":
                    plain = event.implicit[0] and event.style is None
                    tag = NULL_TAG if plain and event.value in _NULLS else STR_TAG
                node: Node = ScalarNode(
                    tag, event.value, event.start_mark, event.end_mark, style=event.style
                )
                anchor, size = event.anchor, 1
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise self._problem(
                        event.start_mark,
                        f"nested more than {MAX_DEPTH} levels deep; a glossary needs 5 at most",
                    )
                node_class = MappingNode if kind is MappingStartEvent else SequenceNode
                tag = event.tag if event.tag not in (None, "!") else _COLLECTION_TAGS[node_class]
                opened = node_class(tag, [], event.start_mark, None, flow_style=event.flow_style)
                stack.append([opened, event.anchor, 1])
                continue
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                node, anchor, size = stack.pop()
                node.end_mark = event.end_mark
                if kind is MappingEndEvent:
                    items = node.value
                    node.value = list(zip(items[::2], items[1::2], strict=True))
            elif kind is AliasEvent:
                if event.anchor not in anchors:
                    raise self._problem(event.start_mark, f"undefined alias {event.anchor!r}")
                node, size = anchors[event.anchor]
                anchor = None
                expanded += size
                if expanded > MAX_EXPANSION + events:
                    raise self._problem(
                        event.start_mark,
                        "aliases repeat too much of the document (more than"
                        f" {MAX_EXPANSION:,} nodes); write the entries out instead",
                    )
            elif kind is DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise self._problem(
                        event.start_mark, "a second YAML document ('---'); one glossary per file"
                    )
                continue
            elif kind is StreamEndEvent:
                return root
            else:  # the stream's start, a document's end
                continue
            if anchor is not None:
                anchors[anchor] = (node, size)
            if stack:
                parent = stack[-1]
                parent[0].value.append(node)
                parent[2] += size
            else:
                root = node

    def _syntax_problem(self, exc: yaml.MarkedYAMLError) -> Problem:
        if "nesting depth" in str(exc.problem):  # libyaml's own limit, reached before ours
            mark = exc.problem_mark or exc.context_mark
            return self._at(mark, "nested too deeply; a glossary needs 5 levels at most")
        if _FastLoader is not yaml.SafeLoader and len(self.text) <= REWORD_UP_TO:
            # PyYAML's own parser says what it found in words a maintainer knows better
            # ("but got '<stream end>'"), and at the place the project has always reported.
            # Asked only of small files, and given up after a moment: on some inputs (deep
            # flow nesting) its time grows with the square of their size.
            deadline = time.monotonic() + REWORD_SECONDS
            try:
                for number, _ in enumerate(yaml.parse(self.text, Loader=yaml.SafeLoader)):
                    if not number % 256 and time.monotonic() > deadline:
                        break
            except yaml.MarkedYAMLError as again:
                exc = again
        mark = exc.problem_mark or exc.context_mark
        return self._at(mark, f"invalid YAML: {exc.problem or exc.context}")


def _position_of(data: bytes, offset: int) -> tuple[int, int]:
    # What comes before the first byte that is not UTF-8 is UTF-8.
    before = data[:offset].decode("utf-8")
    return _text_position(before, len(before))


class _Validator:
    def __init__(self, filename: str, progress: Progress | None = None):
        self.filename = filename
        self.progress = progress
        self.problems: list[Problem] = []

    def report(self, node: Node | None, message: str) -> None:
        if node is None:
            self.problems.append(Problem(self.filename, 1, 1, message))
        else:
            mark = node.start_mark
            self.problems.append(Problem(self.filename, mark.line + 1, mark.column + 1, message))

    # -- generic shapes -------------------------------------------------------------------

    def mapping(
        self, node: Node, keys: dict[str, bool], what: str
    ) -> dict[str, tuple[Node, Node]] | None:
        """The mapping's entries by key, after reporting unknown, repeated and missing keys."""
        if not isinstance(node, MappingNode):
            self.report(node, f"{what} must be a mapping, not {_kind(node)}")
            return None
        entries: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if key not in keys:
                hint = f"; expected one of: {', '.join(keys)}"
                self.report(key_node, f"unknown key {key!r} in {what}{hint}")
            elif key in entries:
                self.report(key_node, f"key {key!r} appears twice in {what}")
            else:
                entries[key] = (key_node, value_node)
        for key, required in keys.items():
            if required and key not in entries:
                self.report(node, f"{what} is missing the required key {key!r}")
        return entries

    def text(self, node: Node, what: str, *, required: bool = False) -> str | None:
        if isinstance(node, ScalarNode):
            if node.tag == NULL_TAG or not node.value.strip():
                if required:
                    self.report(node, f"{what} must not be empty")
                return None
            return node.value.strip() if "\n" not in node.value else node.value.rstrip()
        self.report(node, f"{what} must be text, not {_kind(node)}")
        return None

    def sequence(self, node: Node, what: str) -> list[Node]:
        if isinstance(node, ScalarNode) and node.tag == NULL_TAG:
            return []
        if not isinstance(node, SequenceNode):
            self.report(node, f"{what} must be a list, not {_kind(node)}")
            return []
        return list(node.value)

    def text_list(self, node: Node, what: str) -> list[tuple[str, Node]]:
        items = []
        for item in self.sequence(node, what):
            value = self.text(item, f"each entry of {what}", required=True)
            if value is not None:
                items.append((value, item))
        return items

    # -- the format -----------------------------------------------------------------------

    def glossary(self, root: Node | None) -> Glossary | None:
        if root is None:
            self.report(None, "file is empty; a glossary needs at least 'name' and 'terms'")
            return None
        entries = self.mapping(root, TOP_KEYS, "the glossary")
        if entries is None:
            return None
        name = self.text(entries["name"][1], "'name'", required=True) if "name" in entries else None
        source = self.source(entries["source"][1]) if "source" in entries else None
        terms = []
        if "terms" in entries:
            nodes = self.sequence(entries["terms"][1], "'terms'")
            for number, node in enumerate(nodes):
                term = self.term(node)
                if term is not None:
                    terms.append(term)
                if self.progress and not number % PROGRESS_EVERY:
                    self.progress(PARSE_SHARE + (1 - PARSE_SHARE) * number / len(nodes))
        faqs = self.faqs(entries["faqs"][1], "'faqs'") if "faqs" in entries else []
        self.check_unique_names(terms)
        mark = entries["name"][1].start_mark if "name" in entries else root.start_mark
        return Glossary(
            name=name or "",
            source=source,
            terms=[t for t, _ in terms],
            faqs=faqs,
            name_at=(mark.line + 1, mark.column + 1),
        )

    def source(self, node: Node) -> Source | None:
        if isinstance(node, ScalarNode):
            name = self.text(node, "'source'")
            return Source(name) if name else None
        entries = self.mapping(node, SOURCE_KEYS, "'source'")
        if not entries or "name" not in entries:
            return None
        name = self.text(entries["name"][1], "the source's 'name'", required=True)
        url = self.text(entries["url"][1], "the source's 'url'") if "url" in entries else None
        return Source(name, url) if name else None

    def faqs(self, node: Node, what: str) -> list[Faq]:
        faqs = []
        for item in self.sequence(node, what):
            entries = self.mapping(item, FAQ_KEYS, f"an entry of {what}")
            if not entries or "q" not in entries or "a" not in entries:
                continue
            question = self.text(entries["q"][1], "an FAQ's 'q'", required=True)
            answer = self.text(entries["a"][1], "an FAQ's 'a'", required=True)
            if question and answer:
                faqs.append(Faq(question, answer))
        return faqs

    def term(self, node: Node) -> tuple[Term, list[tuple[str, Node]]] | None:
        """The term, and where its name and each alias stand (for the uniqueness check)."""
        entries = self.mapping(node, TERM_KEYS, "a term")
        if entries is None:
            return None
        # Every field is checked even when a required one is missing, so all problems show.
        name = self.text(entries["term"][1], "'term'", required=True) if "term" in entries else None
        definition = (
            self.text(entries["definition"][1], "'definition'", required=True)
            if "definition" in entries
            else None
        )
        texts = {
            key: self.text(entries[key][1], f"'{key}'") if key in entries else None
            for key in TEXT_FIELDS
        }
        aliases = self.text_list(entries["aliases"][1], "'aliases'") if "aliases" in entries else []
        tags = self.text_list(entries["tags"][1], "'tags'") if "tags" in entries else []
        related = self.related(entries["related"][1]) if "related" in entries else []
        faqs = self.faqs(entries["faqs"][1], "a term's 'faqs'") if "faqs" in entries else []
        source = self.source(entries["source"][1]) if "source" in entries else None
        if name is None or definition is None:
            return None
        term = Term(
            name=name,
            definition=definition,
            aliases=[alias for alias, _ in aliases],
            related=related,
            faqs=faqs,
            tags=[tag for tag, _ in tags],
            source=source,
            **texts,
        )
        return term, [(name, entries["term"][1]), *aliases]

    def related(self, node: Node) -> list[Related]:
        related = []
        for item in self.sequence(node, "'related'"):
            if isinstance(item, ScalarNode):
                name = self.text(item, "each entry of 'related'", required=True)
                if name:
                    related.append(Related(name))
                continue
            entries = self.mapping(item, RELATED_KEYS, "an entry of 'related'")
            if not entries or "term" not in entries:
                continue
            name = self.text(entries["term"][1], "a related 'term'", required=True)
            note = self.text(entries["note"][1], "a related 'note'") if "note" in entries else None
            if name:
                related.append(Related(name, note))
        return related

    def check_unique_names(self, terms: list[tuple[Term, list[tuple[str, Node]]]]) -> None:
        """Names and aliases are unique across the file; an alias may not be another term's name."""
        term_nodes: dict[str, tuple[str, Node]] = {}
        for term, names in terms:
            name, node = names[0]
            key = name_key(name)
            if key in term_nodes:
                self.report(node, f"duplicate term {name!r} (first at {_line(term_nodes[key][1])})")
            else:
                term_nodes[key] = (term.name, node)
        alias_nodes: dict[str, tuple[str, Node]] = {}
        for term, names in terms:
            for alias, node in names[1:]:
                key = name_key(alias)
                if key in term_nodes:
                    owner, owner_node = term_nodes[key]
                    what = "the term's own name" if owner == term.name else f"the term {owner!r}"
                    self.report(
                        node,
                        f"alias {alias!r} of {term.name!r} collides with {what}"
                        f" (at {_line(owner_node)})",
                    )
                elif key in alias_nodes:
                    owner, owner_node = alias_nodes[key]
                    self.report(
                        node,
                        f"duplicate alias {alias!r}: {term.name!r} and {owner!r} both use it"
                        f" (first at {_line(owner_node)})",
                    )
                else:
                    alias_nodes[key] = (term.name, node)


def _line(node: Node) -> str:
    return f"line {node.start_mark.line + 1}"


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return "text"


def load_glossaries(paths: Iterable[str | Path]) -> list[Glossary]:
    """Validate every file, reporting the problems of all of them together."""
    glossaries, problems = [], []
    for path in paths:
        try:
            glossaries.append((str(path), load_glossary(path)))
        except GlossaryError as exc:
            problems.extend(exc.problems)
    problems.extend(names_given_twice(glossaries))
    if problems:
        raise GlossaryError(problems)
    return [glossary for _, glossary in glossaries]


def names_given_twice(glossaries: Iterable[tuple[str, Glossary]]) -> list[Problem]:
    """Files (path, glossary) that name the same glossary: one run loads a glossary from one
    file, or the second would silently replace the first and report its terms as removed."""
    first: dict[str, tuple[str, Glossary]] = {}
    problems = []
    for path, glossary in glossaries:
        key = name_key(glossary.name)
        if key not in first:
            first[key] = (path, glossary)
            continue
        other, other_glossary = first[key]
        line = other_glossary.name_at[0]
        problems.append(
            Problem(
                path,
                *glossary.name_at,
                f"the glossary {glossary.name!r} is also named in {other} (line {line});"
                " load each glossary from one file",
            )
        )
    return problems
