"""The read-aloud helper process: owns the QTextToSpeech engine, talks JSON lines on stdio.

Run by :class:`ui.speech.Speaker` as ``python -m ui.speech_helper --engine speechd``. Keeping the
engine in its own process is what makes read-aloud unable to freeze the kiosk: with no audio
device speech-dispatcher can hang, and then even *creating* a QTextToSpeech blocks while holding
Python's GIL (seen with PySide6 6.12), which would stop every thread of the kiosk. A helper that
hangs is simply killed.

stdin, one JSON object a line: ``{"cmd": "say", "text": …}``, ``{"cmd": "stop"}``, ``{"cmd": "quit"}``.
stdout: ``{"event": "probed", "available": bool, "voice": name}`` once, then
``{"event": "state", "state": "speaking" | "ready" | "error"}``.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

import ui  # noqa: F401  (the PySide6 6.12 None-refcount workaround)


def _emit(**event: Any) -> None:
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", default="speechd")
    parser.add_argument("--any-voice", action="store_true", help="accept any voice (tests)")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QCoreApplication, QLoggingCategory, QObject, Signal

    QLoggingCategory.setFilterRules("qt.multimedia.symbolsresolver=false")
    app = QCoreApplication(sys.argv[:1])
    from PySide6.QtTextToSpeech import QTextToSpeech

    from ui.speech import is_mandarin_voice

    if args.engine not in QTextToSpeech.availableEngines():
        _emit(event="probed", available=False, voice="", reason=f"no engine {args.engine}")
        return 0
    tts = QTextToSpeech(args.engine)
    if tts.state() == QTextToSpeech.State.Error:
        _emit(event="probed", available=False, voice="", reason=tts.errorString())
        return 0
    # None: every voice of every locale (speechd reports Mandarin under locale "C")
    voices = [v for v in tts.allVoices(None) if args.any_voice or is_mandarin_voice(v)]  # type: ignore[arg-type]
    if not voices:
        _emit(event="probed", available=False, voice="", reason="no Mandarin voice")
        return 0
    voices.sort(key=lambda v: "pinyin" not in v.name().lower())  # espeak-ng's good Mandarin
    tts.setVoice(voices[0])
    names = {QTextToSpeech.State.Speaking: "speaking", QTextToSpeech.State.Error: "error"}
    tts.stateChanged.connect(lambda state: _emit(event="state", state=names.get(state, "ready")))

    class Commands(QObject):
        received = Signal(str)

    commands = Commands()

    def handle(line: str) -> None:
        try:
            command = json.loads(line)
        except ValueError:
            return
        if command.get("cmd") == "say":
            tts.say(str(command.get("text", "")))
        elif command.get("cmd") == "stop":
            tts.stop()
        elif command.get("cmd") == "quit":
            app.quit()

    commands.received.connect(handle)

    def read_stdin() -> None:
        for line in sys.stdin:
            commands.received.emit(line)
        commands.received.emit('{"cmd": "quit"}')  # the kiosk went away

    threading.Thread(target=read_stdin, name="stdin", daemon=True).start()
    _emit(event="probed", available=True, voice=voices[0].name())
    return int(app.exec())


if __name__ == "__main__":
    sys.exit(main())
