"""The bundled demo content is complete enough to show the kiosk for real."""

from collections import Counter

from kiosk.app import DEMO_DIR, KioskContext


def test_demo_content_imports_cleanly_and_covers_the_key_areas(demo_context: KioskContext) -> None:
    store = demo_context.store()
    docs = store.get_many(sorted(store.document_ids()))
    with_standards = {d.id for d in docs if d.allowances}
    assert len(docs) >= 80
    assert all(d.visibility == "visible" for d in docs), "demo content must pass the screen"
    dibao = [
        d
        for d in docs
        if "低保" in d.title
        or "最低生活保障" in d.title
        or (d.category == "社会救助" and "低保" in d.body_text)
    ]
    assert len(dibao) >= 20
    categories = Counter(d.category for d in docs)
    for area in ("预决算", "重大建设项目", "扶贫", "社会救助", "就业创业", "住房保障", "教育",
                 "医疗卫生", "食品药品安全", "环境保护", "政府信息公开"):  # fmt: skip
        assert categories[area] >= 3, area
    kinds = Counter(d.kind for d in docs)
    assert kinds["report"] >= 2 and kinds["guide"] >= 3
    ids = {d.id for d in docs}
    for d in docs:
        assert d.superseded_by is None or d.superseded_by in ids
    assert any(d.status == "repealed" and d.id in with_standards for d in docs)


def test_every_county_has_a_current_dibao_standard(demo_context: KioskContext) -> None:
    store = demo_context.store()
    for county in ("溪东区", "清源县", "石岭县", "白河县"):
        for area in ("urban", "rural"):
            standard = store.current_allowance(county, area)
            assert standard is not None and standard.amount > 0, (county, area)
    urban = store.current_allowance("清源县", "urban")
    rural = store.current_allowance("清源县", "rural")
    assert urban is not None and rural is not None and urban.amount > rural.amount


def test_demo_files_are_where_the_kiosk_looks() -> None:
    assert sorted(p.name for p in DEMO_DIR.glob("*.jsonl")) == ["documents.jsonl"]
