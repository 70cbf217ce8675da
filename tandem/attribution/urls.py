from django.urls import path

from tandem.attribution import views

app_name = "attribution"
urlpatterns = [
    path("", views.attribution_page, name="page"),
]
