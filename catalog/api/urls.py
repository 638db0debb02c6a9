from django.urls import path

from catalog.api import views

urlpatterns = [
    path("models/", views.AIModelListView.as_view(), name="model-list"),
    # The slug keeps its slash ('anthropic/claude-opus-4'); an alias redirects to it.
    path("models/<path:slug>/", views.AIModelDetailView.as_view(), name="model-detail"),
    path("organizations/", views.OrganizationListView.as_view(), name="organization-list"),
    path("organizations/<slug:slug>/", views.OrganizationDetailView.as_view(), name="organization-detail"),
    path("benchmarks/", views.BenchmarkListView.as_view(), name="benchmark-list"),
    path("benchmarks/<slug:slug>/", views.BenchmarkDetailView.as_view(), name="benchmark-detail"),
    path("sync-runs/", views.SyncRunListView.as_view(), name="syncrun-list"),
    path("sync-runs/<int:pk>/", views.SyncRunDetailView.as_view(), name="syncrun-detail"),
    path("change-events/", views.ChangeEventListView.as_view(), name="changeevent-list"),
]
