"""`python -m bot qr NUMBER`: a PNG QR code of the link that opens NUMBER's bill inquiry,
for the utility to print on its paper bills (segno, a QR library without dependencies).

The link is Telegram's or Bale's, by `ABFA_PLATFORM`, to the bot named by `--username` or
`ABFA_BOT_USERNAME` (bot/runtime/deep_links.py). Error correction level M (15 %) survives a
smudged print; the module size and quiet zone suit a 2-3 cm square on paper.
"""

from __future__ import annotations

from pathlib import Path

import segno

from bot.runtime import deep_links
from bot.runtime.settings import Platform

SCALE = 10  # pixels per module
BORDER = 4  # modules of quiet zone, as the QR standard asks


def write_qr(link: str, path: Path) -> Path:
    """Write the PNG of a link's QR code; returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    segno.make(link, error="m", micro=False).save(path, kind="png", scale=SCALE, border=BORDER)
    return path


def qr_for(platform: Platform, username: str, number: str, payment_id: str | None,
           output: Path | None) -> tuple[str, Path]:
    """(the link, the PNG written) for a subscription number or bill ID (and payment ID);
    raises deep_links.LinkError for a number no link can carry."""
    payload = deep_links.payload_for(number, payment_id)
    link = deep_links.link_for(platform, username, payload)
    return link, write_qr(link, output or Path(f"qr-{payload}.png"))
