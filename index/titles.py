"""Exact titles as people type them.

Villagers name a law without 中华人民共和国 (社会保险法), a local regulation without its province
or city or without the 省/市 (浙江社会救助条例), with or without 《》. Each title is indexed under a
few keys, each tagged with how close it stays to the real title; a query looks them up closest
first, so 工伤保险条例 pins the national regulation before 浙江省工伤保险条例.

Tiers:

0. the title itself (letters, digits and CJK only: 《》, spaces and · dropped);
1. without 中华人民共和国, and with a leading region's ending dropped (浙江省 → 浙江);
2. without the leading region altogether (浙江省社会救助条例 → 社会救助条例).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from index.analysis import title_key
from index.lexicon import REGION_SUFFIXES, region_names

__all__ = ["TIERS", "query_title_keys", "title_keys"]

TIERS = 3
_NATION = "中华人民共和国"
_LONGEST_PLACE = 6
_ISSUES = re.compile(r"(?:印发|转发|发布|公布|颁布)《([^《》]{4,60})》")
_TRAILING_NOTE = re.compile(r"\s*[（(][^（()）]{1,8}[)）]\s*$")


def _leading_region(key: str, regions: frozenset[str]) -> tuple[str, str] | None:
    """``(name without ending, rest)`` when ``key`` starts with a known place, else ``None``."""
    for size in range(min(_LONGEST_PLACE, len(key) - 2), 1, -1):
        name = key[:size]
        if name in regions:
            rest = key[size:]
            for suffix in REGION_SUFFIXES:
                if rest.startswith(suffix):
                    return name, rest[len(suffix) :]
            return name, rest
    return None


def _variants(key: str, regions: frozenset[str]) -> list[tuple[int, str]]:
    out = [(0, key)]
    bare = key.replace(_NATION, "")
    if bare and bare != key:
        out.append((1, bare))
    place = _leading_region(bare or key, regions)
    if place is not None and len(place[1]) >= 2:
        out.append((1, place[0] + place[1]))
        out.append((2, place[1]))
    return out


def title_keys(title: str, extra_regions: Iterable[str] = ()) -> list[str]:
    """The tagged keys a document's title is indexed under (``"0:社会救助暂行办法"`` …)."""
    key = title_key(title)
    if not key:
        return []
    regions = region_names() | frozenset(extra_regions)
    variants = _variants(key, regions)
    # 最低生活保障审核审批办法（试行） is asked for without its （试行）
    plain = title_key(_TRAILING_NOTE.sub("", title))
    if plain and plain != key:
        variants += [(max(tier, 1), k) for tier, k in _variants(plain, regions)]
    # 关于印发《桐溪市临时救助实施办法》的通知 is asked for by the name of what it issues
    issued = _ISSUES.search(title)
    if issued:
        inner = title_key(_TRAILING_NOTE.sub("", issued.group(1)))
        variants += [(max(tier, 1), k) for tier, k in _variants(inner, regions) if len(k) >= 4]
    return list(dict.fromkeys(f"{tier}:{k}" for tier, k in variants))


def query_title_keys(text: str, extra_regions: Iterable[str] = ()) -> list[str]:
    """What to look up for a typed title, best first: the same reductions as :func:`title_keys`
    applied to the query, each against every tier of the index."""
    key = title_key(text)
    if len(key) < 3:
        return []
    regions = region_names() | frozenset(extra_regions)
    # the typed title less its place (浙江社会救助条例 → 社会救助条例) would pin other places' rules
    typed = [k for tier, k in _variants(key, regions) if tier < 2]
    keys = []
    for tier in range(TIERS):
        for k in typed:
            keys.append(f"{tier}:{k}")
    return list(dict.fromkeys(keys))
