"""The demo company's cast and vocabulary: people, markets and channels. Plain data."""

from __future__ import annotations

#: username, first, last, role (team follows the role), manager username
STAFF = (
    ("maria", "Maria", "Schneider", "marketing", "clara"),
    ("tom", "Tom", "Becker", "marketing", "clara"),
    ("sven", "Sven", "Olsen", "sdr", "david"),
    ("lina", "Lina", "Hoffmann", "sdr", "david"),
    ("omar", "Omar", "Haddad", "sdr", "david"),
    ("julia", "Julia", "Weber", "sales", "david"),
    ("marc", "Marc", "Dubois", "sales", "david"),
    ("anna", "Anna", "Kowalski", "sales", "david"),
    ("peter", "Peter", "Novak", "sales", "david"),
    ("clara", "Clara", "Fischer", "manager", None),
    ("david", "David", "Lindqvist", "manager", None),
    ("rita", "Rita", "Admin", "admin", None),
    ("quinn", "Quinn", "Viewer", "readonly", None),
)
#: one login per role, shown by `tandem demo`
ROLE_LOGINS = {"marketing": "maria", "sdr": "sven", "sales": "julia", "manager": "david", "admin": "rita",
               "readonly": "quinn"}
DEMO_PASSWORD = "tandem-demo"  # noqa: S105 - the published password of the demo company only
#: the company's working week, as the default business calendar has it; SDRs act on MQLs in it
WORKING_ZONE = "Europe/Berlin"
WORKING_HOURS = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
#: how quickly each rep responds: a factor on the usual delay (an SDR's first call or email after a new
#: MQL, about 1.5 working hours; an account executive's decision on a hand-off), so their SLA figures differ
RESPONSE_PACE = {"sven": 1.0, "lina": 0.7, "omar": 1.5, "julia": 0.8, "marc": 1.0, "anna": 1.3, "peter": 1.7}
#: an SDR's follow-up that would come after more working hours than this is never logged (the MQL
#: waits until it moves on)
FOLLOW_UP_FORGOTTEN_HOURS = 8

COUNTRIES = (("DE", 30), ("AT", 6), ("CH", 7), ("GB", 14), ("FR", 10), ("NL", 8), ("SE", 5), ("US", 15), ("ES", 5))
INDUSTRIES = ("Manufacturing", "Software", "Logistics", "Retail", "Financial services", "Healthcare",
              "Energy", "Professional services", "Education", "Media")
SEGMENT_EMPLOYEES = (("smb", 20, 199, 55), ("mid", 200, 999, 32), ("enterprise", 1000, 20000, 13))
SEGMENT_DEAL = {"smb": (6_000, 25_000), "mid": (20_000, 90_000), "enterprise": (70_000, 400_000)}
COMPANY_WORDS = ("Nord", "Alpen", "Blue", "Rhein", "Kite", "Vector", "Atlas", "Pioneer", "Helix", "Orbit",
                 "Summit", "Lumen", "Cobalt", "Delta", "Falcon", "Granite", "Harbor", "Iris", "Juniper", "Kestrel")
COMPANY_KINDS = ("Systems", "Logistik", "Analytics", "Works", "Group", "Labs", "Industries", "Partners",
                 "Solutions", "Technik", "Retail", "Health", "Energie", "Media", "Finance")
FIRST_NAMES = ("Anna", "Ben", "Carla", "Daniel", "Eva", "Felix", "Greta", "Hannah", "Ivan", "Jonas", "Katrin",
               "Lukas", "Mia", "Noah", "Olga", "Paul", "Rosa", "Simon", "Tara", "Uwe", "Vera", "Will", "Yara",
               "Zoe", "Emma", "Louis", "Chloé", "Oliver", "Sophie", "James", "Lars", "Ingrid", "Pablo", "Lucía")
LAST_NAMES = ("Müller", "Schmidt", "Meyer", "Wagner", "Braun", "Zimmermann", "Martin", "Bernard", "Smith",
              "Jones", "Taylor", "de Vries", "Jansen", "Andersson", "Nilsson", "García", "López", "Rossi",
              "Keller", "Huber", "Brown", "Wilson", "Lambert", "Moreau", "Bakker", "Berg", "Lehmann", "Koch")
TITLES = (("Head of Operations", 20), ("VP Sales", 8), ("IT Manager", 15), ("CFO", 5), ("Marketing Manager", 12),
          ("Procurement Lead", 8), ("CTO", 5), ("Analyst", 12), ("Director of Finance", 7), ("Student", 3),
          ("CEO", 5))
#: source, weight, self-reported answers people give
SOURCES = (("web", 30, ("Google search", "Your website", "")), ("webinar", 14, ("Webinar", "LinkedIn")),
           ("event", 12, ("Trade fair", "Met you at a conference")), ("paid", 16, ("LinkedIn ad", "Google ad", "")),
           ("referral", 8, ("A colleague", "Recommended by a partner")), ("content", 12, ("Whitepaper", "Blog", "")),
           ("direct_mail", 4, ("Letter in the post", "")), ("outbound", 4, ("", "Your sales rep called")))

#: name, type, main channel, monthly cadence (every N months), budget per run (EUR), sales owner
CAMPAIGNS = (
    ("Webinar: Ops Automation", "webinar", "webinar", 2, 6_000, "julia"),
    ("Trade fair: LogiMAT", "trade fair", "event", 12, 45_000, "marc"),
    ("Trade fair: Hannover Messe", "trade fair", "event", 12, 60_000, "anna"),
    ("Google Ads: brand", "paid search", "paid_click", 1, 4_000, "peter"),
    ("LinkedIn Ads: CFO persona", "paid social", "paid_click", 1, 5_500, "julia"),
    ("Whitepaper: The Cost of Manual Ops", "content syndication", "content_shared", 3, 8_000, "marc"),
    ("Nurture: Monthly newsletter", "nurture email", "email_click", 1, 800, "anna"),
    ("Direct mail: Enterprise box", "direct mail", "direct_mail", 6, 18_000, "peter"),
    ("Partner referrals", "referral programme", "referral", 3, 3_000, "julia"),
)
#: the channel of the touch that created the lead, by recorded source
SOURCE_CHANNEL = {"web": "form_fill", "webinar": "webinar", "event": "event", "paid": "paid_click",
                  "referral": "referral", "content": "content_shared", "direct_mail": "direct_mail",
                  "outbound": "call"}
#: the campaign a source's creating touch belongs to (index into CAMPAIGNS), if any
SOURCE_CAMPAIGNS = {"webinar": (0,), "event": (1, 2), "paid": (3, 4), "content": (5,), "direct_mail": (7,),
                    "referral": (8,)}
CONTENT_ITEMS = ("Whitepaper: The Cost of Manual Ops", "Case study: Atlas Logistik", "ROI calculator",
                 "Product tour video", "Pricing page")
