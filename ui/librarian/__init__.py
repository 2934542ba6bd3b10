"""The librarian area's pages (behind the hidden corner and the PIN): status, quarantine review,
sync and USB import, usage statistics. :class:`ui.screens.librarian.LibrarianScreen` hosts them.
"""

from ui.librarian.common import Page
from ui.librarian.local import LocalPage
from ui.librarian.quarantine import QuarantinePage
from ui.librarian.settings import SettingsPage
from ui.librarian.standards import StandardsPage
from ui.librarian.stats import StatsPage
from ui.librarian.status import StatusPage
from ui.librarian.syncpage import SyncPage

__all__ = [
    "LocalPage",
    "Page",
    "QuarantinePage",
    "SettingsPage",
    "StandardsPage",
    "StatsPage",
    "StatusPage",
    "SyncPage",
]
