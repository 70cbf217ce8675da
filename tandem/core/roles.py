"""The role matrix: who may see and do what. Written once, here, and enforced everywhere.

docs/roles.md renders the same table; a test keeps the two identical.
"""

from __future__ import annotations

from typing import Final

TEAMS: Final = ("marketing", "tele", "sales", "management")
TEAM_NAMES: Final = {
    "marketing": "Marketing",
    "tele": "Tele-qualification",
    "sales": "Sales",
    "management": "Management",
}
ROLES: Final = ("marketing", "sdr", "sales", "manager", "admin", "readonly")
ROLE_NAMES: Final = {
    "marketing": "Marketing",
    "sdr": "SDR (tele-qualification)",
    "sales": "Sales (account executive)",
    "manager": "Manager",
    "admin": "RevOps admin",
    "readonly": "Read-only",
}
#: The team a role works in by default.
ROLE_TEAM: Final = {
    "marketing": "marketing",
    "sdr": "tele",
    "sales": "sales",
    "manager": "management",
    "admin": "management",
    "readonly": "management",
}

_ALL = frozenset(ROLES)
_WRITERS = frozenset({"marketing", "sdr", "sales", "manager", "admin"})

#: permission -> roles that hold it. "lead.*" permissions on a single lead also need the
#: lead to be visible to the user (see LEAD_VISIBILITY).
PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "lead.view": _ALL,
    "lead.create": _WRITERS,
    "lead.update": _WRITERS,
    "lead.move": _WRITERS,
    "account.view": _ALL,
    "account.write": _WRITERS,
    "opportunity.view": _ALL,
    "opportunity.write": frozenset({"sales", "manager", "admin"}),
    "taxonomy.view": _ALL,
    "taxonomy.change": frozenset({"admin"}),
    "audit.view": frozenset({"manager", "admin"}),
    "token.own": _ALL,
    "token.manage_all": frozenset({"admin"}),
    "touchpoint.create": _WRITERS,
    "lead.merge": frozenset({"marketing", "manager", "admin"}),
    "campaign.view": _ALL,
    "campaign.write": frozenset({"marketing", "manager", "admin"}),
    "import.run": frozenset({"marketing", "manager", "admin"}),
    "scoring.change": frozenset({"admin"}),
    "scoring.train": frozenset({"manager", "admin"}),
    "routing.change": frozenset({"manager", "admin"}),
    "sla.change": frozenset({"manager", "admin"}),
    "sla.commit": frozenset({"marketing", "manager", "admin"}),
    "notification.allow_private": frozenset({"admin"}),
    "report.view": _ALL,
    "report.configure": frozenset({"admin"}),
    "goal.change": frozenset({"manager", "admin"}),
    "goal.agree": frozenset({"marketing", "sales", "manager", "admin"}),
    "attribution.view": _ALL,
}

#: Which leads a role sees: "all", or "queue" = the leads waiting in its team's queue
#: (the current stage is worked by that team) plus the leads it owns.
LEAD_VISIBILITY: Final = {
    "marketing": "all",
    "sdr": "queue",
    "sales": "queue",
    "manager": "all",
    "admin": "all",
    "readonly": "all",
}

#: Roles that may move a lead along any allowed transition, whichever team the
#: transition names (the move is recorded under their name).
OVERRIDE_ROLES: Final = frozenset({"manager", "admin"})

PERMISSION_TEXT: Final = {
    "lead.view": "See leads (sdr and sales: their team's queue and their own)",
    "lead.create": "Create leads",
    "lead.update": "Edit a visible lead's fields",
    "lead.move": "Move a visible lead along a transition their team performs",
    "account.view": "See accounts",
    "account.write": "Create and edit accounts",
    "opportunity.view": "See opportunities",
    "opportunity.write": "Create, edit, win and lose opportunities",
    "taxonomy.view": "Read the taxonomy, its versions and export it",
    "taxonomy.change": "Import or edit the taxonomy (makes a new version)",
    "audit.view": "Read the audit trail",
    "token.own": "Create and revoke their own API tokens (read-only: read scope only)",
    "token.manage_all": "See and revoke anyone's API tokens",
    "touchpoint.create": "Record touchpoints on visible leads (one by one or in batches)",
    "lead.merge": "Merge duplicate leads and duplicate accounts",
    "campaign.view": "See campaigns and what they produced",
    "campaign.write": "Plan campaigns: create, edit and delete them",
    "import.run": "Import CSV files (leads, accounts, touchpoints, opportunities, history) and see import jobs",
    "scoring.change": "Publish scoring rules (makes a new version) and rescore every lead",
    "scoring.train": "Retrain the predictive score now",
    "routing.change": "Edit routing rules, queues, members, weights and capacities",
    "sla.change": "Edit SLA policies and business calendars",
    "sla.commit": "Set Marketing's commitments (MQLs per period and acceptance rate)",
    "notification.allow_private": "Allow a webhook target on a private, loopback or link-local address",
    "report.view": "See the shared dashboard, every report and the records behind each number",
    "report.configure": "Schedule the report packs, enter overhead and CLV assumptions, rebuild the rollups",
    "goal.change": "Set shared revenue goals (target, period, segment, owners) and take snapshots",
    "goal.agree": "Agree a goal for their side (the named owner; managers and admins for either side)",
    "attribution.view": "See multi-touch attribution (every model, level and dimension) and self-reported sources",
}


def has_permission(role: str, permission: str) -> bool:
    try:
        return role in PERMISSIONS[permission]
    except KeyError:
        raise KeyError(f"unknown permission {permission!r}") from None


def role_matrix_markdown() -> str:
    """The matrix as a Markdown table (what docs/roles.md shows)."""
    header = "| Permission | " + " | ".join(ROLES) + " |"
    rule = "|---|" + "---|" * len(ROLES)
    rows = [
        f"| `{perm}` {PERMISSION_TEXT[perm]} | "
        + " | ".join("yes" if role in roles else "—" for role in ROLES)
        + " |"
        for perm, roles in PERMISSIONS.items()
    ]
    return "\n".join([header, rule, *rows])
