from django.urls import path

from tandem.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("bell/", views.bell, name="bell"),
    path("read/", views.mark_read, name="read"),
    path("preferences/", views.preferences, name="preferences"),
]
