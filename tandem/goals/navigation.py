"""Shared goals sit next to the dashboard in the top navigation."""

NAV = [(16, "goals:list", "Goals", "report.view")]
