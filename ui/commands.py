"""Click commands from the UI package, registered lazily by ``kiosk.cli``.

Importing this module does not import Qt, so ``kiosk --help`` stays fast.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from kiosk.app import KioskContext

__all__ = ["screenshots", "set_pin"]

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


@click.command("set-pin")
@click.option(
    "--pin", prompt="新的管理员密码 (4–8 digits)", hide_input=True, confirmation_prompt=True
)
@pass_context
def set_pin(context: KioskContext, pin: str) -> None:
    """Set the librarian PIN (stored hashed) that unlocks the kiosk's librarian area."""
    from ui.pin import PinGuard, valid_pin

    if not valid_pin(pin):
        raise click.ClickException("密码应为 4 到 8 位数字。(PIN must be 4–8 digits)")
    PinGuard(context.store()).set_pin(pin)
    click.echo("管理员密码已设置。(PIN set)")
