"""Handwriting recognition accuracy and speed over the 3,500 common characters.

Characters: 通用规范汉字表 (2013) 一级字表, the 3,500 characters whose Unihan ``kTGH`` position is
1–3500, read from Debian's ``unicode-data`` (``/usr/share/unicode/Unihan_OtherMappings.txt.bz2``).
Strokes: the ``medians`` of the npm package ``hanzi-writer-data`` (Make Me a Hanzi; y upwards in a
1024 box, screen y = 900 − y), densified to a point every 10 units as a touch screen reports them.

Each character is classified four ways in the same run: raw zinnia (the points as written, the pad
as the canvas — the baseline) and the kiosk's :class:`kiosk.handwriting.ZinniaRecognizer`
(normalised and resampled), each on clean strokes and on finger-like distorted ones: the whole
character scaled by 0.75–1.05 from the pad's top-left corner (each axis a little apart: written
smaller and towards the corner, as a finger does on a big pad), shifted ±40, every stroke's median
points jittered (σ 12) and every reported touch point jittered again (σ 3), fixed seed.

    npm pack hanzi-writer-data && tar xzf hanzi-writer-data-*.tgz   # gives package/
    nice -n 10 .venv/bin/python bench/handwriting_bench.py --data package --out /tmp/handwriting.md
"""

from __future__ import annotations

import argparse
import bz2
import itertools
import json
import platform
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.handwriting import Ink, ZinniaRecognizer  # noqa: E402

UNIHAN = Path("/usr/share/unicode/Unihan_OtherMappings.txt.bz2")
PAD = 1024


def level_one_characters(unihan: Path = UNIHAN) -> list[str]:
    """The 通用规范汉字表 一级 characters, in the table's order (Unihan kTGH 2013:1–3500)."""
    found: list[tuple[int, str]] = []
    if not unihan.is_file():
        raise SystemExit(f"{unihan} is missing: apt-get install unicode-data")
    with bz2.open(unihan, "rt", encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) == 3 and fields[1] == "kTGH":
                for value in fields[2].split():
                    year, _, number = value.partition(":")
                    if year == "2013" and 1 <= int(number) <= 3500:
                        found.append((int(number), chr(int(fields[0][2:], 16))))
    found.sort()
    if len(found) != 3500:
        raise SystemExit(f"{unihan}: expected 3500 level-1 characters, found {len(found)}")
    return [char for _, char in found]


def medians(data_dir: Path, char: str) -> list[list[tuple[float, float]]]:
    """Stroke centre lines in screen coordinates (y downwards)."""
    raw = json.loads((data_dir / f"{char}.json").read_text(encoding="utf-8"))["medians"]
    return [[(float(x), 900.0 - float(y)) for x, y in stroke] for stroke in raw]


def densify(stroke: list[tuple[float, float]], step: float = 10.0) -> list[tuple[float, float]]:
    out = [stroke[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(stroke):
        n = max(1, round(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / step))
        out += [(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(1, n + 1)]
    return out


def clean_ink(strokes: list[list[tuple[float, float]]]) -> Ink:
    return Ink.of(PAD, PAD, [densify(s) for s in strokes])


def distorted_ink(strokes: list[list[tuple[float, float]]], rng: random.Random) -> Ink:
    scale = rng.uniform(0.75, 1.05)
    sx, sy = scale * rng.uniform(0.95, 1.05), scale * rng.uniform(0.95, 1.05)
    dx, dy = rng.uniform(-40, 40), rng.uniform(-40, 40)
    out = []
    for stroke in strokes:
        shaky = [
            (
                x * sx + dx + rng.gauss(0, 12),
                y * sy + dy + rng.gauss(0, 12),
            )
            for x, y in stroke
        ]
        out.append([(x + rng.gauss(0, 3), y + rng.gauss(0, 3)) for x, y in densify(shaky)])
    return Ink.of(PAD, PAD, out)


def export(data_dir: Path, chars: str, out_dir: Path) -> None:
    """One file per character: its medians in screen coordinates, as written (not densified)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for char in dict.fromkeys(chars):
        strokes = [[[round(x), round(y)] for x, y in s] for s in medians(data_dir, char)]
        ink = {"width": PAD, "height": PAD, "strokes": strokes}
        (out_dir / f"{char}.json").write_text(json.dumps(ink) + "\n", encoding="utf-8")


def measure(classify: Callable[[Ink], list[str]], cases: list[tuple[str, Ink]]) -> dict[str, float]:
    top1 = top5 = top10 = 0
    started = time.perf_counter()
    for char, ink in cases:
        found = classify(ink)
        top1 += found[:1] == [char]
        top5 += char in found[:5]
        top10 += char in found[:10]
    elapsed = time.perf_counter() - started
    n = len(cases)
    return {
        "top1": top1 / n,
        "top5": top5 / n,
        "top10": top10 / n,
        "ms_per_char": 1000 * elapsed / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="hanzi-writer-data package dir")
    parser.add_argument("--unihan", type=Path, default=UNIHAN)
    parser.add_argument("--limit", type=int, default=0, help="only the first N characters")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--out", type=Path, help="write the Markdown report here")
    parser.add_argument(
        "--export",
        metavar="CHARS",
        help="instead: write CHARS as `kiosk handwriting` files into --export-dir (test data)",
    )
    parser.add_argument("--export-dir", type=Path, default=ROOT / "tests/data/handwriting")
    args = parser.parse_args()
    if args.export:
        export(args.data, args.export, args.export_dir)
        return

    chars = level_one_characters(args.unihan)
    if args.limit:
        chars = chars[: args.limit]
    rng = random.Random(args.seed)
    clean, distorted = [], []
    for char in chars:
        strokes = medians(args.data, char)
        clean.append((char, clean_ink(strokes)))
        distorted.append((char, distorted_ink(strokes, rng)))

    raw, kiosk = ZinniaRecognizer(normalised=False), ZinniaRecognizer()
    rows = []
    for input_name, cases in (("clean", clean), ("distorted", distorted)):
        for name, recognizer in (("raw zinnia (baseline)", raw), ("kiosk (normalised)", kiosk)):
            figures = measure(lambda ink, r=recognizer: r.candidates(ink, 10), cases)  # type: ignore[misc]
            rows.append((input_name, name, figures))
            print(input_name, name, json.dumps(figures), file=sys.stderr)

    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    command = "nice -n 10 .venv/bin/python bench/handwriting_bench.py " + " ".join(sys.argv[1:])
    lines = [
        f"{len(chars)} characters (通用规范汉字表 一级), commit {commit}, "
        f"{platform.processor() or platform.machine()}, seed {args.seed}.",
        "",
        f"    {command}",
        "",
        "| input | recognizer | top 1 | top 5 | top 10 | ms / character |",
        "|---|---|---|---|---|---|",
    ]
    for input_name, name, f in rows:
        lines.append(
            f"| {input_name} | {name} | {f['top1']:.1%} | {f['top5']:.1%} | {f['top10']:.1%} "
            f"| {f['ms_per_char']:.1f} |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    if args.out:
        args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
