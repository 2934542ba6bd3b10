"""Printing: to the default printer when there is one, otherwise to a PDF file.

A kiosk without CUPS or without a printer still "prints": the page goes to
``<data_dir>/prints/`` as PDF and the person is told to ask the librarian. No dialog is ever shown.

A page with personal data on it (the 依申请公开 request: name, 身份证号, phone) is printed as
*personal*: its PDF is kept only while that person is at the kiosk — ``forget_personal()`` deletes
it at the idle reset, and at start-up after a crash (``*.personal.pdf``).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QMarginsF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

__all__ = ["QR_CAPTION", "PrintOutcome", "Printer"]

log = logging.getLogger(__name__)

QR_CAPTION = "用手机扫一扫，在手机上看全文"
_PERSONAL_SUFFIX = ".personal.pdf"


@dataclass(frozen=True)
class PrintOutcome:
    ok: bool
    #: the PDF written when no printer was available
    pdf_path: Path | None
    #: what to tell the person at the screen
    message: str


class Printer:
    """Prints HTML pages (A4, the kiosk's CJK font)."""

    def __init__(self, out_dir: Path, font_family: str = "", force_pdf: bool = False) -> None:
        self.out_dir = Path(out_dir)
        self.font_family = font_family
        self.force_pdf = force_pdf
        self._personal: list[Path] = []

    def forget_personal(self) -> int:
        """Delete every PDF of a personal page (this session's and any left by a crash);
        return how many were deleted."""
        stale = set(self._personal)
        if self.out_dir.is_dir():
            stale.update(self.out_dir.glob(f"*{_PERSONAL_SUFFIX}"))
        self._personal.clear()
        deleted = 0
        for path in stale:
            try:
                path.unlink()
                deleted += 1
            except FileNotFoundError:
                continue
            except OSError as e:
                log.error("could not delete %s: %s", path, e)
        return deleted

    def printer_name(self) -> str | None:
        if self.force_pdf:
            return None
        info = QPrinterInfo.defaultPrinter()
        if info.isNull():
            names = QPrinterInfo.availablePrinterNames()
            return names[0] if names else None
        return info.printerName()

    def print_html(self, html: str, name: str, *, personal: bool = False) -> PrintOutcome:
        """Print ``html``; ``name`` becomes part of the PDF file name. A ``personal`` page's PDF
        is deleted by ``forget_personal``."""
        document = QTextDocument()
        font = QFont(self.font_family) if self.font_family else QFont()
        font.setPointSize(12)
        document.setDefaultFont(font)
        document.setDefaultStyleSheet(
            "h1 { font-size: 18pt; } h2 { font-size: 16pt; } th { text-align: left; }"
            " table { border-collapse: collapse; }"
        )
        document.setHtml(html)
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageLayout(
            QPageLayout(
                QPageSize(QPageSize.PageSizeId.A4),
                QPageLayout.Orientation.Portrait,
                QMarginsF(20, 20, 20, 20),
                QPageLayout.Unit.Millimeter,
            )
        )
        printer.setDocName(name)
        target = self.printer_name()
        pdf: Path | None = None
        if target:
            printer.setPrinterName(target)
        else:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            safe = re.sub(r"[^\w\-]+", "_", name)[:60] or "page"
            try:
                self.out_dir.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                log.error("cannot create %s: %s", self.out_dir, e)
                return PrintOutcome(False, None, "打印没有成功，请找工作人员帮忙。")
            pdf = self.out_dir / f"{stamp}-{safe}{_PERSONAL_SUFFIX if personal else '.pdf'}"
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(pdf))
        document.print_(printer)
        if pdf is not None:
            if not pdf.is_file():
                return PrintOutcome(False, None, "打印没有成功，请找工作人员帮忙。")
            log.info("printed to %s", pdf)
            if personal:
                self._personal.append(pdf)
            return PrintOutcome(
                True, pdf, "本机没有连接打印机，已保存为文件。请找工作人员帮您打印。"
            )
        return PrintOutcome(True, None, "已经送去打印，请在打印机处取纸。")
