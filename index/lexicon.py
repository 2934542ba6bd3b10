"""Word lists the query side reads from ``assets/``: function words and place names.

Both are data, not code, so a county can extend them without touching the engine:
``assets/function_words.txt`` (怎么, 是多少, 有没有 …: never required, never ranked) and
``assets/regions.txt`` (provinces, cities and counties: a region word narrows results to that
region's documents when there are any).
"""

from __future__ import annotations

from functools import lru_cache

from index.analysis import fold
from kiosk.paths import asset

__all__ = ["REGION_SUFFIXES", "function_words", "region_names", "strip_region_suffix"]

#: Endings of administrative names: 浙江省 is typed 浙江, 重庆市 is typed 重庆.
REGION_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州",
                   "自治县", "经济特区", "新区", "省", "市", "县", "区", "州", "盟", "镇", "乡")  # fmt: skip


def _words(name: str) -> frozenset[str]:
    words: set[str] = set()
    for line in asset(name).read_text(encoding="utf-8").splitlines():
        words.update(fold(line.split("#", 1)[0]).split())
    return frozenset(words)


@lru_cache(maxsize=1)
def function_words() -> frozenset[str]:
    """Question and filler words (怎么, 是多少, 吗 …) that never decide a match."""
    return _words("function_words.txt")


@lru_cache(maxsize=1)
def region_names() -> frozenset[str]:
    """Place names without their administrative ending (浙江, 重庆, 青岛 …)."""
    return _words("regions.txt")


def strip_region_suffix(name: str) -> str:
    """浙江省 → 浙江, 桐溪市 → 桐溪; a name that is nothing but an ending stays as it is."""
    for suffix in REGION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name
