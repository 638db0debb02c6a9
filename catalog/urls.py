from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.model_list, name="list"),
    path("models/<path:slug>/", views.model_card, name="model"),
    path("compare/", views.compare, name="compare"),
    path("cost-quality/", views.cost_quality, name="cost-quality"),
    path("sync/", views.sync_runs, name="sync-runs"),
    path("changes/", views.changes, name="changes"),
]
