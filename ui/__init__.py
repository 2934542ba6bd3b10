"""The villager-facing touch UI (PySide6 widgets). Started by ``kiosk run`` through
:func:`ui.app.run_kiosk`; ``kiosk screenshots`` comes from :mod:`ui.commands`.

Importing this package imports no Qt (``ui.commands`` must stay light for ``kiosk --help``).
"""

from ui import _none_refcount

_none_refcount.apply()
