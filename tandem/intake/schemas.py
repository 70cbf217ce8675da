"""What the front door accepts: the web form's fields, and the signed webhook's JSON document."""

from __future__ import annotations

from typing import Any

from ninja import Schema
from pydantic import AwareDatetime, ConfigDict, Field, field_validator

from tandem.intake.services import Submission
from tandem.touchpoints.choices import CLICK_ID_KEYS, Channel

#: Filled only by bots: the embed snippet hides it from people. If it has a value, Tandem
#: answers as if all went well and stores nothing.
HONEYPOT = "fax_number"


class PersonIn(Schema):
    email: str = Field("", max_length=254)
    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    phone: str = Field("", max_length=50)
    company: str = Field("", max_length=200)
    domain: str = Field("", max_length=200, description="The company's domain, e.g. example.com")
    website: str = Field("", max_length=200, description="The company's web site (used when domain is empty)")
    country: str = Field("", description="Two-letter ISO code, e.g. DE")
    title: str = Field("", max_length=150)
    self_reported_source: str = Field("", max_length=300, description="How did you hear about us?")
    consent: bool | None = Field(None, description="Ticked consent box: true, on, yes or 1")
    utm_source: str = Field("", max_length=200)
    utm_medium: str = Field("", max_length=200)
    utm_campaign: str = Field("", max_length=200)
    utm_term: str = Field("", max_length=200)
    utm_content: str = Field("", max_length=200)
    click_ids: dict[str, str] = Field(default_factory=dict,
                                      description=f"Also accepted as top-level fields: {', '.join(CLICK_ID_KEYS)}")
    content_item: str = Field("", max_length=200, description="What the person came for, e.g. a whitepaper")

    @field_validator("country")
    @classmethod
    def _two_letters(cls, value: str) -> str:
        if value and not (len(value) == 2 and value.isascii() and value.isalpha()):
            raise ValueError("use the two-letter country code, e.g. DE")
        return value

    def submission(self, **extra: Any) -> Submission:
        fields = self.model_dump(exclude={"website", "form", "page", "redirect_to", "properties"})
        fields["domain"] = self.domain or self.website
        return Submission(**{**fields, **extra})


class FormIn(PersonIn):
    """A web form post (x-www-form-urlencoded or JSON). Unknown fields, e.g. a submit button, are ignored."""

    model_config = ConfigDict(extra="ignore")

    form: str = Field("", max_length=200, description="Which form, e.g. 'contact' or 'webinar-signup'")
    page: str = Field("", max_length=2000, description="The page the form was on")
    redirect_to: str = Field("", max_length=2000,
                             description="HTML posts: where to send the browser afterwards (an allowed site)")

    def properties(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in ("form", "page") if getattr(self, name)}


class WebhookIn(PersonIn):
    """One delivery from another system. Unknown fields are refused, so a typo does not vanish."""

    model_config = ConfigDict(extra="forbid")

    channel: Channel = Channel.FORM_FILL
    occurred_at: AwareDatetime | None = Field(None, description="When it happened, if in the past")
    external_id: str = Field("", max_length=200, description="Your id for this delivery; repeats are not stored")
    properties: dict[str, Any] = Field(default_factory=dict)


class FormAck(Schema):
    status: str = "received"


class WebhookOut(Schema):
    lead_id: int
    touchpoint_id: int
    lead_created: bool
    duplicate: bool


def lift_click_ids(raw: dict[str, Any]) -> dict[str, Any]:
    """Top-level gclid, fbclid, … (as landing pages pass them on) go into click_ids."""
    lifted = {key: raw[key] for key in CLICK_ID_KEYS if isinstance(raw.get(key), str) and raw[key]}
    if not lifted:
        return raw
    rest = {k: v for k, v in raw.items() if k not in CLICK_ID_KEYS}
    given = rest.get("click_ids") if isinstance(rest.get("click_ids"), dict) else {}
    return {**rest, "click_ids": {**lifted, **given}}
