"""Click commands from the UI package, registered lazily by ``kiosk.cli``.

Importing this module does not import Qt, so ``kiosk --help`` stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from kiosk.app import KioskContext

__all__ = ["screenshots"]

pass_context = click.make_pass_decorator(KioskContext)


@click.command()
@click.argument("outdir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--only", multiple=True, help="Render only this screen (e.g. 01-home); repeatable.")
@pass_context
def screenshots(context: KioskContext, outdir: Path, only: tuple[str, ...]) -> None:
    """Render every screen to PNG (1920×1080) in OUTDIR, on the demo content when empty."""
    # no display needed: render off screen (set before the first Qt import creates the app)
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    context.ensure_content()
    from ui.screenshots import render_screenshots

    for path in render_screenshots(context, outdir, list(only) or None):
        click.echo(str(path))
