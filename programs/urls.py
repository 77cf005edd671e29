from django.urls import path

from programs import views
from programs.needs import urls as needs_urls

app_name = "programs"

urlpatterns = [
    path("", views.program_list, name="list"),
    path("nieuw/", views.program_create, name="create"),
    path("leervormen/<slug:slug>/", views.method_list, name="methods"),
    path("<int:pk>/", views.program_detail, name="detail"),
    path("<int:pk>/bewerken/", views.program_edit, name="edit"),
    path("<int:pk>/geschiedenis/", views.program_history, name="history"),
    path("<int:pk>/status/", views.program_status, name="status"),
    path("<int:pk>/dupliceren/", views.program_duplicate, name="duplicate"),
    path("<int:pk>/leerdoelen/nieuw/", views.goal_create, name="goal-create"),
    path("<int:pk>/reflectievragen/", views.reflection_prompts, name="reflection-prompts"),
    path("<int:pk>/evaluatievragen/", views.evaluation_settings, name="evaluation-settings"),
    path("<int:pk>/groepen/nieuw/", views.cohort_create, name="cohort-create"),
    path("leerdoelen/<int:pk>/bewerken/", views.goal_edit, name="goal-edit"),
    path("leerdoelen/<int:pk>/geschiedenis/", views.goal_history, name="goal-history"),
    path("leerdoelen/<int:pk>/verwijderen/", views.goal_delete, name="goal-delete"),
    path("leerdoelen/<int:pk>/verplaatsen/", views.goal_move, name="goal-move"),
    path(
        "leerdoelen/<int:pk>/aftekenpunten/nieuw/",
        views.checklist_item_create,
        name="checklist-item-create",
    ),
    path("aftekenpunten/<int:pk>/bewerken/", views.checklist_item_edit, name="checklist-item-edit"),
    path(
        "aftekenpunten/<int:pk>/verwijderen/",
        views.checklist_item_delete,
        name="checklist-item-delete",
    ),
    path(
        "aftekenpunten/<int:pk>/verplaatsen/",
        views.checklist_item_move,
        name="checklist-item-move",
    ),
    path("groepen/<int:pk>/", views.cohort_detail, name="cohort-detail"),
    path("groepen/<int:pk>/geschiedenis/", views.cohort_history, name="cohort-history"),
    path("groepen/<int:pk>/coaches/", views.cohort_coaches, name="cohort-coaches"),
    path("groepen/<int:pk>/afsluiten/", views.cohort_close, name="cohort-close"),
    path("deelnames/<int:pk>/beeindigen/", views.enrolment_end, name="enrolment-end"),
    path("coaches/<int:pk>/", views.coach_profile, name="coach-profile"),
    path("coaches/<int:pk>/programmas/", views.coach_programs, name="coach-programs"),
    path("coaches/<int:pk>/geschiedenis/", views.coach_history, name="coach-history"),
    path(
        "coachtrainingen/<int:pk>/bewerken/", views.coach_training_edit, name="coach-training-edit"
    ),
    path(
        "coachtrainingen/<int:pk>/verwijderen/",
        views.coach_training_remove,
        name="coach-training-remove",
    ),
    path("uitnodiging/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("groepen/<int:pk>/importeren/", views.cohort_import, name="cohort-import"),
    path(
        "groepen/<int:pk>/importeren/sjabloon/",
        views.cohort_import_template,
        name="cohort-import-template",
    ),
    path(
        "groepen/<int:pk>/importeren/bevestigen/",
        views.cohort_import_confirm,
        name="cohort-import-confirm",
    ),
]

# The needs analysis (behoefteanalyse) keeps its pages in its own module.
urlpatterns += needs_urls.urlpatterns
