"""All SQL lives in bot/store/: no other module of the bot imports a database driver or
writes a statement (issue 14, item 1)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DRIVER = re.compile(r"^\s*(?:import|from)\s+(?:aiosqlite|asyncpg|sqlite3|psycopg\w*)\b", re.M)
STATEMENT = re.compile(r"\bSELECT\b[^\n]*\bFROM\b|\bINSERT INTO\b|\bUPDATE \w+ SET\b"
                       r"|\bDELETE FROM\b|\bCREATE (?:TABLE|INDEX)\b")


def outside_the_store() -> list[Path]:
    files = [p for folder in ("bot", "handlers", "tariffs") for p in (ROOT / folder).rglob("*.py")]
    return [p for p in files if (ROOT / "bot" / "store") not in p.parents]


def test_no_driver_and_no_sql_outside_the_store():
    found = []
    for path in outside_the_store():
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: {m.group(0).strip()}"
                  for pattern in (DRIVER, STATEMENT) for m in pattern.finditer(text)]
    assert found == []


def test_the_check_sees_sql():
    assert STATEMENT.search('sql = "SELECT id FROM requests WHERE code=?"')
    assert DRIVER.search("import aiosqlite\n")
