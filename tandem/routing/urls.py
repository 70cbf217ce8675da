from django.urls import path

from tandem.routing import views

app_name = "routing"
urlpatterns = [path("", views.overview, name="overview")]
