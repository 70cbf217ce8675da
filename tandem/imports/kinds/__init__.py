"""The kinds of import. Each module has SPEC (its fields) and process(ctx, rows) -> ChunkResult."""

from __future__ import annotations

import importlib
from types import ModuleType

MODULES = {"leads": "leads", "accounts": "accounts", "touchpoints": "touchpoints",
           "opportunities": "opportunities", "stage-history": "history", "merges": "merges"}


def kind_module(kind: str) -> ModuleType:
    try:
        return importlib.import_module(f"tandem.imports.kinds.{MODULES[kind]}")
    except KeyError:
        raise ValueError(f"kind: must be one of {', '.join(MODULES)}") from None
