from django.db import models


class Channel(models.TextChoices):
    WEB_VISIT = "web_visit", "Web visit"
    FORM_FILL = "form_fill", "Form fill"
    EMAIL_OPEN = "email_open", "Email open"
    EMAIL_CLICK = "email_click", "Email click"
    EMAIL_SENT = "email_sent", "Email sent by a rep"
    PAID_CLICK = "paid_click", "Paid click"
    EVENT = "event", "Event"
    WEBINAR = "webinar", "Webinar"
    DIRECT_MAIL = "direct_mail", "Direct mail"
    CALL = "call", "Call"
    MEETING = "meeting", "Meeting"
    CONTENT_SHARED = "content_shared", "Content shared"
    REFERRAL = "referral", "Referral"
    SELF_REPORTED = "self_reported", "Self-reported (how did you hear about us)"


#: Channels that count as a rep's "real touch" of a lead (the response SLA stops on one by the owner).
REAL_TOUCH_CHANNELS = frozenset({Channel.CALL, Channel.EMAIL_SENT, Channel.MEETING})
#: Channels Marketing runs (for sourced/influenced and attribution).
MARKETING_CHANNELS = frozenset({Channel.WEB_VISIT, Channel.FORM_FILL, Channel.EMAIL_OPEN, Channel.EMAIL_CLICK,
                                Channel.PAID_CLICK, Channel.EVENT, Channel.WEBINAR, Channel.DIRECT_MAIL,
                                Channel.CONTENT_SHARED})


class TouchSource(models.TextChoices):
    API = "api", "API"
    WEB_FORM = "web_form", "Web form"
    WEBHOOK = "webhook", "Signed webhook"
    IMPORT = "import", "Import"
    USER = "user", "Entered by a user"
    DEMO = "demo", "Demo data"


#: Click identifiers the ad platforms append to landing-page URLs; intake picks these up as form fields.
CLICK_ID_KEYS = ("gclid", "gbraid", "wbraid", "dclid", "fbclid", "msclkid", "li_fat_id", "ttclid", "twclid",
                 "yclid")
