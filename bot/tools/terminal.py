"""Text for a terminal: what applicants typed must not drive the operator's terminal.

Names, addresses, notes and file names come from the public; printed raw, an escape
sequence could clear the screen, rewrite earlier lines, change the window title or
hide text, and a right-to-left override could disguise what a line says. Every
terminal output of the tools (`ops list`, `ops show`, the other `ops` and import
reports, the console demo) goes through `clean` (`say`, or a stream wrapped in
`CleanStream`): control characters (C0 but newline and tab, DEL, C1 — ESC and CSI
with them, so no sequence can start) and bidi embeddings, overrides and isolates are
removed; Persian's zero-width (non-)joiners stay.
"""

from __future__ import annotations

import sys
from typing import TextIO

from bot.text.normalise import strip_controls as clean


def say(*parts: object, file: TextIO | None = None) -> None:
    """print() for the tools: every part cleaned."""
    print(*(clean(str(p)) for p in parts), file=file or sys.stdout)


class CleanStream:
    """A text stream that writes everything cleaned (the console demo's output)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write the cleaned text."""
        return self.stream.write(clean(text))

    def flush(self) -> None:
        """Flush the stream."""
        self.stream.flush()
