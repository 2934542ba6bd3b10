import pickle

from hypothesis import given
from hypothesis import strategies as st

from index.analysis import BigramTokenizer, JiebaTokenizer, title_key
from index.schema import make_schema

TEXT = "桐溪市民政局关于提高2024年城乡最低生活保障标准的通知，农村低保每人每月590元。ABC"


def spans(tokenizer: object, text: str) -> list[tuple[str, int, int]]:
    return [(t.text, t.startchar, t.endchar) for t in tokenizer(text, chars=True)]  # type: ignore[operator]


def test_jieba_tokens_carry_exact_character_offsets() -> None:
    tokens = spans(JiebaTokenizer(), TEXT)
    assert ("民政局", 3, 6) in tokens and ("民政", 3, 5) in tokens  # search mode: word and parts
    assert all(len(t) >= 2 for t, _, _ in tokens)
    assert ("低保", TEXT.index("低保"), TEXT.index("低保") + 2) in tokens
    for text, start, end in tokens:
        assert TEXT[start:end].lower() == text
    assert "的" not in {t for t, _, _ in tokens}  # stop words dropped


def test_bigrams_and_alphanumeric_runs() -> None:
    tokens = spans(BigramTokenizer(), "桐溪市590元 ＡＢ")
    assert [t for t, _, _ in tokens] == ["桐溪", "溪市", "590", "元", "ab"]
    assert tokens[3] == ("元", 6, 7)


@given(st.text(max_size=200))
def test_offsets_always_point_into_the_text(text: str) -> None:
    for tokenizer in (JiebaTokenizer(), BigramTokenizer()):
        for token, start, end in spans(tokenizer, text):
            assert 0 <= start < end <= len(text)
            assert token


def test_schema_and_analyzers_pickle_and_compare_equal() -> None:
    for tokenizer in (JiebaTokenizer(), BigramTokenizer()):
        assert pickle.loads(pickle.dumps(tokenizer)) == tokenizer
    schema = make_schema()
    restored = pickle.loads(pickle.dumps(schema))
    assert restored["title"].analyzer == schema["title"].analyzer
    assert restored["body_bi"].analyzer == schema["body_bi"].analyzer


def test_title_key_ignores_punctuation_and_width() -> None:
    assert title_key("关于《低保》的通知（２０２４）") == title_key("关于低保的通知2024")


@given(st.text(alphabet="低保申请城乡居民人民政府中华人民共和国条例ABc12３ 。，\n", max_size=80))
def test_the_fast_term_lists_equal_the_tokens(text: str) -> None:
    for tokenizer in (JiebaTokenizer(), BigramTokenizer()):
        assert tokenizer.terms(text) == [t for t, _, _ in spans(tokenizer, text)]


def test_counted_text_writes_what_whoosh_would() -> None:
    field = make_schema()["body_bi"]
    fast = sorted(field.index(TEXT))
    slow = sorted(super(type(field), field).index(TEXT))
    assert fast == slow and len(fast) > 20
