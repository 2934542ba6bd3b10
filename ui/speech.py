"""Read-aloud with QtTextToSpeech, only where a Mandarin voice exists, never blocking.

speech-dispatcher lists no zh_CN locale: its Mandarin voices come back with locale "C", so voices
are picked by locale *or* by name ("Chinese (Mandarin…)", "cmn", "zh"). When the engine's library
is missing or no Mandarin voice is installed, ``available`` is False and the UI hides the button.

``say()`` returns at once. Without an audio device speech-dispatcher may sit in "Speaking"
forever (NOTES-qt.md), so a watchdog stops a reading that has not started within
``start_timeout_s`` or outlasts its expected length, and reports ``failed``.

Debian packages for a Mandarin voice: ``speech-dispatcher speech-dispatcher-espeak-ng espeak-ng``
(plus a working audio sink, e.g. ``pulseaudio`` or ``pipewire-pulse``).
"""

from __future__ import annotations

import ctypes.util
import logging
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

__all__ = ["Speaker", "is_mandarin_voice"]

log = logging.getLogger(__name__)

_MANDARIN_NAME = re.compile(r"mandarin|chinese|cmn|普通话|中文|\bzh\b", re.IGNORECASE)
# Rough pace of Mandarin text-to-speech, characters per second, for the watchdog.
_CHARS_PER_SECOND = 3.0
_MAX_CHARS = 20_000


def is_mandarin_voice(voice: Any) -> bool:
    """True for a QVoice that speaks Mandarin (by locale, or by name when the locale is "C")."""
    from PySide6.QtCore import QLocale

    if voice.locale().language() == QLocale.Language.Chinese:
        return True
    return bool(_MANDARIN_NAME.search(voice.name()))


def _engine_library_present(engine: str) -> bool:
    if engine == "speechd":
        return ctypes.util.find_library("speechd") is not None
    return True


class Speaker(QObject):
    """Reads text aloud in Mandarin when it can.

    Signals:
        state_changed(bool): True while reading.
        failed(str): the reading could not start or hung; a calm sentence for the screen.
    """

    state_changed = Signal(bool)
    failed = Signal(str)

    def __init__(
        self,
        engine: str = "speechd",
        voice_filter: Callable[[Any], bool] = is_mandarin_voice,
        start_timeout_s: float = 5.0,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine_name = engine
        self.voice_filter = voice_filter
        self.start_timeout_ms = int(start_timeout_s * 1000)
        self._tts: Any = None
        self._voice: Any = None
        self._probed = False
        self.speaking = False
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_watchdog)
        self._started = False

    @property
    def available(self) -> bool:
        self._probe()
        return self._voice is not None

    def _probe(self) -> None:
        if self._probed:
            return
        self._probed = True
        if not self.engine_name or not _engine_library_present(self.engine_name):
            log.info("read-aloud off: no %r text-to-speech engine library", self.engine_name)
            return
        try:
            from PySide6.QtCore import QLoggingCategory

            # QtMultimedia complains about a missing PipeWire on import; PulseAudio/ALSA still work
            QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver=false")
            from PySide6.QtTextToSpeech import QTextToSpeech

            if self.engine_name not in QTextToSpeech.availableEngines():
                log.info("read-aloud off: engine %r not available", self.engine_name)
                return
            tts = QTextToSpeech(self.engine_name, self)
            if tts.state() == QTextToSpeech.State.Error:
                log.warning("read-aloud off: %s", tts.errorString())
                return
            # None: every voice of every locale (speechd reports Mandarin under locale "C")
            voices = [v for v in tts.allVoices(None) if self.voice_filter(v)]  # type: ignore[arg-type]
        except (ImportError, RuntimeError) as e:
            log.warning("read-aloud off: %s", e)
            return
        if not voices:
            log.info("read-aloud off: no Mandarin voice in engine %r", self.engine_name)
            return
        tts.setVoice(voices[0])
        tts.stateChanged.connect(self._on_state)
        self._tts, self._voice = tts, voices[0]

    def say(self, text: str) -> bool:
        """Start reading ``text``; False (and ``failed``) when read-aloud is unavailable."""
        if not self.available:
            self.failed.emit("本机没有安装中文朗读语音。")
            return False
        self.stop()
        text = text[:_MAX_CHARS]
        self._started = False
        self.speaking = True
        self.state_changed.emit(True)
        self._watchdog.start(self.start_timeout_ms)
        self._expected_ms = int(len(text) / _CHARS_PER_SECOND * 1000) + 10_000
        self._tts.say(text)
        return True

    def stop(self) -> None:
        self._watchdog.stop()
        if self._tts is not None and self.speaking:
            self._tts.stop()
        if self.speaking:
            self.speaking = False
            self.state_changed.emit(False)

    def _on_state(self, state: Any) -> None:
        from PySide6.QtTextToSpeech import QTextToSpeech

        if state == QTextToSpeech.State.Speaking:
            if not self._started:
                self._started = True
                self._watchdog.start(self._expected_ms)
        elif (
            state in (QTextToSpeech.State.Ready, QTextToSpeech.State.Error)
            and self.speaking
            and self._started
        ):
            self._watchdog.stop()
            self.speaking = False
            self.state_changed.emit(False)
            if state == QTextToSpeech.State.Error:
                self.failed.emit("朗读出了问题，请稍后再试。")

    def _on_watchdog(self) -> None:
        log.warning("read-aloud timed out (%s)", "never started" if not self._started else "hung")
        self.stop()
        self.failed.emit("朗读没有声音，请找工作人员检查音箱。")
