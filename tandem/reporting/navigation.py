"""The shared dashboard sits right after the Overview in the top navigation, for every role."""

NAV = [(15, "reporting:dashboard", "Dashboard", "report.view")]
