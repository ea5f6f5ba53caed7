"""Issue 13, point 15: the schedule id printed by `python -m tariffs schedules` (Persian
digits) is accepted back by `python -m bot import`, and by the tariff CLI, in any digits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.domain.identifiers import BillId, SubscriptionNumber
from tariffs import get_schedule
from tariffs.cli import main as tariffs_main


def _printed_ids(capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert tariffs_main(["schedules"]) == 0
    return [line.split(":", 1)[0] for line in capsys.readouterr().out.splitlines()]


def test_printed_ids_are_accepted_in_any_digits(capsys):
    printed = _printed_ids(capsys)
    assert "east-azarbaijan-urban-۱۳۹۸" in printed  # the locale shows digits in Persian
    for shown in printed:
        arabic = shown.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "٠١٢٣٤٥٦٧٨٩"))
        assert get_schedule(shown).id == get_schedule(arabic).id == get_schedule(f" {shown} ").id
    assert tariffs_main(["branch-fee", "--schedule", "east-azarbaijan-urban-۱۳۹۸",
                         "--city", "tabriz", "--zone", "3"]) == 0


def test_import_takes_the_printed_id(tmp_path: Path, capsys):
    printed = next(i for i in _printed_ids(capsys) if i.startswith("east-azarbaijan"))
    number = SubscriptionNumber.build("11", "0001", "123").digits
    bill = BillId.build("7700123").digits
    csv = tmp_path / "subscribers.csv"
    csv.write_text("subscription_number,bill_id,name,phone,schedule,city,usage\n"
                   f"{number},{bill},مریم رضایی,09121234567,{printed},tabriz,household\n",
                   encoding="utf-8")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ABFA_")},
           "ABFA_DATABASE": str(tmp_path / "abfa.sqlite3")}
    done = subprocess.run([sys.executable, "-m", "bot", "import", "subscribers", str(csv)],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / "abfa.sqlite3") as conn:
        assert conn.execute("SELECT schedule FROM subscribers").fetchall() == [
            ("east-azarbaijan-urban-1398",)]
