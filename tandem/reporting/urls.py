from django.urls import path

from tandem.reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.records_view, name="records"),
    path("reports/<slug:name>/", views.report_view, name="report"),
    path("packs/", views.packs_view, name="packs"),
    path("packs/<str:kind>/schedule/", views.schedule_save, name="schedule_save"),
    path("packs/<str:kind>/send/", views.pack_send_view, name="pack_send"),
    path("packs/<int:pack_id>/html/", views.pack_html, name="pack_html"),
    path("packs/<int:pack_id>/csv/<str:name>", views.pack_csv, name="pack_csv"),
]
