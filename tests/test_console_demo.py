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
    assert t("understand.greeting") in out  # «سلام» typed at the menu is understood
    assert "۱۲۲" in out  # the help text with the emergency number
    assert (tmp_path / "demo.sqlite3").exists()


def test_run_without_a_token_starts_the_demo(tmp_path):
    run_demo(tmp_path, ["/quit"], "demo", "--size", "20")  # build the small database first
    out = run_demo(tmp_path, ["7"], "run")  # "7" presses the 7th button: help
    assert "۱۲۲" in out


def test_the_banner_shows_the_database_path_as_it_is(tmp_path):
    out = run_demo(tmp_path, ["/quit"], "demo", "--size", "20")
    assert str(tmp_path / "demo.sqlite3") in out  # a path keeps its ASCII digits


def test_typed_numbers_answer_and_buttons_keep_their_marks(tmp_path):
    """Issue 13, point 16: inline buttons get letters, the menu its numbers on every screen;
    a number typed where the bot asks for one (units, days, m³) is sent, never a button."""
    out = run_demo(tmp_path, ["3", "a", "5", "a", "a", "a", "تبریز", "2", "45", "30", "b",
                              "25", "#7", "/quit"], "demo", "--size", "20")
    services = out.split("👤 3\n", 1)[1].split("👤 a\n", 1)[0]
    assert "[a] نصب سیفون اضافه" in services
    assert f"[1] {t('menu.bills')}" in services and f"[7] {t('menu.help')}" in services
    assert "[16]" not in out  # the menu does not move below the inline buttons any more
    card = out.split("👤 a\n", 1)[1].split("👤 5\n", 1)[0]
    assert "نصب سیفون اضافه" in card and t("services.button_start") in card
    assert t("calc.ask_days") in out.split("👤 2\n", 1)[1].split("👤 45\n", 1)[0]
    assert t("calc.ask_consumption", days=45) in out  # «45» was the answer, not a button
    assert t("calc.ask_sewage") in out.split("👤 30\n", 1)[1]
    assert "۲۵ مترمکعب مصرف کنید" in out.split("👤 25\n", 1)[1]  # the typed what-if
    assert "۱۲۲" in out.split("👤 #7\n", 1)[1]  # «#7» pressed the menu's help button


def test_a_number_picks_a_choice_of_a_question(tmp_path):
    out = run_demo(tmp_path, ["3", "d", "a", "0013542419", "علی رضایی", "09123456789",
                              "تبریز، خیابان امام، کوچه گلستان، پلاک ۴", "2", "/quit"],
                   "demo", "--size", "20")
    before, after = out.split("👤 2\n", 1)
    assert "[2] سردرود" in before  # the city question's choices, numbered
    assert t("requests.ask_choice", label="کاربری") in after  # «2» chose سردرود (no zones)
