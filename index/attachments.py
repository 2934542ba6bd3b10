"""Text of attachments, for the index: a 低保 standard published only as a PDF table is found.

Only PDFs whose blob is in the data dir (``blobs/<sha256>``) are read, with pypdf; a damaged or
encrypted PDF is logged and skipped, the document is indexed without it. The text is capped so
one scanned annual report cannot blow up the index.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

__all__ = ["MAX_ATTACHMENT_CHARS", "attachment_text", "pdf_text"]

log = logging.getLogger(__name__)

#: Characters of attachment text indexed per document.
MAX_ATTACHMENT_CHARS = 200_000
_PDF_TYPES = frozenset({"application/pdf", "application/x-pdf"})


def pdf_text(path: Path, limit: int = MAX_ATTACHMENT_CHARS) -> str:
    """The text of a PDF file, page by page, at most ``limit`` characters; ``""`` if unreadable."""
    from pypdf import PdfReader  # loaded lazily: only indexing reads attachments
    from pypdf.errors import PyPdfError

    parts: list[str] = []
    size = 0
    try:
        reader = PdfReader(path)
        for page in reader.pages:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size >= limit:
                break
    except (OSError, ValueError, KeyError, TypeError, PyPdfError) as e:
        log.warning("attachment %s: PDF text not readable (%s), indexed without it", path.name, e)
        return ""
    return "\n".join(parts)[:limit]


def attachment_text(blob_dir: Path | None, attachments: Iterable[tuple[str, str]]) -> str:
    """The indexed text of a document's attachments: ``(media_type, sha256)`` pairs."""
    if blob_dir is None:
        return ""
    texts = []
    for media_type, sha256 in attachments:
        path = blob_dir / sha256
        if media_type.lower() in _PDF_TYPES and path.is_file():
            texts.append(pdf_text(path))
    return "\n".join(t for t in texts if t)[:MAX_ATTACHMENT_CHARS]
