"""Input the views read by hand, checked before it can do harm: bad input is a 400 with a message, never a 500.

* Every query string and form must be UTF-8. Werkzeug would quietly keep undecodable bytes as
  "%FF" (query strings, plain forms) or replace them with U+FFFD (multipart forms), so what a
  person sent would be stored changed. The raw bytes are checked before any view (and before the
  CSRF check) runs; multipart fields keep undecodable bytes as lone surrogates, which are found.
* Numbers (ids, page cursors, versions) must fit the database's 64-bit integers; dates and
  date-times must lie in the years a case may carry (workflow.definitions.fields.DATE_MIN/MAX).
"""
from __future__ import annotations

import codecs
import re
from datetime import datetime, time
from functools import cached_property
from typing import Any
from urllib.parse import quote, unquote_to_bytes

from flask import Flask, Request, request
from flask_babel import gettext as _
from werkzeug.datastructures import Headers
from werkzeug.exceptions import BadRequest
from werkzeug.formparser import FormDataParser, MultiPartParser

from workflow.definitions.fields import DATE_MAX, DATE_MIN

ID_MAX = 2**63 - 1  # the largest BIGINT (ids, sequence numbers, versions)
_QUERY_SAFE = "/?&=%+:;,@!$'()*~"  # kept as they are in a query string: only other bytes are encoded
_RAW_UTF8 = "rectiflow_utf8_raw"  # UTF-8 that keeps undecodable bytes as lone surrogates, whatever `errors` says


class BadInput(BadRequest):
    """A 400 whose message (already in the user's language) is shown on the error page."""

    def __init__(self, message: str) -> None:
        super().__init__(description=message)


def init_app(app: Flask) -> None:
    """Check every request's bytes first: before the CSRF check reads the form, before any view."""
    codecs.register(_find_codec)
    app.request_class = _Request
    app.before_request(refuse_invalid_utf8)


# ---- numbers and dates ----------------------------------------------------------------------------------
def whole_number(text: str | None, *, low: int = 0, high: int = ID_MAX) -> int | None:
    """`text` as an int within [low, high]; None when blank.

    :raise BadInput: not a whole number, or outside the range.
    """
    if text is None or not text.strip():
        return None
    try:
        value = int(text.strip())
    except ValueError:  # also more than 4300 digits
        value = None
    if value is None or not low <= value <= high:
        raise BadInput(_("“%(value)s” is not a whole number from %(low)s to %(high)s.", value=text[:40], low=low,
                         high=high))
    return value


_CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?")


def chinese_date(text: str) -> str:
    """2026年3月1日 (as people write a date, and the date picker may show it) as 2026-03-01; other text as is."""
    found = _CHINESE_DATE.fullmatch(text)
    return f"{found[1]}-{int(found[2]):02d}-{int(found[3]):02d}" if found else text


def local_instant(text: str | None, tz: Any, *, end_of_day: bool = False) -> datetime | None:
    """A date (YYYY-MM-DD) or date-time typed in local time, as an aware instant; None when blank.

    :raise BadInput: not a date, or outside the years a case may carry.
    """
    if not text:
        return None
    text = chinese_date(text.strip())
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).date()
            moment = datetime.combine(day, time.max if end_of_day else time.min, tzinfo=tz)
        else:
            moment = datetime.fromisoformat(text).replace(tzinfo=tz)
    except ValueError:
        moment = None
    if moment is None or not DATE_MIN <= moment.date() <= DATE_MAX:
        raise BadInput(_("“%(value)s” is not a date from %(first)s to %(last)s (write 2026-03-31, or "
                         "2026-03-31T09:00 with a time).", value=text[:40], first=DATE_MIN.year, last=DATE_MAX.year))
    return moment


# ---- UTF-8 ----------------------------------------------------------------------------------------------
def refuse_invalid_utf8() -> None:
    """Before every view: the query string and the form were sent as UTF-8 without NUL characters (which no
    text may hold, and PostgreSQL refuses outright), or the request is refused."""
    problem = _pairs_problem(request.query_string)
    if problem == "utf8":
        raise BadInput(_("The address contains characters that are not valid UTF-8; nothing was done."))
    if problem == "nul":
        raise BadInput(_("The address contains a NUL character, which no text may contain; nothing was done."))
    if request.mimetype == "application/x-www-form-urlencoded":
        problem = _pairs_problem(request.get_data(cache=True))  # the form is parsed from this cached body later
    elif request.mimetype == "multipart/form-data":
        problem = next(filter(None, (_text_problem(v) for _k, v in request.form.items(multi=True))), None)
    if problem == "utf8":
        raise BadInput(_("The form contains text that is not valid UTF-8; nothing was saved. Type the text again "
                         "and send the form again."))
    if problem == "nul":
        raise BadInput(_("The form contains a NUL character, which no text may contain; nothing was saved."))


def _pairs_problem(raw: bytes) -> str | None:
    """"utf8" or "nul" when a name or value of a query string (or urlencoded body), once unquoted, is not UTF-8
    or holds a NUL; None when all is well."""
    for pair in raw.split(b"&"):
        for part in pair.split(b"=", 1):
            data = unquote_to_bytes(part.replace(b"+", b" "))
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                return "utf8"
            if b"\x00" in data:
                return "nul"
    return None


def _text_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: an undecodable byte kept by _RAW_UTF8
        return "utf8"
    return "nul" if "\x00" in text else None


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name != _RAW_UTF8:
        return None

    def decode(data: Any, errors: str = "strict", /) -> tuple[str, int]:
        raw = bytes(data)
        return raw.decode("utf-8", "surrogateescape"), len(raw)

    return codecs.CodecInfo(codecs.utf_8_encode, decode, name=_RAW_UTF8)


class _MultiPartParser(MultiPartParser):
    def get_part_charset(self, headers: Headers) -> str:
        charset = super().get_part_charset(headers)
        return _RAW_UTF8 if charset == "utf-8" else charset


class _FormDataParser(FormDataParser):
    def _parse_multipart(self, stream: Any, mimetype: str, content_length: int | None,
                         options: dict[str, str]) -> Any:
        # FormDataParser._parse_multipart with the parser that keeps undecodable bytes visible.
        parser = _MultiPartParser(stream_factory=self.stream_factory, max_form_memory_size=self.max_form_memory_size,
                                  max_form_parts=self.max_form_parts, cls=self.cls)
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


class _Request(Request):
    form_data_parser_class = _FormDataParser

    @cached_property
    def full_path(self) -> str:
        """The path and query string (the pages' "come back here" links) — with raw bytes above 0x7f
        percent-encoded, so a query string that is not UTF-8 still renders its refusal page."""
        return f"{self.path}?{quote(self.query_string, safe=_QUERY_SAFE)}"
