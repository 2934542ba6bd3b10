"""Home tiles for real portal content: the national 主题分类 and portal categories map to tiles;
when nothing maps, tiles come from the categories present."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QLabel

from kiosk.app import KioskContext
from kiosk.importer import import_paths
from tests.ui.helpers import settle, tap
from ui.tiles import load_tiles, tiles_for

#: Categories as the real corpus (../shared/corpus) has them: laws by type, 国务院文件 by topic.
REAL = {
    "地方性法规": 691,
    "行政法规": 647,
    "政府工作报告": 52,
    "部门规章/规范性文件": 18,
    "国务院文件/民政、扶贫、救灾/扶贫": 1,
    "国务院文件/民政、扶贫、救灾/社团管理": 1,
    "国务院文件/科技、教育/教育": 3,
    "国务院文件/卫生、体育/体育": 3,
    "status:valid": 1914,
}


def test_real_categories_map_to_tiles() -> None:
    shown = {t.label: t for t in tiles_for(load_tiles(), REAL)}
    assert shown["法律法规"].count == 691 + 647 + 18
    assert shown["扶贫帮扶"].count == 1
    assert shown["上学教育"].count == 3
    assert shown["年度报告"].count == 52
    assert shown["全部文件"].count == 1914
    assert "看病医保" not in shown, "a tile with nothing behind it is not shown"
    assert shown["扶贫帮扶"].filters == {"category": "国务院文件/民政、扶贫、救灾/扶贫"}
    assert shown["法律法规"].filters == {"categories": "地方性法规\n行政法规\n部门规章/规范性文件"}


def test_unmapped_categories_become_tiles() -> None:
    counts = {"水产养殖": 5, "林权登记": 3, "status:valid": 8, "query:低保": 0}
    shown = tiles_for(load_tiles(), counts)
    assert [(t.label, t.count) for t in shown] == [
        ("水产养殖", 5),
        ("林权登记", 3),
        ("全部文件", 8),
    ]
    assert shown[0].filters == {"category": "水产养殖"}


def _doc(i: int, category: str) -> dict[str, Any]:
    return {
        "id": f"real-{i}",
        "title": f"某某省第{i}号条例" if "法规" in category else f"关于第{i}项工作的通知",
        "body": "第一条 为了规范管理，制定本条例。" * 3,
        "category": category,
        "published": f"2023-0{1 + i % 9}-01",
    }


def test_home_has_tiles_for_real_portal_content(qtbot: Any, tmp_path: Path) -> None:
    from tests.ui.conftest import TEST_SETTINGS
    from ui.app import build_window

    categories = ["地方性法规"] * 4 + ["行政法规"] * 3 + ["国务院文件/民政、扶贫、救灾/扶贫"] * 2
    jsonl = tmp_path / "real.jsonl"
    jsonl.write_text(
        "".join(
            json.dumps(_doc(i, c), ensure_ascii=False) + "\n" for i, c in enumerate(categories)
        ),
        "utf-8",
    )
    context = KioskContext(tmp_path / "data")
    import_paths(context.store(), [jsonl])
    context.catch_up_index()
    window = build_window(context, settings=TEST_SETTINGS)
    qtbot.addWidget(window)
    try:
        window.resize(1366, 768)
        window.show()
        settle(window)
        settle(window)
        tiles = window.screens["home"].tiles.buttons
        assert {"法律法规", "扶贫帮扶", "全部文件"} <= set(tiles), list(tiles)
        tap(qtbot, tiles["法律法规"])
        settle(window)
        results = window.screens["results"].results
        assert results is not None and results.total == 7
        assert {hit.category for hit in results.hits} == {"地方性法规", "行政法规"}
    finally:
        window.shutdown()
        window.services.close()
        window.close()
        context.close()


def test_home_data_arriving_in_parts_builds_only_what_changed(qtbot: Any, window: Any) -> None:
    """Home's data comes in parts (the store's lists, the counts, each search tile's count),
    and each part built every tile and list row again (≈ 40 ms, a stall while typing)."""
    home = window.screens["home"]
    settle(window)
    data = home.data
    assert data is not None and data.category_counts is not None
    tiles = dict(home.tiles.buttons)
    rows = [home.latest_list.itemAt(i).widget() for i in range(home.latest_list.count())]
    assert len(tiles) >= 6 and rows
    key = "query:低保"  # the 低保救助 tile counts what a search for 低保 finds
    more = data.category_counts[key] + 1
    home._show_data(replace(data, category_counts={**data.category_counts, key: more}))
    assert home.tiles.buttons == tiles, "the same tiles"
    assert [home.latest_list.itemAt(i).widget() for i in range(home.latest_list.count())] == rows
    tile = home.tiles.buttons["低保救助"]
    assert f"（{more} 篇）" in " ".join(w.text() for w in tile.findChildren(QLabel))
    tap(qtbot, tile)
    settle(window)
    assert window.current().name == "results" and window.screens["results"].query == "低保"
