"""`python -m bot demo` with piped standard input: the real bot, scripted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.text.i18n import t


def run_demo(tmp_path: Path, lines: list[str], *extra: str) -> str:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ABFA_")},
           "ABFA_DEMO_DATABASE": str(tmp_path / "demo.sqlite3")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", *extra], input="\n".join(lines) + "\n", text=True,
        capture_output=True, env=env, cwd=tmp_path, timeout=120, check=True)
    return done.stdout


def test_demo_shows_the_persian_menu_and_reacts(tmp_path):
    out = run_demo(tmp_path, ["سلام", "/help", "/quit"], "demo", "--size", "30")
    assert t("menu.bills") in out and "[1]" in out
    assert t("common.unknown_input") in out
    assert "۱۲۲" in out  # the help text with the emergency number
    assert (tmp_path / "demo.sqlite3").exists()


def test_run_without_a_token_starts_the_demo(tmp_path):
    run_demo(tmp_path, ["/quit"], "demo", "--size", "20")  # build the small database first
    out = run_demo(tmp_path, ["7"], "run")  # "7" presses the 7th button: help
    assert "۱۲۲" in out


def test_the_banner_shows_the_database_path_as_it_is(tmp_path):
    out = run_demo(tmp_path, ["/quit"], "demo", "--size", "20")
    assert str(tmp_path / "demo.sqlite3") in out  # a path keeps its ASCII digits
