"""Precision and recall of the content screen on the held-out set and on the real corpus.

    .venv/bin/python bench/screening/evaluate.py [--corpus ../shared/corpus/real-gov-docs.jsonl]

Prints a Markdown table: per kind of the held-out set (bench/screening/heldout.py) how many were
flagged, then precision and recall over the set, then how many documents of the real corpus (all
genuine) were flagged, with each false alarm's reason, so a rule that hurts real documents shows.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from heldout import records

from kiosk.records import RecordError, parse_record
from kiosk.screening import default_screen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    here = Path(__file__).resolve()
    parser.add_argument(
        "--corpus", type=Path, default=here.parents[3] / "shared/corpus/real-gov-docs.jsonl"
    )
    parser.add_argument("--fresh", action="store_true", help="score the untuned second set")
    args = parser.parse_args()
    screen = default_screen()
    flagged_by_kind: Counter[tuple[str, str]] = Counter()
    total_by_kind: Counter[tuple[str, str]] = Counter()
    tp = fp = fn = 0
    misses = []
    for raw in records(fresh=args.fresh):
        label, kind = raw.pop("label"), raw.pop("kind")
        findings = screen.check(parse_record(raw))
        total_by_kind[label, kind] += 1
        flagged_by_kind[label, kind] += bool(findings)
        if label == "hijacked":
            tp += bool(findings)
            fn += not findings
            if not findings:
                misses.append(f"missed: {raw['title']} / {raw['agency']}")
        else:
            fp += bool(findings)
            if findings:
                misses.append(f"false alarm: {raw['title']}: {findings[0]}")
    print("| set | kind | flagged |\n|---|---|---|")
    for (label, kind), n in sorted(total_by_kind.items()):
        print(f"| {label} | {kind} | {flagged_by_kind[label, kind]} / {n} |")
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    print(
        f"\nheld-out: precision {precision:.1%} ({tp}/{tp + fp}), recall {recall:.1%} ({tp}/{tp + fn})"
    )
    for line in misses:
        print(f"- {line}")
    if args.corpus.exists():
        alarms, n = [], 0
        with args.corpus.open(encoding="utf-8") as f:
            for line in f:
                raw = json.loads(line)
                try:
                    record = parse_record(raw)
                except RecordError:
                    continue
                n += 1
                findings = screen.check(record)
                if findings:
                    alarms.append(f"{raw['title'][:40]}: {findings[0]}")
        print(f"\nreal corpus ({args.corpus.name}): {len(alarms)} of {n} genuine documents flagged")
        for line in alarms:
            print(f"- {line}")


if __name__ == "__main__":
    main()
