"""低保 standards read out of the notices that publish them, held for a librarian's confirmation.

Portals publish the standard as a sentence ("农村低保标准提高到每人每月520元"), rarely as structured
data. ``extract`` finds region, 城市/农村, amount, unit and effective date in such a notice;
``scan`` proposes what it finds for every visible document that carries no structured standard;
only a proposal the librarian confirmed counts for the self-check (``confirmed_standards``), since a
misread number here would tell a family the wrong thing.

Proposals live in the store's settings (``standards.proposals``), so they travel with the data dir.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, replace
from typing import Literal

from kiosk.models import AllowanceStandard, DocumentRef, StoredDocument
from kiosk.store import Store

__all__ = [
    "PROPOSALS_KEY",
    "Proposal",
    "all_standards",
    "confirmed_standards",
    "decide",
    "extract",
    "proposals",
    "scan",
    "standards_in_force",
]

PROPOSALS_KEY = "standards.proposals"

State = Literal["pending", "confirmed", "rejected"]

_AREAS = {"城市": "urban", "城镇": "urban", "城区": "urban", "农村": "rural", "乡村": "rural"}
_NUM = r"(\d{2,5}(?:\.\d{1,2})?)"
_PERIOD = r"每人每(月|年)"
# 农村低保标准提高到每人每月520元 / 城市低保标准由每人每月850元提高到890元 / 城镇最低生活保障标准为…
_ONE = re.compile(
    r"(城市|城镇|城区|农村|乡村)(?:居民)?(?:低保|最低生活保障)(?:保障)?标准"
    r"[^。；;，,]{0,30}?" + _PERIOD + r"[^。；;]{0,12}?" + _NUM + r"\s*元"
    r"(?:[^。；;]{0,8}?(?:提高|调整|提升|上调)(?:到|至|为)\s*" + _NUM + r"\s*元)?"
)
# 城乡低保标准分别提高到每人每月890元和675元 (城市 first, then 农村)
_BOTH = re.compile(
    r"城乡(?:居民)?(?:低保|最低生活保障)标准[^。；;]{0,20}?分别[^。；;]{0,12}?"
    + _PERIOD
    + r"\s*"
    + _NUM
    + r"\s*元[^。；;\d]{0,6}?(?:和|、|，)\s*(?:每人每[月年])?\s*"
    + _NUM
    + r"\s*元"
)
_DATE = re.compile(r"(?:自|从|于)?\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起")
_REGION = re.compile(r"([\u4e00-\u9fa5]{1,10}?(?:自治县|自治州|县|区|市|旗|镇|乡|街道))")
_MENTIONS = re.compile(r"(?:低保|最低生活保障)(?:保障)?标准")
_AGENCY_TAIL = re.compile(r"(人民政府|民政局|财政局|办公室|人社局).*$")


@dataclass(frozen=True)
class Proposal:
    """One standard read out of a notice, waiting for (or past) the librarian's decision."""

    doc_id: str
    region: str
    area: str  # urban | rural
    amount: float
    unit: str
    effective: str  # ISO date, "" when the notice names none
    quote: str  # the sentence it was read from, for the librarian to check
    state: State = "pending"

    @property
    def key(self) -> tuple[str, str, str, float, str]:
        return (self.doc_id, self.region, self.area, self.amount, self.effective)

    def effective_date(self) -> dt.date | None:
        return dt.date.fromisoformat(self.effective) if self.effective else None


def _region(doc: StoredDocument) -> str:
    if doc.region and _REGION.fullmatch(doc.region):
        return doc.region
    for text in (doc.title, doc.agency or ""):
        head = _AGENCY_TAIL.sub("", text.split("关于", 1)[0]) if text else ""
        found = _REGION.findall(head)
        if found:
            return str(found[0])
    return doc.region or ""


def _unit(period: str) -> str:
    return "元/人·月" if period == "月" else "元/人·年"


def extract(doc: StoredDocument) -> list[Proposal]:
    """Standards the notice ``doc`` publishes (nothing when it publishes none)."""
    text = re.sub(r"\s+", "", doc.body_text)
    region = _region(doc)
    if not region:
        return []
    date = _DATE.search(text)
    effective = ""
    if date:
        try:
            effective = dt.date(*(int(g) for g in date.groups())).isoformat()
        except ValueError:
            effective = ""
    found: dict[str, Proposal] = {}
    for match in _BOTH.finditer(text):
        period, urban, rural = match.groups()
        for area, amount in (("urban", urban), ("rural", rural)):
            found.setdefault(
                area,
                Proposal(doc.id, region, area, float(amount), _unit(period), effective,
                         match.group(0)),
            )  # fmt: skip
    for match in _ONE.finditer(text):
        word, period, first, raised = match.groups()
        area = _AREAS[word]
        amount = float(raised or first)  # "由850元提高到890元": the new one
        found.setdefault(
            area, Proposal(doc.id, region, area, amount, _unit(period), effective, match.group(0))
        )
    return [found[a] for a in ("urban", "rural") if a in found]


def proposals(store: Store) -> list[Proposal]:
    """Every proposal with its state, as kept in the store."""
    raw = store.get_setting(PROPOSALS_KEY, []) or []
    kept = []
    for item in raw if isinstance(raw, list) else []:
        try:
            kept.append(Proposal(**item))
        except TypeError:
            continue
    return kept


def _save(store: Store, items: list[Proposal]) -> None:
    store.set_setting(PROPOSALS_KEY, [asdict(p) for p in items])


def scan(store: Store) -> list[Proposal]:
    """Propose the standards of every visible notice without structured ones; return the new
    proposals (those seen before, decided or not, are not proposed again)."""
    known = {p.key for p in proposals(store)}
    published = store.allowance_standards()
    structured = {s.document.id for s in published}
    # a notice quoting a standard the portal already published as data adds nothing to check
    values = {(s.region, s.area, s.amount) for s in published}
    new: list[Proposal] = []
    for doc in store.iter_visible():
        if doc.id in structured or not _MENTIONS.search(doc.title + doc.body_text):
            continue
        new += [
            p
            for p in extract(doc)
            if p.key not in known and (p.region, p.area, p.amount) not in values
        ]
    if new:
        _save(store, [*proposals(store), *new])
    return new


def decide(store: Store, index: int, state: State) -> Proposal:
    """Confirm or reject proposal number ``index`` (its place in ``proposals``).

    Raises:
        IndexError: there is no such proposal.
    """
    items = proposals(store)
    items[index] = replace(items[index], state=state)
    _save(store, items)
    return items[index]


def confirmed_standards(store: Store) -> list[AllowanceStandard]:
    """The confirmed proposals as standards, for documents still visible."""
    standards = []
    for p in proposals(store):
        if p.state != "confirmed":
            continue
        doc = store.get(p.doc_id)
        if doc is None or not doc.is_visible:
            continue
        ref = DocumentRef(doc.id, doc.title, doc.status)
        standards.append(
            AllowanceStandard(p.region, p.area, p.amount, p.unit, p.effective_date(), ref)
        )
    return standards


def all_standards(store: Store) -> list[AllowanceStandard]:
    """Structured standards and confirmed read-out ones, newest effective date first."""
    merged = [*store.allowance_standards(), *confirmed_standards(store)]
    return sorted(merged, key=lambda s: s.effective or dt.date.min, reverse=True)


def standards_in_force(
    store: Store, region: str, area: str, on: dt.date | None = None
) -> AllowanceStandard | None:
    """Like ``Store.current_allowance``, counting confirmed read-out standards too."""
    on = on or dt.date.today()
    for row in all_standards(store):
        if row.region != region or row.area != area or row.document.status != "valid":
            continue
        if row.effective is None or row.effective <= on:
            return row
    return None
