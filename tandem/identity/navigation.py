"""The identity pages in the top navigation (for the roles that may merge)."""

NAV = [(40, "identity_duplicates", "Duplicates", "lead.merge")]
