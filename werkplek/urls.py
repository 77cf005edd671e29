from django.contrib import admin
from django.urls import include, path

from werkplek import personal_data_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz/", views.healthz, name="healthz"),
    path("taal/", views.language_switch, name="language-switch"),
    path("voorkeuren/", views.preferences, name="preferences"),
    path("voorkeuren/afwezig/", views.leave_create, name="leave-create"),
    path("voorkeuren/afwezig/<int:pk>/verwijderen/", views.leave_delete, name="leave-delete"),
    path("meldingen/", views.notification_list, name="notifications"),
    path("meldingen/gelezen/", views.notifications_read, name="notifications-read"),
    path("meldingen/<int:pk>/", views.notification_open, name="notification-open"),
    path(
        "meldingen/uitschrijven/<str:token>/",
        views.notification_unsubscribe,
        name="notification-unsubscribe",
    ),
    # A mail's signed settings link; before it, the in-app list's own addresses (a signed
    # token always holds a ':', so it is never a number nor "gelezen").
    path(
        "meldingen/<str:token>/",
        views.notification_settings_link,
        name="notification-settings-link",
    ),
    path("privacy/", personal_data_views.privacy, name="privacy"),
    path("mijn-gegevens/", personal_data_views.personal_data_export, name="personal-data-export"),
    path(
        "organisaties/<slug:slug>/mensen/<int:pk>/verwijderen/",
        personal_data_views.person_erase,
        name="person-erase",
    ),
    path("organisaties/<slug:slug>/", views.organization_detail, name="organization-detail"),
    path(
        "organisaties/<slug:slug>/mensen/<int:pk>/afwezig/",
        views.member_leave,
        name="member-leave",
    ),
    path(
        "organisaties/<slug:slug>/geschiedenis/",
        views.organization_history,
        name="organization-history",
    ),
    path(
        "organisaties/<slug:slug>/instellingen/",
        views.organization_settings,
        name="organization-settings",
    ),
    path(
        "account/password_reset/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path("account/login/", views.LoginView.as_view(), name="login"),
    path("account/login/code/", views.login_code, name="login-code"),
    path("account/tweestaps/", views.two_factor, name="two-factor"),
    path("account/tweestaps/uit/", views.two_factor_disable, name="two-factor-disable"),
    path("account/", include("django.contrib.auth.urls")),
    path("programmas/", include("programs.urls")),
    path("kpis/", include("kpis.urls")),
    path("", include("coaching.urls")),
    path("admin/", admin.site.urls),
]
