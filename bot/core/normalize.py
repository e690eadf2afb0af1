"""Text normalisation for matching: Discord markup, Unicode, case, punctuation and plurals.

Everything the matcher compares goes through the same functions, on the index side and on the
query side, so the rules only need to be consistent, not linguistically perfect.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Discord markup whose characters would otherwise survive as stray tokens (ids, emoji names).
_MENTION = re.compile(r"<(?:@[!&]?|#|/[\w -]+:)\d+>")
_CUSTOM_EMOJI = re.compile(r"<a?:\w+:\d+>")
_TIMESTAMP = re.compile(r"<t:\d+(?::[tTdDfFR])?>")
_SHORTCODE_EMOJI = re.compile(r":[a-z0-9_+-]+:")
_MASKED_LINK = re.compile(r"\[([^\]]*)\]\(<?https?://[^)\s]*>?\)")
_URL = re.compile(r"<?https?://\S+>?")
_CODE_FENCE = re.compile(r"```[a-zA-Z0-9_+-]*\n?|```")
# "APIs", "CRMs": an acronym's plural loses its "s" before case folding hides that it was one.
_ACRONYM_PLURAL = re.compile(r"\b([A-Z]{2,})s\b")
# A '+' or '#' right after a word is part of the name (C++, C#, F#); elsewhere it is punctuation.
_KEEP_SYMBOL = re.compile(r"(?<=\w)([+#]+)")
_APOSTROPHE = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[^\w+#]+|_+")
_LONE_SYMBOL = re.compile(r"(?<![\w+#])[+#]+(?![\w+#])")

_PLAIN = re.compile(r"[A-Za-z0-9 ]*")

MAX_INPUT = 2000  # characters looked at; no glossary name or FAQ question is longer


def strip_markup(text: str) -> str:
    """Discord markup removed (mentions, custom emoji, links, code ticks, spoilers, emphasis)."""
    text = text[:MAX_INPUT]
    text = _MENTION.sub(" ", text)
    text = _CUSTOM_EMOJI.sub(" ", text)
    text = _TIMESTAMP.sub(" ", text)
    text = _MASKED_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _CODE_FENCE.sub(" ", text)
    text = _SHORTCODE_EMOJI.sub(" ", text)
    # Emphasis and spoiler markers carry no meaning; '*' and '_' inside words are kept for
    # fold() to turn into spaces, as they are for any other punctuation.
    for marker in ("||", "**", "__", "~~", "`"):
        text = text.replace(marker, " ")
    text = re.sub(r"(?<!\w)[*_]+|[*_]+(?!\w)", " ", text)
    # Block quotes and headings at line starts.
    text = re.sub(r"(?m)^\s*(?:>>>|>|#{1,3}|-#)\s+", " ", text)
    return text


def fold(text: str) -> str:
    """Case, accents, width and punctuation folded; words separated by single spaces.

    Apostrophes vanish without a space ("what's" -> "whats", "customer's" -> "customers"), so
    the possessive then goes the same way as a plural.
    """
    text = text[:MAX_INPUT]
    if _PLAIN.fullmatch(text) and not _ACRONYM_PLURAL.search(text):
        # Most names are plain ASCII words, for which all of the below is lower(): a
        # million names load seconds sooner.
        return " ".join(text.lower().split())
    text = _ACRONYM_PLURAL.sub(r"\1", text)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _APOSTROPHE.sub("", text)
    text = _KEEP_SYMBOL.sub(r"\1", text)
    text = _NON_WORD.sub(" ", text)
    text = _LONE_SYMBOL.sub(" ", text)
    return " ".join(text.split())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light stemmer for plurals and a final 'e'/'y', so singular and plural meet.

    "companies"/"company" -> "compani", "caches"/"cache" -> "cach", "boxes"/"box" -> "box".
    Deliberately does not touch -ing/-ed: names like "Routing" and "Route" must stay apart.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "i"
    elif (word.endswith("es") and word[-3] in "sxz") or word.endswith(("ches", "shes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 3 and word[-1] == "e":
        word = word[:-1]
    elif len(word) > 3 and word[-1] == "y":
        word = word[:-1] + "i"
    return word


@lru_cache(maxsize=65536)
def stem_more(word: str) -> str:
    """stem() plus common verb and noun endings, for comparing FAQ questions by content.

    "making"/"make" -> "mak", "displayed"/"display" -> "displai", "reaction"/"react" -> "react".
    """
    word = stem(word)
    if len(word) <= 4 or not word.isalpha():
        return word
    for suffix in ("ingly", "edly", "ing", "ed", "ly", "ment", "ness", "ation", "ion", "er"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # "stopp(ing)" -> "stop"
            break
    if len(word) > 3 and word[-1] == "e":
        word = word[:-1]
    elif len(word) > 3 and word[-1] == "y":
        word = word[:-1] + "i"
    return word


# Words that help questions use interchangeably, mapped to one of them (after stem_more), so
# "how do I create a subcommand" meets "How do I make a subcommand?". Kept to plain, general
# English: a glossary's own vocabulary is not second-guessed.
_SYNONYM_GROUPS = (
    "make create build",
    "get attract gain win",
    "matter important care",
    "loyal loyalty",
    "calculate compute",
    "start begin",
    "image picture photo",
    "choose pick select",
    "limit restrict",
    "remove delete",
    "change modify alter",
    "need require",
    "show display appear",
    "site website",
    "dm direct",
    "tool tooling",
    "problem issue",
    "fast quick",
    "big larg",
    "small little",
    "example sample",
)
_SYNONYMS = {
    stem_more(word): stem_more(group.split()[0])
    for group in _SYNONYM_GROUPS
    for word in group.split()
}


def canonical(word: str) -> str:
    """A content word in its hard-stemmed form, synonyms merged (see _SYNONYM_GROUPS)."""
    word = stem_more(word)
    return _SYNONYMS.get(word, word)


def key(text: str) -> str:
    """The comparison key of a name: folded, every word stemmed."""
    return " ".join(stem(w) for w in fold(text).split())


def normalize(text: str) -> str:
    """Markup stripped, folded and stemmed: the form in which queries meet names."""
    return key(strip_markup(text))
