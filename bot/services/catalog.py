"""The service catalog: every service and incident type, loaded from bot/data/services.yaml.

Stable API (the operator workflow, the notifier and the handlers rely on these names):

* `services()` → tuple of `Service`, in catalog order; `service(id)` → `Service`
  (KeyError if unknown); `incident_types()` → tuple of `IncidentType`;
  `incident_type(id)`; `process(kind, id)` → the `Service` ("service") or
  `IncidentType` ("incident") a request row refers to, or None; `applicant_fields()`.
* `Process.stages` (ordered `Stage`s: `id`, `title`, `user_action`, `source_text`),
  `Process.stage(id)` → `Stage` or None, `Process.next_stage(id)` → the following
  `Stage` or None at the last one, `Process.first_stage` (always `registered`).
* `Service`: `who` ("subscriber" | "applicant"), `fields` (`FieldSpec`, optionally asked
  only `when` another answer has one of some values), `documents` (`DocumentSpec` with
  `required`, `media`, `mime_types` and `on_file_when_verified`), `needs_location`,
  `duration` (`text`, `hours`; None when the seed does not state it), `fees` (`text`,
  optional `branch` reference to `tariffs.branch_fee`), `site_visit` (agrees with the
  stages marked `visit`), `visit_stages`, `in_person_visits`, `source`.
* `awaits_payment(stage id)`: the stages listed in `payment_stages`, in which a request
  waits for its invoice to be paid and moves on when it is.
* `home_schedule()`: the tariff schedule of the utility's own places (ABFA_TARIFF_SCHEDULE,
  set at start-up by `use_home_schedule`); city fields and branch fees that name no
  schedule use it.
* `FIRST_STAGE` = "registered"; `RESERVED_STAGES` are status pseudo-stages
  (cancelled, rejected, closed) used in the stage history, never catalog stages.

`load_catalog(path)` validates a file; a bad file raises `CatalogError` naming the
file, the service id, the field and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

CATALOG_FILE = Path(__file__).resolve().parents[1] / "data" / "services.yaml"
FIRST_STAGE = "registered"
RESERVED_STAGES = frozenset({"cancelled", "rejected", "closed"})
M = TypeVar("M", bound="BaseModel")
MIME_TYPES = {"photo": ("image/jpeg", "image/png"), "pdf": ("application/pdf",)}
DEFAULT_HOME_SCHEDULE = "east-azarbaijan-urban-1398"
_home = {"schedule": DEFAULT_HOME_SCHEDULE}


def use_home_schedule(schedule_id: str) -> None:
    """Make this tariff schedule the utility's own (its cities are the places of the forms)."""
    from tariffs import get_schedule

    _home["schedule"] = get_schedule(schedule_id).id


def home_schedule() -> str:
    """The id of the utility's own tariff schedule."""
    return _home["schedule"]


class CatalogError(ValueError):
    """The catalog file is wrong; the message names the file, the entry and the field."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Option(_Model):
    """One answer of a choice field: stored id, shown label."""

    id: str
    label: str


class FieldSpec(_Model):
    """A question of a service: what to ask and how to validate the answer."""

    id: str
    label: str
    kind: Literal["text", "name", "number", "mobile", "phone", "national_id", "choice", "city"]
    required: bool = True
    min: int | None = None
    max: int | None = None
    options: tuple[Option, ...] = ()
    schedule: str | None = None  # a city field's schedule; None: the utility's own
    when: dict[str, tuple[str, ...]] | None = None  # ask only when these answers match

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.kind == "choice" and not self.options:
            raise ValueError("a choice field needs options")
        if self.kind == "city" and self.schedule:
            from tariffs import get_schedule

            get_schedule(self.schedule)
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is above max")
        return self

    def choices(self) -> tuple[Option, ...]:
        """The options of a choice or city field (cities from the tariff schedule)."""
        if self.kind == "city":
            from tariffs import get_schedule

            cities = get_schedule(self.schedule or home_schedule()).cities
            return tuple(Option(id=key, label=city.name) for key, city in cities.items())
        return self.options

    def applies(self, answers: Mapping[str, object]) -> bool:
        """Whether the field is asked, given the answers so far (`when`)."""
        return all(answers.get(name) in values for name, values in (self.when or {}).items())


class DocumentSpec(_Model):
    """A document the applicant uploads: required or not, as a photo and/or a PDF."""

    id: str
    title: str
    required: bool
    media: tuple[Literal["photo", "pdf"], ...]
    source_text: str | None = None
    # Not asked when the applicant proved ownership of the subscription (the bot has the
    # subscription's bills): a photo of a water bill adds nothing then.
    on_file_when_verified: bool = False

    @field_validator("media")
    @classmethod
    def _some_media(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("accept at least one of photo, pdf")
        return value

    @property
    def mime_types(self) -> tuple[str, ...]:
        """MIME types accepted for this document."""
        return tuple(m for kind in self.media for m in MIME_TYPES[kind])


class Stage(_Model):
    """A stage of a process, as the seed lists it."""

    id: str
    title: str
    user_action: str | None = None
    source_text: str | None = None
    visit: bool = False  # someone of the utility comes to the property at this stage


class Duration(_Model):
    """Average duration as the seed states it: Persian text and hours."""

    text: str
    hours: int


class BranchFeeRef(_Model):
    """The fee comes from tariffs.branch_fee with these switches."""

    water: bool
    sewage: bool
    schedule: str | None = None  # None: the subscriber's own, or the utility's for a new one


class Fees(_Model):
    """Fees as text, and optionally the tariff computation that gives them."""

    text: str
    branch: BranchFeeRef | None = None


class Process(_Model):
    """Anything with a tracking code: its id, title and ordered stages."""

    id: str
    title: str
    description: str
    stages: tuple[Stage, ...]
    source: str | None = None

    @field_validator("stages")
    @classmethod
    def _stages(cls, value: tuple[Stage, ...]) -> tuple[Stage, ...]:
        ids = [s.id for s in value]
        if not ids or ids[0] != FIRST_STAGE:
            raise ValueError(f"the first stage must be {FIRST_STAGE!r}")
        if len(ids) != len(set(ids)):
            raise ValueError(f"stage ids repeat: {ids}")
        if RESERVED_STAGES & set(ids):
            raise ValueError(f"stage ids {sorted(RESERVED_STAGES)} are reserved")
        return value

    @property
    def first_stage(self) -> Stage:
        """The stage every request starts in."""
        return self.stages[0]

    def stage(self, stage_id: str) -> Stage | None:
        """The stage with this id, or None."""
        return next((s for s in self.stages if s.id == stage_id), None)

    def next_stage(self, stage_id: str) -> Stage | None:
        """The stage after this one, or None at the last (or an unknown) one."""
        ids = [s.id for s in self.stages]
        if stage_id not in ids or ids.index(stage_id) + 1 >= len(ids):
            return None
        return self.stages[ids.index(stage_id) + 1]


class Service(Process):
    """A service request type."""

    who: Literal["subscriber", "applicant"]
    location: bool = False
    fields: tuple[FieldSpec, ...] = ()
    documents: tuple[DocumentSpec, ...] = ()
    duration: Duration | None = None  # None: the seed does not state it, and nothing is said
    fees: Fees
    site_visit: bool
    in_person_visits: int = 0
    source_section: str | None = None

    @model_validator(mode="after")
    def _unique(self) -> Service:
        for what, ids in (("field", [f.id for f in self.fields]),
                          ("document", [d.id for d in self.documents])):
            if len(ids) != len(set(ids)):
                raise ValueError(f"{what} ids repeat: {ids}")
        if self.site_visit != bool(self.visit_stages):
            raise ValueError("site_visit must agree with the stages marked visit")
        known = {f.id for f in self.fields}
        for spec in self.fields:
            if set(spec.when or {}) - known:
                raise ValueError(f"field {spec.id}: when names unknown fields")
        if self.fees.branch and self.fees.branch.schedule:
            from tariffs import get_schedule

            get_schedule(self.fees.branch.schedule)
        return self

    @property
    def visit_stages(self) -> tuple[Stage, ...]:
        """The stages at which the utility visits the property."""
        return tuple(s for s in self.stages if s.visit)

    @property
    def needs_location(self) -> bool:
        """Applicants always share a map location; some subscriber services too."""
        return self.location or self.who == "applicant"

    def document(self, doc_id: str) -> DocumentSpec | None:
        """A document of this service by id."""
        return next((d for d in self.documents if d.id == doc_id), None)

    def field(self, field_id: str) -> FieldSpec | None:
        """A field of this service by id."""
        return next((f for f in self.fields if f.id == field_id), None)


class IncidentType(Process):
    """An incident users can report (حادثه)."""

    source_text: str | None = None


class Catalog(_Model):
    """The whole catalog."""

    payment_stages: tuple[str, ...] = ()
    applicant_fields: tuple[FieldSpec, ...]
    services: tuple[Service, ...]
    incidents: tuple[IncidentType, ...]


def load_catalog(path: Path = CATALOG_FILE) -> Catalog:
    """Read and validate a catalog file; raise CatalogError naming what is wrong."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogError(f"{path}: cannot read the catalog: {exc}") from exc
    if not isinstance(raw, dict):
        raise CatalogError(f"{path}: the top level must be a mapping")
    applicant = [_parse(FieldSpec, f, path, "applicant_fields") for f in raw.get("applicant_fields") or []]
    services = [_parse(Service, s, path, "service") for s in raw.get("services") or []]
    incidents = [_parse(IncidentType, i, path, "incident") for i in raw.get("incidents") or []]
    for what, items in (("service", services), ("incident", incidents)):
        ids = [item.id for item in items]
        if not ids or len(ids) != len(set(ids)):
            raise CatalogError(f"{path}: {what} ids must be present and unique: {ids}")
    return Catalog(payment_stages=tuple(raw.get("payment_stages") or ()),
                   applicant_fields=tuple(applicant), services=tuple(services),
                   incidents=tuple(incidents))


def _parse(model: type[M], data: object, path: Path, what: str) -> M:
    entry = data.get("id", "?") if isinstance(data, dict) else "?"
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(entry)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise CatalogError(f"{path}: {what} {entry}: {problems}") from None
    except Exception as exc:  # e.g. an unknown tariff schedule
        raise CatalogError(f"{path}: {what} {entry}: {exc}") from None


@cache
def catalog() -> Catalog:
    """The bot's catalog, loaded once."""
    return load_catalog()


def services() -> tuple[Service, ...]:
    """Every service, in catalog order."""
    return catalog().services


def service(service_id: str) -> Service:
    """A service by id; KeyError if there is none."""
    for item in catalog().services:
        if item.id == service_id:
            return item
    raise KeyError(service_id)


def incident_types() -> tuple[IncidentType, ...]:
    """Every incident type, in catalog order."""
    return catalog().incidents


def incident_type(incident_id: str) -> IncidentType:
    """An incident type by id; KeyError if there is none."""
    for item in catalog().incidents:
        if item.id == incident_id:
            return item
    raise KeyError(incident_id)


def applicant_fields() -> tuple[FieldSpec, ...]:
    """What a new applicant (no subscription yet) is asked."""
    return catalog().applicant_fields


def awaits_payment(stage_id: str) -> bool:
    """Whether a request in this stage waits for its invoice to be paid (`payment_stages`)."""
    return stage_id in catalog().payment_stages


def process(kind: str, process_id: str) -> Process | None:
    """The service or incident type a request row refers to, or None if unknown."""
    try:
        return service(process_id) if kind == "service" else incident_type(process_id)
    except KeyError:
        return None
