"""Where the kiosk stands: its location, the local standards of every programme, the office."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from kiosk.errors import RecordError
from kiosk.locality import (
    accept_office,
    current_office,
    local_standards,
    location_choices,
    office_lines,
    office_offers,
    reject_office,
)
from kiosk.records import parse_record
from kiosk.request_letter import InformationRequest
from kiosk.settings import LocationSettings, OfficeSettings
from kiosk.store import Store
from tests.helpers import doc

TODAY = dt.date(2025, 9, 1)
OFFICE = {
    "name": "梨花镇便民服务中心社会救助窗口",
    "address": "梨花镇人民路8号一楼",
    "hours": "周一至周五 8:30-17:30",
    "phone": "0571-8888 1234",
    "region": "梨花镇",
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.in_dir(tmp_path)
    yield store
    store.close()


def put(store: Store, record: dict[str, Any]) -> str:
    with store.write() as tx:
        return tx.upsert(parse_record(record))


def standard(
    region: str, area: str, amount: float, effective: str, program: str = "低保"
) -> dict[str, Any]:
    return {"region": region, "area": area, "amount": amount, "effective": effective,
            "program": program}  # fmt: skip


def test_choices_come_from_the_standards_held(store: Store) -> None:
    assert location_choices(store) == ([], [])
    put(store, doc("a", "溪东区标准", allowance=[standard("溪东区", "rural", 675, "2025-01-01")]))
    put(store, doc("b", "桐溪市标准", allowance=[standard("桐溪市", "rural", 540, "2024-01-01")]))
    put(store, doc("c", "梨花镇临时救助", allowance=[standard("梨花镇", "rural", 900, "2025-01-01",
                                                         "临时救助")]))  # fmt: skip
    put(store, doc("d", "旧标准", status="repealed",
                   allowance=[standard("白河县", "rural", 500, "2020-01-01")]))  # fmt: skip
    assert location_choices(store) == (["溪东区", "桐溪市"], ["梨花镇"])


def test_local_standards_per_programme_township_first_with_the_new_mark(store: Store) -> None:
    put(store, doc("old", "2024标准", allowance=[standard("溪东区", "rural", 650, "2024-01-01")]))
    put(store, doc("new", "2025标准", allowance=[
        standard("溪东区", "rural", 675, "2025-07-01"), standard("溪东区", "urban", 890, "2025-07-01"),
    ]))  # fmt: skip
    put(
        store,
        doc(
            "tk", "特困标准", allowance=[standard("溪东区", "rural", 880, "2024-03-01", "特困供养")]
        ),
    )
    put(store, doc("ls", "梨花镇临时救助", allowance=[standard("梨花镇", "rural", 1000, "2025-02-01",
                                                          "linshi")]))  # fmt: skip
    put(store, doc("later", "2026标准", allowance=[standard("溪东区", "rural", 700, "2026-01-01")]))
    assert local_standards(store, LocationSettings(), on=TODAY) == []
    here = LocationSettings(county="溪东区", township="梨花镇", area="rural")
    found = local_standards(store, here, on=TODAY)
    assert [(s.program_label, s.standard.amount, s.standard.document.id, s.new) for s in found] == [
        ("低保", 675, "new", True),  # 62 days ago; 2026's is not in force yet
        ("特困供养", 880, "tk", False),
        ("临时救助", 1000, "ls", False),  # the township's own
    ]
    assert found[0].amount_text() == "每人每月 675 元"
    assert found[0].since_text() == "2025年7月1日起执行"
    assert not local_standards(store, here, on=dt.date(2025, 10, 1))[0].new  # 92 days on
    # elsewhere in the county: no 临时救助 published for it
    other = local_standards(store, LocationSettings("溪东区", "", "urban"), on=TODAY)
    assert [(s.program_label, s.standard.amount) for s in other] == [("低保", 890)]


def test_location_and_office_live_in_the_store_and_survive_a_reopen(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    LocationSettings("溪东区", "", "rural").save(store)
    OfficeSettings("窗口", "人民路8号", "周一至周五", "12345678").save(store)
    store.close()
    again = Store.in_dir(tmp_path)
    assert LocationSettings.load(again) == LocationSettings("溪东区", "", "rural")
    assert current_office(again) == OfficeSettings("窗口", "人民路8号", "周一至周五", "12345678")
    again.set_setting("location.area", "mountain")  # not a choice: ignored
    assert LocationSettings.load(again).area == ""
    again.close()


def test_a_published_office_waits_for_the_librarian(store: Store) -> None:
    typed = OfficeSettings("村委会", "村口", "每天", "110")
    typed.save(store)
    put(store, doc("guide", "梨花镇低保办事指南", kind="guide", office=OFFICE))
    (offer,) = office_offers(store)
    assert offer.state == "pending" and offer.published.name == OFFICE["name"]
    assert current_office(store) == typed, "published is only an offer"
    reject_office(store, "guide")
    assert office_offers(store)[0].state == "rejected"
    assert current_office(store) == typed
    # the portal changes the record: offered again
    put(
        store,
        doc("guide", "梨花镇低保办事指南", kind="guide", office={**OFFICE, "phone": "0571-1"}),
    )
    assert office_offers(store)[0].state == "pending"
    accepted = accept_office(store, "guide")
    assert current_office(store) == accepted
    assert (accepted.phone, accepted.source) == ("0571-1", "guide")
    assert office_offers(store)[0].state == "accepted"
    assert office_lines(accepted) == [
        OFFICE["name"], f"地址：{OFFICE['address']}", f"办公时间：{OFFICE['hours']}", "电话：0571-1",
    ]  # fmt: skip
    # a later change on the portal never overwrites what is in use
    put(
        store,
        doc("guide", "梨花镇低保办事指南", kind="guide", office={**OFFICE, "phone": "0571-2"}),
    )
    assert office_offers(store)[0].state == "pending"
    assert current_office(store) == accepted
    with pytest.raises(LookupError):
        accept_office(store, "nothing")


def test_office_records_are_validated() -> None:
    with pytest.raises(RecordError, match="缺少电话"):
        parse_record(doc("g", "指南", office={**OFFICE, "phone": " "}))
    with pytest.raises(RecordError, match="office"):
        parse_record(doc("g", "指南", office="梨花镇"))
    with pytest.raises(RecordError, match="program"):
        parse_record(doc("g", "标准", allowance=[standard("溪东区", "rural", 1, "", "五保")]))
    # records written before the office and the programmes keep their content hash
    plain = parse_record(
        doc("a", "标准", allowance=[{"region": "溪东区", "area": "rural", "amount": 5}])
    )
    assert plain.content_hash == "e7eb1436ea23ede5c2a375cbf6b8cab31a254ae02753e6fc46c0fb18c4feb091"


def test_a_version_2_store_is_upgraded_in_place(tmp_path: Path) -> None:
    store = Store.in_dir(tmp_path)
    put(store, doc("a", "标准", allowance=[standard("溪东区", "rural", 675, "2025-01-01")]))
    store.close()
    with closing(sqlite3.connect(tmp_path / Store.FILENAME)) as conn:
        conn.execute("ALTER TABLE allowances DROP COLUMN program")
        conn.execute("DROP TABLE offices")
        conn.execute("PRAGMA user_version=2")
        conn.commit()
    store = Store.in_dir(tmp_path)
    assert store.schema_version() == 3
    (row,) = store.allowance_standards()
    assert (row.program, row.amount) == ("dibao", 675)
    put(store, doc("g", "指南", office=OFFICE))
    assert [o.name for o in store.published_offices()] == [OFFICE["name"]]
    store.close()


def test_the_printed_request_names_the_local_office() -> None:
    lines = office_lines(OfficeSettings(OFFICE["name"], "人民路<8>号", "", "110"))
    page = InformationRequest(name="张三").to_html(dt.date(2025, 9, 1), office=lines)
    assert "本地办事窗口" in page and OFFICE["name"] in page and "人民路&lt;8&gt;号" in page
    assert "办公时间" not in page  # nothing entered, nothing printed
    assert "本地办事窗口" not in InformationRequest(name="张三").to_html()
