"""Versioned rule documents (the taxonomy, the scoring rulebook) as YAML or JSON text, and back.

Parsing errors name the line and column, raised as the caller's own "invalid document" error,
which takes a list of problems.
"""

from __future__ import annotations

import json
from typing import Any

import yaml


def document_parse(text: str, *, filename: str = "", invalid: type[Exception]) -> Any:
    """Parse YAML or JSON text (JSON when the file name ends in .json); syntax errors name the line."""
    try:
        if filename.endswith(".json"):
            return json.loads(text)
        return yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise invalid([f"line {exc.lineno}, column {exc.colno}: {exc.msg}"]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise invalid([f"{where}{getattr(exc, 'problem', None) or exc}"]) from exc


def document_format(document: dict[str, Any], *, fmt: str = "yaml", width: int = 100) -> str:
    """The document as YAML (keys in their order) or indented JSON."""
    if fmt == "json":
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=width)
