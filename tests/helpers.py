"""Small builders shared by tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def doc(doc_id: str, title: str, body: str = "正文内容。", **fields: Any) -> dict[str, Any]:
    """One interchange record."""
    return {"id": doc_id, "title": title, "body": body, **fields}


def write_jsonl(path: Path, records: list[Any]) -> Path:
    """Write records (dicts, or raw strings for malformed lines) as JSON Lines."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
