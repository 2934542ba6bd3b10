"""低保 standards read out of notices: what is found, and that only a confirmed one counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.records import parse_record
from kiosk.standards import (
    confirmed_standards,
    decide,
    extract,
    proposals,
    scan,
    standards_in_force,
)
from kiosk.store import Store
from tests.helpers import doc


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.in_dir(tmp_path)


def add(store: Store, record: dict[str, object]) -> None:
    with store.write() as tx:
        tx.upsert(parse_record(record))


NOTICES = [
    (
        doc(
            "n1",
            "石岭县民政局关于提高农村低保标准的通知",
            "各乡镇人民政府：经县人民政府同意，自2025年7月1日起，农村低保标准提高到每人每月520元。",
            published="2025-06-20",
        ),
        [("石岭县", "rural", 520.0, "元/人·月", "2025-07-01")],
    ),
    (
        doc(
            "n2",
            "溪东区民政局 溪东区财政局关于调整城乡最低生活保障标准的通知",
            "一、调整标准。自2026年1月1日起，城市低保标准由每人每月890元提高到920元，"
            "农村低保标准由每人每月675元提高到700元。",
        ),
        [
            ("溪东区", "urban", 920.0, "元/人·月", "2026-01-01"),
            ("溪东区", "rural", 700.0, "元/人·月", "2026-01-01"),
        ],
    ),
    (
        doc(
            "n3",
            "白河县人民政府办公室关于公布城乡低保标准的通知",
            "从2024年10月1日起，全县城乡低保标准分别提高到每人每月780元和560元。",
        ),
        [
            ("白河县", "urban", 780.0, "元/人·月", "2024-10-01"),
            ("白河县", "rural", 560.0, "元/人·月", "2024-10-01"),
        ],
    ),
    (
        doc(
            "n4",
            "国务院关于进一步加强和改进最低生活保障工作的意见",
            "对共同生活的家庭成员人均收入低于当地最低生活保障标准的家庭，给予最低生活保障。",
        ),
        [],  # mentions 标准 but publishes none
    ),
]


@pytest.mark.parametrize(("record", "expected"), NOTICES, ids=[n[0]["id"] for n in NOTICES])
def test_extract_reads_region_area_amount_unit_and_date(
    store: Store, record: dict[str, object], expected: list[tuple[object, ...]]
) -> None:
    add(store, record)
    stored = store.get(str(record["id"]))
    assert stored is not None
    found = [(p.region, p.area, p.amount, p.unit, p.effective) for p in extract(stored)]
    assert found == expected
    for proposal in extract(stored):
        assert str(int(proposal.amount)) in proposal.quote, "the sentence is kept to check"


def test_a_proposal_counts_only_once_the_librarian_confirms_it(store: Store) -> None:
    add(store, NOTICES[0][0])
    add(store, NOTICES[3][0])
    new = scan(store)
    assert [(p.region, p.area, p.amount) for p in new] == [("石岭县", "rural", 520.0)]
    assert scan(store) == [], "proposed once"
    on = dt.date(2025, 8, 1)
    assert standards_in_force(store, "石岭县", "rural", on) is None, "pending: not used"
    assert confirmed_standards(store) == []
    decide(store, 0, "confirmed")
    standard = standards_in_force(store, "石岭县", "rural", on)
    assert standard is not None and standard.amount == 520.0
    assert standard.document.id == "n1"
    assert standards_in_force(store, "石岭县", "rural", dt.date(2025, 6, 30)) is None
    decide(store, 0, "rejected")
    assert standards_in_force(store, "石岭县", "rural", on) is None
    assert [p.state for p in proposals(store)] == ["rejected"]


def test_structured_standards_are_not_proposed_again(store: Store) -> None:
    record = dict(NOTICES[0][0])
    record["allowance"] = [
        {"region": "石岭县", "area": "rural", "amount": 520, "unit": "元/人·月",
         "effective": "2025-07-01"}
    ]  # fmt: skip
    add(store, record)
    assert scan(store) == []


def test_the_librarian_confirms_on_the_command_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kiosk.cli import cli

    store = Store.in_dir(tmp_path)
    add(store, NOTICES[2][0])
    store.close()
    run = CliRunner().invoke
    base = ["--data-dir", str(tmp_path), "standards"]
    result = run(cli, [*base, "scan"])
    assert result.exit_code == 0, result.output
    assert "2 条" in result.output
    result = run(cli, [*base, "list"])
    assert "1. [待确认] 白河县城镇 每人每月 780 元" in result.output and "原文" in result.output
    result = run(cli, [*base, "confirm", "2"])
    assert result.exit_code == 0 and "[已确认] 白河县农村" in result.output
    assert run(cli, [*base, "confirm", "9"]).exit_code != 0
    store = Store.in_dir(tmp_path)
    try:
        standard = standards_in_force(store, "白河县", "rural", dt.date(2025, 1, 1))
        assert standard is not None and standard.amount == 560.0
        assert standards_in_force(store, "白河县", "urban", dt.date(2025, 1, 1)) is None
    finally:
        store.close()
