"""The content screen (DESIGN.md "Screening before showing").

Portal CMSs get hijacked: a gambling site's name where 国务院办公厅 should stand. Every document is
screened on publish, on arrival by sync and on ``kiosk import``. A flagged document is quarantined:
stored, not indexed, shown to nobody until a librarian approves it.

The term list and the trusted hosts are data in ``assets/screening/``, extendable per county.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.paths import asset
from kiosk.records import DocumentRecord

__all__ = ["Finding", "Screen", "default_screen"]

_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'，。、；）)]+")
# What an issuing body's name ends with. Anything else in the agency field (a website, a slogan,
# a gambling brand) is suspicious.
_AGENCY_SUFFIXES = (
    "政府", "办公厅", "办公室", "委员会", "常务委员会", "人民代表大会", "局", "厅", "部", "委",
    "院", "署", "总局", "中心", "所", "站", "处", "队", "街道办事处", "办事处", "镇", "乡",
    "村民委员会", "居民委员会", "法院", "检察院", "银行", "会", "组", "室", "馆", "军委", "国务院",
    "政协", "党委", "管委会", "公司", "集团", "学校", "大学", "医院", "社",
)  # fmt: skip


@dataclass(frozen=True)
class Finding:
    """Why a document was flagged, and the offending passage (for the librarian's review)."""

    reason: str
    passage: str
    field: str

    def __str__(self) -> str:
        return f"{self.reason}: 「{self.passage}」({self.field})"


class Screen:
    """Blocklist terms, regex patterns and trusted hosts; call :meth:`check` on a record."""

    def __init__(self, terms: list[str], patterns: list[re.Pattern[str]], hosts: list[str]):
        self.terms = [t.lower() for t in terms]
        self.patterns = patterns
        self.hosts = [h.lower().lstrip(".") for h in hosts]

    @classmethod
    def from_files(cls, blocklist: Path, trusted_hosts: Path) -> Screen:
        terms, patterns = [], []
        for line in _data_lines(blocklist):
            if line.startswith("re:"):
                patterns.append(re.compile(line[3:]))
            else:
                terms.append(line)
        return cls(terms, patterns, _data_lines(trusted_hosts))

    def check(self, record: DocumentRecord) -> list[Finding]:
        """Every finding for ``record``; an empty list means it may be shown."""
        findings: list[Finding] = []
        fields = {
            "title": record.title,
            "agency": record.agency or "",
            "body": record.body_text,
            "doc_number": record.doc_number or "",
        }
        for name, value in fields.items():
            finding = self._check_text(value, name)
            if finding:
                findings.append(finding)
        if record.agency and not record.agency.rstrip("）)").endswith(_AGENCY_SUFFIXES):
            findings.append(Finding("发布机构不像政府机关", record.agency, "agency"))
        for name, value in (("url", record.url or ""), ("body", record.body_html)):
            for url in _URL.findall(value):
                host = _host(url)
                if host and not self._trusted(host):
                    findings.append(Finding("链接到非政府网站", url[:120], name))
                    break
        return findings

    def _check_text(self, value: str, field: str) -> Finding | None:
        lowered = value.lower()
        for term in self.terms:
            pos = lowered.find(term)
            if pos >= 0:
                return Finding("含有违规词语", _passage(value, pos, pos + len(term)), field)
        for pattern in self.patterns:
            match = pattern.search(value)
            if match:
                return Finding("含有违规内容", _passage(value, match.start(), match.end()), field)
        return None

    def _trusted(self, host: str) -> bool:
        return any(host == h or host.endswith("." + h) for h in self.hosts)


def _passage(text: str, start: int, end: int, context: int = 12) -> str:
    return text[max(0, start - context) : end + context].replace("\n", " ")


def _host(url: str) -> str:
    if not url.lower().startswith(("http://", "https://")):
        url = "http://" + url
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _data_lines(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@lru_cache(maxsize=1)
def default_screen() -> Screen:
    """The screen built from the bundled ``assets/screening`` lists."""
    return Screen.from_files(
        asset("screening", "blocklist.txt"), asset("screening", "trusted-hosts.txt")
    )
