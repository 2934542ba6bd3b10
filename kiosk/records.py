"""The document interchange format (DESIGN.md "Document model"): validate and normalize one record.

A record is one JSON object, from ``kiosk import`` or a feed batch. :func:`parse_record` turns it
into a :class:`DocumentRecord` or raises :class:`~kiosk.errors.RecordError` with the reason.
HTML bodies are sanitized with nh3 to a safe subset; a plain-text form is derived for indexing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import nh3

from kiosk.docnumber import normalize_doc_number
from kiosk.errors import RecordError

__all__ = [
    "KINDS",
    "MAX_BODY_CHARS",
    "MAX_RECORD_BYTES",
    "PROGRAMS",
    "STATUSES",
    "Allowance",
    "Attachment",
    "DocumentRecord",
    "Office",
    "html_to_text",
    "parse_date",
    "parse_record",
    "sanitize_html",
]

KINDS = ("disclosure", "policy", "guide", "report", "notice")
STATUSES = ("valid", "amended", "repealed", "expired")
STATUS_LABELS = {"valid": "有效", "amended": "已修订", "repealed": "已废止", "expired": "已失效"}
_STATUS_ALIASES = {
    "有效": "valid",
    "现行有效": "valid",
    "已修订": "amended",
    "已修改": "amended",
    "修订": "amended",
    "已废止": "repealed",
    "废止": "repealed",
    "失效": "expired",
    "已失效": "expired",
}
#: The assistance programmes a structured standard may belong to (``allowance[].program``).
PROGRAMS = {"dibao": "低保", "tekun": "特困供养", "linshi": "临时救助"}
_PROGRAM_ALIASES = {
    **{code: code for code in PROGRAMS},
    "低保": "dibao",
    "最低生活保障": "dibao",
    "特困": "tekun",
    "特困供养": "tekun",
    "特困人员供养": "tekun",
    "特困人员救助供养": "tekun",
    "临时救助": "linshi",
}
_AREA_ALIASES = {
    "urban": "urban",
    "城市": "urban",
    "城镇": "urban",
    "rural": "rural",
    "农村": "rural",
}

#: Longest body accepted, in characters (a whole statute book is ~1 M; beyond this is an accident).
MAX_BODY_CHARS = 2_000_000
#: Longest record line read from a JSON Lines file or a feed batch, in bytes: room for the longest
#: body in UTF-8 (3 bytes a character) and its fields; a longer line is skipped unread, so memory
#: stays bounded whatever the file holds.
MAX_RECORD_BYTES = 8 * 1024 * 1024
_MAX_TITLE_CHARS = 500
_MAX_ID_CHARS = 200
_ID_PATTERN = re.compile(r"^[\w.\-:/]+$")

# The safe subset of HTML kept in stored bodies: structure and tables, no scripts, styles, images
# or external loads of any kind. Links are kept but only to http(s).
_ALLOWED_TAGS = {
    "p", "br", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "u", "span", "div",
    "ol", "ul", "li", "table", "thead", "tbody", "tr", "th", "td", "caption", "blockquote", "pre",
    "a", "hr", "sub", "sup",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
_HTML_HINT = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


@dataclass(frozen=True)
class Attachment:
    """A file that belongs to a document; the blob itself is content-addressed by sha256."""

    name: str
    media_type: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Allowance:
    """One structured standard: ``amount`` ``unit`` (元/人·月) for ``region`` from ``effective``,
    of ``program`` (低保 unless the record says 特困供养 or 临时救助)."""

    region: str
    area: str  # "urban" | "rural"
    amount: float
    unit: str
    effective: dt.date | None
    program: str = "dibao"  # a key of PROGRAMS


@dataclass(frozen=True)
class Office:
    """Where to apply (本地办事指南): the office a portal publishes for a township or county."""

    name: str
    address: str
    hours: str
    phone: str
    region: str = ""


@dataclass(frozen=True)
class DocumentRecord:
    """A validated, normalized document, ready for the store."""

    id: str
    title: str
    body_html: str
    body_text: str
    index_no: str | None = None
    agency: str | None = None
    doc_number: str | None = None
    doc_number_norm: str | None = None
    written: dt.date | None = None
    published: dt.date | None = None
    category: str | None = None
    genre: str | None = None
    kind: str = "disclosure"
    region: str | None = None
    status: str = "valid"
    superseded_by: str | None = None
    url: str | None = None
    attachments: tuple[Attachment, ...] = field(default=())
    allowances: tuple[Allowance, ...] = field(default=())
    office: Office | None = None
    # Link targets that stood in the title's markup (the title itself is plain text): kept for
    # the content screen, since a hijacked CMS puts its links there too.
    title_links: tuple[str, ...] = field(default=())

    @property
    def content_hash(self) -> str:
        """sha256 over every stored field: equal hashes mean re-importing changes nothing."""
        fields = asdict(self)
        if not fields["title_links"]:
            del fields["title_links"]  # added later: stored hashes stay valid for clean titles
        if fields["office"] is None:
            del fields["office"]  # added later, like title_links
        for allowance in fields["allowances"]:
            if allowance["program"] == "dibao":
                del allowance["program"]  # added later: 低保 standards keep their hashes
        payload = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
_HREF = re.compile(r"""(?i)href\s*=\s*["']?([^"'\s>]+)""")


def parse_record(raw: Any) -> DocumentRecord:
    """Validate one interchange record.

    Raises:
        RecordError: with a short Chinese reason naming the offending field.
    """
    if not isinstance(raw, dict):
        raise RecordError("记录不是 JSON 对象 (record is not a JSON object)")
    doc_id = _required_str(raw, "id", _MAX_ID_CHARS)
    if not _ID_PATTERN.match(doc_id):
        raise RecordError(f"id 含有不允许的字符: {doc_id[:40]!r}")
    title, title_links = _plain_title(_required_str(raw, "title", _MAX_TITLE_CHARS))
    if not title:
        raise RecordError("缺少标题 (title is empty)")
    body = raw.get("body")
    if not isinstance(body, str):
        raise RecordError("缺少正文 (body missing or not text)")
    if len(body) > MAX_BODY_CHARS:
        raise RecordError(f"正文过长: {len(body):,} 字符，上限 {MAX_BODY_CHARS:,} (body too large)")
    body = _strip_controls(body)
    body_html = sanitize_html(body) if _HTML_HINT.search(body) else _text_to_html(body)
    doc_number = _optional_str(raw, "doc_number")
    status = _choice(raw, "status", STATUSES, _STATUS_ALIASES, default="valid")
    return DocumentRecord(
        id=doc_id,
        title=title,
        body_html=body_html,
        body_text=html_to_text(body_html),
        index_no=_optional_str(raw, "index_no"),
        agency=_optional_str(raw, "agency"),
        doc_number=doc_number,
        doc_number_norm=normalize_doc_number(doc_number),
        written=_optional_date(raw, "written"),
        published=_optional_date(raw, "published") or _optional_date(raw, "date"),
        category=_optional_str(raw, "category"),
        genre=_optional_str(raw, "genre"),
        kind=_choice(raw, "kind", KINDS, {}, default="disclosure"),
        region=_optional_str(raw, "region"),
        status=status,
        superseded_by=_optional_str(raw, "superseded_by"),
        url=_optional_url(raw, "url"),
        attachments=_attachments(raw.get("attachments")),
        allowances=_allowances(raw.get("allowance")),
        office=_office(raw.get("office")),
        title_links=title_links,
    )


def sanitize_html(fragment: str) -> str:
    """Reduce ``fragment`` to the safe subset: no scripts, styles, images, iframes or handlers."""
    return nh3.clean(
        fragment,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


class _TextExtractor(HTMLParser):
    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of a (sanitized) HTML fragment: one paragraph per line, no blank runs."""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def parse_date(value: Any) -> dt.date | None:
    """Parse 2024-03-01, 2024/3/1, 2024.3.1 or 2024年3月1日; ``None`` for empty.

    A bare year or year-month (old statutes often carry only that) means its first day.

    Raises:
        ValueError: for anything else, including impossible dates like 2024-02-30.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    text = unicodedata.normalize("NFKC", value).strip()
    match = re.fullmatch(r"(\d{4})(?:年|[-/.年](\d{1,2})(?:月|[-/.月](\d{1,2})日?)?)?", text)
    if match is None:
        raise ValueError(value)
    year, month, day = (int(g) if g else 1 for g in match.groups())
    return dt.date(year, month, day)


def _text_to_html(text: str) -> str:
    paragraphs = [p.strip() for p in re.split(r"\n+", text) if p.strip()]
    return "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)


def _strip_controls(text: str) -> str:
    # keep newlines and tabs; drop other C0/C1 controls and lone surrogates that break SQLite/Qt
    text = text.encode("utf-8", "replace").decode("utf-8") if _has_surrogates(text) else text
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _plain_title(title: str) -> tuple[str, tuple[str, ...]]:
    """A title as one line of plain text, and the link targets its markup held, if any."""
    if not _TAG.search(title):
        return _clean_inline(title), ()
    links = tuple(_HREF.findall(title))
    return _clean_inline(html_to_text(sanitize_html(title)).replace("\n", " ")), links


def _clean_inline(text: str) -> str:
    return " ".join(_strip_controls(text).split())


def _required_str(raw: dict[str, Any], key: str, max_len: int) -> str:
    value = raw.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RecordError(f"缺少字段 {key} (missing {key})")
    if isinstance(value, int) and not isinstance(value, bool) and key == "id":
        value = str(value)
    if not isinstance(value, str):
        raise RecordError(f"字段 {key} 应为文本 ({key} must be a string)")
    value = value.strip()
    if len(value) > max_len:
        raise RecordError(f"字段 {key} 过长 ({key} longer than {max_len} characters)")
    return value


def _optional_str(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise RecordError(f"字段 {key} 应为文本 ({key} must be a string)")
    value = _clean_inline(value)[:_MAX_TITLE_CHARS]
    return value or None


def _optional_date(raw: dict[str, Any], key: str) -> dt.date | None:
    try:
        return parse_date(raw.get(key))
    except ValueError:
        raise RecordError(f"日期无效: {key}={raw.get(key)!r} (invalid date)") from None


def _optional_url(raw: dict[str, Any], key: str) -> str | None:
    value = _optional_str(raw, key)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RecordError(f"网址无效: {value[:80]!r} (url must be http or https)")
    return value


def _choice(
    raw: dict[str, Any], key: str, allowed: tuple[str, ...], aliases: dict[str, str], default: str
) -> str:
    value = raw.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, str):
        value = aliases.get(value.strip(), value.strip().lower())
        if value in allowed:
            return value
    raise RecordError(f"字段 {key} 取值无效: {value!r}，应为 {'/'.join(allowed)}")


def _attachments(value: Any) -> tuple[Attachment, ...]:
    if value in (None, []):
        return ()
    if not isinstance(value, list):
        raise RecordError("attachments 应为列表 (attachments must be a list)")
    result = []
    for item in value:
        if not isinstance(item, dict):
            raise RecordError("附件记录无效 (attachment must be an object)")
        sha = str(item.get("sha256", "")).lower()
        if not re.fullmatch(r"[0-9a-f]{64}", sha):
            raise RecordError("附件缺少有效的 sha256 (attachment sha256 invalid)")
        size = item.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise RecordError("附件大小无效 (attachment size invalid)")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RecordError("附件缺少名称 (attachment name missing)")
        media_type = item.get("media_type") or "application/octet-stream"
        result.append(Attachment(name.strip(), str(media_type), sha, size))
    return tuple(result)


def _allowances(value: Any) -> tuple[Allowance, ...]:
    if value in (None, []):
        return ()
    items = value if isinstance(value, list) else [value]
    result = []
    for item in items:
        if not isinstance(item, dict):
            raise RecordError("低保标准记录无效 (allowance must be an object)")
        area = _AREA_ALIASES.get(str(item.get("area", "")).strip())
        if area is None:
            raise RecordError("低保标准 area 应为 urban 或 rural")
        amount = item.get("amount")
        if not isinstance(amount, int | float) or isinstance(amount, bool) or amount <= 0:
            raise RecordError("低保标准金额无效 (allowance amount must be a positive number)")
        region = item.get("region")
        if not isinstance(region, str) or not region.strip():
            raise RecordError("低保标准缺少地区 (allowance region missing)")
        try:
            effective = parse_date(item.get("effective"))
        except ValueError:
            raise RecordError(f"低保标准生效日期无效: {item.get('effective')!r}") from None
        unit = str(item.get("unit") or "元/人·月")
        program = _PROGRAM_ALIASES.get(str(item.get("program") or "dibao").strip())
        if program is None:
            raise RecordError(
                f"标准 program 应为 {'/'.join(PROGRAMS)} 之一: {item.get('program')!r}"
            )
        result.append(Allowance(region.strip(), area, float(amount), unit, effective, program))
    return tuple(result)


_OFFICE_FIELDS = {"name": "名称", "address": "地址", "hours": "办公时间", "phone": "电话"}
_MAX_OFFICE_CHARS = 200


def _office(value: Any) -> Office | None:
    """The ``office`` object of a record (本地办事指南), every field short plain text."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RecordError("办事窗口记录无效 (office must be an object)")
    texts: dict[str, str] = {}
    for key, word in {**_OFFICE_FIELDS, "region": "地区"}.items():
        raw = value.get(key, "")
        if not isinstance(raw, str) or len(raw) > _MAX_OFFICE_CHARS:
            raise RecordError(f"办事窗口{word}无效 (office {key} must be text)")
        texts[key] = " ".join(_strip_controls(raw).split())
    missing = [word for key, word in _OFFICE_FIELDS.items() if not texts[key]]
    if missing:
        raise RecordError(f"办事窗口缺少{'、'.join(missing)} (office fields missing)")
    return Office(**texts)
