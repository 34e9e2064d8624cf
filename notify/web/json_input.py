"""Reading a JSON request body that an API can take, or refusing it precisely.

Shared by the APIs (no feature imported). ``request_json`` answers, through
``DomainError``s (one JSON error shape, ``notify.web.errors``):

* 415 unless the body is declared ``application/json`` (UTF-8, the only charset
  RFC 8259 allows between systems);
* 413 when it is bigger than the API's bound, whether the size is announced
  (``Content-Length``) or the body is streamed (chunked transfer): reading stops at
  the bound, the rest is never buffered;
* 400 when it is not UTF-8 without a byte-order mark, is not JSON, writes NaN or
  Infinity, or nests arrays and objects deeper than the API's bound.

The parser refuses more than about a thousand levels (``RecursionError``, answered
as too deep); what it accepts is then measured against the API's bound, so that
nothing walking the result can exhaust the stack.
"""

from __future__ import annotations

import codecs
import json
import re
import sys
from functools import lru_cache
from typing import Any

from flask import request

from notify.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

MAX_DEPTH = 32
"""Default bound on nested arrays and objects: far above what any of our documents
needs (a deposit is 3 levels deep), far below the parser's recursion limit."""

_OUTSIDE_STRUCTURE = bytes(set(range(256)) - set(b'"[]{}'))


class _NotJson(ValueError):
    """NaN, Infinity and -Infinity: Python reads them, JSON (RFC 8259) has none."""


def _reject_constant(name: str):
    raise _NotJson(name)


@lru_cache(maxsize=8)
def _nesting_at_most(depth: int) -> re.Pattern[bytes]:
    """Skeletons (see ``nests_deeper``) of JSON texts nesting at most ``depth`` levels:
    strings, and arrays or objects whose content nests at most ``depth - 1``. Possessive
    quantifiers: one pass, no backtracking."""
    pattern = rb'(?:"[^"]*+")*+'
    for _ in range(depth):
        pattern = rb'(?:"[^"]*+"|[\[{]' + pattern + rb"[\]}])*+"
    return re.compile(pattern)


def nests_deeper(raw: bytes, depth: int) -> bool:
    """Whether the valid JSON text ``raw`` nests arrays and objects more than ``depth``
    levels deep (a scalar is at level 0).

    Read at the speed of ``bytes`` methods and one regular expression: escaped
    backslashes and quotes are dropped, then every byte but quotes and brackets, then
    pairs of adjacent quotes (which changes no bracket from inside a string to outside
    or back: the parity of the quotes before it is the same); what is left (the
    skeleton, mostly brackets) is matched against ``_nesting_at_most(depth)``.
    """
    skeleton = (raw.replace(b"\\\\", b"").replace(b'\\"', b"")
                .translate(None, _OUTSIDE_STRUCTURE).replace(b'""', b""))
    return _nesting_at_most(depth).fullmatch(skeleton) is None


def parse_json(raw: bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON document in ``raw``, which must be UTF-8 and nest at most ``max_depth``
    arrays and objects; ``InvalidInput`` (400) with a precise message otherwise."""
    if raw.startswith(codecs.BOM_UTF8):
        raise InvalidInput("Corps JSON invalide : marque d'ordre des octets (BOM) en tête, "
                           "UTF-8 sans BOM attendu.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"Corps JSON invalide : encodage UTF-8 attendu (octet "
                           f"0x{raw[exc.start]:02X} invalide en position {exc.start}).") from None
    too_deep = (f"Corps JSON invalide : plus de {max_depth} niveaux de tableaux et "
                f"d'objets imbriqués.")
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise InvalidInput(too_deep) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"Corps JSON invalide : {exc.msg}, ligne {exc.lineno}, "
                           f"colonne {exc.colno}.") from None
    except _NotJson as exc:
        raise InvalidInput(f"Corps JSON invalide : valeur non JSON : {exc}.") from None
    except ValueError:
        # The only other refusal of ``json.loads``: an integer longer than Python
        # converts (CVE-2020-10735).
        raise InvalidInput(f"Corps JSON invalide : nombre de plus de "
                           f"{sys.get_int_max_str_digits()} chiffres.") from None
    if nests_deeper(raw, max_depth):
        raise InvalidInput(too_deep)
    return document


def request_json(*, max_bytes: int, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON body of the current request, checked as the module says."""
    if request.mimetype != "application/json":
        raise UnsupportedMediaType("Corps JSON attendu (Content-Type: application/json).")
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.lower().replace("-", "") != "utf8":
        raise UnsupportedMediaType(f"JSON en UTF-8 attendu (reçu charset={charset}).")
    too_large = f"Corps trop volumineux : {max_bytes} octets au plus."
    if request.content_length is not None and request.content_length > max_bytes:
        raise PayloadTooLarge(too_large)
    # A streamed body (no Content-Length) is read up to one byte past the bound, and no
    # further: Werkzeug stops there (Flask 3.1, ``Request.max_content_length``).
    request.max_content_length = max_bytes + 1
    raw = request.get_data(cache=False)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(too_large)
    return parse_json(raw, max_depth=max_depth)
