NAV = [(30, "campaign_list", "Campaigns", "campaign.view")]
