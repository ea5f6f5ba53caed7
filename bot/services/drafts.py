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
PROFILE = "applicant_profile"
PROFILE_FIELDS = ("national_id", "full_name", "mobile")


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


def applies(svc: Service, step: Step, draft: dict[str, Any]) -> bool:
    """Whether this step is asked of this draft (see the module docstring)."""
    if step.kind == "field":
        spec = svc.field(step.item or "")
        return spec is not None and spec.applies(draft["answers"])
    if step.kind == "document":
        doc = svc.document(step.item or "")
        return doc is not None and not (doc.on_file_when_verified and draft.get("verified"))
    return True


def next_position(svc: Service, draft: dict[str, Any], after: int) -> int:
    """The first step after `after` that applies to the draft (the summary at the latest)."""
    steps = plan(svc)
    pos = after + 1
    while pos < len(steps) - 1 and not applies(svc, steps[pos], draft):
        pos += 1
    return min(pos, len(steps) - 1)


def first_missing(svc: Service, draft: dict[str, Any]) -> int | None:
    """The index of the first step that applies and whose required answer or document the
    draft lacks."""
    documents = {d["doc_type"] for d in draft["documents"]}
    for index, step in enumerate(plan(svc)):
        if not applies(svc, step, draft):
            continue
        if step.kind == "subscription":
            missing = not draft["subscription"]
        elif step.kind == "location":
            missing = not draft["location"]
        elif step.kind == "applicant":
            spec = next(f for f in applicant_fields() if f.id == step.item)
            missing = spec.required and step.item not in draft["applicant"]
        elif step.kind == "field":
            missing = svc.field(step.item or "").required and step.item not in draft["answers"]
        elif step.kind == "document":
            missing = svc.document(step.item or "").required and step.item not in documents
        else:
            missing = False
        if missing:
            return index
    return None


def kept_answers(svc: Service, draft: dict[str, Any]) -> dict[str, Any]:
    """The answers of the fields that apply (an answer left from before an edit that made
    its field moot, e.g. a capacity after switching to household use, is dropped)."""
    return {f.id: draft["answers"][f.id] for f in svc.fields
            if f.id in draft["answers"] and f.applies(draft["answers"])}


def kept_documents(svc: Service, draft: dict[str, Any]) -> list[dict[str, Any]]:
    """The uploaded documents whose step applies."""
    asked = {s.item for s in plan(svc) if s.kind == "document" and applies(svc, s, draft)}
    return [d for d in draft["documents"] if d["doc_type"] in asked]


def new_draft(service_id: str) -> dict[str, Any]:
    """An empty draft for a service, with a random id that makes its submission idempotent."""
    return {"service": service_id, "draft_id": secrets.token_hex(8), "pos": 0,
            "subscriber_id": None, "subscription": None, "verified": False,
            "applicant": {}, "answers": {}, "location": None, "documents": [],
            "editing": False, "profile": None}


def remembered(user_data: MutableMapping[str, Any] | None) -> dict[str, str]:
    """The applicant details kept from the user's last request (maybe empty)."""
    return dict((user_data or {}).get(PROFILE) or {})


def remember(user_data: MutableMapping[str, Any], applicant: dict[str, str]) -> None:
    """Keep the applicant's national ID, name and mobile for their next request."""
    profile = {k: applicant[k] for k in PROFILE_FIELDS if applicant.get(k)}
    if profile:
        user_data[PROFILE] = profile


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
