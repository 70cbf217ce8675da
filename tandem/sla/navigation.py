NAV = [(25, "sla:queue", "My queue", "lead.move"), (70, "sla:overview", "SLA", "lead.view")]
