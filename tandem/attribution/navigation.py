"""Attribution sits after Campaigns in the top navigation, for every role."""

NAV = [(32, "attribution:page", "Attribution", "attribution.view")]
