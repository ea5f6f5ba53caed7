"""Helpers shared by the tariff tests."""

from __future__ import annotations

import jdatetime
import pytest

from tariffs import BillInput

EA = "east-azarbaijan-urban-1398"


def jd(text: str) -> jdatetime.date:
    """1398/07/01 → jdatetime.date."""
    year, month, day = (int(p) for p in text.split("/"))
    return jdatetime.date(year, month, day)


@pytest.fixture
def make_bill():
    """Build a BillInput with defaults: EA 1398, household, Tabriz, 30 days in مهر, 20 m³."""

    def make(**over):
        data = {"schedule": EA, "usage": "household", "city": "tabriz",
                "start": jd("1398/07/01"), "end": jd("1398/08/01"), "consumption": 20}
        data.update(over)
        return BillInput(**data)

    return make
