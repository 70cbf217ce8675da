from django.urls import path

from tandem.sla import views

app_name = "sla"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("queue/", views.my_queue, name="queue"),
    path("queue/<int:lead_id>/act/", views.queue_act, name="act"),
    path("queue/<int:lead_id>/touch/", views.queue_touch, name="touch"),
    path("commitments/", views.commitment_new, name="commitment_new"),
]
