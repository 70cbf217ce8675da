"""The core never imports Django: it is plain Python and numpy, testable without a database."""

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "tandem" / "core"


def test_no_module_in_the_core_imports_django():
    offenders = []
    for path in CORE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in {"django", "ninja", "tandem"}
                          and not n.startswith("tandem.core")]
    assert offenders == []
