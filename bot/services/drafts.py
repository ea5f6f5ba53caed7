"""A service request being filled in: its ordered steps and the parked copy for coming back.

While the request conversation is active its draft lives in `user_data["service_request"]`
(the conversation convention: ending the conversation drops it). Every step also copies
the draft to `user_data[PARKED]`, which survives leaving through the main menu: the next
time the user opens the services the bot offers to continue from the same step or to
discard it. Submitting or discarding removes it, and so does /cancel
(handlers/navigation.py calls `discard_parked`): leaving through the menu keeps the
draft, cancelling keeps nothing. Nothing is stored as a request until the user confirms
the summary.
"""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from bot.services.catalog import Service, applicant_fields

PARKED = "service_request_parked"


@dataclass(frozen=True)
class Step:
    """One question of the request: subscription | applicant | field | location | document | confirm."""

    kind: str
    item: str | None = None


def plan(svc: Service) -> list[Step]:
    """The ordered steps of a request for this service."""
    steps = [Step("subscription")] if svc.who == "subscriber" else [
        Step("applicant", f.id) for f in applicant_fields()
    ]
    steps += [Step("field", f.id) for f in svc.fields]
    if svc.needs_location:
        steps.append(Step("location"))
    steps += [Step("document", d.id) for d in svc.documents]
    steps.append(Step("confirm"))
    return steps


def new_draft(service_id: str) -> dict[str, Any]:
    """An empty draft for a service, with a random id that makes its submission idempotent."""
    return {"service": service_id, "draft_id": secrets.token_hex(8), "pos": 0, "subscriber_id": None, "subscription": None,
            "applicant": {}, "answers": {}, "location": None, "documents": []}


def park(user_data: MutableMapping[str, Any], draft: dict[str, Any]) -> None:
    """Keep a copy of the draft for coming back after leaving the conversation."""
    user_data[PARKED] = {**draft, "applicant": dict(draft["applicant"]),
                         "answers": dict(draft["answers"]), "documents": list(draft["documents"])}


def parked(user_data: MutableMapping[str, Any] | None) -> dict[str, Any] | None:
    """The parked draft, if any."""
    return (user_data or {}).get(PARKED)


def discard_parked(user_data: MutableMapping[str, Any] | None) -> bool:
    """Forget the parked draft; True if there was one."""
    return user_data is not None and user_data.pop(PARKED, None) is not None
