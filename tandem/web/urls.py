from django.contrib.auth import views as auth_views
from django.urls import path

from tandem.web import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.home, name="home"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:lead_id>/move/", views.lead_move, name="lead_move"),
    path("leads/<int:lead_id>/notes/", views.lead_note, name="lead_note"),
    path("definitions/", views.definitions, name="definitions"),
    path("definitions/versions/<int:number>/", views.definitions_version, name="definitions_version"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
