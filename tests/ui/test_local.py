"""The kiosk knows where it stands: location set on the librarian screens, this place's
standards on Home with 0 taps, and the local office wherever a villager needs it."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtPdf import QPdfDocument

from kiosk.app import KioskContext
from kiosk.importer import import_paths
from kiosk.settings import LocationSettings, OfficeSettings
from tests.helpers import write_jsonl
from tests.sync.synckit import FeedServer, Portal
from tests.ui.conftest import TEST_SETTINGS
from tests.ui.helpers import commit_text, find, settle, tap
from tests.ui.test_librarian import open_librarian
from tests.ui.test_request_form import fill
from ui.librarian import LocalPage, SyncPage
from ui.screens.home import HomeScreen

TODAY = dt.date.today()


def notice(doc_id: str, amount: int, effective: dt.date, **extra: Any) -> dict[str, Any]:
    return {
        "id": doc_id,
        "title": f"梨花县民政局关于调整农村低保标准的通知（{effective.year}）",
        "body": f"自{effective:%Y年%m月%d日}起，农村低保标准调整为每人每月{amount}元。",
        "agency": "梨花县民政局",
        "published": effective.isoformat(),
        "kind": "notice",
        "allowance": [
            {
                "region": "梨花县",
                "area": "rural",
                "amount": amount,
                "effective": effective.isoformat(),
            }
        ],
        **extra,
    }


@pytest.fixture
def empty_window(qtbot: Any, tmp_path: Path) -> Iterator[Any]:
    """The kiosk on an empty data dir: no content, no location, no office."""
    from ui.app import build_window

    context = KioskContext(tmp_path / "data")
    window = build_window(context, windowed=True, settings=TEST_SETTINGS)
    qtbot.addWidget(window)
    window.resize(1920, 1080)
    window.show()
    qtbot.waitExposed(window)
    settle(window)
    yield window
    window.services.wait()
    window.shutdown()
    window.services.close()
    window._exit_allowed = True
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    context.close()


def home_of(window: Any) -> HomeScreen:
    home = window.screens["home"]
    assert isinstance(home, HomeScreen)
    return home


def test_from_an_empty_data_dir_the_location_puts_the_synced_standard_on_home(
    qtbot: Any, empty_window: Any, tmp_path: Path
) -> None:
    window = empty_window
    assert not home_of(window).local.isVisible(), "nothing to show before a location is set"
    page = open_librarian(qtbot, window, "local")
    assert isinstance(page, LocalPage)
    assert page.no_regions.isVisible(), "no standards yet: nothing to pick"

    # last year's standard from a USB stick (kiosk import) gives the county to pick
    old = dt.date(TODAY.year - 1, 1, 1)
    source = write_jsonl(tmp_path / "standards.jsonl", [notice("lh-2024", 600, old)])
    assert import_paths(window.services.store, [source]).added == 1
    window.go("librarian", page="local")
    settle(window)
    assert not page.no_regions.isVisible()
    tap(qtbot, find(window, "county_梨花县"))
    tap(qtbot, find(window, "location_area_rural"))
    assert "已保存：梨花县农村" in page.location_message.text()
    assert LocationSettings.load(window.services.store) == LocationSettings("梨花县", "", "rural")

    # the portal publishes this year's standard; 立即同步 over a real HTTP feed brings it
    portal = Portal.create(tmp_path / "portal")
    recent = TODAY - dt.timedelta(days=10)
    portal.publish([notice("lh-new", 640, recent)])
    server = FeedServer(portal.feed)
    try:
        metadata = window.services.context.data_dir / "tuf" / "metadata"
        metadata.mkdir(parents=True, exist_ok=True)
        shutil.copy(portal.keys / "root.json", metadata / "root.json")
        window.services.store.set_setting("sync.feed_url", server.url + "/")
        tap(qtbot, find(window, "tab_sync"))
        sync = window.screens["librarian"].pages["sync"]
        assert isinstance(sync, SyncPage)
        with qtbot.waitSignal(sync.sync_finished, timeout=20_000) as signal:
            tap(qtbot, find(window, "SyncNow"))
        settle(window)
    finally:
        server.close()
    assert signal.args == [True], sync.status.text()

    tap(qtbot, find(window, "LeaveLibrarian"))
    settle(window)
    home = home_of(window)
    assert window.current() is home
    # 0 taps: the current standard, its date, the 新标准 mark, on Home
    assert home.local.isVisible() and "梨花县农村" in home.local.heading.text()
    row = home.local.buttons["dibao"]
    assert row.isVisible()
    faces = " ".join(w.text() for w in row.findChildren(type(home.local.heading)))
    assert (
        "低保 640 元" in faces
        and "每人每月" in faces
        and f"{recent.year}年{recent.month}月{recent.day}日起执行" in faces
    )
    badge = row.findChild(type(home.local.heading), "new_dibao")
    assert badge is not None and badge.isVisible() and badge.text() == "新标准"
    assert set(home.local.buttons) == {"dibao"}, "no 特困/临时救助 published here"

    tap(qtbot, row)
    settle(window)
    assert window.current().name == "document" and window.current().doc.id == "lh-new"
    window.services.wait()
    taps = window.services.store.usage("category", TODAY, TODAY)
    assert [(key, n) for _day, key, n in taps] == [("本地低保标准", 1)]


def test_the_office_typed_by_the_librarian_reaches_home_selfcheck_documents_and_the_print(
    qtbot: Any, window: Any
) -> None:
    store = window.services.store
    page = open_librarian(qtbot, window, "local")
    assert isinstance(page, LocalPage)
    assert {"county_溪东区", "county_清源县"} <= {
        b.objectName() for b in page.county_group.buttons()
    }, "the counties of the demo standards"
    tap(qtbot, find(window, "county_溪东区"))
    tap(qtbot, find(window, "location_area_urban"))
    name = page.fields["name"]
    page.scroll_area.ensureWidgetVisible(name)
    tap(qtbot, name)
    assert window.keyboard.isVisible(), "typed on the on-screen keyboard"
    commit_text(name, "溪东区便民服务中心社会救助窗口")
    for key, text in (("address", "溪东区人民路8号一楼"), ("hours", "周一至周五 8:30-17:30")):
        page.scroll_area.ensureWidgetVisible(page.fields[key])
        tap(qtbot, page.fields[key])
        commit_text(page.fields[key], text)
    page.scroll_area.ensureWidgetVisible(page.fields["phone"])
    tap(qtbot, page.fields["phone"])
    assert window.keyboard.mode == "digits"
    for ch in "0571-88881234":
        tap(qtbot, find(window.keyboard, f"key_{ch}"))
    page.scroll_area.ensureWidgetVisible(find(window, "SaveOffice"))
    tap(qtbot, find(window, "SaveOffice"))
    assert "已保存" in page.office_message.text(), page.office_message.text()
    assert OfficeSettings.load(store).phone == "0571-88881234"

    tap(qtbot, find(window, "LeaveLibrarian"))
    settle(window)
    home = home_of(window)
    assert home.office.isVisible()
    assert "溪东区便民服务中心社会救助窗口" in home.office.text.text()
    assert "电话：0571-88881234" in home.office.text.text()
    assert "溪东区城镇现行标准" in home.local.heading.text()
    assert home.local.buttons["dibao"].isVisible()
    assert home.local.findChild(type(home.local.heading), "new_dibao") is None, "since 2025"

    # the end of a self-check answer, in another county too
    from tests.ui.test_selfcheck import enter_household

    tap(qtbot, find(window, "SelfCheckEntry"))
    screen = enter_household(qtbot, window, "清源县", "rural", 2, 100)
    assert screen.office.isVisible() and "人民路8号" in screen.office.text.text()
    assert "本地办事窗口" in screen.where.text()

    # a 低保 document's page; not on other documents
    document = window.screens["document"]
    dibao = next(d for d in store.iter_visible() if d.allowances)
    window.go("document", doc_id=dibao.id)
    assert document.office.isVisible()
    other = next(d for d in store.iter_visible() if "低保" not in d.title and not d.allowances
                 and "最低生活保障" not in d.title and "低保" not in (d.category or ""))  # fmt: skip
    window.go("document", doc_id=other.id)
    assert not document.office.isVisible()

    # the printed request form
    window.home()
    form = fill(qtbot, window)
    tap(qtbot, find(window, "PrintRequest"))
    settle(window)
    outcome = form.last_outcome
    assert outcome.ok and outcome.pdf_path is not None
    pdf = QPdfDocument()
    assert pdf.load(str(outcome.pdf_path)) == QPdfDocument.Error.None_
    text = "".join(pdf.getAllText(0).text().split())
    pdf.close()
    assert "本地办事窗口" in text and "溪东区人民路8号一楼" in text and "0571-88881234" in text


def test_a_feed_published_office_is_used_only_once_accepted(qtbot: Any, window: Any) -> None:
    from kiosk.records import parse_record

    store = window.services.store
    OfficeSettings("村委会代办点", "村口", "每天", "110").save(store)
    record = {
        "id": "xd-guide-office",
        "title": "溪东区最低生活保障办事指南（窗口信息）",
        "body": "申请低保请到区便民服务中心。",
        "kind": "guide",
        "office": {
            "name": "溪东区便民服务中心",
            "address": "人民路8号",
            "hours": "周一至周五",
            "phone": "0571-88881234",
        },
    }
    with store.write() as tx:
        tx.upsert(parse_record(record), source="sync")
    window.home()
    settle(window)
    assert "村委会代办点" in home_of(window).office.text.text(), "waits for the librarian"
    page = open_librarian(qtbot, window, "local")
    assert isinstance(page, LocalPage)
    state = page.findChild(type(page.location_message), "office_offer_state_0")
    assert state is not None and "待采用" in state.text()
    tap(qtbot, find(window, "reject_office_0"))
    state = page.findChild(type(page.location_message), "office_offer_state_0")
    assert "不采用" in state.text()
    assert OfficeSettings.load(store).name == "村委会代办点"
    tap(qtbot, find(window, "accept_office_0"))
    assert page.fields["name"].text() == "溪东区便民服务中心"
    tap(qtbot, find(window, "LeaveLibrarian"))
    settle(window)
    assert "溪东区便民服务中心" in home_of(window).office.text.text()
    assert OfficeSettings.load(store).source == "xd-guide-office"


def test_a_location_outside_the_data_cannot_be_chosen_and_a_bad_phone_is_refused(
    qtbot: Any, window: Any
) -> None:
    page = open_librarian(qtbot, window, "local")
    assert isinstance(page, LocalPage)
    counties = {b.property("text") or b.text() for b in page.county_group.buttons()}
    assert counties == {"溪东区", "清源县", "石岭县", "白河县", "桐溪市"}
    page.fields["name"].setText("窗口")
    page.fields["phone"].setText("请打电话")
    tap(qtbot, find(window, "SaveOffice"))
    assert "没有保存" in page.office_message.text()
    assert OfficeSettings.load(window.services.store) == OfficeSettings()
    # choosing another county forgets the township and keeps the area
    store = window.services.store
    replace(LocationSettings("溪东区", "梨花镇", "rural")).save(store)
    tap(qtbot, find(window, "county_清源县"))
    assert LocationSettings.load(store) == LocationSettings("清源县", "", "rural")


def test_another_county_stays_three_taps_away(qtbot: Any, window: Any) -> None:
    LocationSettings("溪东区", "", "rural").save(window.services.store)
    window.home()
    settle(window)
    assert home_of(window).local.isVisible()
    tap(qtbot, find(window, "SelfCheckEntry"))
    tap(qtbot, find(window, "region_清源县"))
    tap(qtbot, find(window, "area_urban"))
    standard = window.screens["selfcheck"].standard_label
    assert standard.isVisible() and "清源县城镇低保标准：每人每月 800 元" in standard.text()
