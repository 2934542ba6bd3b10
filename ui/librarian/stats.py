"""使用统计: searches per day (a QtCharts bar chart), top queries, zero-result queries (the
content-gap report for the county), most-read documents, category taps and self-check uses for a
chosen period; export to CSV (UTF-8 with BOM) onto the USB stick the librarian picks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QWidget

from kiosk.drives import Drive, LsblkRunner, removable_drives
from kiosk.errors import KioskError
from kiosk.stats import UsageReport, usage_report, write_csv
from ui.librarian.common import Page, panel
from ui.services import Services
from ui.widgets import FlowLayout, Label, button, clear_layout, label, set_props

__all__ = ["PERIODS", "StatsPage", "chart_points"]

#: The period buttons: label and number of days (today included).
PERIODS: tuple[tuple[str, int], ...] = (("最近 7 天", 7), ("最近 30 天", 30), ("最近 90 天", 90))


def chart_points(report: UsageReport) -> tuple[list[tuple[str, int]], str]:
    """Bars for the chart and its title: one per day up to a month (labelled with the day of
    the month, so the labels fit under narrow bars), else one per week (labelled M/D)."""
    days = report.searches_per_day
    if len(days) <= 31:
        wide = len(days) <= 10
        points = [(f"{d.month}/{d.day}" if wide else str(d.day), n) for d, n in days]
        return points, f"每天搜索次数（{report.since:%m月%d日}–{report.until:%m月%d日}）"
    weeks: list[tuple[str, int]] = []
    for start in range(0, len(days), 7):
        chunk = days[start : start + 7]
        weeks.append((f"{chunk[0][0].month}/{chunk[0][0].day}", sum(n for _, n in chunk)))
    return weeks, "每周搜索次数（标签为每周第一天）"


class StatsPage(Page):
    """使用统计.

    Attributes:
        report: what is shown (None until the first refresh).
        days: the chosen period length.
        last_export: the CSV written by the latest export.
    """

    title = "使用统计"

    def __init__(self, services: Services, lsblk: LsblkRunner | None = None) -> None:
        super().__init__(services)
        #: what lists the drives (tests hand in lsblk output: the stick is outside the machine)
        self.lsblk = lsblk
        self.report: UsageReport | None = None
        self.days = PERIODS[0][1]
        self.last_export: Path | None = None
        row = QHBoxLayout()
        row.setSpacing(16)
        self.period_buttons: dict[int, QPushButton] = {}
        for text, days in PERIODS:
            b = button(text, "toggle", partial(self.set_period, days), checkable=True,
                       name=f"period_{days}")  # fmt: skip
            self.period_buttons[days] = b
            row.addWidget(b)
        row.addStretch(1)
        row.addWidget(button("导出 CSV 表格", "primary", self.export, name="ExportCsv"))
        self.body.addLayout(row)
        self.drive_host = QWidget()
        self.drive_row = FlowLayout(self.drive_host, spacing=12)
        self.drive_host.hide()
        self.body.addWidget(self.drive_host)
        self.export_message = label("")
        self.export_message.setObjectName("ExportMessage")
        self.export_message.hide()
        self.body.addWidget(self.export_message)
        self.summary = label("", "heading")
        self.summary.setObjectName("StatsSummary")
        self.body.addWidget(self.summary)

        self.chart = QChart()
        self.chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.chart.legend().hide()
        self.chart_view = QChartView(self.chart)
        self.chart_view.setObjectName("SearchChart")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.chart_view.setMinimumHeight(380)
        self.chart_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.chart_view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body.addWidget(self.chart_view)

        self.lists: dict[str, Label] = {}
        for key, title in (
            ("zero_result", "没有搜到结果的词（门户可能缺少这些内容）"),
            ("top_queries", "搜索最多的词"),
            ("most_read", "阅读最多的文件"),
            ("categories", "首页分类点击"),
            ("selfcheck", "低保自查使用"),
        ):
            frame, layout = panel(title)
            shown = label("")
            shown.setObjectName(f"stats_{key}")
            layout.addWidget(shown)
            self.lists[key] = shown
            self.body.addWidget(frame)
        self.body.addStretch(1)

    def set_period(self, days: int) -> None:
        self.days = days
        self.refresh()

    def period(self) -> tuple[dt.date, dt.date]:
        until = dt.date.today()
        return until - dt.timedelta(days=self.days - 1), until

    def refresh(self) -> None:
        for days, b in self.period_buttons.items():
            b.setChecked(days == self.days)
        since, until = self.period()
        store = self.services.store
        self.services.runner.submit(
            "librarian-stats", lambda: usage_report(store, since, until), self.show_report
        )

    def show_report(self, report: UsageReport) -> None:
        self.report = report
        self.summary.setText(
            f"{report.since:%Y-%m-%d} 至 {report.until:%Y-%m-%d}：搜索 {report.total_searches} 次，"
            f"没有结果 {sum(n for _, n in report.zero_result)} 次，"
            f"低保自查 {report.total_selfchecks} 次"
        )
        self._draw_chart(report)

        def lines(rows: Sequence[tuple[str, int]]) -> str:
            return "\n".join(f"{i}. {k}　{n} 次" for i, (k, n) in enumerate(rows, 1)) or "（无）"

        texts = {
            "zero_result": lines(report.zero_result),
            "top_queries": lines(report.top_queries),
            "most_read": lines([(title, n) for _id, title, n in report.most_read]),
            "categories": lines(report.categories),
            "selfcheck": lines(report.selfcheck),
        }
        for key, text in texts.items():
            self.lists[key].setText(text)

    def _draw_chart(self, report: UsageReport) -> None:
        theme = self.services.theme
        self.chart.removeAllSeries()
        for axis in self.chart.axes():
            self.chart.removeAxis(axis)
        bars = QBarSet("搜索次数")
        bars.setColor(theme.color("primary"))
        points, title = chart_points(report)
        categories = [name for name, _ in points]
        for _, n in points:
            bars.append(n)
        series = QBarSeries()
        series.append(bars)
        self.chart.addSeries(series)
        font = QFont(theme.font_family)
        font.setPointSize(theme.pt("small_pt"))
        x = QBarCategoryAxis()
        x.append(categories)
        x.setLabelsFont(font)
        y = QValueAxis()
        y.setLabelFormat("%d")
        y.setRange(0, max([n for _, n in points] + [4]))
        y.setLabelsFont(font)
        for axis in (x, y):
            axis.setLabelsColor(theme.color("ink"))
        self.chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        self.chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(x)
        series.attachAxis(y)
        self.chart.setTitle(title)
        title_font = QFont(theme.font_family)
        title_font.setPointSize(theme.pt("body_pt"))
        title_font.setBold(True)
        self.chart.setTitleFont(title_font)
        self.chart.setTitleBrush(theme.color("ink"))
        self.chart.setBackgroundBrush(theme.color("surface"))
        self.chart.setBackgroundRoundness(0)
        self.chart_view.setBackgroundBrush(QColor(theme.colors["paper"]))

    def theme_changed(self) -> None:
        if self.report is not None:
            self._draw_chart(self.report)

    def export(self) -> None:
        """List the USB sticks plugged in now; the librarian taps the one to export to."""
        if self.report is None:
            return
        clear_layout(self.drive_row)
        drives = removable_drives(self.lsblk)
        for i, drive in enumerate(drives):
            choice = button(
                f"存到 {drive.describe()}", "primary", partial(self.export_to, drive),
                name=f"ExportDrive{i}",
            )  # fmt: skip
            self.drive_row.addWidget(choice)
        self.drive_host.setVisible(bool(drives))
        if drives:
            self._say("请选择要存到哪个 U 盘：", "notice")
        else:
            self._say("没有找到 U 盘。请插上 U 盘，等几秒后再点“导出 CSV 表格”。", "error")

    def _say(self, text: str, role: str) -> None:
        self.export_message.setText(text)
        set_props(self.export_message, role=role)
        self.export_message.show()

    def export_to(self, drive: Drive) -> None:
        """Write the CSV onto ``drive`` (picked by the librarian)."""
        if self.report is None:
            return
        self.drive_host.hide()
        folder = drive.mountpoint
        report = self.report
        name = f"查阅机使用统计_{report.since:%Y%m%d}-{report.until:%Y%m%d}.csv"
        try:
            self.last_export = write_csv(report, folder / name)
        except KioskError as e:
            self._say(str(e), "error")
        else:
            self._say(
                f"已导出到{drive.describe()}：{self.last_export.name}（可用 Excel 打开）", "notice"
            )
