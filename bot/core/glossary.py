"""Read and validate glossary files (the format of docs/glossary-format.md).

Validation works on PyYAML's node tree rather than on loaded Python objects, because only nodes
remember where they came from: every problem is reported as ``FILE:LINE:COL: message`` so that a
maintainer can jump straight to it. A file with any problem is rejected whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml
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


def load_glossary(path: str | Path) -> Glossary:
    """Read and validate one glossary file; raise GlossaryError listing every problem."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        problem = Problem(str(path), 1, 1, f"cannot read file: {exc.strerror}")
        raise GlossaryError([problem]) from exc
    return parse_glossary(data, filename=str(path))


def parse_glossary(data: bytes | str, *, filename: str = "<string>") -> Glossary:
    """Validate glossary text; raise GlossaryError listing every problem."""
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
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = f"invalid YAML: {exc.problem or exc.context}"
        raise GlossaryError([Problem(filename, line, column, message)]) from exc
    except yaml.YAMLError as exc:
        raise GlossaryError([Problem(filename, 1, 1, f"invalid YAML: {exc}")]) from exc
    validator = _Validator(filename)
    glossary = validator.glossary(root)
    if validator.problems:
        raise GlossaryError(validator.problems)
    assert glossary is not None
    return glossary


def _position_of(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    column = len(before) - (before.rfind(b"\n") + 1) + 1
    return line, column


class _Validator:
    def __init__(self, filename: str):
        self.filename = filename
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
            if node.tag == "tag:yaml.org,2002:null" or not node.value.strip():
                if required:
                    self.report(node, f"{what} must not be empty")
                return None
            return node.value.strip() if "\n" not in node.value else node.value.rstrip()
        self.report(node, f"{what} must be text, not {_kind(node)}")
        return None

    def sequence(self, node: Node, what: str) -> list[Node]:
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
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
            for node in self.sequence(entries["terms"][1], "'terms'"):
                term = self.term(node)
                if term is not None:
                    terms.append(term)
        faqs = self.faqs(entries["faqs"][1], "'faqs'") if "faqs" in entries else []
        self.check_unique_names(terms)
        return Glossary(name=name or "", source=source, terms=[t for t, _ in terms], faqs=faqs)

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
            glossaries.append(load_glossary(path))
        except GlossaryError as exc:
            problems.extend(exc.problems)
    if problems:
        raise GlossaryError(problems)
    return glossaries
