"""Check the villager lexicon against real documents: is every written word really written?

For each line of ``assets/synonyms.txt`` the words a query is expanded *to* — the right side of a
one-way rule (``坐月子 => 产假 生育``), every word of a group — must occur in some document of the
shared corpus or of the shipped demo content; a word that occurs nowhere finds nothing and only
costs time. Spoken words (left of ``=>``) are not checked: documents do not use them, that is
why the rule exists.

    .venv/bin/python bench/check_synonyms.py [--corpus ../shared/corpus/real-gov-docs.jsonl]

Prints one line per written word found nowhere, then a summary; exit status 1 when there is any.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def written_words(line: str) -> list[str]:
    from index.analysis import fold

    line = line.split("#", 1)[0].strip()
    if not line:
        return []
    if "=>" in line:
        return fold(line.split("=>", 1)[1]).split()
    return fold(line).split()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, default=ROOT / ".." / "shared" / "corpus" / "real-gov-docs.jsonl"
    )
    parser.add_argument("--synonyms", type=Path, default=ROOT / "assets" / "synonyms.txt")
    args = parser.parse_args(argv)
    texts = []
    for path in (args.corpus, ROOT / "assets" / "demo" / "documents.jsonl"):
        for raw in path.read_text(encoding="utf-8").splitlines():
            doc = json.loads(raw)
            texts.append((doc["title"] + "\n" + doc["body"]).lower())
    missing, checked, groups = 0, 0, 0
    for number, line in enumerate(args.synonyms.read_text(encoding="utf-8").splitlines(), 1):
        words = written_words(line)
        groups += bool(words)
        for word in words:
            checked += 1
            if not any(word in text for text in texts):
                missing += 1
                print(f"{args.synonyms.name}:{number}: {word!r} occurs in no document")
    print(f"{groups} lines, {checked} written words checked, {missing} found nowhere")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
