"""The needs analysis' addresses, part of the programs namespace (programs.urls)."""

from django.urls import path

from programs.needs import views

urlpatterns = [
    path("<int:pk>/behoefteanalyse/", views.needs_overview, name="needs"),
    path("<int:pk>/behoefteanalyse/vragen/", views.needs_ask, name="needs-ask"),
    path("behoefteanalyse/", views.my_needs_requests, name="needs-requests"),
    path("behoefteanalyse/<int:pk>/", views.needs_answer, name="needs-answer"),
    path("behoefteanalyses/<int:pk>/importeren/", views.needs_import, name="needs-import"),
    path("behoefteanalyses/<int:pk>/sluiten/", views.needs_close, name="needs-close"),
    path(
        "behoefteanalyses/<int:pk>/importeren/sjabloon/",
        views.needs_import_template,
        name="needs-import-template",
    ),
    path(
        "behoefteanalyses/<int:pk>/importeren/bevestigen/",
        views.needs_import_confirm,
        name="needs-import-confirm",
    ),
]
