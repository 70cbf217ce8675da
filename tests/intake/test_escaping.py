"""Every text field is rendered escaped: nothing in Tandem switches Django's autoescaping off."""

from pathlib import Path


def test_no_template_or_python_module_marks_text_as_safe():
    root = Path(__file__).resolve().parents[2] / "tandem"
    offenders = [str(path.relative_to(root)) for path in root.rglob("*")
                 if path.suffix in (".html", ".py", ".txt") and "migrations" not in path.parts
                 and any(marker in path.read_text(errors="ignore")
                         for marker in ("|safe", "mark_safe(", "autoescape off", "SafeString("))]
    assert offenders == []
