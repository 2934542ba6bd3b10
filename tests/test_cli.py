"""The ``kiosk`` command through click's CliRunner, on real files."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.cli import cli
from tests.helpers import doc, write_jsonl


def kiosk(data_dir: Path, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], input=input)
    return result.exit_code, result.output


def test_import_reports_and_exits_non_zero_on_rejects(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [doc("a", "低保申请"), "{bad", doc("b", "医保")])
    code, out = kiosk(tmp_path / "d", "import", str(source))
    assert code == 1, out
    assert "新增 2" in out and "拒收 1" in out
    assert f"{source}:2:" in out
    code, out = kiosk(tmp_path / "d", "import", str(source))
    assert "未变 2" in out


def test_import_of_a_clean_file_exits_zero(tmp_path: Path) -> None:
    source = write_jsonl(tmp_path / "in.jsonl", [doc("a", "低保申请")])
    code, out = kiosk(tmp_path / "d", "import", str(source))
    assert code == 0, out


def test_search_json_shape_and_rank_order(demo_copy: Path) -> None:
    code, out = kiosk(demo_copy, "search", "--json", "--limit", "5", "低保")
    assert code == 0, out
    results = json.loads(out)
    assert len(results) == 5
    for item in results:
        assert {"id", "title", "score", "status", "snippet", "match", "matched"} <= item.keys()
        assert item["match"] == "all" and item["matched"] == ["低保"]
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)


def test_search_filters_and_plain_output(demo_copy: Path) -> None:
    code, out = kiosk(demo_copy, "search", "--status", "repealed", "--json", "低保")
    assert code == 0 and {r["status"] for r in json.loads(out)} == {"repealed"}
    code, out = kiosk(demo_copy, "search", "dibao")
    assert code == 0 and "拼音理解为：低保" in out and "共找到" in out
    code, out = kiosk(demo_copy, "search", "--", "-低保")
    assert code == 0, out


def test_search_says_what_it_searched_instead_and_can_search_as_typed(demo_copy: Path) -> None:
    code, out = kiosk(demo_copy, "search", "就业创叶")
    assert code == 0 and "已为您查找：就业创业" in out and "共找到" in out
    code, out = kiosk(demo_copy, "search", "--as-typed", "就业创叶")
    assert code == 0 and "已为您查找" not in out
    code, out = kiosk(demo_copy, "search", "--json", "低保 火星")
    assert code == 0 and {r["match"] for r in json.loads(out)} == {"partial"}


def test_search_stdin_prints_one_array_per_line(demo_copy: Path) -> None:
    code, out = kiosk(demo_copy, "search", "-", input="低保\n\n医保\n")
    assert code == 0, out
    lines = out.strip().splitlines()
    assert len(lines) == 3
    arrays = [json.loads(line) for line in lines]
    assert arrays[0] and arrays[1] == [] and arrays[2]


def test_status_json(demo_copy: Path) -> None:
    code, out = kiosk(demo_copy, "status", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["index"]["healthy"] is True
    assert report["documents"]["status"]["valid"] > 50
    assert report["last_sync"] is None


def test_index_check_and_rebuild(demo_copy: Path) -> None:
    import shutil

    shutil.rmtree(demo_copy / "index")
    code, out = kiosk(demo_copy, "index", "check")
    assert code == 0 and "已重建索引" in out
    code, out = kiosk(demo_copy, "index", "rebuild")
    assert code == 0 and "已重建索引" in out
    code, out = kiosk(demo_copy, "index", "check")
    assert code == 0 and "一致" in out


def test_quarantine_review_changes_what_is_searchable(tmp_path: Path) -> None:
    data = tmp_path / "d"
    spam = doc(
        "seed", "365体育投注关于做好2017年度政府信息公开工作年度报告的通知", agency="国务院办公厅"
    )
    kiosk(data, "import", str(write_jsonl(tmp_path / "a.jsonl", [spam, doc("ok", "低保通知")])))
    code, out = kiosk(data, "quarantine", "list", "--json")
    items = json.loads(out)
    assert [i["id"] for i in items] == ["seed"] and "365体育投注" in items[0]["reason"]
    assert kiosk(data, "search", "--json", "年度报告")[1].strip() == "[]"
    code, out = kiosk(data, "quarantine", "approve", "seed", "--note", "已核实")
    assert code == 0, out
    assert json.loads(kiosk(data, "search", "--json", "年度报告")[1])[0]["id"] == "seed"
    code, out = kiosk(data, "quarantine", "reject", "seed")
    assert code != 0 and "不在待审核列表" in out


def test_user_mistakes_are_one_calm_sentence(tmp_path: Path) -> None:
    code, out = kiosk(tmp_path / "d", "import", str(tmp_path / "missing.jsonl"))
    assert code != 0 and "找不到文件" in out and "Traceback" not in out
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out = kiosk(blocker / "d", "status")
    assert code != 0 and "无法" in out and "Traceback" not in out
    code, out = kiosk(tmp_path / "d", "quarantine", "approve", "nope")
    assert code != 0 and "找不到文件" in out


HANDWRITING = Path(__file__).resolve().parent / "data" / "handwriting"


def test_handwriting_prints_one_json_list_per_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"width": 10, "height": 10}', encoding="utf-8")
    files = [str(HANDWRITING / "低.json"), str(bad), str(HANDWRITING / "保.json")]
    result = CliRunner().invoke(cli, ["handwriting", "--limit", "5", *files])
    assert result.exit_code == 1, result.output  # one file was bad; the others were read
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    first, skipped, last = (json.loads(line) for line in lines)
    assert "低" in first and len(first) <= 5
    assert skipped == []
    assert "保" in last
    assert f"{bad}: strokes" in result.stderr


def test_handwriting_without_a_model_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["handwriting", "--model", str(tmp_path / "none.model"), str(HANDWRITING / "低.json")]
    )
    assert result.exit_code == 1
    assert "手写识别模型打不开" in result.output


def test_the_demo_content_is_announced_only_when_it_is_loaded(
    tmp_path: Path, capsys: "pytest.CaptureFixture[str]"
) -> None:
    """``kiosk run`` on a data dir that has content says nothing about 示例内容."""
    from kiosk.app import KioskContext
    from kiosk.cli import _prepare

    context = KioskContext(tmp_path / "data")
    try:
        _prepare(context)
        first = capsys.readouterr()
        assert "已载入示例内容" in first.err
        _prepare(context)
        again = capsys.readouterr()
        assert "示例内容" not in again.out + again.err
    finally:
        context.close()
