from django.urls import path

from tandem.identity import views

urlpatterns = [
    path("duplicates/", views.duplicates, name="identity_duplicates"),
    path("leads/merge/", views.lead_merge, name="identity_lead_merge"),
    path("accounts/merge/", views.account_merge, name="identity_account_merge"),
]
