"""发文字号 (document number) normalization.

People write the same number many ways: 国办发〔2018〕129号, 国办发[2018]129号, 国办发(2018)129号,
国办发【2018】129号, with full-width digits, with spaces, or without brackets at all. All of them
normalize to one key, ``国办发〔2018〕129号``, which is what the index stores and the query looks up.
"""

from __future__ import annotations

import re
import unicodedata

_OPEN = "〔[(（【［{｛〈<《"
_CLOSE = "〕])）】］}｝〉>》"

# prefix (机关代字), year, serial. Brackets optional so "国办发2018129号" still parses; the year is
# always four digits, which is what makes the bracket-less form unambiguous.
_DOC_NUMBER = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,16}?)\s*"
    rf"[{re.escape(_OPEN)}]?\s*(?P<year>(?:19|20)\d\d)\s*[{re.escape(_CLOSE)}]?\s*"
    r"(?:第\s*)?(?P<serial>\d{1,5})\s*号"
)
# Without the trailing 号 we only accept the bracketed form, to avoid reading "2018年129" as one.
_DOC_NUMBER_NO_HAO = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{1,16}?)\s*"
    rf"[{re.escape(_OPEN)}]\s*(?P<year>(?:19|20)\d\d)\s*[{re.escape(_CLOSE)}]\s*"
    r"(?P<serial>\d{1,5})(?!\d)"
)


def _fold(text: str) -> str:
    # NFKC turns full-width digits and letters into ASCII; brackets are handled by the patterns.
    return unicodedata.normalize("NFKC", text)


def normalize_doc_number(text: str | None) -> str | None:
    """Canonical form of a 发文字号, or ``None`` when ``text`` holds none.

    >>> normalize_doc_number("国办发[2018]129号")
    '国办发〔2018〕129号'
    >>> normalize_doc_number("国办发（２０１８）１２９号")
    '国办发〔2018〕129号'
    """
    if not text:
        return None
    found = find_doc_number(text)
    return found[0] if found else None


def find_doc_number(text: str) -> tuple[str, int, int] | None:
    """Find a 发文字号 inside free text (a query): ``(canonical, start, end)`` or ``None``.

    Offsets refer to the NFKC-folded text, which has the same length as the input for the
    characters involved (full-width digits and brackets fold one-to-one).
    """
    folded = _fold(text)
    match = _DOC_NUMBER.search(folded) or _DOC_NUMBER_NO_HAO.search(folded)
    if match is None:
        return None
    canonical = f"{match['prefix']}〔{match['year']}〕{int(match['serial'])}号"
    return canonical, match.start(), match.end()
