from django.urls import path

from coaching import views

app_name = "coaching"

urlpatterns = [
    path("mijn-lerenden/", views.coach_home, name="home"),
    path("mijn-voortgang/", views.my_progress, name="my-progress"),
    path("mijn-voortgang/geschiedenis/", views.my_history, name="my-history"),
    path("aandacht/", views.attention_list, name="attention"),
    path("wie-kan-wat/", views.skills_matrix, name="skills-matrix"),
    path("mijn-team/", views.team, name="team"),
    path("deelnames/<int:pk>/voortgangsgesprek/", views.review_plan, name="review-plan"),
    path(
        "deelnames/<int:pk>/voortgangsgesprekken/",
        views.reviews_plan_default,
        name="reviews-plan-default",
    ),
    path("voortgangsgesprekken/<int:pk>/uitkomst/", views.review_outcome, name="review-outcome"),
    path("voortgangsgesprekken/<int:pk>/opmerking/", views.review_comment, name="review-comment"),
    path("deelnames/<int:pk>/zelfstandig/", views.mark_independent, name="mark-independent"),
    path("deelnames/<int:pk>/voortgang/", views.progress, name="progress"),
    path("deelnames/<int:pk>/certificaat/", views.certificate_download, name="certificate"),
    path("deelnames/<int:pk>/geschiedenis/", views.enrolment_history, name="enrolment-history"),
    path("deelnames/<int:pk>/feedback/", views.feedback_create, name="feedback-create"),
    path("deelnames/<int:pk>/reflectie/", views.reflection_create, name="reflection-create"),
    path("deelnames/<int:pk>/collega-feedback/", views.peer_request, name="peer-request"),
    path("feedback/<int:pk>/bewerken/", views.feedback_edit, name="feedback-edit"),
    path("feedback/<int:pk>/geschiedenis/", views.feedback_history, name="feedback-history"),
    path("feedback/<int:pk>/aanvulling/", views.feedback_addendum, name="feedback-addendum"),
    path("reflecties/<int:pk>/reactie/", views.reflection_react, name="reflection-react"),
    path("reflectie-link/<str:token>/", views.reflection_link, name="reflection-link"),
    path("collega-feedback/<int:pk>/", views.peer_give, name="peer-give"),
    path("bedankjes/", views.thanks, name="thanks"),
    path("coaches/belasting/", views.coach_load_list, name="coach-load"),
    path("deelnames/<int:pk>/evaluatie/", views.evaluation_learner, name="evaluation-learner"),
    path("groepen/<int:pk>/evaluatie/", views.evaluation_coach, name="evaluation-coach"),
    path(
        "leerprogrammas/<int:pk>/evaluatie/",
        views.evaluation_results,
        name="evaluation-results",
    ),
    path("coaches/<int:pk>/bedanken/", views.thank_coach, name="thank-coach"),
]
