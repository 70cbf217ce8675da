"""What people say brought them: free-text "how did you hear about us" answers in plain buckets.

Rules are tried in order and the first that matches the answer (case-insensitive, whole words)
wins, so "LinkedIn ad" is *Paid ads* before it could be *Social media*, and "Recommended by a
partner" is *Partner or referral* before *Word of mouth*. An empty answer is *Not answered*; an
answer no rule matches is *Other*. A bucket names the touch channel it corresponds to, where
there is one, so the answers can stand beside modelled credit by channel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Bucket:
    key: str
    label: str
    channel: str | None  # the touchpoint channel this answer points at, if any
    pattern: re.Pattern | None


def _words(*terms: str) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(terms) + r")\b", re.IGNORECASE)


BUCKETS: tuple[Bucket, ...] = (
    Bucket("sales_rep", "A sales rep contacted them", "call",
           _words(r"sales ?rep\w*", r"rep called", r"(?:you|someone) called", r"cold call\w*", r"sales ?person",
                  r"account executive", r"sdr")),
    Bucket("paid_ads", "Paid ads", "paid_click",
           _words(r"ads?", r"advert\w*", r"banner", r"sponsored", r"ppc", r"adwords")),
    Bucket("event", "Event or trade fair", "event",
           _words(r"trade ?fairs?", r"fairs?", r"conferences?", r"events?", r"expo", r"messe", r"booth", r"stand",
                  r"met you", r"summit", r"meetup")),
    Bucket("webinar", "Webinar", "webinar", _words(r"webinars?", r"web seminar", r"online session")),
    Bucket("direct_mail", "Direct mail", "direct_mail",
           _words(r"letter", r"in the post", r"postcard", r"direct mail", r"mailer", r"parcel", r"gift box")),
    Bucket("email", "Email or newsletter", "email_click",
           _words(r"e-?mails?", r"newsletters?", r"mailing")),
    Bucket("partner", "Partner or referral", "referral",
           _words(r"partners?", r"referr\w*", r"referred", r"reseller", r"integrator", r"consultant")),
    Bucket("content", "Content (whitepaper, blog, article)", "content_shared",
           _words(r"white ?papers?", r"blogs?", r"articles?", r"e-?books?", r"podcasts?", r"case stud\w*",
                  r"guides?", r"reports?", r"videos?")),
    Bucket("search", "Search engine", None,
           _words(r"google", r"bing", r"search\w*", r"duckduckgo", r"ecosia", r"searched")),
    Bucket("social", "Social media", None,
           _words(r"linkedin", r"twitter", r"x\.com", r"facebook", r"instagram", r"youtube", r"xing", r"social",
                  r"reddit", r"tiktok")),
    Bucket("word_of_mouth", "Colleague or word of mouth", None,
           _words(r"colleagues?", r"friends?", r"word of mouth", r"recommend\w*", r"co-?workers?", r"peers?",
                  r"boss", r"former employer")),
    Bucket("website", "Our website", "web_visit", _words(r"website", r"web ?site", r"your site", r"homepage")),
    Bucket("other", "Other", None, None),
    Bucket("not_answered", "Not answered", None, None),
)
BY_KEY = {b.key: b for b in BUCKETS}
OTHER = BY_KEY["other"]
NOT_ANSWERED = BY_KEY["not_answered"]


def bucket_of(answer: str | None) -> Bucket:
    """The bucket of one answer (see the module docstring for the order of the rules)."""
    text = (answer or "").strip()
    if not text:
        return NOT_ANSWERED
    for bucket in BUCKETS:
        if bucket.pattern is not None and bucket.pattern.search(text):
            return bucket
    return OTHER
