"""The librarian area: status, quarantine review, sync (real HTTP feed on 127.0.0.1, USB folder)
and usage statistics, driven through real widgets on a real data dir."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractButton, QLabel

from kiosk.app import LOCAL_SYNONYMS_SETTING
from kiosk.records import parse_record
from kiosk.settings import SyncSettings
from kiosk.store import REJECTED, VISIBLE
from tests.sync.synckit import FeedServer, Portal, doc
from tests.ui.helpers import commit_text, find, settle, tap, type_on_keyboard
from ui.librarian import QuarantinePage, StatsPage, StatusPage, SyncPage

PIN = "246813"
SHOTS = Path(
    os.environ.get("KIOSK_SCREENSHOT_DIR")
    or Path(__file__).resolve().parents[2] / "docs" / "screenshots"
)


def open_librarian(qtbot: Any, window: Any, page: str = "status") -> Any:
    """Hold the corner, type the PIN, open ``page``."""
    window.services.pin.set_pin(PIN)
    window.open_pinpad()
    pad = window.screens["pinpad"]
    for digit in PIN:
        tap(qtbot, find(pad, f"num_{digit}"))
    tap(qtbot, find(pad, "PinOk"))
    assert window.current().name == "librarian"
    screen = window.screens["librarian"]
    if page != "status":
        tap(qtbot, find(window, f"tab_{page}"))
    settle(window)
    return screen.pages[page]


def shoot(window: Any, name: str) -> None:
    """Save a screenshot into docs/screenshots when KIOSK_SCREENSHOTS=1."""
    if os.environ.get("KIOSK_SCREENSHOTS") == "1":
        settle(window)
        assert window.grab().save(str(SHOTS / f"2x-librarian-{name}.png"), "PNG")


def found_ids(window: Any, text: str) -> set[str]:
    """Ids a villager finds for ``text`` (through the kiosk's own search engine)."""
    found: list[Any] = []
    window.services.search(text, {}, found.append, channel="test-search", limit=50)
    settle(window)
    return {hit.id for hit in found[0].hits}


# -- status ------------------------------------------------------------------------------------
def test_the_status_page_tells_the_librarian_of_wrong_pins_before_the_login(
    qtbot: Any, window: Any
) -> None:
    window.services.pin.set_pin(PIN)
    assert not window.services.pin.check("000000").ok
    assert not window.services.pin.check("111111").ok
    page = open_librarian(qtbot, window)
    assert "输错密码 2 次" in page.pin_info.text()
    page.refresh()
    assert "输错密码 2 次" in page.pin_info.text(), "stays for this login"


def test_status_shows_counts_index_and_a_stale_sync_in_warning_colour(
    qtbot: Any, window: Any
) -> None:
    page = open_librarian(qtbot, window)
    assert isinstance(page, StatusPage)
    assert "可查阅文件" in window.screens["librarian"].info.text()
    snap = page.snapshot
    assert snap is not None and snap.index_healthy
    assert snap.counts["visibility"]["visible"] > 0
    assert "正常" in page.index_info.text()
    assert "数据目录" in page.machine_info.text() and "GB" in page.machine_info.text()
    assert page.sync_banner.property("overdue") is True  # never synced
    assert "还没有成功同步过" in page.sync_banner.text()
    shoot(window, "status")

    store = window.services.store
    store.set_setting("sync.feed_url", "https://portal.example.gov.cn/feed/")
    store.set_setting("sync.window", "01:00-05:00")
    run = store.start_sync_run("x")
    with store.write() as tx:
        tx.finish_sync_run(run, error=None)
    tap(qtbot, find(window, "tab_status"))
    settle(window)
    assert page.sync_banner.property("overdue") is False
    assert "今天" in page.sync_banner.text()
    assert "下次自动同步" in page.sync_info.text()
    assert page.snapshot is not None and page.snapshot.next_sync is not None
    assert dt.time(1) <= page.snapshot.next_sync.time() < dt.time(5)
    # five days later with a three-day limit: red again
    later = window.services.context.status(dt.datetime.now() + dt.timedelta(days=5))
    page.show_snapshot(later, dt.datetime.now() + dt.timedelta(days=5))
    assert page.sync_banner.property("overdue") is True
    assert "5 天前" in page.sync_banner.text()


def test_a_frozen_feed_that_still_syncs_is_shown_as_stale_content(qtbot: Any, window: Any) -> None:
    """A replayed bundle says "已是最新" and the sync succeeds today: the content date tells."""
    store = window.services.store
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=100)
    store.set_setting("sync.content_as_of", old.strftime("%Y-%m-%dT%H:%M:%SZ"))
    run = store.start_sync_run("/media/usb/feed")
    with store.write() as tx:
        tx.finish_sync_run(run, error=None)
    page = open_librarian(qtbot, window)
    assert "今天" in page.sync_banner.text()
    assert f"资料截至 {old:%Y-%m-%d}" in page.sync_banner.text()
    assert "资料已 100 天没有更新" in page.sync_banner.text()
    assert page.sync_banner.property("overdue") is True
    # villagers see the date too
    home = window.screens["home"]
    home.refresh()
    settle(window)
    assert f"资料截至 {old.year}年{old.month}月{old.day}日" in home.as_of.text()
    assert not home.as_of.isHidden()


def test_exit_and_restart(qtbot: Any, window: Any) -> None:
    open_librarian(qtbot, window)
    screen = window.screens["librarian"]
    restarted: list[bool] = []
    screen.restarter = lambda: restarted.append(True)
    with qtbot.waitSignal(window.exit_requested, timeout=1000):
        tap(qtbot, find(window, "RestartKiosk"))
    assert restarted == [True]


# -- quarantine ----------------------------------------------------------------------------------
def _quarantine(window: Any, doc_id: str, title: str, passage: str) -> None:
    store = window.services.store
    record = parse_record(
        {
            "id": doc_id,
            "title": title,
            "body": f"各村：{passage}。请相互转告。",
            "agency": "某某县水利局",
        }
    )
    with store.write() as tx:
        tx.upsert(record, screen_reason=f"含有违规词语: 「{passage}」(body)")
    window.services.context.catch_up_index()


def test_approving_makes_a_document_findable_and_rejecting_needs_a_note(
    qtbot: Any, window: Any
) -> None:
    _quarantine(window, "q-water", "关于梨花村自来水管网改造停水的通知", "扫码领取补贴")
    _quarantine(window, "q-spam", "梨花村致富信息", "高额返利投资")
    assert "q-water" not in found_ids(window, "梨花村自来水")
    page = open_librarian(qtbot, window, "quarantine")
    assert isinstance(page, QuarantinePage)
    assert set(page.items) == {"q-water", "q-spam"}
    assert "2 篇" in page.summary.text()
    shown = " ".join(w.text() for w in page.items["q-water"].findChildren(QLabel))
    assert "进入方式" not in shown and "import" not in shown, "no internal codes for librarians"
    reason = page.items["q-water"].reason.text()
    assert "background-color:#FFE066; color:" in reason and "扫码领取补贴</span>" in reason
    shoot(window, "quarantine")

    commit_text(page.items["q-water"].note, "经核实为水利局正式通知")
    tap(qtbot, find(window, "approve_q-water"))
    settle(window)
    assert window.services.store.get("q-water").visibility == VISIBLE
    assert set(page.items) == {"q-spam"}
    assert "q-water" in found_ids(window, "梨花村自来水")

    tap(qtbot, find(window, "reject_q-spam"))  # no note yet
    assert page.items["q-spam"].message.isVisible()
    assert window.services.store.get("q-spam").visibility != REJECTED
    commit_text(page.items["q-spam"].note, "广告")
    tap(qtbot, find(window, "reject_q-spam"))
    settle(window)
    assert window.services.store.get("q-spam").visibility == REJECTED
    assert page.items == {}
    assert "q-spam" not in found_ids(window, "梨花村致富")
    audit = window.services.store.audit_log()[::-1]
    assert [(a.action, a.document_id, a.note) for a in audit] == [
        ("approve", "q-water", "经核实为水利局正式通知"),
        ("reject", "q-spam", "广告"),
    ]
    assert "拒绝" in page.audit_text.text() and "广告" in page.audit_text.text()


# -- sync ----------------------------------------------------------------------------------------
@pytest.fixture
def portal(tmp_path: Path) -> Portal:
    return Portal.create(tmp_path)


def _trust(window: Any, portal: Portal) -> None:
    metadata = window.services.context.data_dir / "tuf" / "metadata"
    metadata.mkdir(parents=True, exist_ok=True)
    shutil.copy(portal.keys / "root.json", metadata / "root.json")


def test_sync_now_from_a_real_http_feed_shows_progress_and_history(
    qtbot: Any, window: Any, portal: Portal
) -> None:
    portal.publish([doc(1, title="关于桃源村道路硬化工程的公示"), doc(2)])
    server = FeedServer(portal.feed)
    try:
        _trust(window, portal)
        window.services.store.set_setting("sync.feed_url", server.url + "/")
        page = open_librarian(qtbot, window, "sync")
        assert isinstance(page, SyncPage)
        assert server.url in page.feed_label.text()
        with qtbot.waitSignal(page.sync_finished, timeout=20_000) as signal:
            tap(qtbot, find(window, "SyncNow"))
            assert page.running and not page.sync_button.isEnabled()
        settle(window)
    finally:
        server.close()
    assert signal.args == [True], page.status.text()
    assert {phase for phase, _, _ in page.progress_seen} >= {"metadata", "apply", "done"}
    assert "同步完成" in page.status.text() and "新增 2" in page.status.text()
    assert "网络　成功" in page.history_text.text() and "新增 2" in page.history_text.text()
    assert "doc-1" in found_ids(window, "桃源村道路硬化")
    shoot(window, "sync")


def test_what_a_sync_could_not_apply_is_listed_in_the_history(
    qtbot: Any, window: Any, portal: Portal
) -> None:
    portal.publish([doc(1), {"id": "ghost-7", "withdrawn": True}])
    server = FeedServer(portal.feed)
    try:
        _trust(window, portal)
        window.services.store.set_setting("sync.feed_url", server.url + "/")
        page = open_librarian(qtbot, window, "sync")
        with qtbot.waitSignal(page.sync_finished, timeout=20_000):
            tap(qtbot, find(window, "SyncNow"))
        settle(window)
    finally:
        server.close()
    text = page.history_text.text()
    assert "未能应用 1 条" in text and "[ghost-7]" in text and "本机没有" in text


def test_a_failed_sync_is_explained_in_words(qtbot: Any, window: Any) -> None:
    window.services.store.set_setting("sync.feed_url", "http://127.0.0.1:9/")
    page = open_librarian(qtbot, window, "sync")
    with qtbot.waitSignal(page.sync_finished, timeout=20_000) as signal:
        tap(qtbot, find(window, "SyncNow"))
    settle(window)
    assert signal.args == [False]
    assert "受信任的根元数据" in page.status.text()
    assert page.status.property("role") == "error"
    assert "失败" in page.history_text.text()


def test_usb_import_from_a_mounted_folder(
    qtbot: Any, window: Any, portal: Portal, tmp_path: Path
) -> None:
    portal.publish([doc(7, title="关于杏花村农村危房改造补助的公示")])
    media = tmp_path / "media"
    shutil.copytree(portal.feed, media / "kiosk" / "USB-STICK" / "feed")
    _trust(window, portal)
    page = open_librarian(qtbot, window, "sync")
    page.mount_roots = (media,)
    tap(qtbot, find(window, "FindUsb"))
    QCoreApplication.processEvents()
    tap(qtbot, find(window, "usb_0"))
    assert page.folder.text().endswith("feed")
    assert not page.import_button.isEnabled(), "a feed is checked before it is imported"
    before = window.services.store.last_change_seq()
    with qtbot.waitSignal(page.check_finished, timeout=20_000) as checked:
        tap(qtbot, find(window, "UsbCheck"))
    settle(window)
    assert checked.args == [True], page.status.text()
    assert page.last_preview is not None and page.last_preview.batches == (1,)
    assert "将应用 1 个批次" in page.preview_text.text()
    assert "文件 1 篇（其中新增 1 篇）" in page.preview_text.text()
    assert window.services.store.last_change_seq() == before, "checking writes nothing"
    assert "doc-7" not in found_ids(window, "杏花村危房改造")
    shoot(window, "usb-preview")
    with qtbot.waitSignal(page.sync_finished, timeout=20_000) as signal:
        tap(qtbot, find(window, "UsbImport"))
    settle(window)
    assert signal.args == [True], page.status.text()
    assert {phase for phase, _, _ in page.progress_seen} >= {"apply", "done"}
    assert "U 盘 / 文件夹　成功" in page.history_text.text()
    assert "doc-7" in found_ids(window, "杏花村危房改造")
    assert not page.import_button.isEnabled(), "the next import is checked again"


def test_a_tampered_usb_feed_is_refused_by_the_check(
    qtbot: Any, window: Any, portal: Portal, tmp_path: Path
) -> None:
    portal.publish([doc(8)])
    for path in (portal.feed / "targets").rglob("*.jsonl.gz"):
        path.write_bytes(path.read_bytes()[:-8] + b"tampered")
    _trust(window, portal)
    page = open_librarian(qtbot, window, "sync")
    page.folder.setText(str(portal.feed))
    with qtbot.waitSignal(page.check_finished, timeout=20_000) as checked:
        tap(qtbot, find(window, "UsbCheck"))
    settle(window)
    assert checked.args == [False]
    assert "不能导入" in page.preview_text.text()
    assert page.preview_text.property("role") == "error"
    assert not page.import_button.isEnabled()
    assert window.services.store.get("doc-8") is None


# -- statistics ----------------------------------------------------------------------------------
def test_statistics_count_real_searches_chart_and_csv(
    qtbot: Any, window: Any, tmp_path: Path
) -> None:
    for query in ("低保", "火星移民", "低保"):
        window.home()
        window.go("results", query=query, filters={}, submitted=True)
        settle(window)
        window.home()  # the same query twice in a row counts once per visit
        settle(window)
    page = open_librarian(qtbot, window, "stats")
    assert isinstance(page, StatsPage)
    report = page.report
    assert report is not None
    assert dict(report.top_queries) == {"低保": 2, "火星移民": 1}
    assert report.zero_result == [("火星移民", 1)]
    assert report.searches_per_day[-1] == (dt.date.today(), 3)
    assert "火星移民" in page.lists["zero_result"].text()
    series = page.chart.series()
    assert len(series) == 1 and series[0].barSets()[0].at(6) == 3
    image = page.chart_view.grab()
    assert not image.isNull() and image.width() > 400
    tap(qtbot, find(window, "period_30"))
    settle(window)
    assert page.report is not None and len(page.report.searches_per_day) == 30
    assert page.chart.series()[0].barSets()[0].count() == 30
    tap(qtbot, find(window, "period_90"))
    settle(window)
    weekly = page.chart.series()[0].barSets()[0]
    assert weekly.count() == 13 and weekly.at(12) == 3 and "每周" in page.chart.title()
    tap(qtbot, find(window, "period_30"))
    settle(window)
    shoot(window, "stats")

    # the CSV goes only onto the removable drive the librarian picks (lsblk's RM flag), never
    # onto a writable folder that is not one (the system disk mounted under /mnt)
    stick, fixed = tmp_path / "media-stick", tmp_path / "mnt-data"
    stick.mkdir()
    fixed.mkdir()
    page.lsblk = lambda: json.dumps({"blockdevices": [
        {"name": "vda", "rm": False, "hotplug": False, "mountpoints": [None], "children": [
            {"name": "vda1", "rm": False, "hotplug": False, "mountpoints": [str(fixed)]}]},
        {"name": "sdb", "rm": True, "hotplug": True, "label": None, "size": 31457280000,
         "mountpoints": [None], "children": [
            {"name": "sdb1", "rm": True, "hotplug": True, "label": "KINGSTON",
             "size": 31457280000, "mountpoints": [str(stick)]}]},
    ]})  # fmt: skip
    tap(qtbot, find(window, "ExportCsv"))
    assert page.last_export is None, "nothing is written before the librarian picks"
    assert "KINGSTON" in find(window, "ExportDrive0").text()
    assert window.findChild(QAbstractButton, "ExportDrive1") is None, "only removable drives"
    tap(qtbot, find(window, "ExportDrive0"))
    out = page.last_export
    assert out is not None and out.parent == stick
    assert not list(fixed.iterdir()) and not (window.services.context.data_dir / "exports").exists()
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert ["无结果搜索", "火星移民", "1", "门户未发布的内容"] in rows
    assert ["热门搜索", "低保", "2", ""] in rows
    assert out.name in page.export_message.text() and "KINGSTON" in page.export_message.text()

    page.lsblk = lambda: json.dumps({"blockdevices": []})
    tap(qtbot, find(window, "ExportCsv"))
    assert "没有找到 U 盘" in page.export_message.text()


# -- 适老化 --------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["default", "large-text+high-contrast"])
def test_every_librarian_page_meets_the_numbers(qtbot: Any, window: Any, mode: str) -> None:
    from tests.ui.test_elderly_friendly import check_screen

    _quarantine(window, "q-water", "关于梨花村自来水管网改造停水的通知", "扫码领取补贴")
    window.services.count("search", "低保")
    if mode != "default":
        tap(qtbot, find(window, "LargeText"))
        tap(qtbot, find(window, "HighContrast"))
    open_librarian(qtbot, window)
    problems: list[str] = []
    for page in ("status", "quarantine", "sync", "standards", "local", "stats", "settings"):
        tap(qtbot, find(window, f"tab_{page}"))
        settle(window)
        problems += check_screen(window, f"{mode}/librarian-{page}")
    assert not problems, "\n".join(problems)
    if mode != "default":
        shoot(window, "settings-high-contrast")


# -- settings ------------------------------------------------------------------------------------
def _type_setting(qtbot: Any, window: Any, key: str, text: str) -> None:
    field = window.screens["librarian"].pages["settings"].rows[key].field
    field.clear()
    commit_text(field, text)
    tap(qtbot, find(window, f"save_{key}"))


def test_settings_validate_persist_and_take_effect_at_once(qtbot: Any, window: Any) -> None:
    from kiosk.settings import UiSettings
    from ui.librarian import SettingsPage

    page = open_librarian(qtbot, window, "settings")
    assert isinstance(page, SettingsPage)
    store = window.services.store
    shoot(window, "settings")

    for key, bad, reason in (
        ("feed", "ftp://portal.example.gov.cn/feed", "https://"),
        ("feed", "https://", "服务器名"),
        ("interval", "每天", "请输入数字"),
        ("interval", "5", "15 到 10080"),
        ("window", "25:00-03:00", "时间窗"),
        ("idle", "10", "30 到 3600"),
    ):
        _type_setting(qtbot, window, key, bad)
        message = page.rows[key].message
        assert message.isVisible() and message.property("role") == "error", key
        assert "没有保存" in message.text() and reason in message.text(), message.text()
    assert store.get_setting("sync.feed_url") is None
    assert store.get_setting("ui.idle_timeout_s") is None

    _type_setting(qtbot, window, "feed", "https://portal.example.gov.cn/feed")
    _type_setting(qtbot, window, "interval", "120")
    _type_setting(qtbot, window, "window", "1:00-5:00")
    _type_setting(qtbot, window, "idle", "45")
    assert store.get_setting("sync.feed_url") == "https://portal.example.gov.cn/feed/"
    assert store.get_setting("sync.interval_minutes") == 120
    assert store.get_setting("sync.window") == "01:00-05:00"
    assert UiSettings.load(store).idle_timeout_s == 45
    assert window.idle.timeout_ms == 45_000  # the running kiosk follows at once
    assert page.rows["idle"].message.property("role") == "muted"

    tap(qtbot, find(window, "scale_150"))
    assert UiSettings.load(store).text_scale == 1.5
    assert window.theme.scale == 1.5
    tap(qtbot, find(window, "DefaultContrast"))
    assert UiSettings.load(store).high_contrast is True
    assert window.theme.high_contrast
    assert page.speech_button.text() == "朗读功能：开"  # the stored default
    tap(qtbot, find(window, "DefaultReadAloud"))
    assert store.get_setting("ui.tts_engine") == ""
    assert page.speech_button.text() == "朗读功能：关"
    tap(qtbot, find(window, "DefaultReadAloud"))
    assert store.get_setting("ui.tts_engine") == "speechd"

    page.pin_again.setText("13579")
    _type_setting(qtbot, window, "pin", "13579")
    assert "6–8 位数字" in page.rows["pin"].message.text(), "a five-digit PIN is too short"
    page.pin_again.setText("135792")
    _type_setting(qtbot, window, "pin", "135790")
    assert "不一样" in page.rows["pin"].message.text()
    page.pin_again.setText("135790")
    _type_setting(qtbot, window, "pin", "135790")
    assert window.services.pin.check("135790").ok

    # a fresh look at the page shows what was saved
    tap(qtbot, find(window, "tab_status"))
    tap(qtbot, find(window, "tab_settings"))
    assert page.rows["window"].field.text() == "01:00-05:00"
    assert page.rows["idle"].field.text() == "45"
    assert page.scale_buttons[1.5].isChecked() and page.contrast_button.isChecked()


def index_ids(window: Any, text: str) -> set[str]:
    """Ids a freshly opened search engine finds (what the index on disk holds)."""
    from index import SearchEngine

    context = window.services.context
    engine = SearchEngine(context.search_index(), context.store())
    try:
        return {hit.id for hit in engine.search(text, limit=50).hits}
    finally:
        engine.close()


HIDE_ID = "tx-mz-dibao-banshi-zhinan"


def _hide(qtbot: Any, window: Any) -> tuple[Any, str]:
    title = window.services.store.get(HIDE_ID).title
    assert HIDE_ID in found_ids(window, title)
    page = open_librarian(qtbot, window, "settings")
    _type_setting(qtbot, window, "hide", title[:8])
    tap(qtbot, find(page, f"hide_{HIDE_ID}"))
    settle(window)
    return page, title


def test_hiding_a_document_locally_and_showing_it_again(qtbot: Any, window: Any) -> None:
    page, title = _hide(qtbot, window)
    assert window.services.store.get(HIDE_ID).visibility == "hidden"
    assert HIDE_ID not in index_ids(window, title)
    assert "已隐藏" in page.rows["hide"].message.text()
    tap(qtbot, find(page, f"unhide_{HIDE_ID}"))
    settle(window)
    assert HIDE_ID in index_ids(window, title)
    assert HIDE_ID in found_ids(window, title)
    actions = [a.action for a in window.services.store.audit_log()[::-1]]
    assert actions == ["hide", "unhide"]


def test_the_running_kiosk_stops_finding_a_hidden_document(qtbot: Any, window: Any) -> None:
    _, title = _hide(qtbot, window)
    assert HIDE_ID not in found_ids(window, title)


# -- local synonyms ------------------------------------------------------------------------------
def _pick(qtbot: Any, window: Any, letters: str, word: str) -> None:
    """Type ``letters`` on the on-screen keyboard and tap the candidate ``word`` (paging on)."""
    keyboard = window.keyboard
    type_on_keyboard(qtbot, window, letters)
    for _ in range(10):
        shown = [b for b in keyboard.candidate_buttons if b.isVisible() and b.text() == word]
        if shown:
            tap(qtbot, shown[0])
            return
        tap(qtbot, keyboard.next_page)
    raise AssertionError(f"{word} not offered for {letters}")


def test_local_synonyms_typed_on_the_keyboard_take_effect_at_once(qtbot: Any, window: Any) -> None:
    from ui.librarian import SettingsPage

    page = open_librarian(qtbot, window, "settings")
    assert isinstance(page, SettingsPage)
    field = page.rows["synonyms"].field
    page.scroll_area.ensureWidgetVisible(field)
    tap(qtbot, field)
    assert window.keyboard.isVisible()
    _pick(qtbot, window, "dibao", "低保")
    tap(qtbot, find(window.keyboard, "key_space"))
    for letters, char in (("bao", "保"), ("ming", "命"), ("qian", "钱")):
        _pick(qtbot, window, letters, char)
    assert field.text() == "低保 保命钱"
    tap(qtbot, find(window, "save_synonyms"))
    settle(window)
    store = window.services.store
    assert store.get_setting(LOCAL_SYNONYMS_SETTING) == ["低保 保命钱"]
    assert page.rows["synonyms"].message.property("role") == "muted"
    assert page.synonym_list.count() == 1
    tap(qtbot, find(window.keyboard, "key_hide"))
    page.scroll_area.ensureWidgetVisible(field)
    shoot(window, "settings-synonyms")

    # a villager's search through the UI now finds the 低保 documents
    window.go("results", query="保命钱", filters={}, submitted=True)
    settle(window)
    results = window.screens["results"].results
    assert results is not None and HIDE_ID in {hit.id for hit in results.hits}

    # a bad line is refused with a reason; removing the line takes effect at once too
    open_librarian(qtbot, window, "settings")
    _type_setting(qtbot, window, "synonyms", "保命钱")
    assert "至少写两个说法" in page.rows["synonyms"].message.text()
    tap(qtbot, find(window, "remove_synonym_0"))
    settle(window)
    assert store.get_setting(LOCAL_SYNONYMS_SETTING) == []
    assert HIDE_ID not in found_ids(window, "保命钱")


# -- CA bundle -----------------------------------------------------------------------------------
PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2E=\n-----END CERTIFICATE-----\n"


def test_ca_bundle_is_validated_and_passed_to_the_http_fetcher(
    qtbot: Any, window: Any, portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.librarian import syncpage

    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("县政务内网证书\n", encoding="utf-8")
    bundle = tmp_path / "intranet-ca.pem"
    bundle.write_text(PEM, encoding="ascii")
    page = open_librarian(qtbot, window, "settings")
    for bad, reason in (
        (str(tmp_path / "missing.pem"), "找不到"),
        (str(tmp_path), "文件夹"),
        (str(not_pem), "PEM"),
        ("ca.pem", "完整路径"),
    ):
        _type_setting(qtbot, window, "ca", bad)
        message = page.rows["ca"].message
        assert message.property("role") == "error" and reason in message.text(), message.text()
    store = window.services.store
    assert SyncSettings.load(store).ca_bundle == ""
    _type_setting(qtbot, window, "ca", str(bundle))
    assert SyncSettings.load(store).ca_bundle == str(bundle)
    assert page.rows["ca"].message.property("role") == "muted"

    configs: list[Any] = []
    real = syncpage.sync_once

    def spy(*args: Any, **kwargs: Any) -> Any:
        configs.append(kwargs.get("config"))
        return real(*args, **kwargs)

    monkeypatch.setattr(syncpage, "sync_once", spy)
    portal.publish([doc(3)])
    server = FeedServer(portal.feed)
    try:
        _trust(window, portal)
        store.set_setting("sync.feed_url", server.url + "/")
        tap(qtbot, find(window, "tab_sync"))
        sync = window.screens["librarian"].pages["sync"]
        with qtbot.waitSignal(sync.sync_finished, timeout=20_000) as signal:
            tap(qtbot, find(window, "SyncNow"))
        settle(window)
    finally:
        server.close()
    assert signal.args == [True], sync.status.text()
    assert [c.fetcher.ca_bundle for c in configs] == [str(bundle)]

    tap(qtbot, find(window, "tab_settings"))
    _type_setting(qtbot, window, "ca", "")  # cleared: the system CAs again
    assert SyncSettings.load(store).ca_bundle == ""
    assert sync.sync_config().fetcher.ca_bundle is None


def test_the_proxy_setting_is_validated_and_reaches_the_fetcher(qtbot: Any, window: Any) -> None:
    page = open_librarian(qtbot, window, "settings")
    _type_setting(qtbot, window, "proxy", "10.1.2.3")
    message = page.rows["proxy"].message
    assert message.property("role") == "error" and "端口" in message.text()
    _type_setting(qtbot, window, "proxy", "10.1.2.3:8080")
    assert SyncSettings.load(window.services.store).proxy == "http://10.1.2.3:8080"
    sync = window.screens["librarian"].pages["sync"]
    assert sync.sync_config().fetcher.proxy == "http://10.1.2.3:8080"


# -- read-aloud ----------------------------------------------------------------------------------
def test_switching_read_aloud_off_and_on_takes_effect_without_restart(
    qtbot: Any, make_window: Any
) -> None:
    from ui.speech import Speaker

    speaker = Speaker("mock", start_timeout_s=0.5, any_voice=True, start_delay_ms=0)
    window = make_window(speaker=speaker, tts_engine="mock")
    qtbot.waitUntil(lambda: speaker.available, timeout=10_000)
    window.go("document", doc_id=HIDE_ID)
    settle(window)
    read = find(window, "ReadAloud")
    assert read.isVisible()

    page = open_librarian(qtbot, window, "settings")
    assert page.speech_button.isChecked()
    tap(qtbot, find(window, "DefaultReadAloud"))
    assert window.services.store.get_setting("ui.tts_engine") == ""
    assert "立即生效" in page.look_message.text()
    assert read.isHidden(), "the 朗读 button goes away at once"
    window.go("document", doc_id=HIDE_ID)
    settle(window)
    assert not read.isVisible()

    open_librarian(qtbot, window, "settings")
    tap(qtbot, find(window, "DefaultReadAloud"))
    assert window.services.store.get_setting("ui.tts_engine") == "speechd"
    assert "立即生效" in page.look_message.text()
    window.go("document", doc_id=HIDE_ID)
    settle(window)
    assert read.isVisible()


# -- 低保标准 read out of notices ----------------------------------------------------------------
def test_a_standard_read_from_a_notice_reaches_the_selfcheck_once_confirmed(
    qtbot: Any, window: Any
) -> None:
    store = window.services.store
    notice = {
        "id": "ly-notice-1",
        "title": "龙岩县民政局关于提高农村低保标准的通知",
        "body": "各乡镇：自2025年7月1日起，农村低保标准提高到每人每月520元。",
    }
    with store.write() as tx:
        tx.upsert(parse_record(notice))
    page = open_librarian(qtbot, window, "standards")
    tap(qtbot, find(window, "ScanStandards"))
    settle(window)
    assert "新找到 1 条" in page.message.text()
    state = window.findChild(QLabel, "standard_state_0")
    assert state is not None and "待确认" in state.text()

    def regions() -> list[str]:
        window.go("selfcheck")
        screen = window.screens["selfcheck"]
        return [b.property("region") for b in screen.region_group.buttons()]

    assert "龙岩县" not in regions(), "not used before a librarian confirmed it"
    window.go("librarian", page="standards")
    settle(window)
    tap(qtbot, find(window, "confirm_standard_0"))
    assert "已确认" in window.findChild(QLabel, "standard_state_0").text()
    assert "龙岩县" in regions()
    screen = window.screens["selfcheck"]
    tap(qtbot, find(window, "region_龙岩县"))
    tap(qtbot, find(window, "area_rural"))
    assert "520 元" in screen.standard_label.text()
