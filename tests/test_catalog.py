"""The service catalog checked against the seeds: every service, every stage in order,
every document; and a bad catalog file fails with the file, service, field and reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.services import catalog
from bot.services.catalog import CatalogError, load_catalog

SEEDS = Path("/work/shared/seeds")
if not SEEDS.exists():
    SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
STEP = re.compile(r"(?m)^\s*(الف|ب|ج|د|ه|و)\s*\)")
SEED_002 = "002_d8dafd00378742a9.txt"
# Seed 002's processes: the section of each service (reconnection follows section 6).
SECTIONS_002 = {
    "diameter_change": "3", "new_water_branch": "5", "disconnection": "6",
    "reconnection": "6", "name_change": "7", "capacity_change": "8",
    "move_to_property": "10", "move_within_property": "11", "meter_test": "12",
    "units_change": "13", "usage_change": "14",
}
NEXT_SECTION = re.compile(r"(?m)^\s*\d{1,2}\s*-")
SECTION_ORDER = ["3", "5", "6", "7", "8", "10", "11", "12", "13", "14"]
REQUIRED = {"extra_siphon", "tanker_water", "sewage_branch", "new_water_branch",
            "diameter_change", "disconnection", "reconnection", "name_change",
            "capacity_change", "move_to_property", "move_within_property", "meter_test",
            "units_change", "usage_change"}


def squash(text: str) -> str:
    """Compare seed text without spaces, ZWNJ, Arabic letter forms or digit scripts."""
    table = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی", "\u200c": None, "ّ": None})
    digits = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
    return re.sub(r"\s+", "", text.translate(table).translate(digits))


def seed(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def section_002(svc) -> str:
    """The steps of the seed-002 process a service comes from: the text from its
    «مراحل انجام بترتیب» to the next one (the processes appear in SECTION_ORDER)."""
    text = seed(SEED_002)
    assert squash(svc.source_section) in squash(text)
    parts = text.split("مراحل انجام بترتیب")[1:]
    assert len(parts) == len(SECTION_ORDER)
    part = parts[SECTION_ORDER.index(SECTIONS_002[svc.id])]
    return NEXT_SECTION.split(part, maxsplit=1)[0]


def test_every_required_service_is_present():
    ids = {svc.id for svc in catalog.services()}
    assert REQUIRED <= ids
    for svc in catalog.services():
        assert svc.title and svc.description and svc.stages
        assert svc.duration is None or (svc.duration.text and svc.duration.hours > 0)
        assert svc.stages[0].id == "registered" and "ثبت" in svc.stages[0].title
        assert (SEEDS / svc.source).exists()


@pytest.mark.parametrize("service_id", sorted(SECTIONS_002))
def test_seed_002_steps_are_the_stages_in_order(service_id):
    svc = catalog.service(service_id)
    assert svc.source == SEED_002 and svc.source_section.startswith(SECTIONS_002[service_id])
    body = section_002(svc)
    assert len(STEP.findall(body)) == len(svc.stages)
    position = 0
    for stage in svc.stages:
        found = squash(body).find(squash(stage.source_text), position)
        assert found >= position, f"{service_id}: {stage.id} not found in order"
        position = found + 1
    for doc in svc.documents:
        assert squash(doc.source_text) in squash(body), f"{service_id}: {doc.id}"
    seed_docs = [line.strip(" -\t") for line in body.splitlines() if line.strip().startswith("-")]
    for line in seed_docs:  # every document the seed lists is in the catalog
        assert any(squash(d.source_text) in squash(line) or squash(line) in squash(d.source_text)
                   for d in svc.documents), f"{service_id}: {line}"


@pytest.mark.parametrize(("service_id", "seed_file", "numbered"), [
    ("tanker_water", "001_f1d15519600e80ea.txt", 5),
    ("sewage_branch", "003_c6d7e3ea5028ce42.txt", 6),
])
def test_service_card_steps_are_the_stages_in_order(service_id, seed_file, numbered):
    svc = catalog.service(service_id)
    text = squash(seed(seed_file))
    position = 0
    for stage in svc.stages:
        found = text.find(squash(stage.source_text), position)
        assert found >= position, f"{service_id}: {stage.id}"
        position = found + 1
    # the last numbered step ("informing the applicant at every stage") is the bot's
    # notifications, not a stage (decision in bot/data/services.yaml)
    assert len(svc.stages) == numbered - 1
    assert "اطلاعرسانیبهدرخواستکننده" in text
    for doc in svc.documents:
        assert squash(doc.source_text) in text, doc.id


def test_tanker_water_documents_and_duration():
    svc = catalog.service("tanker_water")
    assert [d.id for d in svc.documents if d.required] == [
        "photo", "owner_id_card", "vehicle_document", "health_permit"]
    assert svc.document("photo").media == ("photo",)
    assert (svc.duration.hours, svc.in_person_visits, svc.site_visit) == (24, 1, False)


def test_extra_siphon_and_sewage_branch_cards():
    siphon = catalog.service("extra_siphon")
    text = squash(seed(siphon.source))
    assert siphon.duration.hours == 168 and siphon.site_visit
    for item in [*siphon.documents, *siphon.stages]:
        if item.source_text:
            assert squash(item.source_text) in text
    sewage = catalog.service("sewage_branch")
    assert sewage.duration.hours == 12 * 24 and sewage.fees.branch.sewage
    assert sewage.stage("permits").user_action


def test_incident_types_and_their_stages():
    ids = [kind.id for kind in catalog.incident_types()]
    assert ids == ["burst_pipe", "broken_meter", "sudden_cut", "water_quality",
                   "sewage_overflow", "illegal_branch"]
    text = squash(seed(SEED_002))
    for kind in catalog.incident_types():
        assert [s.id for s in kind.stages] == ["registered", "dispatched", "resolved"]
        for item in (kind, *kind.stages):
            if item.source_text:
                assert squash(item.source_text) in text


def test_stage_navigation_api():
    svc = catalog.service("meter_test")
    assert svc.first_stage.id == "registered"
    assert svc.next_stage("registered").id == "payment"
    assert svc.next_stage("replace") is None and svc.next_stage("nope") is None
    assert svc.stage("test").title.startswith("انجام آزمایش کنتور") and svc.stage("x") is None
    assert catalog.process("incident", "burst_pipe").title == "ترکیدگی لوله"
    assert catalog.process("service", "nope") is None


@pytest.mark.parametrize(("change", "message"), [
    (("kind: number, min: 1, max: 1000}", "kind: decimal, min: 1, max: 1000}"),
     "service tanker_water: fields.1.kind"),
    (("- {id: registered, title: ثبت درخواست، تخصیص کد رهگیری و بررسی مدارک, user_action: null, source_text: \"ثبت درخواست از طریق درگاههای موجود\"}\n      - {id: assessment",
      "- {id: assessment"), "service tanker_water: stages: Value error, the first stage"),
    (("media: [photo], source_text: \"یک قطعه عکس\"", "media: [], source_text: \"یک قطعه عکس\""),
     "service tanker_water: documents.0.media"),
    (("label: شهر محل ملک, kind: city}", "label: شهر محل ملک, kind: city, schedule: nowhere}"),
     "service new_water_branch:"),
    (("site_visit: true\n    in_person_visits: 1\n    source: 002_d8dafd00378742a9.txt\n"
      "    source_section: \"12-", "site_visit: false\n    in_person_visits: 1\n    source: "
      "002_d8dafd00378742a9.txt\n    source_section: \"12-"),
     "service meter_test: (entry): Value error, site_visit must agree with the stages marked visit"),
    (("kind: number, min: 1, max: 10, when: {city: [tabriz]}}",
      "kind: number, min: 1, max: 10, when: {town: [tabriz]}}"),
     "service new_water_branch: (entry): Value error, field zone: when names unknown fields"),
])
def test_a_bad_catalog_names_file_service_field_and_reason(tmp_path, change, message):
    text = catalog.CATALOG_FILE.read_text(encoding="utf-8")
    assert change[0] in text
    bad = tmp_path / "services.yaml"
    bad.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(CatalogError) as err:
        load_catalog(bad)
    assert str(bad) in str(err.value) and message in str(err.value)
