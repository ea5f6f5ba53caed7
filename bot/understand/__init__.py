"""Understanding what subscribers type: a text → intent, target and values.

What lives here: the vocabulary loader (`vocabulary`, reading bot/data/vocabulary.yaml and
checking it against the service catalog, the information topics and the tariff places),
Finglish and misspelling keys (`phonetic`), the identifiers and quantities found in a text
(`numbers`), the matcher (`matcher`) and the command line (`cli`).

What it may import: the standard library, PyYAML, pydantic, rapidfuzz, `bot.domain.identifiers`
and `bot.text.normalise`. Never telegram, the store, matplotlib or the tariff engine: the
`python -m bot understand` command and the benchmark load only this package (start-up
under a second), and the handlers (handlers/understanding.py) decide what to do with the
result. The catalogs are read as plain YAML for their ids and names only.

`understand(text)` is the entry point; `Understanding.as_json()` is the command line's shape:
`{"intent", "target", "values"}` plus, when they apply, `alternatives` (other readings of a
pasted number), `suggestions` (when unsure) and `out_of_domain` (gas, electricity, …).
"""

from __future__ import annotations

from bot.understand.matcher import Understanding, understand

__all__ = ["Understanding", "understand"]
