"""Which Home tiles to show, and what each one opens, for the content this kiosk holds (no Qt).

``assets/ui/home.toml`` names each tile's categories in the national 政府信息公开 主题分类 (国务院
文件 topics such as 民政、扶贫、救灾 → 扶贫) and in the names portals use (社会救助, 地方性法规 …). A
document category belongs to a tile when its last part (after the last ``/``), or one of that
part's 、-separated words, is one of the tile's names. When no tile matches anything the kiosk
holds, tiles are made from the categories present instead, so Home is never just 全部文件.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace

from kiosk.paths import asset

__all__ = ["Tile", "category_words", "load_tiles", "tiles_for"]

#: Tiles made from the categories present show at most this many.
_FALLBACK_TILES = 11


@dataclass(frozen=True)
class Tile:
    """One Home tile: its words, and either a search, categories, a kind or a status.

    Attributes:
        categories: the category names it gathers (from home.toml), before matching.
        filters: what the results screen filters by once matched (``categories`` are
            the present categories, one per line, see ``index.engine.ANY_CATEGORY``).
        query: a search instead of a filter (低保: the count matches a search for 低保).
        count: documents behind it (None while unknown).
    """

    label: str
    hint: str
    categories: tuple[str, ...] = ()
    filters: dict[str, str] = field(default_factory=dict)
    query: str = ""
    count: int | None = None


def load_tiles() -> list[Tile]:
    raw = tomllib.loads(asset("ui", "home.toml").read_text("utf-8"))
    tiles = []
    for item in raw.get("tile", []):
        filters = {k: str(item[k]) for k in ("kind", "status") if k in item}
        categories = tuple(str(c) for c in item.get("categories", []))
        tiles.append(
            Tile(
                str(item["label"]),
                str(item.get("hint", "")),
                categories=categories,
                filters=filters,
                query=str(item.get("query", "")),
            )
        )
    return tiles


def category_words(category: str) -> set[str]:
    """The words a category is matched by: its last part and that part's 、-separated words."""
    last = category.rsplit("/", 1)[-1].strip()
    return {last, *(w.strip() for w in last.split("、") if w.strip())}


def tiles_for(tiles: list[Tile], counts: dict[str, int]) -> list[Tile]:
    """The tiles to show for ``counts`` (category → documents, ``kind:…``, ``status:…`` and
    ``query:…`` → documents), each with its filters and count; tiles with nothing are left out.
    """
    present = {k: v for k, v in counts.items() if ":" not in k and v > 0}
    shown: list[Tile] = []
    for tile in tiles:
        if tile.query:  # shown while its search is still counting, hidden when it finds nothing
            count = counts.get(f"query:{tile.query}")
            if count is None or count:
                shown.append(replace(tile, count=count))
            continue
        if "kind" in tile.filters and counts.get("kind:" + tile.filters["kind"], 0):
            shown.append(replace(tile, count=counts["kind:" + tile.filters["kind"]]))
            continue
        matched = sorted(c for c in present if category_words(c) & set(tile.categories))
        if matched:
            # one category: the plain filter, so the results screen shows it as a chosen chip
            filters = (
                {"category": matched[0]}
                if len(matched) == 1
                else {"categories": "\n".join(matched)}
            )
            shown.append(replace(tile, filters=filters, count=sum(present[c] for c in matched)))
        elif "status" in tile.filters:
            shown.append(replace(tile, count=counts.get("status:" + tile.filters["status"])))
    if any(t.categories or t.query or "kind" in t.filters for t in shown) or not present:
        return shown
    # nothing maps: the categories this kiosk holds, the largest first, then 全部文件
    largest = sorted(present.items(), key=lambda kv: (-kv[1], kv[0]))[:_FALLBACK_TILES]
    made = [
        Tile(name.rsplit("/", 1)[-1], name if "/" in name else "", filters={"category": name},
             count=count)
        for name, count in largest
    ]  # fmt: skip
    return made + [t for t in shown if "status" in t.filters]
