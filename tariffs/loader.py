"""Read `tariffs/data/*.yaml` into validated `Schedule` models, resolving `derives_from`."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from tariffs.errors import ScheduleError, TariffError
from tariffs.models import Schedule

DATA_DIR = Path(__file__).resolve().parent / "data"
# Ids are ASCII, but `schedules` prints them through the Persian locale (Persian digits) and
# people copy them back in any digits: Persian and Arabic-Indic digits are read as ASCII.
_ASCII_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScheduleError(f"{path.name}: cannot read: {exc}") from exc
    if not isinstance(raw, dict):
        raise ScheduleError(f"{path.name}: the top level must be a mapping")
    return raw


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep merge: mappings merge key by key, anything else in `over` wins."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _inherited(base: dict[str, Any], paths: list[str], name: str) -> dict[str, Any]:
    """The base's sections named by dotted `paths`, nested as in the base."""
    out: dict[str, Any] = {}
    for path in paths:
        keys = path.split(".")
        node: Any = base
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                raise ScheduleError(f"{name}: inherit: the base has no section {path!r}")
            node = node[key]
        target = out
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = copy.deepcopy(node)
    return out


def _resolve(name: str, raws: dict[str, tuple[str, dict[str, Any]]], seen: tuple[str, ...]) -> dict:
    file_name, raw = raws[name]
    base_id = raw.get("derives_from")
    if base_id is None:
        return raw
    if base_id in seen or base_id not in raws:
        raise ScheduleError(f"{file_name}: derives_from: unknown or circular base {base_id!r}")
    base = _resolve(base_id, raws, (*seen, name))
    own = {k: v for k, v in raw.items() if k != "inherit"}
    paths = raw.get("inherit") or []
    if not isinstance(paths, list):
        raise ScheduleError(f"{file_name}: inherit: must be a list of section paths")
    return _merge(_inherited(base, paths, file_name), own)


def _validate(file_name: str, data: dict[str, Any]) -> Schedule:
    try:
        return Schedule.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{file_name}: {'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise ScheduleError("\n".join(problems)) from None


def load_schedules(directory: Path = DATA_DIR) -> dict[str, Schedule]:
    """Every schedule of a directory, by id; raise ScheduleError naming file, field and reason."""
    raws: dict[str, tuple[str, dict[str, Any]]] = {}
    for path in sorted(directory.glob("*.yaml")):
        raw = _read(path)
        sid = raw.get("id")
        if not isinstance(sid, str) or sid in raws:
            raise ScheduleError(f"{path.name}: id: missing or duplicate schedule id {sid!r}")
        raws[sid] = (path.name, raw)
    return {sid: _validate(raws[sid][0], _resolve(sid, raws, ())) for sid in raws}


@cache
def _schedules() -> dict[str, Schedule]:
    return load_schedules()


def list_schedules() -> list[Schedule]:
    """All bundled schedules, in file order."""
    return list(_schedules().values())


def schedule_key(schedule_id: str) -> str:
    """A schedule id as typed (any digits, surrounding spaces) in its stored ASCII form."""
    return schedule_id.strip().translate(_ASCII_DIGITS)


def get_schedule(schedule_id: str) -> Schedule:
    """A bundled schedule by id, typed in any digits; TariffError `unknown_schedule` otherwise."""
    try:
        return _schedules()[schedule_key(schedule_id)]
    except KeyError:
        raise TariffError("unknown_schedule", f"no schedule {schedule_id!r}") from None
