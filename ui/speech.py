"""Read-aloud with QtTextToSpeech, only where a Mandarin voice exists, never blocking the UI.

speech-dispatcher lists no zh_CN locale: its Mandarin voices come back with locale "C", so voices
are picked by locale *or* by name ("Chinese (Mandarin…)", "cmn", "zh"), preferring espeak-ng's
"latin as Pinyin" variant (NOTES-qt.md). When the engine's library is missing or no Mandarin voice
is installed, ``available`` stays False and the UI hides the button.

The engine lives in a helper process (:mod:`ui.speech_helper`) driven through QProcess: with no
audio device speech-dispatcher can hang, and a hung engine call holds Python's GIL, which would
freeze the whole kiosk if it ran in-process. The kiosk only writes requests and keeps a watchdog:
a probe or a reading that does not answer in time gets the helper killed, ``failed`` reported and
read-aloud switched off until the kiosk restarts.

Debian packages for a Mandarin voice: ``speech-dispatcher speech-dispatcher-espeak-ng espeak-ng``
(plus a working audio sink, e.g. ``pulseaudio`` or ``pipewire-pulse``).
"""

from __future__ import annotations

import ctypes.util
import json
import logging
import re
import sys
from typing import Any

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from ui.workers import python_child

__all__ = ["Speaker", "is_mandarin_voice"]

log = logging.getLogger(__name__)

_MANDARIN_NAME = re.compile(r"mandarin|chinese|cmn|普通话|中文|\bzh\b", re.IGNORECASE)
# Rough pace of Mandarin text-to-speech, characters per second, for the watchdog.
_CHARS_PER_SECOND = 3.0
_MAX_CHARS = 20_000
_PROBE_TIMEOUT_MS = 20_000


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
    """Reads text aloud in Mandarin when it can; see the module docstring.

    Signals:
        availability_changed(bool): the probe finished, or read-aloud was switched off.
        state_changed(bool): True while reading.
        failed(str): the reading could not start or hung; a calm sentence for the screen.
    """

    availability_changed = Signal(bool)
    state_changed = Signal(bool)
    failed = Signal(str)

    def __init__(
        self,
        engine: str = "speechd",
        start_timeout_s: float = 5.0,
        *,
        any_voice: bool = False,
        start_delay_ms: int = 2000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.engine_name = engine
        self.start_timeout_ms = int(start_timeout_s * 1000)
        self.available = False
        self.voice_name = ""
        self.speaking = False
        self._started = False
        self._expected_ms = 0
        self._buffer = b""
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(self._on_watchdog)
        self.process: QProcess | None = None
        self._arguments: list[str] = []
        if not engine or not _engine_library_present(engine):
            log.info("read-aloud off: no %r text-to-speech engine library", engine)
            return
        self._arguments = ["-m", "ui.speech_helper", "--engine", engine]
        if any_voice:
            self._arguments.append("--any-voice")
        # a second Python process starting up: not while the kiosk itself is starting
        QTimer.singleShot(start_delay_ms, self._start_helper)

    def _start_helper(self) -> None:
        if not self._arguments:
            return
        process = python_child(self, {"QT_QPA_PLATFORM": "offscreen"})
        process.readyReadStandardOutput.connect(self._on_output)
        process.finished.connect(self._on_finished)
        process.start(sys.executable, self._arguments)
        self.process = process
        self._watchdog.start(_PROBE_TIMEOUT_MS)  # the probe must answer too

    # -- requests --------------------------------------------------------------------------
    def say(self, text: str) -> bool:
        """Start reading ``text`` (returns at once); False (and ``failed``) when unavailable."""
        if not self.available:
            self.failed.emit("本机没有安装中文朗读语音。")
            return False
        self.stop()
        text = text[:_MAX_CHARS]
        self._started = False
        self.speaking = True
        self.state_changed.emit(True)
        self._expected_ms = int(len(text) / _CHARS_PER_SECOND * 1000) + 10_000
        self._watchdog.start(self.start_timeout_ms)
        self._send({"cmd": "say", "text": text})
        return True

    def stop(self) -> None:
        if self.speaking:
            self._watchdog.stop()
            self._send({"cmd": "stop"})
            self.speaking = False
            self.state_changed.emit(False)

    def shutdown(self) -> None:
        """Stop the helper (at exit)."""
        self._arguments = []  # a helper not started yet never will be
        self.stop()
        self._watchdog.stop()
        process, self.process = self.process, None
        if process is None or process.state() == QProcess.ProcessState.NotRunning:
            return
        process.finished.disconnect(self._on_finished)
        process.write(b'{"cmd": "quit"}\n')
        process.closeWriteChannel()
        if not process.waitForFinished(1000):
            process.kill()
            process.waitForFinished(1000)

    def _send(self, command: dict[str, Any]) -> None:
        if self.process is not None and self.process.state() == QProcess.ProcessState.Running:
            self.process.write((json.dumps(command, ensure_ascii=False) + "\n").encode())

    # -- events from the helper ------------------------------------------------------------
    def _on_output(self) -> None:
        if self.process is None:
            return
        self._buffer += bytes(self.process.readAllStandardOutput().data())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "probed":
                self._on_probed(
                    bool(event.get("available")),
                    str(event.get("voice", "")),
                    str(event.get("reason", "")),
                )
            elif event.get("event") == "state":
                self._on_state(str(event.get("state")))

    def _on_probed(self, available: bool, voice: str, reason: str) -> None:
        if not self.speaking:
            self._watchdog.stop()
        self.available, self.voice_name = available, voice
        if available:
            log.info("read-aloud with voice %r", voice)
        else:
            log.info("read-aloud off: %s", reason)
        self.availability_changed.emit(available)

    def _on_state(self, state: str) -> None:
        if not self.speaking:
            return
        if state == "speaking":
            if not self._started:
                self._started = True
                self._watchdog.start(self._expected_ms)
        elif self._started or state == "error":
            self._watchdog.stop()
            self.speaking = False
            self.state_changed.emit(False)
            if state == "error":
                self.failed.emit("朗读出了问题，请稍后再试。")

    def _on_finished(self, *_args: Any) -> None:
        self._switch_off("read-aloud helper exited")

    def _on_watchdog(self) -> None:
        if not self.speaking and not self.available:
            self._switch_off("read-aloud probe did not answer")
            return
        self._switch_off("read-aloud " + ("hung" if self._started else "never started"))
        self.failed.emit("朗读没有声音，请找工作人员检查音箱。")

    def _switch_off(self, why: str) -> None:
        was_available = self.available
        self._watchdog.stop()
        if self.speaking:
            self.speaking = False
            self.state_changed.emit(False)
        self.available = False
        process, self.process = self.process, None
        if process is not None and process.state() != QProcess.ProcessState.NotRunning:
            log.warning("%s; stopping it", why)
            process.finished.disconnect(self._on_finished)
            process.kill()
            process.waitForFinished(1000)
        if was_available:
            self.availability_changed.emit(False)
