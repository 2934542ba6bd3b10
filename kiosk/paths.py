"""Where things live: the bundled assets folder and the per-machine data directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: The ``assets/`` folder shipped beside the packages (in a checkout and in the wheel alike).
ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"

#: Environment variable that overrides the data directory (``--data-dir`` overrides both).
DATA_DIR_ENV = "KIOSK_DATA_DIR"


def default_data_dir() -> Path:
    """The data directory: ``$KIOSK_DATA_DIR`` or the platform's user data dir."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("zwgk-kiosk", appauthor=False))


def asset(*parts: str) -> Path:
    """Path of a bundled asset, e.g. ``asset("synonyms.tsv")``."""
    return ASSETS_DIR.joinpath(*parts)
