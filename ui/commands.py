"""Click commands from the UI package, registered lazily by ``kiosk.cli``.

Importing this module does not import Qt, so ``kiosk --help`` stays fast.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from kiosk.app import KioskContext

__all__ = ["screenshots"]

pass_context = click.make_pass_decorator(KioskContext)


@click.command()
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--only", multiple=True, help="Render only this screen (e.g. 01-home); repeatable.")
@click.option(
    "--size",
    default="1920x1080",
    show_default=True,
    help="Panel size WIDTHxHEIGHT, e.g. 1366x768 or 1080x1920 (portrait).",
)
@click.option("--large-text", is_flag=True, help="With 大字 switched on.")
@pass_context
def screenshots(
    context: KioskContext, outdir: Path, only: tuple[str, ...], size: str, large_text: bool
) -> None:
    """Render every screen to PNG in OUTDIR, on the demo content when empty."""
    match = re.fullmatch(r"\s*(\d{3,5})\s*[x×*]\s*(\d{3,5})\s*", size)
    if match is None:
        raise click.BadParameter("写成 宽x高，例如 1366x768。(WIDTHxHEIGHT)", param_hint="--size")
    # no display needed: render off screen (set before the first Qt import creates the app)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    context.ensure_content()
    from ui.screenshots import render_screenshots

    panel = (int(match.group(1)), int(match.group(2)))
    for path in render_screenshots(
        context, outdir, list(only) or None, size=panel, large_text=large_text
    ):
        click.echo(str(path))
