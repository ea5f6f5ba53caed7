"""Texts the bot did not understand, counted for the clerks who grow its vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.engine import Database
from bot.text.fmt import now_utc


@dataclass(frozen=True)
class UnknownText:
    """A text as stored (folded, digits masked) and how often it came."""

    text: str
    count: int
    first_seen: str
    last_seen: str


class UnknownTextQueries:
    """The unknown-text store interface."""

    db: Database

    async def count_unknown_text(self, text: str) -> None:
        """Count one more occurrence of an already masked text (no personal data, no ids)."""
        now = now_utc().isoformat()
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO unknown_texts (text, count, first_seen, last_seen) VALUES (?, 1, ?, ?)"
                " ON CONFLICT (text) DO UPDATE SET count = unknown_texts.count + 1,"
                " last_seen = excluded.last_seen",
                (text, now, now),
            )

    async def unknown_texts(self, limit: int = 50) -> list[UnknownText]:
        """The most frequent unknown texts, most frequent (then most recent) first."""
        rows = await self.db.fetchall(
            "SELECT text, count, first_seen, last_seen FROM unknown_texts"
            " ORDER BY count DESC, last_seen DESC LIMIT ?", (limit,))
        return [UnknownText(r[0], int(r[1]), r[2], r[3]) for r in rows]
