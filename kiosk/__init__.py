"""政务公开查阅机 — core: configuration, document records, the SQLite store and the CLI.

The core modules import none of ``index``, ``sync`` or ``ui``; only the composition root
(``kiosk.cli``, ``kiosk.app``, ``kiosk.__main__``) wires them together, lazily.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
