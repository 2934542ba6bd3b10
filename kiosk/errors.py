"""The core's exceptions. Each carries a calm sentence for the person at the screen."""


class KioskError(Exception):
    """Base of every expected problem in the core (bad input, unreadable data dir …).

    The message is shown to a librarian as is: one sentence, Chinese first.
    """


class RecordError(KioskError):
    """A document record that cannot be stored (missing title, bad date, not JSON …)."""


class StoreError(KioskError):
    """The store cannot be opened, migrated or written."""
