"""Where the kiosk stands: the standards that apply there and the office to apply at (no Qt).

A kiosk is installed in one place. The librarian picks that place (:class:`LocationSettings`)
from the regions of the standards the kiosk holds, and enters the local office
(:class:`OfficeSettings`, 本地办事指南). Home then answers "how much is 低保 here, and where do I
go" without a tap.

The portal may publish the office too (a record's ``office`` object, by import or the feed). Like
a standard read out of a notice, a published office is only an offer: it replaces what the
librarian typed once the librarian accepts it (:func:`accept_office`), and a later change on the
portal is a new offer, never a silent overwrite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from kiosk.models import AllowanceStandard, PublishedOffice
from kiosk.records import PROGRAMS
from kiosk.settings import LocationSettings, OfficeSettings
from kiosk.standards import confirmed_standards
from kiosk.store import Store

__all__ = [
    "NEW_FOR_DAYS",
    "OFFICE_DECISIONS_KEY",
    "LocalStandard",
    "OfficeOffer",
    "accept_office",
    "current_office",
    "date_words",
    "is_township",
    "local_standards",
    "location_choices",
    "office_lines",
    "office_offers",
    "reject_office",
]

#: A standard that took effect this many days ago or less is shown as new (新标准).
NEW_FOR_DAYS = 90
#: Published offices the librarian turned down: ``{document id: [name, address, hours, phone]}``.
OFFICE_DECISIONS_KEY = "office.decisions"
_TOWNSHIP_ENDINGS = ("乡", "镇", "街道")
_PERIODS = {"元/人·月": "每人每月", "元/人·年": "每人每年", "元/人·次": "每人每次"}


def date_words(day: dt.date) -> str:
    """``2025年1月1日``."""
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class LocalStandard:
    """A standard in force where the kiosk stands, and whether it is new."""

    standard: AllowanceStandard
    new: bool

    @property
    def program_label(self) -> str:
        return PROGRAMS.get(self.standard.program, self.standard.program)

    def amount_text(self) -> str:
        """``每人每月 675 元`` (or the unit as published)."""
        period = self.period_text()
        return f"{period} {self.amount_short()}" if period else self.amount_short()

    def amount_short(self) -> str:
        """``675 元``; ``675 元/户`` when the unit is not per person and period."""
        s = self.standard
        amount = f"{s.amount:.0f}" if float(s.amount).is_integer() else f"{s.amount:.2f}"
        return f"{amount} 元" if s.unit in _PERIODS else f"{amount} {s.unit}"

    def period_text(self) -> str:
        """``每人每月`` (``每人每年``, ``每人每次``), or "" for another unit."""
        return _PERIODS.get(self.standard.unit, "")

    def since_text(self) -> str:
        """``2025年1月1日起执行``, or "" when the document names no date."""
        effective = self.standard.effective
        return f"{date_words(effective)}起执行" if effective else ""


def _every_standard(store: Store) -> list[AllowanceStandard]:
    """Structured standards of every programme and confirmed read-out 低保 standards, from
    valid documents, newest effective date first."""
    merged = [*store.allowance_standards(program=None), *confirmed_standards(store)]
    valid = [s for s in merged if s.document.status == "valid"]
    return sorted(valid, key=lambda s: s.effective or dt.date.min, reverse=True)


def is_township(region: str) -> bool:
    return region.endswith(_TOWNSHIP_ENDINGS)


def location_choices(store: Store) -> tuple[list[str], list[str]]:
    """``(counties, townships)`` the standards this kiosk holds are published for: the librarian
    picks the kiosk's place from these, never types it."""
    regions = list(dict.fromkeys(s.region for s in _every_standard(store)))
    counties = sorted(
        (r for r in regions if not is_township(r)), key=lambda r: (r.endswith("市"), r)
    )
    return counties, sorted(r for r in regions if is_township(r))


def local_standards(
    store: Store, location: LocationSettings, on: dt.date | None = None
) -> list[LocalStandard]:
    """The standard in force on ``on`` (today) for each programme, where the kiosk stands: the
    township's own when it has one, else the county's. Empty until the location is set."""
    if not location.is_set:
        return []
    on = on or dt.date.today()
    places = [p for p in (location.township, location.county) if p]
    rows = [
        s
        for s in _every_standard(store)
        if s.area == location.area and (s.effective is None or s.effective <= on)
    ]
    found = []
    for program in PROGRAMS:
        for place in places:
            match = next((s for s in rows if s.program == program and s.region == place), None)
            if match is not None:
                new = match.effective is not None and (on - match.effective).days <= NEW_FOR_DAYS
                found.append(LocalStandard(match, new))
                break
    return found


def current_office(store: Store) -> OfficeSettings | None:
    """The office villagers are sent to, or None while the librarian has entered none."""
    office = OfficeSettings.load(store)
    return office if office.is_set else None


def office_lines(office: OfficeSettings | PublishedOffice) -> list[str]:
    """The office in short lines: name, address, hours, phone (the empty ones left out)."""
    lines = [office.name]
    for word, value in (
        ("地址", office.address),
        ("办公时间", office.hours),
        ("电话", office.phone),
    ):
        if value:
            lines.append(f"{word}：{value}")
    return lines


OfferState = Literal["pending", "accepted", "rejected"]


@dataclass(frozen=True)
class OfficeOffer:
    """An office the portal published, and what the librarian made of it."""

    published: PublishedOffice
    state: OfferState


def _values(office: OfficeSettings | PublishedOffice) -> list[str]:
    return [office.name, office.address, office.hours, office.phone]


def office_offers(store: Store) -> list[OfficeOffer]:
    """Every published office with its state: accepted (in use, unchanged since), rejected (these
    very details turned down) or pending."""
    current = OfficeSettings.load(store)
    raw = store.get_setting(OFFICE_DECISIONS_KEY, {})
    rejected = raw if isinstance(raw, dict) else {}
    offers = []
    for published in store.published_offices():
        doc_id = published.document.id
        state: OfferState = "pending"
        if current.source == doc_id and _values(current) == _values(published):
            state = "accepted"
        elif rejected.get(doc_id) == _values(published):
            state = "rejected"
        offers.append(OfficeOffer(published, state))
    return offers


def _published(store: Store, doc_id: str) -> PublishedOffice:
    for published in store.published_offices():
        if published.document.id == doc_id:
            return published
    raise LookupError(f"没有文件 {doc_id} 发布的办事窗口 (no published office)")


def accept_office(store: Store, doc_id: str) -> OfficeSettings:
    """Use the office document ``doc_id`` publishes from now on, instead of the typed one.

    Raises:
        LookupError: no visible document ``doc_id`` publishes an office.
    """
    p = _published(store, doc_id)
    office = OfficeSettings(p.name, p.address, p.hours, p.phone, source=doc_id)
    office.save(store)
    return office


def reject_office(store: Store, doc_id: str) -> None:
    """Keep the current office; these details of ``doc_id`` are not offered again (a changed
    record is).

    Raises:
        LookupError: no visible document ``doc_id`` publishes an office.
    """
    published = _published(store, doc_id)
    raw = store.get_setting(OFFICE_DECISIONS_KEY, {})
    decisions = dict(raw) if isinstance(raw, dict) else {}
    decisions[doc_id] = _values(published)
    store.set_setting(OFFICE_DECISIONS_KEY, decisions)
