"""``kiosk handwriting FILE.json...``: candidates for written characters, for scripts and benches."""

from __future__ import annotations

import json
from pathlib import Path

import click

from kiosk.handwriting import MODEL_PATH, HandwritingError, ZinniaRecognizer, load_ink

__all__ = ["handwriting"]


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option(
    "--model",
    type=click.Path(dir_okay=False, path_type=Path),
    default=MODEL_PATH,
    show_default=True,
    help="zinnia model file.",
)
def handwriting(files: tuple[Path, ...], limit: int, model: Path) -> None:
    """Print one JSON list of candidate characters per FILE, best first.

    A FILE holds one written character: {"width": W, "height": H, "strokes": [[[x, y], …], …]},
    y growing downwards. A file that cannot be read is reported on stderr and prints [].
    """
    try:
        recognizer = ZinniaRecognizer(model)
    except HandwritingError as e:
        raise click.ClickException(str(e)) from e
    failed = 0
    try:
        for path in files:
            try:
                found = recognizer.candidates(load_ink(path), limit)
            except HandwritingError as e:
                click.echo(f"跳过 {e}", err=True)
                failed += 1
                found = []
            click.echo(json.dumps(found, ensure_ascii=False))
    finally:
        recognizer.close()
    if failed:
        raise SystemExit(1)
