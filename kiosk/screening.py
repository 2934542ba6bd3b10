"""The content screen (DESIGN.md "Screening before showing").

Portal CMSs get hijacked: a gambling site's name where 国务院办公厅 should stand. Every document is
screened on publish, on arrival by sync and on ``kiosk import``. A flagged document is quarantined:
stored, not indexed, shown to nobody until a librarian approves it.

Two levels, both data in ``assets/screening/`` and extendable per county:

- terms and patterns (``blocklist.txt``) that never belong in a disclosure;
- families of words (``families.txt``) that betray an advert only together — a gambling game next
  to a payout, a forged invoice next to a seller's phone — so new phrasings are caught without
  listing them, and genuine look-alikes (lottery administration, anti-gambling campaigns, sports,
  港澳 residents, invoices and taxes) stay clean. A sentence that speaks *against* the thing
  (不得, 严禁, 打击 …) never counts as an advert.

Structure is checked too: the issuing body in the agency field and in a title's agency slot
(《X关于…的通知》, "X印发…", "X决定…"), and links or bare domains anywhere, titles included.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.paths import asset
from kiosk.records import DocumentRecord

__all__ = ["ContentScreen", "Finding", "default_screen"]

_URL = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'，。、；）)]+")
# A bare domain such as js77.vip or vip8888.cc: letters or digits, a dot, a known top-level domain.
_DOMAIN = re.compile(
    r"(?i)(?<![\w.@-])(?:[a-z0-9-]+\.)+(?:com|net|org|cc|vip|top|bet|app|xyz|club|me|tv|info|co|io|win|"
    r"live|fun|shop|site|online|pw|la|ws|biz|asia|cn|hk|mo|tw)(?![\w-])"
)
_DOTTED = re.compile(r"[a-zA-Z0-9]\.[a-zA-Z]")
# What an issuing body's name ends with. Anything else in the agency field (a website, a slogan,
# a gambling brand) is suspicious.
_AGENCY_SUFFIXES = (
    "政府", "办公厅", "办公室", "委员会", "常务委员会", "人民代表大会", "局", "厅", "部", "委",
    "院", "署", "总局", "中心", "所", "站", "处", "队", "街道办事处", "办事处", "镇", "乡",
    "村民委员会", "居民委员会", "法院", "检察院", "银行", "会", "组", "室", "馆", "军委", "国务院",
    "政协", "党委", "管委会", "公司", "集团", "学校", "大学", "医院", "社", "中央", "办",
)  # fmt: skip
# In a title's agency slot a place may stand alone (北京市关于…), and so may a session (…会议关于…).
_SLOT_SUFFIXES = (
    *_AGENCY_SUFFIXES, "省", "市", "县", "区", "州", "盟", "旗", "村", "自治区", "特别行政区",
    "街道", "会议", "中央", "党中央", "全国人大", "人大", "常委会", "军", "联",
)  # fmt: skip
# 《X关于…》, X印发…, X决定…: X is the shortest run before the first such word. "决定" is also an
# ordinary verb (…讨论决定…, 罚款决定…), so before it X must be a name of four characters or more.
# A run holding 、 《 or a colon is no issuer but a list, a citation or a label (图解政策：关于…).
_AGENCY_SLOT = re.compile(
    r"^[《〈\"“]?\s*(?:(?P<agency>[^《〈、，：:]{2,40}?)\s*(?:关于|印发|转发|批转)"
    r"|(?P<named>[^《〈、，：:]{4,40}?)\s*决定)"
)
# Joint issuers stand side by side: 民政部 财政部, 中共中央办公厅、国务院办公厅.
_JOINT = re.compile(r"[\s、，,]+")
# Full-width letters and digits as their ASCII twins (ｂｅｔ３６５ → bet365), as NFKC would, at a
# fraction of its cost on long bodies; full-width punctuation is left alone (a sentence mark stays).
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH_ALNUM = re.compile(r"[０-９Ａ-Ｚａ-ｚ]")
_SENTENCE_MARKS = "。！？；!?;\n"
# Filler that splits a word to dodge a term list: "博 彩", "裸·聊", "百*家*乐" (a line break stays:
# it ends a sentence).
_FILLER = re.compile(r"[^\S\n]|[\u200b-\u200f\u2060\ufeff·•・*_|~^`+=#＊＿｜～＋＝＃]")


@dataclass(frozen=True)
class _Rule:
    """A finding when a word of ``family`` has a word of a ``partners`` family (another word, not
    the same one again) within ``window`` characters, the sentence holds a word of one of the
    ``also`` families and none of the ``unless`` families. No partners: the word alone is enough."""

    reason: str
    family: str
    partners: tuple[str, ...] = ()
    window: int = 0
    also: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


_RULES = (
    _Rule("赌博广告", "gambling-game", ("gambling-lure",), 24),
    # the official lottery's own rules name 竞彩, 竞猜 and 投注 together
    _Rule("赌博广告", "gambling-game", ("gambling-game",), 24, unless=("lottery-official",)),
    _Rule("色情信息", "porn"),
    # genuine rules speak of 出售…证件 and 代开发票 too: an advert also gives a way to the seller
    _Rule(
        "假发票、假证广告",
        "forgery-item",
        ("forgery-sale",),
        16,
        ("mobile", "contact-plain", "contact-dodge"),
    ),
    _Rule("私人联系方式", "contact-dodge"),
    _Rule("招揽广告", "contact-plain", ("spam-lure", "gambling-lure"), 40),
)


@dataclass(frozen=True)
class Finding:
    """Why a document was flagged, and the offending passage (for the librarian's review)."""

    reason: str
    passage: str
    field: str

    def __str__(self) -> str:
        return f"{self.reason}: 「{self.passage}」({self.field})"


class ContentScreen:
    """Blocklist terms and patterns, word families and trusted hosts; :meth:`check` a record."""

    def __init__(
        self,
        terms: list[str],
        patterns: list[re.Pattern[str]],
        hosts: list[str],
        families: dict[str, _WordSet] | None = None,
    ):
        self.terms = _WordSet(terms)
        self.patterns = patterns
        self.hosts = [h.lower().lstrip(".") for h in hosts]
        self.families = families or {}

    @classmethod
    def from_files(
        cls, blocklist: Path, trusted_hosts: Path, families: Path | None = None
    ) -> ContentScreen:
        terms, patterns = [], []
        for line in _data_lines(blocklist):
            if line.startswith("re:"):
                patterns.append(re.compile(line[3:]))
            else:
                terms.append(line)
        return cls(terms, patterns, _data_lines(trusted_hosts), _families(families))

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
        if record.agency and not _is_agency(record.agency, _AGENCY_SUFFIXES):
            findings.append(Finding("发布机构不像政府机关", record.agency, "agency"))
        slot = _AGENCY_SLOT.match(record.title)
        issuer = slot and (slot["agency"] or slot["named"])
        if issuer and not _starts_like_an_issuer(issuer):
            findings.append(Finding("标题中的发文机关不像政府机关", issuer, "title"))
        links = (
            (
                "title",
                [*record.title_links, *_URL.findall(record.title), *_DOMAIN.findall(record.title)],
            ),
            ("url", _URL.findall(record.url or "")),
            ("body", [*_URL.findall(record.body_html), *_domains(record.body_text)]),
        )
        for name, urls in links:
            for url in urls:
                host = _host(url)
                if host and not self._trusted(host):
                    findings.append(Finding("链接到非政府网站", url[:120], name))
                    break
        return findings

    def _check_text(self, value: str, field: str) -> Finding | None:
        # Whole-text scans first (most documents have no hit at all); a sentence is looked at
        # only around a hit, to see whether it speaks against the thing or has its partner.
        text = compact(value)
        for match in self.terms.finditer(text):
            if not self._speaks_against(_sentence(text, match.start())):
                return Finding("含有违规词语", _passage(text, match.start(), match.end()), field)
        for pattern in self.patterns:
            for match in pattern.finditer(value):
                if not self._speaks_against(compact(_sentence(value, match.start()))):
                    passage = _passage(value, match.start(), match.end())
                    return Finding("含有违规内容", passage, field)
        for rule in _RULES:
            for match in self._matches(rule.family, text):
                span = self._advert_span(rule, text, match)
                if span:
                    return Finding(rule.reason, _passage(text, *span), field)
        return None

    def _advert_span(self, rule: _Rule, text: str, match: re.Match[str]) -> tuple[int, int] | None:
        """Where ``match`` and its partner make an advert under ``rule``; None when they don't."""
        lo, hi = _sentence_bounds(text, match.start())
        sentence = text[lo:hi]
        if self._speaks_against(sentence):
            return None
        if rule.also and not any(self._present(f, sentence) for f in rule.also):
            return None
        if any(self._present(f, sentence) for f in rule.unless):
            return None
        if not rule.partners:
            return match.span()
        for partner in rule.partners:
            for other in self._matches(partner, text, lo, hi):
                apart = max(other.start() - match.end(), match.start() - other.end())
                if 0 <= apart <= rule.window and other.group() != match.group():
                    return min(match.start(), other.start()), max(match.end(), other.end())
        return None

    def _matches(
        self, family: str, text: str, lo: int = 0, hi: int | None = None
    ) -> Iterator[re.Match[str]]:
        words = self.families.get(family)
        return words.finditer(text, lo, hi) if words else iter(())

    def _present(self, family: str, text: str) -> bool:
        words = self.families.get(family)
        return bool(words and words.present(text))

    def _speaks_against(self, sentence: str) -> bool:
        return self._present("prohibition", sentence)

    def _trusted(self, host: str) -> bool:
        return any(host == h or host.endswith("." + h) for h in self.hosts)


def compact(text: str) -> str:
    """``text`` as the screen compares it: NFKC, lower case, no filler between characters."""
    if _FULL_WIDTH_ALNUM.search(text):
        text = text.translate(_FULL_WIDTH)
    return _FILLER.sub("", text.lower())


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """Where the sentence holding ``text[pos]`` starts and ends."""
    lo = max(text.rfind(mark, 0, pos) for mark in _SENTENCE_MARKS) + 1
    ends = [i for i in (text.find(mark, pos) for mark in _SENTENCE_MARKS) if i >= 0]
    return lo, min(ends, default=len(text))


def _sentence(text: str, pos: int) -> str:
    lo, hi = _sentence_bounds(text, pos)
    return text[lo:hi]


class _WordSet:
    """Words (``re:`` entries are regexes) found fast in compact text.

    Python's ``re`` tries every branch of an alternation at every position, so a long text is
    first checked with ``in`` for each plain word (C speed); the alternation runs only on a hit.
    """

    def __init__(self, words: list[str]):
        self.plain = [compact(w) for w in words if not w.startswith("re:")]
        self.regexes = [re.compile(w[3:]) for w in words if w.startswith("re:")]
        parts = [re.escape(w) for w in self.plain] + [r.pattern for r in self.regexes]
        self.pattern = re.compile("|".join(sorted(parts, key=len, reverse=True)) or "(?!)")

    def present(self, text: str) -> bool:
        return any(w in text for w in self.plain) or any(r.search(text) for r in self.regexes)

    def finditer(self, text: str, lo: int = 0, hi: int | None = None) -> Iterator[re.Match[str]]:
        end = len(text) if hi is None else hi
        if not self.present(text if (lo, end) == (0, len(text)) else text[lo:end]):
            return iter(())
        return self.pattern.finditer(text, lo, end)


def _is_agency(name: str, suffixes: tuple[str, ...]) -> bool:
    """Whether every body of a (possibly joint) issuer ends like an issuing body's name."""
    parts = [p for p in _JOINT.split(name.strip().rstrip("）)")) if p]
    return bool(parts) and all(p.endswith(suffixes) for p in parts)


def _starts_like_an_issuer(name: str) -> bool:
    """Whether ``name`` begins with an issuing body or a place (北京市…, 中共中央 国务院…)."""
    return any(name[:end].endswith(_SLOT_SUFFIXES) for end in range(2, len(name) + 1))


def _passage(text: str, start: int, end: int, context: int = 12) -> str:
    return text[max(0, start - context) : end + context].replace("\n", " ")


def _domains(text: str) -> list[str]:
    # the domain pattern is slow on long Chinese text: look only where a dot stands between ASCII
    return _DOMAIN.findall(text) if _DOTTED.search(text) else []


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


def _families(path: Path | None) -> dict[str, _WordSet]:
    families: dict[str, _WordSet] = {}
    for line in _data_lines(path) if path else []:
        name, _, words = line.partition(":")
        families[name.strip()] = _WordSet(words.split())
    return families


@lru_cache(maxsize=1)
def default_screen() -> ContentScreen:
    """The screen built from the bundled ``assets/screening`` lists."""
    return ContentScreen.from_files(
        asset("screening", "blocklist.txt"),
        asset("screening", "trusted-hosts.txt"),
        asset("screening", "families.txt"),
    )
