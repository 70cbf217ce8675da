"""Who is who: recognising a known person, following merges, and finding likely duplicates.

Likely duplicates are leads that share
- an email address once case, whitespace and a "+tag" are ignored (pat+news@x.com = pat@x.com),
  or an address merged into another lead;
- a phone number in E.164;
- a first and last name (case ignored) at the same company domain (the account's domain, or
  the email's domain for a lead without one).
Merged leads (tombstones) never appear. Each reason is one GROUP BY query, plus one query for
the members of the groups on the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Case, CharField, Count, F, QuerySet, Value, When
from django.db.models.functions import Coalesce, Concat, Left, Lower, NullIf, StrIndex, Substr, Trim

from tandem.accounts.models import Account
from tandem.identity.errors import AlreadyMerged
from tandem.identity.models import EmailAlias
from tandem.identity.survivorship import account_fills, lead_fills, strictest_consent
from tandem.leads.models import Lead
from tandem.leads.selectors import lead_get_for_user, lead_visible_queryset

REASONS = ("email", "phone", "name")
REASON_TEXT = {"email": "Same email address", "phone": "Same phone number", "name": "Same name at the same company"}
MAX_CHAIN = 50


def references_to(model: type[models.Model]) -> list[tuple[type[models.Model], models.ForeignKey]]:
    """Every foreign key in the project that points at `model` (found from the installed models)."""
    return [(related, field) for related in apps.get_models() for field in related._meta.concrete_fields
            if isinstance(field, models.ForeignKey) and field.related_model is model]


def lead_resolve(*, lead_id: int) -> int:
    """The id a lead id stands for now: itself, or the survivor its merges lead to (Lead.DoesNotExist)."""
    current = lead_id
    for _ in range(MAX_CHAIN):
        merged_into = Lead.objects.filter(pk=current).values_list("merged_into_id", flat=True).get()
        if merged_into is None:
            return current
        current = merged_into
    raise ValueError(f"lead_id: the merge chain from lead {lead_id} is longer than {MAX_CHAIN}")


def lead_get_for_merge(*, lead_id: int, user: Any, field: str) -> Lead:
    """The live lead to merge; AlreadyMerged (409) if it became a tombstone meanwhile; else 404 as usual."""
    try:
        return lead_get_for_user(lead_id=lead_id, user=user)
    except Lead.DoesNotExist:
        merged_into = Lead.objects.filter(pk=lead_id).values_list("merged_into_id", flat=True).first()
        if merged_into is not None and lead_visible_queryset(user=user).filter(pk=merged_into).exists():
            raise AlreadyMerged(f"lead {lead_id} was merged into lead {merged_into} meanwhile", field=field) from None
        raise


def account_resolve(*, account: Account) -> Account:
    """The live account for `account`: itself, or the survivor of its merges."""
    for _ in range(MAX_CHAIN):
        if account.merged_into_id is None:
            return account
        account = Account.objects.get(pk=account.merged_into_id)
    raise ValueError(f"the merge chain from account {account.pk} is too long")


def lead_match(*, email_normalized: str, phone_normalized: str) -> Lead | None:
    """The live lead this person already is: same email, else an address merged into a lead, else same phone."""
    if email_normalized:
        lead = Lead.objects.filter(email_normalized=email_normalized).first()
        if lead is not None:
            return lead if lead.merged_into_id is None else Lead.objects.get(pk=lead_resolve(lead_id=lead.pk))
        alias = EmailAlias.objects.filter(email_normalized=email_normalized).values_list("lead_id", flat=True).first()
        if alias is not None:
            return Lead.objects.get(pk=lead_resolve(lead_id=alias))
    if phone_normalized:
        return Lead.objects.filter(phone_normalized=phone_normalized, merged_into__isnull=True).order_by("id").first()
    return None


@dataclass(frozen=True)
class DuplicateGroup:
    reason: str
    key: str
    leads: list[Lead]

    @property
    def reason_text(self) -> str:
        return REASON_TEXT[self.reason]


def _keyed(leads: QuerySet[Lead], reason: str) -> QuerySet[Lead]:
    if reason == "email":
        return (leads.annotate(_at=StrIndex("email_normalized", Value("@")),
                               _plus=StrIndex("email_normalized", Value("+")))
                .annotate(dup_key=Case(
                    When(_plus__gt=0, _plus__lt=F("_at"),
                         then=Concat(Left("email_normalized", F("_plus") - 1), Substr("email_normalized", F("_at")),
                                     output_field=CharField())),
                    default=F("email_normalized"), output_field=CharField())))
    if reason == "phone":
        return leads.exclude(phone_normalized="").annotate(dup_key=F("phone_normalized"))
    email_domain = Substr("email_normalized", StrIndex("email_normalized", Value("@")) + 1)
    domain = Coalesce(NullIf("account__domain", Value("")), email_domain, output_field=CharField())
    return (leads.exclude(first_name="").exclude(last_name="")
            .annotate(dup_key=Concat(Lower(Trim("first_name")), Value(" "), Lower(Trim("last_name")), Value(" @ "),
                                     domain, output_field=CharField())))


def _alias_groups(leads: QuerySet[Lead], limit: int, after: str | None) -> list[DuplicateGroup]:
    """A live lead created under an address that was merged into another lead earlier."""
    aliases = EmailAlias.objects.filter(email_normalized__in=leads.values("email_normalized"))
    if after:
        aliases = aliases.filter(email_normalized__gt=after)
    aliases = list(aliases.order_by("email_normalized")[:limit])
    members = leads.select_related("account", "owner")
    holders = {lead.email_normalized: lead for lead in
               members.filter(email_normalized__in=[alias.email_normalized for alias in aliases])}
    owners = {lead.pk: lead for lead in members.filter(pk__in=[alias.lead_id for alias in aliases])}
    return [DuplicateGroup("email", alias.email_normalized,
                           sorted([owners[alias.lead_id], holders[alias.email_normalized]], key=lambda x: x.pk))
            for alias in aliases if alias.lead_id in owners and alias.email_normalized in holders
            and owners[alias.lead_id].pk != holders[alias.email_normalized].pk]


def lead_duplicate_groups(*, user: Any, reason: str, limit: int = 50, after: str | None = None) -> list[DuplicateGroup]:
    """Groups of likely duplicate leads this user may see, for one reason, ordered by their key."""
    if reason not in REASONS:
        raise ValueError(f"reason: must be one of {', '.join(REASONS)}")
    leads = _keyed(lead_visible_queryset(user=user), reason)
    keys = leads.values("dup_key").annotate(n=Count("id")).filter(n__gt=1)
    if after:
        keys = keys.filter(dup_key__gt=after)
    page = [row["dup_key"] for row in keys.order_by("dup_key")[:limit]]
    members: dict[str, list[Lead]] = {key: [] for key in page}
    for lead in leads.filter(dup_key__in=page).select_related("account", "owner").order_by("id"):
        members[lead.dup_key].append(lead)
    groups = [DuplicateGroup(reason, key, members[key]) for key in page]
    if reason == "email":  # an alias group and a +tag group may share their key: one group then
        by_key: dict[str, dict[int, Lead]] = {}
        for group in groups + _alias_groups(lead_visible_queryset(user=user), limit, after):
            by_key.setdefault(group.key, {}).update({lead.pk: lead for lead in group.leads})
        groups = [DuplicateGroup("email", key, sorted(by_key[key].values(), key=lambda x: x.pk))
                  for key in sorted(by_key)][:limit]
    return groups


@dataclass(frozen=True)
class AccountGroup:
    key: str
    accounts: list[Account]


def account_duplicate_groups(*, limit: int = 50, after: str | None = None) -> list[AccountGroup]:
    """Live accounts with the same name (case and surrounding spaces ignored)."""
    accounts = Account.objects.filter(merged_into__isnull=True).annotate(dup_key=Lower(Trim("name")))
    keys = accounts.values("dup_key").annotate(n=Count("id")).filter(n__gt=1)
    if after:
        keys = keys.filter(dup_key__gt=after)
    page = [row["dup_key"] for row in keys.order_by("dup_key")[:limit]]
    members: dict[str, list[Account]] = {key: [] for key in page}
    for account in accounts.filter(dup_key__in=page).annotate(lead_count=Count("leads")).order_by("id"):
        members[account.dup_key].append(account)
    return [AccountGroup(key, members[key]) for key in page]


@dataclass(frozen=True)
class Effect:
    """Rows of one table pointing at the loser, and what the merge does with them."""

    count: int
    what: str  # e.g. "touchpoints"
    dropped: bool = False  # one per record, and the survivor has its own: deleted, not moved


@dataclass(frozen=True)
class MergePreview:
    """What merging `loser` into `survivor` would do, for the confirm step."""

    survivor: Any
    loser: Any
    effects: list[Effect]
    fills: dict[str, Any]
    consent_after: str | None


def _name(model: type[models.Model], count: int) -> str:
    return str(model._meta.verbose_name if count == 1 else model._meta.verbose_name_plural)


def describe_moves(moved: dict[str, int], dropped: dict[str, int] | None = None) -> list[Effect]:
    """A merge result's {"app.Model": count} maps in words, for people."""
    effects = [Effect(n, _name(apps.get_model(label), n)) for label, n in moved.items()]
    return effects + [Effect(n, _name(apps.get_model(label), n), dropped=True) for label, n in (dropped or {}).items()]


def _effects(model: type[models.Model], survivor: models.Model, loser: models.Model) -> list[Effect]:
    effects = []
    for related, field in references_to(model):
        if related is model and field.name == "merged_into":
            continue
        n = related._base_manager.filter(**{field.attname: loser.pk}).count()
        if n:
            taken = field.unique and related._base_manager.filter(**{field.attname: survivor.pk}).exists()
            effects.append(Effect(n, _name(related, n), dropped=taken))
    return effects


def lead_merge_preview(*, survivor: Lead, loser: Lead) -> MergePreview:
    return MergePreview(survivor=survivor, loser=loser, effects=_effects(Lead, survivor, loser),
                        fills=lead_fills(survivor, loser),
                        consent_after=strictest_consent(survivor.consent_status, loser.consent_status))


def account_merge_preview(*, survivor: Account, loser: Account) -> MergePreview:
    fills = account_fills(survivor, loser)
    if not survivor.domain and loser.domain:
        fills["domain"] = loser.domain
    return MergePreview(survivor=survivor, loser=loser, effects=_effects(Account, survivor, loser), fills=fills,
                        consent_after=None)
