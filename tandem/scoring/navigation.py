NAV = [(60, "scoring:rules", "Scoring", "lead.view")]
