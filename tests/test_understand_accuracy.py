"""Accuracy of bot/understand on labelled utterances (tests/data/understand_*.yaml).

`dev` is what the vocabulary was tuned on; `heldout` was written before the vocabulary and
is not tuned on. `blind-tune` and `blind-holdout` (understand_blind.yaml) were written by
another hand before reading the vocabulary or the matcher; the first half was tuned on, the
second never read for tuning, and their expected values are exact (no value more, none
less). Each part is reported (run with -s to see the figures) and must stay above its
threshold; every pasted identifier must be read right in all of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.understand import understand
from bot.understand.vocabulary import INTENTS, read_catalogs

DATA = Path(__file__).parent / "data"
THRESHOLDS = {"dev": 0.97, "heldout": 0.93, "blind-tune": 0.97, "blind-holdout": 0.95}
BLIND = {"blind-tune": "tune", "blind-holdout": "holdout"}
IDENTIFIERS = ("subscription_number", "bill_id", "payment_id", "tracking_code")


def items(part: str) -> list[dict]:
    """The labelled utterances of one part."""
    if part in BLIND:
        blind = yaml.safe_load((DATA / "understand_blind.yaml").read_text(encoding="utf-8"))
        return [{**item, "exact": True} for item in blind[BLIND[part]]]
    return yaml.safe_load((DATA / f"understand_{part}.yaml").read_text(encoding="utf-8"))


def right(item: dict) -> bool:
    """Intent, target and every labelled value as expected (and no other value: blind set)."""
    got = understand(item["text"])
    expected = item.get("values") or {}
    return (got.intent == item["intent"] and got.target == item.get("target")
            and (got.values == expected if item.get("exact") else
                 all(got.values.get(k) == v for k, v in expected.items())))


@pytest.mark.parametrize("part", sorted(THRESHOLDS))
def test_accuracy(part: str) -> None:
    labelled = items(part)
    wrong = [item["text"] for item in labelled if not right(item)]
    accuracy = 1 - len(wrong) / len(labelled)
    print(f"\nunderstand accuracy on {part}: {len(labelled) - len(wrong)}/{len(labelled)}"
          f" = {accuracy:.1%}")
    assert accuracy >= THRESHOLDS[part], f"{part}: {accuracy:.1%}; wrong: {wrong}"


@pytest.mark.parametrize("part", sorted(THRESHOLDS))
def test_every_pasted_identifier_is_read_right(part: str) -> None:
    for item in items(part):
        expected = {k: v for k, v in (item.get("values") or {}).items() if k in IDENTIFIERS}
        got = understand(item["text"]).values
        assert {k: got.get(k) for k in expected} == expected, item["text"]


def test_the_set_covers_every_intent_and_target() -> None:
    labelled = items("dev") + items("heldout")
    assert len(labelled) >= 300
    seen = {(i["intent"], i.get("target")) for i in labelled}
    catalogs = read_catalogs()
    for intent in INTENTS:
        assert any(i == intent for i, _ in seen), intent
    for intent, targets in (("service", catalogs.services), ("incident", catalogs.incidents),
                            ("info", catalogs.topics)):
        for target in targets:
            assert (intent, target) in seen, (intent, target)
    assert ("unknown", None) in seen
