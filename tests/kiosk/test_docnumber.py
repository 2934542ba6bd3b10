import pytest

from kiosk.docnumber import find_doc_number, normalize_doc_number


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
