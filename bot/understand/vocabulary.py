"""The vocabulary the bot understands (bot/data/vocabulary.yaml), validated at start-up.

A utility adds phrases without code: concepts (a name and the ways people write it, Persian,
colloquial, misspelt or Finglish), and for each intent (and each target: a service, an
incident type, an information topic) rules that name the concepts that must appear
together and a score. The file is checked against the catalogs it refers to: every service
and incident of bot/data/services.yaml, every topic of bot/data/info.yaml must have rules,
and no rule may name a concept, a target or an intent that does not exist. A bad file
raises `VocabularyError` naming the file, the entry and the reason.

The catalogs are read as plain YAML (ids and names only) so that loading stays fast and
pure: their own loaders (bot/services/catalog.py, bot/domain/info_topics.py, tariffs) validate
them in full when the bot starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.text.normalise import fold

ROOT = Path(__file__).resolve().parents[2]
VOCABULARY_FILE = ROOT / "bot" / "data" / "vocabulary.yaml"
SERVICES_FILE = ROOT / "bot" / "data" / "services.yaml"
TOPICS_FILE = ROOT / "bot" / "data" / "info.yaml"
TARIFFS_DIR = ROOT / "tariffs" / "data"  # tariffs.loader.DATA_DIR, without importing tariffs

INTENTS = (
    "bill", "pay", "high_bill", "chart", "calculator", "branch_fee", "self_reading", "service",
    "incident", "info", "tracking", "my_requests", "my_subscriptions", "outage", "greeting",
    "thanks", "help", "human",
)
"""Every intent but `unknown` (what nothing matched, or out of the bot's domain)."""
TARGETED = {"service": "services", "incident": "incidents", "info": "topics"}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class VocabularyError(ValueError):
    """The vocabulary file is wrong; the message names the file, the entry and the reason."""


@dataclass(frozen=True)
class Rules:
    """Rules of one intent or target («concept concept -concept» → score) and examples."""

    rules: dict[str, float]
    examples: tuple[str, ...] = ()
    targets: dict[str, Rules] = field(default_factory=dict)


@dataclass(frozen=True)
class Place:
    """A city or county of a tariff schedule and the names people write for it."""

    id: str
    schedule: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class Catalogs:
    """The ids the vocabulary refers to, read from the catalog files."""

    services: tuple[str, ...]
    incidents: tuple[str, ...]
    topics: tuple[str, ...]
    places: tuple[Place, ...]


@dataclass(frozen=True)
class VocabularyFile:
    """The file, checked: every section in its shape (see bot/data/vocabulary.yaml)."""

    concepts: dict[str, tuple[str, ...]]
    intents: dict[str, Rules]
    out_of_domain: dict[str, Rules]
    cancel: dict[str, tuple[str, ...]]
    labels: dict[str, tuple[str, ...]]
    quantities: dict[str, tuple[str, ...]]
    places: dict[str, tuple[str, ...]]
    ignore: tuple[str, ...]


LABEL_KINDS = ("subscription", "bill", "payment", "tracking", "other")
QUANTITY_KINDS = ("m3", "litre", "thousand", "use", "reading", "money")
SECTIONS = ("concepts", "intents", "out_of_domain", "cancel", "labels", "quantities", "places",
            "ignore")


class _Problems(list):
    """Problems found while reading the file, each naming its entry."""

    def words(self, value: Any, where: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(w, str | int) for w in value):
            self.append(f"{where}: expected a list of words")
            return ()
        return tuple(str(w) for w in value)

    def words_map(self, value: Any, where: str, keys: tuple[str, ...] | None = None
                  ) -> dict[str, tuple[str, ...]]:
        if not isinstance(value, dict):
            self.append(f"{where}: expected a mapping")
            return {}
        if keys is not None and set(value) != set(keys):
            self.append(f"{where}: expected exactly {', '.join(keys)}")
        return {str(k): self.words(v, f"{where}.{k}") for k, v in value.items()}

    def rules(self, value: Any, where: str, targets: bool = False) -> Rules:
        if not isinstance(value, dict):
            self.append(f"{where}: expected a mapping with rules")
            return Rules({})
        allowed = {"rules", "examples", "targets"} if targets else {"rules", "examples"}
        for extra in set(value) - allowed:
            self.append(f"{where}.{extra}: unknown field (allowed: {', '.join(sorted(allowed))})")
        rules = {}
        raw_rules = value.get("rules") or {}
        if not isinstance(raw_rules, dict):
            self.append(f"{where}.rules: expected «concepts: score» lines")
            raw_rules = {}
        for rule, score in raw_rules.items():
            if not isinstance(score, int | float) or isinstance(score, bool) or score <= 0:
                self.append(f"{where}.rules {rule!r}: the score must be a number above 0")
                continue
            if not [w for w in str(rule).split() if not w.startswith("-")]:
                self.append(f"{where}.rules {rule!r}: name at least one concept that must appear")
                continue
            rules[str(rule)] = float(score)
        examples = self.words(value.get("examples") or [], f"{where}.examples")
        nested = {str(k): self.rules(v, f"{where}.targets.{k}")
                  for k, v in (value.get("targets") or {}).items()}
        return Rules(rules, examples, nested)


def _read(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise VocabularyError(f"{path}: cannot read: {exc}") from exc


def read_catalogs(services: Path = SERVICES_FILE, topics: Path = TOPICS_FILE,
                  tariffs: Path = TARIFFS_DIR) -> Catalogs:
    """Service, incident and topic ids and the tariff places, as plain data."""
    catalog = _read(services) or {}
    info = _read(topics) or {}
    places = []
    for path in sorted(tariffs.glob("*.yaml")):
        schedule = _read(path) or {}
        for city, data in (schedule.get("cities") or {}).items():
            names = tuple(n for n in (data.get("name"), data.get("seed_name")) if n)
            places.append(Place(id=city, schedule=schedule.get("id", path.stem), names=names))
    try:
        return Catalogs(
            services=tuple(s["id"] for s in catalog.get("services") or []),
            incidents=tuple(i["id"] for i in catalog.get("incidents") or []),
            topics=tuple(t["id"] for t in info.get("topics") or []),
            places=tuple(places),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise VocabularyError(f"catalogs: an entry without an id or name: {exc}") from exc


def _check(data: VocabularyFile, catalogs: Catalogs) -> list[str]:
    """Every problem of a parsed file against the catalogs."""
    problems = []
    concepts = set(data.concepts)
    for name, forms in data.concepts.items():
        if not forms or any(not fold(form) for form in forms):
            problems.append(f"concepts.{name}: every form must have a letter or digit")
    missing = [i for i in INTENTS if i not in data.intents]
    if missing:
        problems.append(f"intents: missing {missing}")

    def rules(where: str, entry: Rules) -> None:
        for rule in entry.rules:
            for word in rule.split():
                if word.lstrip("-") not in concepts:
                    problems.append(f"{where}.rules {rule!r}: unknown concept {word.lstrip('-')!r}")

    for intent, entry in data.intents.items():
        where = f"intents.{intent}"
        if intent not in INTENTS:
            problems.append(f"{where}: unknown intent (known: {', '.join(INTENTS)})")
            continue
        rules(where, entry)
        if intent in TARGETED:
            known = getattr(catalogs, TARGETED[intent])
            for target, target_entry in entry.targets.items():
                if target not in known:
                    problems.append(f"{where}.targets.{target}: not in the catalog ({', '.join(known)})")
                rules(f"{where}.targets.{target}", target_entry)
            for target in known:
                if target not in entry.targets or not entry.targets[target].rules:
                    problems.append(f"{where}.targets.{target}: no rules for this catalog entry")
        elif entry.targets:
            problems.append(f"{where}.targets: only {', '.join(TARGETED)} have targets")
        elif not entry.rules:
            problems.append(f"{where}: no rules")
    for topic, entry in data.out_of_domain.items():
        rules(f"out_of_domain.{topic}", entry)
    ids = {p.id for p in catalogs.places}
    problems += [f"places.{p}: no such place in the tariffs" for p in data.places if p not in ids]
    for kind, words in (*data.cancel.items(), *data.labels.items(), *data.quantities.items()):
        if not words:
            problems.append(f"{kind}: give at least one word")
    return problems


def parse(raw: Any, path: Path) -> VocabularyFile:
    """The file's sections in shape; VocabularyError naming every problem."""
    if not isinstance(raw, dict):
        raise VocabularyError(f"{path}: the top level must be a mapping")
    problems = _Problems(f"{extra}: unknown section" for extra in set(raw) - set(SECTIONS))
    concepts = problems.words_map(raw.get("concepts"), "concepts")
    intents_raw = raw.get("intents")
    if not isinstance(intents_raw, dict):
        problems.append("intents: expected a mapping of intents")
        intents_raw = {}
    out_raw = raw.get("out_of_domain") or {}
    if not isinstance(out_raw, dict):
        problems.append("out_of_domain: expected a mapping of topics")
        out_raw = {}
    data = VocabularyFile(
        concepts=concepts,
        intents={str(k): problems.rules(v, f"intents.{k}", targets=True)
                 for k, v in intents_raw.items()},
        out_of_domain={str(k): problems.rules(v, f"out_of_domain.{k}") for k, v in out_raw.items()},
        cancel=problems.words_map(raw.get("cancel"), "cancel", ("cancel", "menu")),
        labels=problems.words_map(raw.get("labels"), "labels", LABEL_KINDS),
        quantities=problems.words_map(raw.get("quantities"), "quantities", QUANTITY_KINDS),
        places=problems.words_map(raw.get("places") or {}, "places"),
        ignore=problems.words(raw.get("ignore") or [], "ignore"),
    )
    if problems:
        raise VocabularyError(f"{path}: " + "; ".join(problems))
    return data


def load_vocabulary(path: Path = VOCABULARY_FILE, catalogs: Catalogs | None = None
                    ) -> tuple[VocabularyFile, Catalogs]:
    """Read and validate the vocabulary; raise VocabularyError naming what is wrong."""
    data = parse(_read(path), path)
    catalogs = catalogs or read_catalogs()
    problems = _check(data, catalogs)
    if problems:
        raise VocabularyError(f"{path}: " + "; ".join(problems))
    return data, catalogs


@cache
def vocabulary() -> tuple[VocabularyFile, Catalogs]:
    """The bundled vocabulary, loaded and checked once."""
    return load_vocabulary()
