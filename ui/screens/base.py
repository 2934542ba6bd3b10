"""What every screen has: a name, a title, ``enter(params)``, ``reset()``; and the navigator."""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

from PySide6.QtWidgets import QWidget

from ui.services import Services

__all__ = ["Navigator", "Screen"]


class Navigator(Protocol):
    """Moves between screens (the main window)."""

    def go(self, screen: str, **params: Any) -> None: ...

    def replace(self, screen: str, **params: Any) -> None: ...

    def back(self) -> None: ...

    def home(self) -> None: ...

    def request_exit(self) -> None: ...


class Screen(QWidget):
    """Base of all screens."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""

    def __init__(self, services: Services, nav: Navigator) -> None:
        super().__init__()
        self.services = services
        self.nav = nav
        self.setObjectName(f"{type(self).__name__}")
        self.setProperty("role", "page")

    def enter(self, params: dict[str, Any]) -> None:
        """Show the screen for ``params`` (from a tap, or from the history on 返回)."""

    def params(self) -> dict[str, Any]:
        """What ``enter`` needs to show this screen again as it is now."""
        return {}

    def leave(self) -> None:
        """The screen is being left (stop reading aloud, timers …)."""

    def reset(self) -> None:
        """Forget everything the person entered (idle timeout)."""

    def theme_changed(self) -> None:
        """Colours or text size changed (things drawn in code, not by the stylesheet, redo)."""

    def screen_title(self) -> str:
        return self.title
