"""The document screen: safe rendering, text size, hits, banner, attachments, QR, print, speech."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import segno
from PySide6.QtCore import QUrl
from PySide6.QtGui import QImage
from PySide6.QtPdf import QPdfDocument

from kiosk.app import KioskContext
from kiosk.importer import import_paths
from tests.ui.helpers import find, settle, tap
from ui.printing import Printer
from ui.screens.document import DocumentScreen
from ui.speech import Speaker


def document_of(window: Any) -> DocumentScreen:
    screen = window.screens["document"]
    assert isinstance(screen, DocumentScreen)
    return screen


def add_documents(context: KioskContext, tmp_path: Path, *records: dict[str, Any]) -> None:
    source = tmp_path / "extra.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n", "utf-8")
    report = import_paths(context.store(), [source])
    assert not report.rejected and not report.quarantined, report
    context.catch_up_index()


def test_repealed_document_says_so_and_links_to_the_successor(qtbot: Any, window: Any) -> None:
    window.go("document", doc_id="tx-xd-dibao-biaozhun-2024")
    document = document_of(window)
    assert document.banner.isVisible()
    assert "已废止" in document.banner_text.text()
    assert document.badge.text() == "已废止"
    tap(qtbot, document.successor_button)
    assert document.doc is not None and document.doc.id == "tx-xd-dibao-biaozhun-2025"
    assert not document.banner.isVisible()
    tap(qtbot, find(window, "BackButton"))
    assert document.doc is not None and document.doc.id == "tx-xd-dibao-biaozhun-2024"


def test_metadata_block(window: Any) -> None:
    window.go("document", doc_id="tx-xd-dibao-biaozhun-2024")
    meta = document_of(window).meta_label.text()
    for expected in (
        "发文字号",
        "溪民发〔2023〕28号",
        "索引号",
        "发布机构",
        "溪东区民政局",
        "成文日期",
        "发布日期",
    ):
        assert expected in meta


def test_text_size_has_five_steps_up_to_very_large(qtbot: Any, window: Any) -> None:
    window.go("document", doc_id="tx-mz-dibao-banshi-zhinan")
    document = document_of(window)
    sizes = []
    while find(window, "TextSmaller").isEnabled():
        tap(qtbot, find(window, "TextSmaller"))
    sizes.append(document.browser.font().pointSizeF())
    while find(window, "TextLarger").isEnabled():
        tap(qtbot, find(window, "TextLarger"))
        sizes.append(document.browser.font().pointSizeF())
    assert sizes == sorted(sizes) and len(sizes) >= 4, "at least three steps up"
    assert sizes[0] >= 18 and sizes[-1] >= 30


def test_query_terms_are_highlighted_with_next_and_previous(qtbot: Any, window: Any) -> None:
    window.go("results", query="低保", filters={}, submitted=True)
    settle(window)
    card = (
        next(
            c for c in window.screens["results"].cards() if c.doc_id == "tx-mz-dibao-banshi-zhinan"
        )
        if any(c.doc_id == "tx-mz-dibao-banshi-zhinan" for c in window.screens["results"].cards())
        else window.screens["results"].cards()[0]
    )
    tap(qtbot, card)
    document = document_of(window)
    assert len(document.hits) > 3
    assert len(document.browser.extraSelections()) == len(document.hits)
    first = document.browser.textCursor().position()
    tap(qtbot, find(window, "NextHit"))
    assert document.hit_index == 1
    assert document.browser.textCursor().position() > first
    tap(qtbot, find(window, "PrevHit"))
    tap(qtbot, find(window, "PrevHit"))
    assert document.hit_index == len(document.hits) - 1, "wraps around"
    assert "第" in document.find_label.text()


def test_script_and_remote_image_render_inert(qtbot: Any, window: Any, tmp_path: Path) -> None:
    body = (
        "<p>正文开始</p><script>alert('x')</script><img src='http://www.tongxi.gov.cn/track.png'>"
        "<p onclick='steal()'>点击</p><a href='http://www.tongxi.gov.cn/'>链接</a>"
        "<iframe src='http://www.tongxi.gov.cn/frame'></iframe>"
    )
    add_documents(
        window.services.context, tmp_path, {"id": "evil-1", "title": "测试文件", "body": body}
    )
    window.go("document", doc_id="evil-1")
    document = document_of(window)
    browser = document.browser
    qtbot.waitExposed(browser)
    browser.viewport().repaint()
    text = browser.toPlainText()
    assert "正文开始" in text and "alert" not in text and "steal" not in text
    html = browser.toHtml()
    assert (
        "track.png" not in html and "<script" not in html.lower() and "iframe" not in html.lower()
    )

    # the browser itself loads nothing even if unsafe HTML slipped through
    browser.setHtml(
        "<p>直接</p><img src='http://evil.example/direct.png'><a href='http://evil.example/'>去</a>"
    )
    browser.viewport().repaint()
    assert browser.blocked_loads, "the image was asked for …"
    assert browser.loadResource(2, QUrl("http://evil.example/direct.png")) is None  # … and refused
    browser.setSource(QUrl("http://evil.example/"))
    assert browser.source().isEmpty(), "links are never followed"


def test_qr_code_encodes_the_portal_url(window: Any) -> None:
    window.go("document", doc_id="tx-mz-dibao-banshi-zhinan")
    document = document_of(window)
    assert document.doc is not None and document.doc.url
    pixmap = document.qr_label.pixmap()
    assert document.qr_label.isVisible() and not pixmap.isNull()
    image = pixmap.toImage()
    matrix = segno.make(document.doc.url, error="m", micro=False).matrix
    scale, border = 7, 2
    assert image.width() == (len(matrix) + 2 * border) * scale
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            pixel = image.pixelColor(
                (x + border) * scale + scale // 2, (y + border) * scale + scale // 2
            )
            assert (pixel.lightness() < 128) == bool(dark)


def test_print_without_a_printer_writes_a_searchable_pdf(qtbot: Any, window: Any) -> None:
    window.go("document", doc_id="tx-mz-dibao-cailiao-gaozhi")
    document = document_of(window)
    tap(qtbot, find(window, "PrintDocument"))
    outcome = document.last_print
    assert outcome.ok and outcome.pdf_path is not None
    assert outcome.pdf_path.parent == window.services.context.data_dir / "prints"
    assert outcome.pdf_path.read_bytes().startswith(b"%PDF")
    assert document.status_note.isVisible() and "工作人员" in document.status_note.text()
    pdf = QPdfDocument()
    assert pdf.load(str(outcome.pdf_path)) == QPdfDocument.Error.None_
    text = pdf.getAllText(0).text()
    assert "申请最低生活保障需要带哪些材料" in "".join(text.split()), (
        "Chinese text stays text (WQY extracts clean)"
    )
    pdf.close()


def test_attachment_pdf_opens_in_the_kiosk(qtbot: Any, window: Any, tmp_path: Path) -> None:
    context = window.services.context
    page = Printer(tmp_path / "made", window.services.theme.font_family, force_pdf=True).print_html(
        "<h1>附件：申请表样表</h1>", "att"
    )
    assert page.pdf_path is not None
    data = page.pdf_path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    blobs = context.data_dir / "blobs"
    blobs.mkdir(exist_ok=True)
    (blobs / sha).write_bytes(data)
    missing = "0" * 64
    attachments = [
        {
            "name": "申请表样表.pdf",
            "media_type": "application/pdf",
            "sha256": sha,
            "size": len(data),
        },
        {"name": "未下载.pdf", "media_type": "application/pdf", "sha256": missing, "size": 10},
    ]
    add_documents(
        context,
        tmp_path,
        {"id": "att-1", "title": "带附件的文件", "body": "见附件。", "attachments": attachments},
    )
    context.store().mark_attachment_present(sha)  # what sync does once a blob is verified
    window.go("document", doc_id="att-1")
    present = find(window, f"attachment_{sha[:12]}")
    assert present.isEnabled()
    missing_button = next(
        b for b in document_of(window).findChildren(type(present)) if "未下载" in b.text()
    )
    assert not missing_button.isEnabled() and "暂未下载" in missing_button.text()
    tap(qtbot, present)
    assert window.current().name == "pdf"
    screen = window.screens["pdf"]
    assert screen.page_count() == 1 and screen.view.isVisible()
    tap(qtbot, find(window, "PdfZoomIn"))
    tap(qtbot, find(window, "BackButton"))
    assert window.current().name == "document"


def test_read_aloud_is_hidden_without_a_mandarin_voice(window: Any) -> None:
    window.go("document", doc_id="tx-mz-dibao-banshi-zhinan")
    assert not find(window, "ReadAloud").isVisible()


def test_read_aloud_never_blocks_and_gives_up_when_silent(qtbot: Any, make_window: Any) -> None:
    # the mock engine has no Mandarin voice; let the helper take any of its voices
    speaker = Speaker("mock", start_timeout_s=0.5, any_voice=True, start_delay_ms=0)
    window = make_window(speaker=speaker)
    window.go("document", doc_id="tx-mz-dibao-banshi-zhinan")
    qtbot.waitUntil(lambda: speaker.available, timeout=10_000)
    button = find(window, "ReadAloud")
    assert button.isVisible()
    tap(qtbot, button)
    assert speaker.speaking and button.text() == "停止朗读"
    tap(qtbot, button)
    assert not speaker.speaking and button.text() == "朗读全文"

    assert speaker.process is not None
    os.kill(speaker.process.processId(), signal.SIGSTOP)  # an engine that hangs, as speechd does
    started = time.monotonic()
    tap(qtbot, button)
    assert time.monotonic() - started < 0.5, "say() returns at once"
    qtbot.waitUntil(lambda: not speaker.speaking, timeout=3000)
    note = document_of(window).status_note
    assert note.isVisible() and "没有声音" in note.text()
    assert not button.isVisible(), "read-aloud is switched off after a hang"
    assert speaker.process is None, "the hung helper was killed"


def test_withdrawn_document_shows_a_calm_message(window: Any) -> None:
    window.go("document", doc_id="no-such-document")
    document = document_of(window)
    assert "撤下" in document.title_label.text()
    assert find(window, "BackButton").isVisible()


_ = QImage
