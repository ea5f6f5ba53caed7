"""`python -m bot understand "TEXT"` and `python -m bot understand --jsonl`.

One JSON object per text: {"intent", "target", "values"} (and the extras of
`Understanding.as_json`). With --jsonl, standard input has one {"text": "…"} object per
line (texts may contain newlines, escaped as JSON does) and standard output one answer
per line, in order; a line that is not such an object gets {"error": "…"} in its place.
Needs no database and no token; loads only bot/understand.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from bot.understand.matcher import lexicon, understand
from bot.understand.vocabulary import VocabularyError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Add `understand` to the main command line (for its help)."""
    sub = subparsers.add_parser("understand", help="what the bot understands of a text (JSON)")
    sub.add_argument("text", nargs="?", help="the text; or --jsonl to read lines from stdin")
    sub.add_argument("--jsonl", action="store_true",
                     help='read {"text": …} lines from stdin, write one JSON object per line')


def answers(lines: Iterable[str]) -> Iterator[str]:
    """One JSON answer per input line (blank lines are skipped)."""
    for line in lines:
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            text = item["text"] if isinstance(item, dict) else None
            if not isinstance(text, str):
                raise ValueError("expected an object with a string «text»")
        except (ValueError, KeyError) as exc:
            yield json.dumps({"error": str(exc)}, ensure_ascii=False)
            continue
        yield json.dumps(understand(text).as_json(), ensure_ascii=False)


def main(argv: list[str], stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Run the command; 0 done, 2 bad arguments or a bad vocabulary file."""
    parser = argparse.ArgumentParser(prog="python -m bot understand")
    parser.add_argument("text", nargs="?")
    parser.add_argument("--jsonl", action="store_true")
    args = parser.parse_args(argv)
    if args.jsonl == (args.text is not None):
        parser.error('give either a TEXT or --jsonl')
    try:
        lexicon()
    except VocabularyError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.text is not None:
        print(json.dumps(understand(args.text).as_json(), ensure_ascii=False), file=stdout)
        return 0
    for answer in answers(stdin):
        stdout.write(answer + "\n")
        stdout.flush() if stdout.isatty() else None
    return 0
