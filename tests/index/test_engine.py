"""Search behaviour on the bundled demo content (a real Whoosh index on disk)."""

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index import SearchEngine
from index.engine import MAX_QUERY_CHARS
from kiosk.app import KioskContext


@pytest.fixture(scope="module")
def engine(demo_dir: object) -> Iterator[SearchEngine]:
    context = KioskContext(demo_dir)  # type: ignore[arg-type]
    engine = context.engine()
    yield engine
    context.close()


def ids(engine: SearchEngine, text: str, limit: int = 10, **filters: str) -> list[str]:
    return [h.id for h in engine.search(text, limit=limit, filters=filters).hits]


def titles(engine: SearchEngine, text: str, limit: int = 5) -> list[str]:
    return [h.title for h in engine.search(text, limit=limit).hits]


def test_dibao_finds_dibao_documents_first(engine: SearchEngine) -> None:
    results = engine.search("低保", limit=10)
    assert results.total >= 20
    for hit in results.hits:
        assert "低保" in hit.title or "最低生活保障" in hit.title or "低保" in hit.snippet


@pytest.mark.parametrize(
    ("colloquial", "formal"),
    [("吃低保", "低保"), ("五保户", "特困人员"), ("危房补贴", "危房改造"), ("看病报销", "医保")],
)
def test_villager_words_find_the_formal_documents(
    engine: SearchEngine, colloquial: str, formal: str
) -> None:
    found = titles(engine, colloquial, limit=3)
    assert found, colloquial
    assert any(formal in t or formal[:2] in t for t in found), found


def test_synonym_expands_both_ways(engine: SearchEngine) -> None:
    full = set(ids(engine, "最低生活保障", limit=200))
    short = set(ids(engine, "低保", limit=200))
    assert full and full == short


@pytest.mark.parametrize(
    "number",
    [
        "桐民发〔2024〕12号",
        "桐民发[2024]12号",
        "桐民发(2024)12号",
        "桐民发（２０２４）１２号",
        "桐民发2024第12号",
    ],
)
def test_doc_number_in_any_bracket_style_finds_the_document(
    engine: SearchEngine, number: str
) -> None:
    (first, *_) = engine.search(number, limit=3).hits
    assert first.doc_number == "桐民发〔2024〕12号"


def test_exact_title_ranks_first(engine: SearchEngine) -> None:
    title = "桐溪市人民政府2024年政府信息公开工作年度报告"
    assert titles(engine, title, limit=1) == [title]
    assert titles(engine, "桐溪市人民政府2024年政府信息公开工作年度报告。", limit=1) == [title]


def test_valid_standard_ranks_above_the_repealed_one_which_stays_findable(
    engine: SearchEngine,
) -> None:
    hits = engine.search("清源县城乡最低生活保障标准", limit=20).hits
    by_id = {h.id: i for i, h in enumerate(hits)}
    assert by_id["tx-qy-dibao-biaozhun-2024"] < by_id["tx-qy-dibao-biaozhun-2023"]
    assert hits[by_id["tx-qy-dibao-biaozhun-2023"]].status == "repealed"


@pytest.mark.parametrize(
    ("letters", "word"), [("dibao", "低保"), ("db", "低保"), ("wubao", "五保"), ("yibao", "医保")]
)
def test_pinyin_maps_to_words_of_the_index(engine: SearchEngine, letters: str, word: str) -> None:
    assert word in engine.pinyin_candidates(letters)
    results = engine.search(letters, limit=5)
    assert word in results.pinyin_words
    assert results.hits


def test_vocabulary_knows_which_text_starts_a_word(engine: SearchEngine) -> None:
    vocabulary = engine.vocabulary
    assert vocabulary.has_prefix("低") and vocabulary.has_prefix("低保")
    assert not vocabulary.has_prefix("低姝")
    assert "低保" in vocabulary.completions("低")


def test_pinyin_queries_leave_the_synonym_table_alone(engine: SearchEngine) -> None:
    before = engine.synonyms.expand("低保")
    engine.search("db")
    assert engine.synonyms.expand("低保") == before


def test_pinyin_never_matches_homophones_in_the_index(engine: SearchEngine) -> None:
    # 低保 and 抵保/地保 sound alike: the index itself is never pinyin-normalized; only a typo
    # correction, announced on screen, may read 地保 as 低保
    typed = [h.id for h in engine.search("地保", limit=100, correct=False).hits]
    assert set(typed).isdisjoint(ids(engine, "低保", limit=5)) or not typed


def test_did_you_mean_fixes_homophone_typos_only(engine: SearchEngine) -> None:
    # a typo is searched as corrected; "did you mean" stays for a search of exactly what was typed
    assert engine.search("低包").corrected == "低保"
    assert engine.search("低包", correct=False).did_you_mean == "低保"
    assert engine.search("彩礼").did_you_mean is None
    assert engine.search("彩礼").corrected is None


def test_facets_count_the_whole_result_set(engine: SearchEngine) -> None:
    results = engine.search("低保", limit=5)
    categories = results.facets["category"]
    assert sum(f.count for f in categories) == results.total
    assert categories[0].value == "社会救助"
    statuses = {f.value for f in results.facets["status"]}
    assert "valid" in statuses and "repealed" in statuses


def test_filters_narrow_results(engine: SearchEngine) -> None:
    everything = engine.search("低保", limit=100)
    repealed = engine.search("低保", limit=100, filters={"status": "repealed"})
    assert 0 < repealed.total < everything.total
    assert all(h.status == "repealed" for h in repealed.hits)
    year = engine.search("低保", limit=100, filters={"year": "2024"})
    assert all(h.published.startswith("2024") for h in year.hits)


def test_category_browse_without_typing_is_newest_first(engine: SearchEngine) -> None:
    results = engine.search("", limit=50, filters={"category": "社会救助"})
    assert results.total >= 20
    dates = [h.published for h in results.hits]
    assert dates == sorted(dates, reverse=True)
    assert {h.category for h in results.hits} == {"社会救助"}


def test_snippets_highlight_query_terms(engine: SearchEngine) -> None:
    hit = engine.search("临时救助", limit=1).hits[0]
    assert hit.highlights
    for start, end in hit.highlights:
        assert hit.snippet[start:end] in ("临时救助", "急难救助", "救急难")
    assert "<b>" in hit.snippet_html()


def test_names_outside_the_dictionary_are_found_by_bigrams(engine: SearchEngine) -> None:
    found = engine.search("柳坪乡", limit=5).hits
    assert found and all("柳坪" in (h.title + h.snippet) for h in found)


def test_suggestions_complete_words(engine: SearchEngine) -> None:
    assert any(s.startswith("低保") for s in engine.suggest("低保"))
    assert "低保" in engine.suggest("dib")


@pytest.mark.parametrize(
    "odd",
    [
        "",
        "   ",
        '"低保',
        "AND OR NOT",
        "低保 AND (医保 OR",
        "*?~^:",
        "\x00\x01\x1f低保\x7f",
        "😀🙏低保",
        "低" * 10_000,
        "a" * 5000,
        "国办发〔",
        "〔2018〕",
        "\ud800",
        "title:低保 body:*",
    ],
)
def test_odd_queries_never_raise(engine: SearchEngine, odd: str) -> None:
    results = engine.search(odd)
    assert len(results.query) <= MAX_QUERY_CHARS
    assert isinstance(results.hits, list)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300))
def test_any_text_returns_results_or_nothing(engine: SearchEngine, text: str) -> None:
    results = engine.search(text, limit=5)
    assert results.total + results.total_partial >= len(results.hits)
    engine.suggest(text)


def test_totals_and_facets_count_every_match_exactly(engine: SearchEngine) -> None:
    results = engine.search("低保", limit=3)
    searcher = engine._searcher
    holding = {
        n
        for field in ("title", "body", "title_bi", "body_bi")
        for term in results.terms
        if (field, term) in searcher.reader()
        for n in searcher.reader().postings(field, term).all_ids()
    }
    assert not results.total_is_estimate
    assert results.total == len(holding) > 3
    assert sum(f.count for f in results.facets["category"]) <= results.total
    assert sum(f.count for f in results.facets["status"]) == results.total


def test_a_question_word_is_never_required(engine: SearchEngine) -> None:
    plain = engine.search("低保 申请", limit=5)
    asked = engine.search("低保怎么申请", limit=5)
    assert [c.required for c in asked.concepts if c.text == "怎么"] == [False]
    assert not asked.relaxed and asked.total == plain.total
    assert asked.hits[0].match == "all" and "低保" in asked.hits[0].matched


def test_each_hit_says_whether_it_matched_every_concept(engine: SearchEngine) -> None:
    results = engine.search("低保 飞船", limit=5)
    assert results.relaxed and results.hits
    assert all(h.match == "partial" and h.matched == ("低保",) for h in results.hits)
    full = engine.search("低保 标准", limit=50)
    assert full.hits[0].match == "all" and set(full.hits[0].matched) == {"低保", "标准"}
    kinds = [h.match for h in full.hits]
    assert kinds == sorted(kinds)  # every full match before any partial one
    assert kinds.count("all") == min(full.total, 50)
    assert full.hits[0].to_json()["match"] == "all"


def test_control_and_zero_width_characters_vanish_from_queries(engine: SearchEngine) -> None:
    plain = [h.id for h in engine.search("低保", limit=5).hits]
    assert [h.id for h in engine.search("低\x00保\u200b", limit=5).hits] == plain


def test_repeated_text_is_one_concept_and_a_lone_character_still_finds(
    engine: SearchEngine,
) -> None:
    pasted = engine.search("低保申请" * 40, limit=5)
    assert pasted.hits and pasted.hits == engine.search("低保申请", limit=5).hits
    assert engine.search("保", limit=5).hits


def test_local_synonyms_take_effect_without_restart(demo_copy: object) -> None:
    from kiosk.app import LOCAL_SYNONYMS_SETTING

    context = KioskContext(demo_copy)  # type: ignore[arg-type]
    try:
        engine = context.engine()
        assert engine.search("保命钱").hits == []
        engine.set_local_synonyms(["低保 保命钱"])
        assert engine.search("保命钱").hits
        context.store().set_setting(LOCAL_SYNONYMS_SETTING, ["低保 保命钱"])
    finally:
        context.close()
    reopened = KioskContext(demo_copy)  # type: ignore[arg-type]
    try:
        assert reopened.engine().search("保命钱").hits
    finally:
        reopened.close()


def test_the_safety_net_logs_and_still_answers(
    engine: SearchEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("index.scoring.SAFETY_SECONDS", -1.0)
    results = engine.search("低保 通知", limit=7)  # a fresh cache key
    assert "stopped early" in caplog.text
    assert results.total_is_estimate and isinstance(results.hits, list)
    number = engine.search("桐民发[2024]12号", limit=4).hits
    assert number and number[0].doc_number == "桐民发〔2024〕12号"
