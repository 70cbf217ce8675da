NAV = [(25, "sla:queue", "My queue", "lead.move"), (34, "sla:overview", "SLA", "lead.view")]
