import pytest

from kiosk.docnumber import doc_number_keys, find_doc_number, find_doc_numbers, normalize_doc_number


@pytest.mark.parametrize(
    "text",
    [
        "国办发〔2018〕129号",
        "国办发[2018]129号",
        "国办发(2018)129号",
        "国办发（2018）129号",
        "国办发【2018】129号",
        "国办发［２０１８］１２９号",
        "国办发 〔2018〕 129 号",
        "国办发2018129号",
        "国办发〔2018〕第129号",
        "国办发[2018]129",
    ],
)
def test_every_writing_of_a_doc_number_normalizes_to_one_key(text: str) -> None:
    assert normalize_doc_number(text) == "国办发〔2018〕129号"


def test_doc_number_found_inside_a_query_with_offsets() -> None:
    query = "查找 桐民发[2024]12号 文件"
    canonical, start, end = find_doc_number(query)  # type: ignore[misc]
    assert canonical == "桐民发〔2024〕12号"
    assert query[start:end].endswith("12号")


@pytest.mark.parametrize("text", ["", "低保标准", "2024年129元", "第三条"])
def test_text_without_a_doc_number(text: str) -> None:
    assert normalize_doc_number(text) is None


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("财社 2019 10", "财社〔2019〕10号"),
        ("民发2021年3号", "民发〔2021〕3号"),
        ("民发〔2012〕220", "民发〔2012〕220号"),
        ("民政部令第1号", "民政部令第1号"),
        ("国务院令271号", "国务院令第271号"),
        ("国令 588", "国务院令第588号"),
        ("国令第707号", "国务院令第707号"),
        ("第588号令", "令第588号"),
        ("国务院第596号令", "国务院令第596号"),
    ],
)
def test_numbers_without_brackets_and_order_numbers_normalize(text: str, canonical: str) -> None:
    assert normalize_doc_number(text) == canonical


def test_an_order_number_is_also_found_without_its_agency() -> None:
    assert doc_number_keys("国务院令第588号") == ["国务院令第588号", "令第588号"]
    assert doc_number_keys("桐民发〔2024〕12号") == ["桐民发〔2024〕12号"]
    assert doc_number_keys(None) == []


def test_a_query_offers_the_prefix_without_the_words_before_it() -> None:
    (found,) = find_doc_numbers("低保民发〔2012〕220号")
    assert "民发〔2012〕220号" in found.keys
    assert found.certain


@pytest.mark.parametrize("text", ["民政2021年3月", "2021年3号文件", "低保标准2024"])
def test_dates_and_years_are_not_doc_numbers(text: str) -> None:
    assert normalize_doc_number(text) is None


def test_a_bare_number_is_not_certain() -> None:
    (found,) = find_doc_numbers("财社 2019 10")
    assert not found.certain
