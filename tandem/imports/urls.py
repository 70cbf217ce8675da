from django.urls import path

from tandem.imports import views

urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("<int:job_id>/", views.import_detail, name="import_detail"),
    path("<int:job_id>/status/", views.import_status, name="import_status"),
    path("<int:job_id>/resume/", views.import_resume, name="import_resume"),
]
