"""发文字号 (document number) normalization.

People write the same number many ways: 国办发〔2018〕129号, 国办发[2018]129号, 国办发(2018)129号,
国办发【2018】129号, with full-width digits, with spaces (国办发 2018 129), with 年 (国办发2018年129号),
without brackets or without 号. All of them normalize to one key, ``国办发〔2018〕129号``, which is what
the index stores and the query looks up.

Regulations carry a 令号 instead: 国务院令第588号, written 国务院令588号, 国令第588号, 国令 588 or
第588号令. They normalize to ``国务院令第588号`` (国令 is the State Council's own short form); a 令号
typed without its agency (第588号令) is looked up by :func:`doc_number_keys`' agency-less key
``令第588号``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "DocNumber",
    "doc_number_keys",
    "find_doc_number",
    "find_doc_numbers",
    "normalize_doc_number",
]

_OPEN = "〔[(（【［{｛〈<《"
_CLOSE = "〕])）】］}｝〉>》"
_CJK = r"[\u4e00-\u9fff]"

# prefix (机关代字), year, serial. The year is always four digits, which is what makes the forms
# without brackets unambiguous; after it a closing bracket, 年 or a space, then the serial. A
# serial followed by 月 or 日 is a date (民政2021年3月), not a number.
_YEAR_NUMBER = re.compile(
    rf"(?P<prefix>{_CJK}{{1,16}}?)\s*"
    rf"(?P<open>[{re.escape(_OPEN)}])?\s*(?P<year>(?:19|20)\d\d)\s*"
    rf"(?P<close>[{re.escape(_CLOSE)}]|年)?(?P<space>\s*)"
    r"(?:第\s*)?(?P<serial>\d{1,5})(?![\d.])\s*(?P<hao>号)?(?![月日年])"
)
# 令号: 民政部令第1号, 国务院令271号, 国令 588; and 第588号令, 国务院第596号令.
_ORDER = re.compile(
    rf"(?P<agency>{_CJK}{{0,16}}?)令\s*(?:第\s*)?(?P<serial>\d{{1,5}})(?![\d.])\s*号?"
)
_ORDER_AFTER = re.compile(rf"(?P<agency>{_CJK}{{0,16}}?)\s*第\s*(?P<serial>\d{{1,5}})\s*号令")
# Short agency names in 令号 and the name the documents use.
_AGENCY_ALIASES = {"国": "国务院", "国务院办公厅": "国务院"}


@dataclass(frozen=True)
class DocNumber:
    """A 发文字号 found in text: its lookup keys (most specific first) and where it stood."""

    keys: tuple[str, ...]
    start: int
    end: int
    #: False for a bare form (国办发 2018 129) that may as well be words and numbers
    certain: bool


def _fold(text: str) -> str:
    # NFKC turns full-width digits and letters into ASCII; brackets are handled by the patterns.
    return unicodedata.normalize("NFKC", text)


def _suffixes(prefix: str) -> list[str]:
    """The prefix and its tails: a query "低保民发〔2012〕220号" means 民发, not 低保民发."""
    return [prefix[i:] for i in range(len(prefix))]


def _order_keys(agency: str, serial: int) -> list[str]:
    keys = []
    for tail in _suffixes(agency) if agency else []:
        name = _AGENCY_ALIASES.get(tail, tail)
        keys.append(f"{name}令第{serial}号")
    keys.append(f"令第{serial}号")
    return list(dict.fromkeys(keys))


def find_doc_numbers(text: str) -> list[DocNumber]:
    """Every reading of a 发文字号 in ``text`` (a query), the surest first.

    Offsets refer to the NFKC-folded text, which has the same length as the input for the
    characters involved (full-width digits and brackets fold one-to-one).
    """
    folded = _fold(text)
    found: list[DocNumber] = []
    for match in _YEAR_NUMBER.finditer(folded):
        bracketed = bool(match["open"]) or match["close"] not in (None, "年")
        serial = int(match["serial"])
        keys = tuple(f"{p}〔{match['year']}〕{serial}号" for p in _suffixes(match["prefix"]))
        found.append(DocNumber(keys, match.start(), match.end(), bracketed or bool(match["hao"])))
    for pattern in (_ORDER_AFTER, _ORDER):
        for match in pattern.finditer(folded):
            if any(d.start <= match.start() < d.end for d in found):
                continue
            keys = tuple(_order_keys(match["agency"], int(match["serial"])))
            found.append(DocNumber(keys, match.start(), match.end(), True))
    return found


def find_doc_number(text: str) -> tuple[str, int, int] | None:
    """The first 发文字号 inside free text: ``(canonical, start, end)`` or ``None``."""
    found = find_doc_numbers(text)
    if not found:
        return None
    return found[0].keys[0], found[0].start, found[0].end


def normalize_doc_number(text: str | None) -> str | None:
    """Canonical form of a 发文字号, or ``None`` when ``text`` holds none.

    >>> normalize_doc_number("国办发[2018]129号")
    '国办发〔2018〕129号'
    >>> normalize_doc_number("国办发（２０１８）１２９号")
    '国办发〔2018〕129号'
    >>> normalize_doc_number("国令第707号")
    '国务院令第707号'
    """
    if not text:
        return None
    found = find_doc_number(text)
    return found[0] if found else None


def doc_number_keys(text: str | None) -> list[str]:
    """Keys a document with this 发文字号 is found by: its canonical form, and for a 令号 also the
    agency-less ``令第N号`` (what 第588号令 looks up)."""
    canonical = normalize_doc_number(text)
    if canonical is None:
        return []
    keys = [canonical]
    order = re.fullmatch(r".+令第(\d+)号", canonical)
    if order:
        keys.append(f"令第{order[1]}号")
    return keys
