"""设置: feed URL and CA bundle, sync interval and window, idle timeout, default text size, high
contrast, read-aloud, the librarian PIN, local synonyms. Values are validated (a bad one is refused with a reason), saved in
the store's settings and applied to the running kiosk at once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout

from kiosk.app import KioskContext
from kiosk.models import HIDDEN, StoredDocument
from kiosk.pin import MAX_DIGITS, MIN_DIGITS, valid_pin
from kiosk.settings import SearchSettings, SyncSettings, UiSettings
from kiosk.store import Store
from sync.schedule import parse_window
from ui.librarian.common import Page, panel
from ui.services import Services
from ui.widgets import Label, button, clear_layout, label, set_props
from ui.workers import explain

__all__ = [
    "TEXT_SCALES",
    "SettingsPage",
    "check_ca_bundle",
    "check_feed_url",
    "check_idle_seconds",
    "check_interval_minutes",
    "check_proxy",
    "check_synonym_line",
    "check_window",
    "local_synonyms",
]

log = logging.getLogger(__name__)

#: The default text size choices: label and factor.
TEXT_SCALES: tuple[tuple[str, float], ...] = (("标准", 1.0), ("较大", 1.25), ("最大", 1.5))
_PEM_MARK = b"-----BEGIN CERTIFICATE-----"
_PEM_MAX_BYTES = 16 * 1024 * 1024


class Invalid(ValueError):
    """A value the librarian typed was refused; the message says why, in Chinese."""


def check_feed_url(text: str) -> str:
    """A portal feed address: ``http(s)://host/…``; empty means "USB only"."""
    text = text.strip()
    if not text:
        return ""
    if any(c.isspace() for c in text):
        raise Invalid("地址里不能有空格。")
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        raise Invalid("地址应以 https:// 或 http:// 开头，例如 https://portal.example.gov.cn/feed/")
    if not parts.hostname:
        raise Invalid("地址缺少服务器名，例如 https://portal.example.gov.cn/feed/")
    try:
        _ = parts.port
    except ValueError:
        raise Invalid("地址中的端口号不对。") from None
    return text if text.endswith("/") else text + "/"


def check_ca_bundle(text: str) -> str:
    """A CA bundle file: it must exist and hold PEM certificates; empty means the system CAs."""
    text = text.strip()
    if not text:
        return ""
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise Invalid("请写完整路径，以 / 开头，例如 /media/usb/ca.pem")
    if not path.exists():
        raise Invalid("找不到这个文件。")
    if not path.is_file():
        raise Invalid("这是一个文件夹，不是证书文件。")
    try:
        if path.stat().st_size > _PEM_MAX_BYTES:
            raise Invalid("文件太大，不像证书文件。")
        data = path.read_bytes()
    except OSError as e:
        raise Invalid(f"文件无法读取：{e.strerror or e}") from None
    if _PEM_MARK not in data:
        raise Invalid("这不是 PEM 格式的证书文件（应含有 -----BEGIN CERTIFICATE-----）。")
    return str(path)


def check_proxy(text: str) -> str:
    """A proxy address ``http://host:port``; empty means none (the system's setting applies)."""
    text = text.strip()
    if not text:
        return ""
    parts = urlsplit(text if "://" in text else "http://" + text)
    if parts.scheme.lower() not in ("http", "https", "socks5", "socks5h") or not parts.hostname:
        raise Invalid("代理地址应为 http://服务器:端口，例如 http://10.1.2.3:8080")
    try:
        port = parts.port
    except ValueError:
        raise Invalid("代理地址中的端口号不对。") from None
    if port is None:
        raise Invalid("代理地址缺少端口号，例如 http://10.1.2.3:8080")
    return f"{parts.scheme}://{parts.netloc}"


def check_synonym_line(text: str) -> str:
    """One line of local synonyms: two or more terms, optionally ``a b => c`` (one way)."""
    words = text.replace("＝＞", "=>").split()
    if "#" in text or "＃" in text:
        raise Invalid("不能含有 # 号。")
    terms = [w for w in words if w != "=>"]
    if len(terms) < 2:
        raise Invalid("至少写两个说法，用空格隔开，例如：低保 保命钱")
    if words.count("=>") > 1 or words[0] == "=>" or words[-1] == "=>":
        raise Invalid("“=>” 只能出现一次，两边都要有说法。")
    return " ".join(words)


def local_synonyms(store: Store) -> list[str]:
    """This kiosk's own synonym lines."""
    return list(SearchSettings.load(store).local_synonyms)


def _int(text: str, low: int, high: int, unit: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise Invalid(f"请输入数字（{low}–{high} {unit}）。") from None
    if not low <= value <= high:
        raise Invalid(f"应在 {low} 到 {high} {unit}之间。")
    return value


def check_interval_minutes(text: str) -> int:
    return _int(text, 15, 10080, "分钟")


def check_idle_seconds(text: str) -> int:
    return _int(text, 30, 3600, "秒")


def check_window(text: str) -> str:
    try:
        window = parse_window(text)
    except ValueError as e:
        raise Invalid(str(e)) from None
    return "" if window is None else str(window)


class _Row:
    """A text field with its 保存 button and message."""

    def __init__(self, field: QLineEdit, save: QPushButton, message: Label) -> None:
        self.field, self.save, self.message = field, save, message


class SettingsPage(Page):
    """设置.

    Attributes:
        rows: the text settings by key (``feed``, ``interval``, ``window``, ``idle``, ``pin``).
    """

    title = "设置"

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.rows: dict[str, _Row] = {}
        self._voice_ready = False  # read-aloud worked before the librarian switched it off
        sync, layout = panel("同步")
        self._row(layout, "feed", "更新源地址（留空表示只用 U 盘）", self._save_feed)
        self._row(
            layout, "ca", "内网证书文件（CA 证书，PEM 格式；留空使用系统证书）", self._save_ca
        )
        self._row(layout, "proxy", "代理服务器（例如 http://10.1.2.3:8080；留空不用代理）",
                  self._save_proxy)  # fmt: skip
        self._row(layout, "interval", "自动同步间隔（分钟）", self._save_interval)
        self._row(
            layout, "window", "允许同步的时间段（如 01:00-05:00，留空为全天）", self._save_window
        )
        self.body.addWidget(sync)

        look, layout = panel("查阅界面")
        self._row(layout, "idle", "无人操作多少秒后回到首页", self._save_idle)
        layout.addWidget(label("默认文字大小"))
        row = QHBoxLayout()
        self.scale_buttons: dict[float, QPushButton] = {}
        for text, scale in TEXT_SCALES:
            b = button(text, "toggle", partial(self._save_scale, scale), checkable=True,
                       name=f"scale_{int(scale * 100)}")  # fmt: skip
            self.scale_buttons[scale] = b
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        row = QHBoxLayout()
        self.contrast_button = button("默认使用高对比", "toggle", self._save_contrast,
                                      checkable=True, name="DefaultContrast")  # fmt: skip
        self.speech_button = button("朗读功能", "toggle", self._save_speech, checkable=True,
                                    name="DefaultReadAloud")  # fmt: skip
        row.addWidget(self.contrast_button)
        row.addWidget(self.speech_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.look_message = label("", "muted")
        self.look_message.setObjectName("LookMessage")
        layout.addWidget(self.look_message)
        self.body.addWidget(look)

        pin, layout = panel("管理员密码")
        self._row(layout, "pin", f"新密码（{MIN_DIGITS}–{MAX_DIGITS} 位数字）", self._save_pin)
        self.pin_again = QLineEdit()
        self.pin_again.setObjectName("setting_pin_again")
        self.pin_again.setPlaceholderText("再输入一次新密码")
        self.pin_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.rows["pin"].field.setEchoMode(QLineEdit.EchoMode.Password)
        layout.insertWidget(layout.count() - 1, self.pin_again)
        self.body.addWidget(pin)

        words, layout = panel("本村常用说法")
        layout.addWidget(
            label("村民常说的词和文件里的写法放在同一行，用空格隔开。查其中一个，也能找到另一个。",
                  "muted")
        )  # fmt: skip
        self.synonym_list = QVBoxLayout()
        self.synonym_list.setSpacing(10)
        layout.addLayout(self.synonym_list)
        self._row(layout, "synonyms", "新加一行，例如：低保 保命钱", self._add_synonym)
        self.rows["synonyms"].save.setText("添加")
        self.body.addWidget(words)

        hide, layout = panel("本机隐藏文件（只影响这台查阅机）")
        self._row(layout, "hide", "输入文件标题中的几个字查找", self._find_docs)
        self.rows["hide"].save.setText("查找")
        self.doc_list = QVBoxLayout()
        self.doc_list.setSpacing(10)
        layout.addLayout(self.doc_list)
        self.body.addWidget(hide)
        self.body.addStretch(1)

    def _row(self, layout: Any, key: str, title: str, save: Callable[[str], None]) -> None:
        layout.addWidget(label(title))
        row = QHBoxLayout()
        field = QLineEdit()
        field.setObjectName(f"setting_{key}")
        row.addWidget(field, 1)
        b = button("保存", "primary", lambda: save(field.text()), name=f"save_{key}")
        row.addWidget(b)
        layout.addLayout(row)
        message = label("")
        message.setObjectName(f"message_{key}")
        message.hide()
        layout.addWidget(message)
        self.rows[key] = _Row(field, b, message)

    # -- showing ---------------------------------------------------------------------------
    def refresh(self) -> None:
        store = self.services.store
        settings = UiSettings.load(store)
        sync = SyncSettings.load(store)
        self.rows["feed"].field.setText(sync.feed_url)
        self.rows["ca"].field.setText(sync.ca_bundle)
        self.rows["proxy"].field.setText(sync.proxy)
        self.rows["synonyms"].field.clear()
        self._show_synonyms()
        self.rows["interval"].field.setText(str(sync.interval_minutes))
        self.rows["window"].field.setText(sync.window)
        self.rows["idle"].field.setText(f"{settings.idle_timeout_s:.0f}")
        self.rows["pin"].field.clear()
        self.pin_again.clear()
        for row in self.rows.values():
            row.message.hide()
        for scale, b in self.scale_buttons.items():
            b.setChecked(abs(scale - settings.text_scale) < 0.01)
        self.contrast_button.setChecked(settings.high_contrast)
        self.speech_button.setChecked(bool(settings.tts_engine))
        self.speech_button.setText("朗读功能：开" if settings.tts_engine else "朗读功能：关")
        self.look_message.hide()

    def _tell(self, key: str, ok: bool, text: str) -> None:
        message = self.rows[key].message
        message.setText(("✓ " if ok else "") + text)
        set_props(message, role="muted" if ok else "error")
        message.show()

    def _guarded(self, key: str, save: Callable[[], str]) -> bool:
        try:
            done = save()
        except Invalid as e:
            self._tell(key, False, f"没有保存：{e}")
            return False
        self._tell(key, True, done)
        return True

    # -- saving ----------------------------------------------------------------------------
    def _save_feed(self, text: str) -> None:
        def save() -> str:
            url = check_feed_url(text)
            self._set_sync(feed_url=url)
            self.rows["feed"].field.setText(url)
            return "已保存。" if url else "已清除：只从 U 盘导入。"

        self._guarded("feed", save)

    def _save_ca(self, text: str) -> None:
        def save() -> str:
            path = check_ca_bundle(text)
            self._set_sync(ca_bundle=path)
            self.rows["ca"].field.setText(path)
            return "已保存，下次同步起使用。" if path else "已清除：使用系统证书。"

        self._guarded("ca", save)

    def _save_proxy(self, text: str) -> None:
        def save() -> str:
            proxy = check_proxy(text)
            self._set_sync(proxy=proxy)
            self.rows["proxy"].field.setText(proxy)
            return "已保存，下次同步起使用。" if proxy else "已清除：不用代理。"

        self._guarded("proxy", save)

    def _save_interval(self, text: str) -> None:
        def save() -> str:
            minutes = check_interval_minutes(text)
            self._set_sync(interval_minutes=minutes)
            return f"已保存：每 {minutes} 分钟同步一次。"

        self._guarded("interval", save)

    def _save_window(self, text: str) -> None:
        def save() -> str:
            window = check_window(text)
            self._set_sync(window=window)
            self.rows["window"].field.setText(window)
            return f"已保存：{window or '全天'}。"

        self._guarded("window", save)

    def _save_idle(self, text: str) -> None:
        def save() -> str:
            seconds = check_idle_seconds(text)
            self._set_ui("idle_timeout_s", float(seconds))
            return f"已保存：{seconds} 秒无人操作后回到首页。"

        self._guarded("idle", save)

    def _save_pin(self, text: str) -> None:
        def save() -> str:
            pin = text.strip()
            if not valid_pin(pin):
                raise Invalid(f"密码应为 {MIN_DIGITS}–{MAX_DIGITS} 位数字。")
            if pin != self.pin_again.text().strip():
                raise Invalid("两次输入的密码不一样。")
            self.services.pin.set_pin(pin)
            self.rows["pin"].field.clear()
            self.pin_again.clear()
            return "新密码已生效。"

        self._guarded("pin", save)

    def _save_scale(self, scale: float) -> None:
        self._set_ui("text_scale", scale)
        self._look_saved("默认文字大小已保存。")

    def _save_contrast(self) -> None:
        self._set_ui("high_contrast", self.contrast_button.isChecked())
        self._look_saved("已保存。")

    def _save_speech(self) -> None:
        on = self.speech_button.isChecked()
        self._set_ui("tts_engine", "speechd" if on else "")
        self._look_saved(
            "已保存，立即生效。" if self._apply_speech(on) else "已保存，重启查阅机后生效。"
        )

    def _apply_speech(self, on: bool) -> bool:
        """Switch the running kiosk's read-aloud; False when that needs a restart (no voice
        helper was started because read-aloud was off when the kiosk started)."""
        speaker = self.services.speaker
        if not on:
            if speaker.available:
                self._voice_ready = True
                speaker.stop()
                speaker.available = False
                speaker.availability_changed.emit(False)  # the 朗读 buttons hide at once
            return True
        if speaker.available:
            return True
        if self._voice_ready and speaker.process is not None:
            speaker.available = True
            speaker.availability_changed.emit(True)
            return True
        return False

    def _look_saved(self, text: str) -> None:
        self.refresh()
        self.look_message.setText("✓ " + text)
        self.look_message.show()

    # -- local synonyms --------------------------------------------------------------------
    def _show_synonyms(self) -> None:
        clear_layout(self.synonym_list)
        lines = local_synonyms(self.services.store)
        for i, line in enumerate(lines):
            row = QHBoxLayout()
            text = label(line, wrap=False)
            text.setObjectName(f"synonym_{i}")
            row.addWidget(text, 1)
            row.addWidget(button("删除", None, partial(self._remove_synonym, line),
                                 name=f"remove_synonym_{i}"))  # fmt: skip
            self.synonym_list.addLayout(row)
        if not lines:
            self.synonym_list.addWidget(label("（还没有添加）", "muted", wrap=False))

    def _add_synonym(self, text: str) -> None:
        try:
            line = check_synonym_line(text)
        except Invalid as e:
            self._tell("synonyms", False, f"没有保存：{e}")
            return
        lines = local_synonyms(self.services.store)
        if line in lines:
            self._tell("synonyms", False, "这一行已经有了。")
            return
        self._save_synonyms([*lines, line], f"已添加：{line}。")
        self.rows["synonyms"].field.clear()

    def _remove_synonym(self, line: str) -> None:
        lines = [x for x in local_synonyms(self.services.store) if x != line]
        self._save_synonyms(lines, f"已删除：{line}。")

    def _save_synonyms(self, lines: list[str], done_text: str) -> None:
        """Persist the lines, then hand them to the running search engine (the worker)."""
        store = self.services.store
        replace(SearchSettings.load(store), local_synonyms=tuple(lines)).save(store)
        self._show_synonyms()
        self.services.set_local_synonyms(
            lines,
            lambda _r: self._tell("synonyms", True, done_text + "查找时马上生效。"),
            lambda e: self._tell("synonyms", False, f"已保存，但未能马上生效：{explain(e)}"),
        )

    # -- hiding documents -----------------------------------------------------------------
    def _find_docs(self, text: str) -> None:
        words = text.strip()
        if not words:
            self._tell("hide", False, "请先输入标题中的字。")
            return
        docs = find_documents(self.services.store, words)
        self._show_docs(docs)
        self._tell("hide", True, f"找到 {len(docs)} 篇。" if docs else "没有找到。")

    def _show_docs(self, docs: list[StoredDocument]) -> None:
        clear_layout(self.doc_list)
        for doc in docs:
            hidden = doc.visibility == HIDDEN
            row = QHBoxLayout()
            row.addWidget(label(("【已隐藏】" if hidden else "") + doc.title), 1)
            row.addWidget(
                button(
                    "取消隐藏" if hidden else "隐藏",
                    None if hidden else "primary",
                    partial(self._set_hidden, doc.id, not hidden),
                    name=f"{'unhide' if hidden else 'hide'}_{doc.id}",
                )
            )
            self.doc_list.addLayout(row)

    def _set_hidden(self, doc_id: str, hide: bool) -> None:
        context = self.services.context
        words = self.rows["hide"].field.text()

        def work() -> bool:
            set_hidden(context, doc_id, hide)
            return hide

        def done(_hidden: bool) -> None:
            self._show_docs(find_documents(self.services.store, words.strip()))
            self._tell("hide", True, "已隐藏，村民查不到了。" if hide else "已恢复显示。")

        self.services.runner.submit(
            "librarian-hide", work, done, lambda e: self._tell("hide", False, explain(e))
        )

    # -- applying --------------------------------------------------------------------------
    def _set_sync(self, **changes: Any) -> None:
        store = self.services.store
        replace(SyncSettings.load(store), **changes).save(store)

    def _set_ui(self, name: str, value: Any) -> None:
        """Save ``ui.<name>`` and apply the new options to the running kiosk."""
        store = self.services.store
        replace(UiSettings.load(store), **{name: value}).save(store)
        loaded = UiSettings.load(store)
        # keep what the store does not hold (tests and `kiosk run` may override options)
        self.services.settings = replace(self.services.settings, **{name: getattr(loaded, name)})
        apply_settings(self.window(), self.services.settings)


def find_documents(store: Store, words: str, limit: int = 8) -> list[StoredDocument]:
    """Visible or locally hidden documents whose title contains ``words``."""
    return store.find_titles(words, limit=limit)


def set_hidden(context: KioskContext, doc_id: str, hide: bool) -> None:
    """Hide a document on this kiosk (or show it again), audited; then update the index."""
    context.store().set_hidden(doc_id, hide, actor="librarian")
    context.catch_up_index()


def apply_settings(window: Any, settings: UiSettings) -> None:
    """Make the running main window follow ``settings`` (idle timeout, text size, contrast)."""
    idle = getattr(window, "idle", None)
    if idle is not None and hasattr(idle, "timeout_ms"):
        idle.timeout_ms = max(100, int(settings.idle_timeout_s * 1000))
        idle.countdown_ms = min(idle.timeout_ms, max(0, int(settings.idle_countdown_s * 1000)))
        idle.poke()
    reapply = getattr(window, "toggle_large_text", None)  # re-applies the theme as it stands
    if callable(reapply):
        reapply()
