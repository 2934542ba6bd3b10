"""The kiosk's screens; each is a QWidget subclass of :class:`ui.screens.base.Screen`."""
