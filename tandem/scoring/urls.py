from django.urls import path

from tandem.scoring import views

app_name = "scoring"
urlpatterns = [
    path("", views.rules_page, name="rules"),
    path("import/", views.rules_import_view, name="import"),
    path("recompute/", views.recompute_view, name="recompute"),
    path("predictive/", views.predictive_page, name="predictive"),
    path("predictive/train/", views.train_view, name="train"),
]
