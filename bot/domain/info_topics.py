"""The information topics, read from `bot/data/info.yaml` (data, not code branches)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from bot.text.i18n import Locale, default_locale

TOPICS_FILE = Path(__file__).resolve().parents[1] / "data" / "info.yaml"
LIST_PAGE = 8


class Topic(BaseModel):
    """One topic: its titles and body as locale keys, and how it is shown."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    order: int
    title: str
    body: str
    kind: Literal["text", "list", "pattern"] = "text"
    params: tuple[str, ...] = ()
    source: str


class TopicsFile(BaseModel):
    """The file's top level."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    topics: tuple[Topic, ...]


def load_topics(path: Path = TOPICS_FILE) -> list[Topic]:
    """The topics of a file, in their order; ValueError on a bad file."""
    data = TopicsFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    ids = [topic.id for topic in data.topics]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path.name}: duplicate topic ids")
    return sorted(data.topics, key=lambda topic: topic.order)


def problems(topics: list[Topic], locale: Locale) -> list[str]:
    """Locale keys a topic names that are missing or take other placeholders."""
    out = []
    for topic in topics:
        if not locale.has(topic.title):
            out.append(f"{topic.id}: missing title {topic.title}")
        if topic.kind == "list":
            if topic.body not in locale.lists:
                out.append(f"{topic.id}: missing list {topic.body}")
        elif not locale.has(topic.body):
            out.append(f"{topic.id}: missing body {topic.body}")
        elif locale.placeholders[topic.body] != set(topic.params):
            out.append(f"{topic.id}: {topic.body} takes {sorted(locale.placeholders[topic.body])}")
    return out


@cache
def topics() -> list[Topic]:
    """The bundled topics, checked against the Persian locale."""
    loaded = load_topics()
    found = problems(loaded, default_locale())
    if found:
        raise ValueError("; ".join(found))
    return loaded


def topic(topic_id: str) -> Topic | None:
    """A topic by id."""
    return next((item for item in topics() if item.id == topic_id), None)
