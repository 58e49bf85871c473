"""Keyword search over cases: what is searchable, and the terms the index and a query are made of.

Why this design. Chinese users search with two-character words (请假, 矫正, 社区) and sometimes one
character. Trigram indexes (SQLite FTS5 `trigram`, PostgreSQL `pg_trgm`) cannot answer a query shorter
than three characters from the index, and a `LIKE '%…%'` walk over 100k cases is a table scan. So the
text is cut here, in Python, the same way for both databases:

* every run of CJK (any non-ASCII letter or digit) becomes its overlapping bigrams, followed by the
  run's last character alone (the "final unigram");
* every run of ASCII letters and digits becomes one lowercased word;
* anything else (spaces, punctuation) only separates runs.

The terms keep their order, and the databases store them with positions: an FTS5 table (unicode61
tokenizer, one column per searchable text) on SQLite, a `tsvector` with a GIN index on PostgreSQL
(built from the terms themselves, no parser, with a gap of positions between the texts). A query is
cut the same way and asked as a *phrase* (FTS5 "a b c", tsquery a <-> b <-> c): consecutive bigrams
at consecutive positions are exactly a substring of one CJK run, so the match has substring
semantics — "社区" finds "社区矫正" and "矫正社区" but "区矫" does not find "社区，矫正". One CJK
character is a prefix query: it matches a bigram it starts, or a run's final unigram, i.e. every
place the character occurs. An ASCII word matches whole words, the last one of the query also as a
prefix (typing "abc" finds "abcd").

What is searchable: the title and every free-text field (`text`, `longtext`) of the case's
definition — the subject's name or code, the description, the measure. Choice fields are codes, not
text people type.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflow.definitions.fields import TEXT_FIELD_TYPES

QUERY_LIMIT = 100  # characters of a search box; longer input is refused (a 400), not cut silently
MAX_TERMS = 4000  # per text: PostgreSQL positions stop at 16383; a description is a few hundred characters


def text_fields(definition_fields: Mapping[str, Any]) -> tuple[str, ...]:
    """The free-text fields of a definition's `fields` (FieldSpec objects, or the YAML's mappings)."""
    def type_of(spec: Any) -> Any:
        return spec.get("type") if isinstance(spec, Mapping) else getattr(spec, "type", None)
    return tuple(name for name, spec in definition_fields.items() if type_of(spec) in TEXT_FIELD_TYPES)


def searchable_texts(title: str, fields: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str, ...]:
    """The case's searchable texts in a fixed order: the title, then each free-text field (empty if unset)."""
    return (title or "", *(v if isinstance(v := fields.get(name), str) else "" for name in names))


def _is_ascii_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _runs(text: str) -> list[tuple[str, str]]:
    """("cjk" | "word", run) in order; NFKC first, so full-width letters and digits are plain ones."""
    out: list[tuple[str, str]] = []
    kind, start = "", 0
    norm = unicodedata.normalize("NFKC", text).lower()
    for i, ch in enumerate(norm + " "):
        now = "word" if _is_ascii_word_char(ch) else "cjk" if ch.isalnum() else ""
        if now != kind:
            if kind:
                out.append((kind, norm[start:i]))
            kind, start = now, i
    return out


def index_terms(text: str) -> list[str]:
    """The terms of one text, in order (see the module docstring)."""
    terms: list[str] = []
    for kind, run in _runs(text):
        if kind == "word":
            terms.append(run)
        else:
            terms.extend(run[i:i + 2] for i in range(len(run) - 1))
            terms.append(run[-1])
    return terms[:MAX_TERMS]


SEPARATOR = "\ue000"  # between the texts of a case: a private-use character no query can hold
MAX_DOCUMENT_TERMS = 16000


def document_terms(texts: tuple[str, ...]) -> list[str]:
    """The terms of a case's searchable texts, a separator between texts so no phrase spans two of them."""
    terms: list[str] = []
    for text in texts:
        if terms:
            terms.append(SEPARATOR)
        terms.extend(index_terms(text))
    return terms[:MAX_DOCUMENT_TERMS]


@dataclass(frozen=True)
class SearchQuery:
    """A query as a phrase of index terms; the last one is a prefix when `prefix`."""

    terms: tuple[str, ...]
    prefix: bool


def query_terms(text: str) -> SearchQuery | None:
    """The phrase to ask for `text` (None if it holds no letter or digit at all)."""
    runs = _runs(text)
    terms: list[str] = []
    prefix = False
    for i, (kind, run) in enumerate(runs):
        last = i == len(runs) - 1
        if kind == "word":
            terms.append(run)
            prefix = last
        elif len(run) == 1 and last:
            terms.append(run)  # one character: the bigrams it starts and the final unigram
            prefix = True
        else:
            terms.extend(run[j:j + 2] for j in range(len(run) - 1))
            if not last:  # more follows in the query: the run ends here in the text too
                terms.append(run[-1])
            prefix = False
    return SearchQuery(tuple(terms), prefix) if terms else None


def clean_query(raw: str) -> str:
    """The query as typed, control characters removed and spaces folded; may be empty."""
    kept = "".join(" " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in raw)
    return " ".join(kept.split())
