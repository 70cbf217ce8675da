from django.urls import path

from tandem.goals import views

app_name = "goals"
urlpatterns = [
    path("", views.goal_list, name="list"),
    path("<int:goal_id>/", views.goal_detail, name="detail"),
    path("<int:goal_id>/agree/", views.goal_agree, name="agree"),
    path("<int:goal_id>/commit-mqls/", views.goal_commit, name="commit"),
    path("<int:goal_id>/snapshot/", views.goal_snapshot, name="snapshot"),
    path("<int:goal_id>/edit/", views.goal_edit, name="edit"),
]
