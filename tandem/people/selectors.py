from __future__ import annotations

from django.db.models import QuerySet

from tandem.people.models import ApiToken, User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.select_related("user")
    return tokens if user.can("token.manage_all") else tokens.filter(user=user)


def user_list_active(*, team: str | None = None) -> QuerySet[User]:
    users = User.objects.filter(is_active=True)
    return users.filter(team=team) if team else users
