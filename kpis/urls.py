from django.urls import path

from kpis import views

app_name = "kpis"

urlpatterns = [
    path("", views.kpi_list, name="list"),
    path("dashboard/<int:pk>/", views.dashboard, name="dashboard"),
    path(
        "dashboard/organisatie/<slug:slug>/",
        views.organization_dashboard,
        name="organization-dashboard",
    ),
    path("nieuw/", views.kpi_create, name="create"),
    path("<int:pk>/", views.kpi_detail, name="detail"),
    path("<int:pk>/bewerken/", views.kpi_update, name="update"),
    path("<int:pk>/geschiedenis/", views.kpi_history, name="history"),
    path("<int:pk>/metingen/", views.measurement_create, name="measurement-create"),
    path("<int:pk>/metingen/importeren/", views.measurement_import, name="measurement-import"),
    path(
        "<int:pk>/metingen/importeren/sjabloon/",
        views.measurement_import_template,
        name="measurement-import-template",
    ),
    path(
        "<int:pk>/metingen/importeren/bevestigen/",
        views.measurement_import_confirm,
        name="measurement-import-confirm",
    ),
]
