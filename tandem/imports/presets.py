"""Column mappings for exports from HubSpot and Salesforce, and how their values map onto Tandem's.

A preset names, for one kind of import, which CSV header feeds which field (the headers are
those of the systems' own exports), which date formats the system writes, and how its
lifecycle stages, lead statuses and deal stages translate into taxonomy stage keys. The
tables are documented in docs/import-export.md; keep the two in step.

Stage translation for leads: the lifecycle stage gives the stage; a lead status refines it
when it names a detour (recycled, disqualified) or a stage further down the funnel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Formats a Salesforce report writes in a US English locale (ISO 8601 is always accepted too).
SALESFORCE_DATES = ("%m/%d/%Y %I:%M %p", "%m/%d/%Y, %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y")
HUBSPOT_DATES = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y")

HUBSPOT_LIFECYCLE = {
    "subscriber": "inquiry", "lead": "inquiry",
    "marketingqualifiedlead": "mql", "marketing qualified lead": "mql",
    "salesqualifiedlead": "sql", "sales qualified lead": "sql",
    "opportunity": "opportunity",
    "customer": "won", "evangelist": "won",
    "other": "",  # no stage: the lead keeps the stage its history gives it
}
HUBSPOT_LEAD_STATUS = {
    "new": "", "open": "",
    "in progress": "tal", "in_progress": "tal", "attempted to contact": "tal", "attempted_to_contact": "tal",
    "connected": "tal",
    "open deal": "opportunity", "open_deal": "opportunity",
    "unqualified": "disqualified",
    "bad timing": "recycled", "bad_timing": "recycled",
}
SALESFORCE_LEAD_STATUS = {
    "open - not contacted": "mql", "new": "mql", "open": "mql",
    "working - contacted": "tal", "working": "tal", "contacted": "tal",
    "nurturing": "recycled",
    "qualified": "tql",
    "closed - converted": "sal", "converted": "sal",
    "closed - not converted": "disqualified", "unqualified": "disqualified",
}
HUBSPOT_DEAL_STAGE = {
    "appointmentscheduled": "discovery", "appointment scheduled": "discovery",
    "qualifiedtobuy": "discovery", "qualified to buy": "discovery",
    "presentationscheduled": "proposal", "presentation scheduled": "proposal",
    "decisionmakerboughtin": "proposal", "decision maker bought-in": "proposal",
    "contractsent": "negotiation", "contract sent": "negotiation",
    "closedwon": "won", "closed won": "won", "closedlost": "lost", "closed lost": "lost",
}
SALESFORCE_OPPORTUNITY_STAGE = {
    "prospecting": "discovery", "qualification": "discovery", "needs analysis": "discovery",
    "value proposition": "proposal", "id. decision makers": "proposal", "perception analysis": "proposal",
    "proposal/price quote": "proposal", "negotiation/review": "negotiation",
    "closed won": "won", "closed lost": "lost",
}
#: A Salesforce opportunity's stage, as the stage of its lead (for the Opportunity History export).
SALESFORCE_OPPORTUNITY_LEAD_STAGE = {**{k: "opportunity" for k in SALESFORCE_OPPORTUNITY_STAGE},
                                     "closed won": "won", "closed lost": "lost"}
#: Salesforce field-history rows that are stage changes ("Field / Event"); other rows are skipped.
SALESFORCE_STAGE_FIELDS = ("lead status", "status", "stage", "opportunity stage")


@dataclass(frozen=True)
class Preset:
    name: str
    kind: str
    columns: dict[str, str]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    stage_fields: tuple[str, ...] = ()  # for history: the Field / Event values that are stage changes


HUBSPOT_CONTACT_COLUMNS = {
    "Record ID": "external_id", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
    "Phone Number": "phone", "Job Title": "title", "Company Name": "company", "Website URL": "domain",
    "Country/Region": "country", "Lifecycle Stage": "stage", "Lead Status": "status",
    "Original Source": "source", "Contact owner": "owner", "Create Date": "created_at",
    "Became a Subscriber Date": "entered:inquiry", "Became a Lead Date": "entered:inquiry",
    "Became a Marketing Qualified Lead Date": "entered:mql", "Became a Sales Qualified Lead Date": "entered:sql",
    "Became an Opportunity Date": "entered:opportunity", "Became a Customer Date": "entered:won",
}
HUBSPOT_VALUES = {"stage": HUBSPOT_LIFECYCLE, "status": HUBSPOT_LEAD_STATUS}

PRESETS: dict[tuple[str, str], Preset] = {}


def _add(preset: Preset) -> None:
    PRESETS[(preset.name, preset.kind)] = preset


_add(Preset("hubspot", "leads", HUBSPOT_CONTACT_COLUMNS, HUBSPOT_VALUES, HUBSPOT_DATES))
_add(Preset("hubspot", "stage-history", {"Record ID": "lead_external_id", "Email": "lead_email", **{
    header: target for header, target in HUBSPOT_CONTACT_COLUMNS.items() if target.startswith("entered:")}},
    {}, HUBSPOT_DATES))
_add(Preset("hubspot", "accounts", {
    "Record ID": "external_id", "Company name": "name", "Company Domain Name": "domain", "Industry": "industry",
    "Number of Employees": "employees", "Country/Region": "country", "Company owner": "owner",
    "Create Date": "created_at"}, {}, HUBSPOT_DATES))
_add(Preset("hubspot", "opportunities", {
    "Record ID": "external_id", "Deal Name": "name", "Amount": "amount", "Deal Stage": "deal_stage",
    "Close Date": "closed_at", "Create Date": "created_at", "Deal owner": "owner",
    "Associated Company": "account", "Currency": "currency", "Closed Lost Reason": "reason_code",
    "Closed Won Reason": "reason_code"}, {"deal_stage": HUBSPOT_DEAL_STAGE}, HUBSPOT_DATES))

_add(Preset("salesforce", "leads", {
    "Lead ID": "external_id", "First Name": "first_name", "Last Name": "last_name", "Email": "email",
    "Phone": "phone", "Title": "title", "Company / Account": "company", "Website": "domain",
    "Country": "country", "Lead Source": "source", "Lead Status": "status", "Lead Owner": "owner",
    "Create Date": "created_at"}, {"status": SALESFORCE_LEAD_STATUS}, SALESFORCE_DATES))
_add(Preset("salesforce", "stage-history", {
    "Lead ID": "lead_external_id", "Opportunity ID": "opportunity_external_id", "Field / Event": "field_event",
    "Old Value": "from_stage", "New Value": "to_stage", "Edit Date": "at", "Edited By": "by"},
    {"from_stage": {**SALESFORCE_LEAD_STATUS, **SALESFORCE_OPPORTUNITY_LEAD_STAGE},
     "to_stage": {**SALESFORCE_LEAD_STATUS, **SALESFORCE_OPPORTUNITY_LEAD_STAGE}},
    SALESFORCE_DATES, SALESFORCE_STAGE_FIELDS))
_add(Preset("salesforce", "accounts", {
    "Account ID": "external_id", "Account Name": "name", "Website": "domain", "Industry": "industry",
    "Employees": "employees", "Billing Country": "country", "Account Owner": "owner",
    "Created Date": "created_at"}, {}, SALESFORCE_DATES))
_add(Preset("salesforce", "opportunities", {
    "Opportunity ID": "external_id", "Opportunity Name": "name", "Account Name": "account", "Amount": "amount",
    "Opportunity Currency": "currency", "Stage": "deal_stage", "Close Date": "closed_at",
    "Created Date": "created_at", "Opportunity Owner": "owner", "Lead ID": "lead_external_id",
    "Loss Reason": "reason_code"}, {"deal_stage": SALESFORCE_OPPORTUNITY_STAGE}, SALESFORCE_DATES))

PRESET_NAMES = ("hubspot", "salesforce")
PRESET_LABELS = {"hubspot": "HubSpot", "salesforce": "Salesforce"}


def preset_for(name: str, kind: str) -> Preset:
    try:
        return PRESETS[(name, kind)]
    except KeyError:
        kinds = sorted(k for n, k in PRESETS if n == name)
        if not kinds:
            raise ValueError(f"preset: unknown preset {name!r}; use one of {', '.join(PRESET_NAMES)}") from None
        raise ValueError(f"preset: {name} has no preset for {kind}; it has {', '.join(kinds)}") from None
