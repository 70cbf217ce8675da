"""The role matrix is written once in code and rendered identically in docs/roles.md."""

from pathlib import Path

from tandem.core.roles import PERMISSIONS, ROLES, role_matrix_markdown


def test_the_docs_show_the_role_matrix_that_the_code_enforces():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "roles.md").read_text(encoding="utf-8")
    assert role_matrix_markdown() in docs


def test_read_only_holds_no_permission_that_changes_data():
    changing = [p for p, roles in PERMISSIONS.items() if "readonly" in roles and not p.endswith(".view")]
    assert changing == ["token.own"]  # its own read-scoped tokens, nothing else


def test_every_role_can_read_leads_and_the_taxonomy():
    assert PERMISSIONS["lead.view"] == frozenset(ROLES) == PERMISSIONS["taxonomy.view"]
