"""The permission matrix: every URL name × nine actors × GET and POST → the answer.

The table below is the specification of who may open what. The test walks Django's URL
resolver, so a page added without a row here fails (`test_every_url_has_a_row`), and so does
each of its cases. Invisible and non-existent look the same: a signed-in person who may not
see a page gets 404, never 403; an anonymous visitor is sent to log in.

Answers: a status code (200, 404, 405), `302` for a redirect that is not a login page,
`LOGIN` for a redirect to the login page (with ?next=) and `ADMIN` for one to the admin's.
POST cases send an empty form. Where an action needs no fields (delete, move, log out) it
happens, in that case's own database: every case builds the scenario afresh and rolls back.
A run ends with "permission matrix: N URL × actor × method cases checked" (tests/conftest.py).
"""

import dataclasses
import datetime
import functools
import types
from urllib.parse import quote

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils import timezone

from coaching import mails
from coaching.models import PeerFeedback, ProgressReview, Reflection
from coaching.reminders import REFLECTION_REMINDER, reflection_link_token
from programs.choices import EndReason, ProgramStatus
from programs.models import CoachTraining, Invitation
from programs.needs import services as needs_services
from tests.factories import (
    ChecklistItemFactory,
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    KPIFactory,
    LearningGoalFactory,
    MembershipFactory,
    OrganizationFactory,
    PairingFactory,
    ProgramFactory,
    UserFactory,
)
from werkplek.models import Leave, OutboxMessage
from werkplek.notifications import preferences_token, unsubscribe_token

LOGIN = "→login"
ADMIN = "→admin"

ACTORS = (
    "anonymous",
    "learner",
    "other_learner",  # another learner of the same group
    "coach",  # the learner's current coach
    "former_coach",  # coached the learner until two weeks ago; `coach` took over
    "other_coach",  # a coach of the organisation who does not coach in this program
    "manager",  # an L&D manager of the organisation
    "other_manager",  # an L&D manager of another organisation
    "line_manager",  # the line manager of the learner's team (not of the other learner's)
)
METHODS = ("GET", "POST")
GET, POST = METHODS

# One row per URL name and method; its answers in the order of ACTORS (the columns below:
# anonymous, learner, other learner, coach, former coach, other coach, manager, other manager,
# line manager). The line manager holds no other role: beyond their own pages, their team
# page, their learner's progress (and its program) and a review's outcome, everything is 404.
# fmt: off
MATRIX = {
    # URL name                          method anon   lrnr peer coac form othr mgr  o.mgr line
    # The ground floor: public pages, the account pages, the signed-in person's own pages.
    # Home sends everyone with a role on to their role's page.
    ("home",                            GET):  (LOGIN, 302, 302, 302, 302, 302, 302, 302, 302),
    ("home",                            POST): (LOGIN, 302, 302, 302, 302, 302, 302, 302, 302),
    ("healthz",                         GET):  (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("healthz",                         POST): (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("language-switch",                 GET):  (405,   405, 405, 405, 405, 405, 405, 405, 405),
    ("language-switch",                 POST): (302,   302, 302, 302, 302, 302, 302, 302, 302),
    ("preferences",                     GET):  (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    ("preferences",                     POST): (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    # Leave: each person sets their own on their preferences page (an empty form answers
    # with its errors); the person, or an L&D manager of their organisation, removes it.
    ("leave-create",                    GET):  (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    ("leave-create",                    POST): (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    ("leave-delete",                    GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("leave-delete",                    POST): (LOGIN, 302, 404, 404, 404, 404, 302, 404, 404),
    # A mail's notification settings link (the learner's, valid): that page for whoever holds
    # it, signed in or not, without signing anyone in; an empty form turns every kind off.
    # Altered, expired and reused links: tests/coaching/test_reflection_link.py.
    ("notification-settings-link",      GET):  (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("notification-settings-link",      POST): (302,   302, 302, 302, 302, 302, 302, 302, 302),
    # A mail's one-click unsubscribe address (the learner's reminders, valid): a GET offers
    # the button, a POST (without CSRF token: mail clients send it) turns them off.
    # Altered tokens: tests/werkplek/test_unsubscribe.py.
    ("notification-unsubscribe",        GET):  (200,   200, 200, 200, 200, 200, 200, 200, 200),
    # The matrix posts an empty form: not RFC 8058's List-Unsubscribe=One-Click, so 400 and
    # nothing turned off; the real one-click POST: tests/werkplek/test_unsubscribe.py.
    ("notification-unsubscribe",        POST): (400,   400, 400, 400, 400, 400, 400, 400, 400),
    # AVG: the privacy page is public; each person downloads their own data (no address
    # names anyone else's); only a manager of the person's organisation opens their erasure.
    ("privacy",                         GET):  (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("privacy",                         POST): (405,   405, 405, 405, 405, 405, 405, 405, 405),
    ("personal-data-export",            GET):  (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    ("personal-data-export",            POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("person-erase",                    GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("person-erase",                    POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("organization-detail",             GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("organization-detail",             POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    # The organisation's settings (the overload guard's maximum): its own managers only.
    # A learner's leave, set by the organisation's L&D managers only.
    ("member-leave",                    GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("member-leave",                    POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("organization-settings",           GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("organization-settings",           POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    # The organisation's history (settings and memberships): its own managers only.
    ("organization-history",            GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("organization-history",            POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    # Everyone's own notifications; one of them (the coach's nudge) opens for its recipient
    # only (a POST: it marks it read), and everyone may mark their own read.
    ("notifications",                   GET):  (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    ("notifications",                   POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("notification-open",               GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("notification-open",               POST): (LOGIN, 404, 404, 302, 404, 404, 404, 404, 404),
    ("notifications-read",              GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("notifications-read",              POST): (LOGIN, 302, 302, 302, 302, 302, 302, 302, 302),
    ("login",                           GET):  (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("login",                           POST): (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("logout",                          GET):  (405,   405, 405, 405, 405, 405, 405, 405, 405),
    ("logout",                          POST): (302,   302, 302, 302, 302, 302, 302, 302, 302),
    ("password_change",                 GET):  (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    ("password_change",                 POST): (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    ("password_change_done",            GET):  (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    ("password_change_done",            POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("password_reset",                  GET):  (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("password_reset",                  POST): (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("password_reset_done",             GET):  (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("password_reset_done",             POST): (405,   405, 405, 405, 405, 405, 405, 405, 405),
    ("password_reset_confirm",          GET):  (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("password_reset_confirm",          POST): (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("password_reset_complete",         GET):  (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("password_reset_complete",         POST): (405,   405, 405, 405, 405, 405, 405, 405, 405),
    # Two-step sign-in: the code step belongs to a sign-in whose password was right; without
    # one it sends back to the login page (tests/werkplek/test_two_factor.py walks it).
    ("login-code",                      GET):  (302,   302, 302, 302, 302, 302, 302, 302, 302),
    ("login-code",                      POST): (302,   302, 302, 302, 302, 302, 302, 302, 302),
    # Managers turn it on and off for their own account (an empty form answers with its
    # errors; turning off without it on goes back to the page); for others it is no page.
    ("two-factor",                      GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 200, 404),
    ("two-factor",                      POST): (LOGIN, 404, 404, 404, 404, 404, 200, 200, 404),
    ("two-factor-disable",              GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("two-factor-disable",              POST): (LOGIN, 404, 404, 404, 404, 404, 302, 302, 404),
    # Programs: read by the organisation's managers and those who learn or coach in them
    # (a former coach too: their old learner's progress page needs the goals) or lead a
    # learner's team (the line manager); changed by managers only. Any manager may start a
    # program in their own organisation.
    ("programs:list",                   GET):  (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    ("programs:list",                   POST): (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    ("programs:create",                 GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 200, 404),
    ("programs:create",                 POST): (LOGIN, 404, 404, 404, 404, 404, 200, 200, 404),
    ("programs:methods",                GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:methods",                POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:detail",                 GET):  (LOGIN, 200, 200, 200, 200, 404, 200, 404, 200),
    ("programs:detail",                 POST): (LOGIN, 200, 200, 200, 200, 404, 200, 404, 200),
    # History pages (werkplek.audit): managers of the program; GET only.
    ("programs:history",                GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:history",                POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:goal-history",           GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:goal-history",           POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:cohort-history",         GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:cohort-history",         POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:edit",                   GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:edit",                   POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:status",                 GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:status",                 POST): (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    ("programs:duplicate",              GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:duplicate",              POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:goal-create",            GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:goal-create",            POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:reflection-prompts",     GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:reflection-prompts",     POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:cohort-create",          GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:cohort-create",          POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:goal-edit",              GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:goal-edit",              POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:goal-delete",            GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:goal-delete",            POST): (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    ("programs:goal-move",              GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:goal-move",              POST): (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    ("programs:checklist-item-create",  GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:checklist-item-create",  POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:checklist-item-edit",    GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:checklist-item-edit",    POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:checklist-item-delete",  GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:checklist-item-delete",  POST): (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    ("programs:checklist-item-move",    GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:checklist-item-move",    POST): (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    # Groups and the learner import: managers only.
    ("programs:cohort-detail",          GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:cohort-detail",          POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    # The coach picker's search: its matches for htmx; a plain GET goes back to the group page.
    ("programs:cohort-coaches",         GET):  (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    ("programs:cohort-coaches",         POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:cohort-close",           GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:cohort-close",           POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:enrolment-end",          GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:enrolment-end",          POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:cohort-import",          GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:cohort-import",          POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:cohort-import-template", GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:cohort-import-template", POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:cohort-import-confirm",  GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:cohort-import-confirm",  POST): (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    # Needs analysis of a draft program (the scenario's `needs_program`): its managers ask,
    # import and read the averages; the person asked answers on their own request's page, and
    # the manager may answer for them (an empty form answers with its errors). Everyone has
    # their own list of requests. The line manager sees none of it.
    ("programs:needs",                  GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:needs",                  POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:needs-ask",              GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:needs-ask",              POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:needs-requests",         GET):  (LOGIN, 200, 200, 200, 200, 200, 200, 200, 200),
    ("programs:needs-requests",         POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:needs-answer",           GET):  (LOGIN, 200, 404, 404, 404, 404, 200, 404, 404),
    ("programs:needs-answer",           POST): (LOGIN, 200, 404, 404, 404, 404, 200, 404, 404),
    ("programs:needs-import",           GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:needs-import",           POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:needs-import-template",  GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:needs-import-template",  POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:needs-import-confirm",   GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:needs-import-confirm",   POST): (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    # Closing a round: its managers only (it then shows its averages).
    ("programs:needs-close",            GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:needs-close",            POST): (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    # An invitation's link, for someone new to the organisation: the visitor without an
    # account chooses a password; anyone signed in with another address gets 404.
    ("programs:invitation-accept",      GET):  (200,   404, 404, 404, 404, 404, 404, 404, 404),
    ("programs:invitation-accept",      POST): (200,   404, 404, 404, 404, 404, 404, 404, 404),
    # Coaching. "My learners" is for coaches, "my progress" for learners (it sends a learner
    # with one enrolment straight to it). The progress page: the learner, their coaches now
    # and before (read-only, as it stood then), the managers and the line manager of the
    # learner's team (read-only). Acting on it: the current coach (feedback, addenda,
    # reactions), the learner (reflection, asking a colleague) and the colleague asked
    # (giving peer feedback).
    ("coaching:home",                   GET):  (LOGIN, 404, 404, 200, 200, 200, 404, 404, 404),
    ("coaching:home",                   POST): (LOGIN, 404, 404, 200, 200, 200, 404, 404, 404),
    # The attention list: every manager, for the programs they manage.
    ("coaching:attention",              GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 200, 404),
    ("coaching:attention",              POST): (LOGIN, 404, 404, 404, 404, 404, 200, 200, 404),
    # The skills matrix of the organisation (no URL arguments): its L&D managers see
    # everyone, a coach the learners they coach now (an empty matrix for one who coaches
    # nobody); a manager of another organisation gets their own organisation's. Read only.
    ("coaching:skills-matrix",          GET):  (LOGIN, 404, 404, 200, 200, 200, 200, 200, 200),
    ("coaching:skills-matrix",          POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    # Marking independent: the current coach or a manager; the scenario's learner is not
    # independent yet, so it answers with a message on the progress page.
    ("coaching:mark-independent",       GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("coaching:mark-independent",       POST): (LOGIN, 404, 404, 302, 404, 404, 302, 404, 404),
    ("coaching:my-progress",            GET):  (LOGIN, 302, 302, 404, 404, 404, 404, 404, 404),
    ("coaching:my-progress",            POST): (LOGIN, 302, 302, 404, 404, 404, 404, 404, 404),
    ("coaching:progress",               GET):  (LOGIN, 200, 404, 200, 200, 404, 200, 404, 200),
    ("coaching:progress",               POST): (LOGIN, 200, 404, 200, 200, 404, 200, 404, 200),
    # An enrolment's history: its learner and the program's managers; a learner's own
    # history: anyone with an enrolment; a feedback moment's history: managers.
    ("coaching:enrolment-history",      GET):  (LOGIN, 200, 404, 404, 404, 404, 200, 404, 404),
    ("coaching:enrolment-history",      POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("coaching:my-history",             GET):  (LOGIN, 200, 200, 404, 404, 404, 404, 404, 404),
    ("coaching:my-history",             POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("coaching:feedback-history",       GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("coaching:feedback-history",       POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("coaching:feedback-create",        GET):  (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404),
    ("coaching:feedback-create",        POST): (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404),
    ("coaching:feedback-edit",          GET):  (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404),
    ("coaching:feedback-edit",          POST): (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404),
    ("coaching:feedback-addendum",      GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    # An empty addendum or reaction answers with the form and its errors, the text kept.
    ("coaching:feedback-addendum",      POST): (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404),
    ("coaching:reflection-react",       GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("coaching:reflection-react",       POST): (LOGIN, 404, 404, 200, 404, 404, 404, 404, 404),
    ("coaching:reflection-create",      GET):  (LOGIN, 200, 404, 404, 404, 404, 404, 404, 404),
    ("coaching:reflection-create",      POST): (LOGIN, 200, 404, 404, 404, 404, 404, 404, 404),
    # A reminder's link to one open reflection of the learner (valid): its form for whoever
    # holds it; an empty form answers with its errors. The link's other rules: see above.
    ("coaching:reflection-link",        GET):  (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("coaching:reflection-link",        POST): (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("coaching:peer-request",           GET):  (LOGIN, 200, 404, 404, 404, 404, 404, 404, 404),
    ("coaching:peer-request",           POST): (LOGIN, 200, 404, 404, 404, 404, 404, 404, 404),
    ("coaching:peer-give",              GET):  (LOGIN, 404, 200, 404, 404, 404, 404, 404, 404),
    ("coaching:peer-give",              POST): (LOGIN, 404, 200, 404, 404, 404, 404, 404, 404),
    # Line managers: the team page is theirs. Progress reviews are planned by the current
    # coach or a manager (an empty form answers with its errors; the usual three are planned
    # at once); the outcome is recorded by the current coach or the team's line manager.
    ("coaching:team",                   GET):  (LOGIN, 404, 404, 404, 404, 404, 404, 404, 200),
    ("coaching:team",                   POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("coaching:review-plan",            GET):  (LOGIN, 404, 404, 200, 404, 404, 200, 404, 404),
    ("coaching:review-plan",            POST): (LOGIN, 404, 404, 200, 404, 404, 200, 404, 404),
    ("coaching:reviews-plan-default",   GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("coaching:reviews-plan-default",   POST): (LOGIN, 404, 404, 302, 404, 404, 302, 404, 404),
    ("coaching:review-outcome",         GET):  (LOGIN, 404, 404, 200, 404, 404, 404, 404, 200),
    ("coaching:review-outcome",         POST): (LOGIN, 404, 404, 200, 404, 404, 404, 404, 200),
    # A comment on a review: its participants (the learner, the current coach, the line
    # manager of the learner's team); an empty comment goes back with a message.
    ("coaching:review-comment",         GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("coaching:review-comment",         POST): (LOGIN, 302, 404, 302, 404, 404, 404, 404, 302),
    # Recognition. The certificate of the learner's enrolment that ended independent: the
    # learner, every coach who guided it and the program's managers (a running or otherwise
    # ended enrolment has none: tests/coaching/test_recognition.py). A thank-you to a coach:
    # written by a manager of the coach's organisation, read by the coach on their own page.
    ("coaching:certificate",            GET):  (LOGIN, 200, 404, 200, 200, 404, 200, 404, 200),
    ("coaching:certificate",            POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("coaching:thank-coach",            GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("coaching:thank-coach",            POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("coaching:thanks",                 GET):  (LOGIN, 404, 404, 200, 200, 200, 404, 404, 404),
    ("coaching:thanks",                 POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    # Coach preparation: a coach's profile, for the organisation's L&D managers and the coach
    # themself (read-only: their POST, a training for themself, is 404). An empty training
    # form answers with its errors; an empty programs form is a choice of none (any program).
    ("programs:coach-profile",          GET):  (LOGIN, 404, 404, 200, 404, 404, 200, 404, 404),
    ("programs:coach-profile",          POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:coach-programs",         GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:coach-programs",         POST): (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    ("programs:coach-history",          GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:coach-history",          POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:coach-training-edit",    GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:coach-training-edit",    POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:coach-training-remove",  GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("programs:coach-training-remove",  POST): (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    # The coaches' load: L&D managers, each of their own organisation (another's: 404, tested
    # in tests/coaching/test_coach_load.py).
    ("coaching:coach-load",             GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 200, 404),
    ("coaching:coach-load",             POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    # Program evaluation. The program's questions: its managers. The learner's evaluation
    # of their enrolment that ended last week: the learner alone (an empty form answers with
    # its errors). A coach's evaluation of that group: the coaches who guided the learner in
    # it. The results: the program's managers only; coaches are among those evaluated.
    ("programs:evaluation-settings",    GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("programs:evaluation-settings",    POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("coaching:evaluation-learner",     GET):  (LOGIN, 200, 404, 404, 404, 404, 404, 404, 404),
    ("coaching:evaluation-learner",     POST): (LOGIN, 200, 404, 404, 404, 404, 404, 404, 404),
    ("coaching:evaluation-coach",       GET):  (LOGIN, 404, 404, 200, 200, 404, 404, 404, 404),
    ("coaching:evaluation-coach",       POST): (LOGIN, 404, 404, 200, 200, 404, 404, 404, 404),
    ("coaching:evaluation-results",     GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("coaching:evaluation-results",     POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    # KPIs: defined, read and measured by the organisation's managers only (any manager may
    # open the list and define one in their own organisation).
    ("kpis:list",                       GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 200, 404),
    ("kpis:list",                       POST): (LOGIN, 404, 404, 404, 404, 404, 200, 200, 404),
    ("kpis:dashboard",                  GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("kpis:dashboard",                  POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    # The organisation dashboard: its own managers; another organisation's get 404.
    ("kpis:organization-dashboard",     GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("kpis:organization-dashboard",     POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("kpis:create",                     GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 200, 404),
    ("kpis:create",                     POST): (LOGIN, 404, 404, 404, 404, 404, 200, 200, 404),
    ("kpis:detail",                     GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("kpis:detail",                     POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("kpis:update",                     GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("kpis:update",                     POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("kpis:history",                    GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("kpis:history",                    POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("kpis:measurement-create",         GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("kpis:measurement-create",         POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("kpis:measurement-import",         GET):  (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("kpis:measurement-import",         POST): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("kpis:measurement-import-template", GET): (LOGIN, 404, 404, 404, 404, 404, 200, 404, 404),
    ("kpis:measurement-import-template", POST): (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("kpis:measurement-import-confirm", GET):  (LOGIN, 405, 405, 405, 405, 405, 405, 405, 405),
    ("kpis:measurement-import-confirm", POST): (LOGIN, 404, 404, 404, 404, 404, 302, 404, 404),
    # Django's admin: staff only, and none of the nine actors is staff. Its own login and
    # logout are rows (logout sends a non-staff visitor to the admin's index, which sends
    # them on to its login); every other admin URL follows ADMIN_RULE.
    ("admin:login",                     GET):  (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("admin:login",                     POST): (200,   200, 200, 200, 200, 200, 200, 200, 200),
    ("admin:logout",                    GET):  (302,   302, 302, 302, 302, 302, 302, 302, 302),
    ("admin:logout",                    POST): (302,   302, 302, 302, 302, 302, 302, 302, 302),
}
ADMIN_RULE = (ADMIN,) * len(ACTORS)  # every other "admin:…" URL, GET and POST alike
# fmt: on

# The scenario object each URL points at: its pk, or its slug for an organisation.
URL_OBJECT = {
    "organization-detail": "organization",
    "organization-settings": "organization",
    "organization-history": "organization",
    "member-leave": "learner_membership",
    "person-erase": "erase_target",  # the learner, in the organisation's address
    "notification-open": "notification",
    "leave-delete": "leave",
    "notification-settings-link": "settings_link",
    "notification-unsubscribe": "unsubscribe_link",
    "coaching:reflection-link": "reflection_link",
    "programs:methods": "organization",
    "programs:detail": "program",
    "programs:edit": "program",
    "programs:history": "program",
    "programs:goal-history": "goal",
    "programs:cohort-history": "cohort",
    "coaching:enrolment-history": "enrolment",
    "coaching:feedback-history": "feedback_now",
    "kpis:history": "kpi",
    "programs:status": "program",
    "programs:duplicate": "program",
    "programs:goal-create": "program",
    "programs:reflection-prompts": "program",
    "programs:cohort-create": "program",
    "programs:goal-edit": "goal",
    "programs:goal-delete": "goal",
    "programs:goal-move": "goal",
    "programs:checklist-item-create": "goal",
    "programs:checklist-item-edit": "checklist_item",
    "programs:checklist-item-delete": "checklist_item",
    "programs:checklist-item-move": "checklist_item",
    "programs:cohort-detail": "cohort",
    "programs:cohort-coaches": "cohort",
    "programs:cohort-import": "cohort",
    "programs:cohort-close": "cohort",
    "programs:enrolment-end": "enrolment",
    "programs:cohort-import-template": "cohort",
    "programs:cohort-import-confirm": "cohort",
    "programs:invitation-accept": "invitation",
    "programs:needs": "needs_program",
    "programs:needs-ask": "needs_program",
    "programs:needs-answer": "needs_request",
    "programs:needs-import": "needs_analysis",
    "programs:needs-import-template": "needs_analysis",
    "programs:needs-import-confirm": "needs_analysis",
    "programs:needs-close": "needs_analysis",
    "coaching:progress": "enrolment",
    "coaching:mark-independent": "enrolment",
    "coaching:feedback-create": "enrolment",
    "coaching:reflection-create": "enrolment",
    "coaching:peer-request": "enrolment",
    "coaching:feedback-edit": "feedback_now",  # the current coach's, within 24 hours
    "coaching:feedback-addendum": "feedback_then",  # the former coach's, locked long ago
    "coaching:reflection-react": "reflection",
    "coaching:peer-give": "peer_request",
    "coaching:certificate": "certified_enrolment",
    "coaching:thank-coach": "coach_membership",
    "programs:coach-profile": "coach_membership",
    "programs:coach-programs": "coach_membership",
    "programs:coach-history": "coach_membership",
    "programs:coach-training-edit": "coach_training",
    "programs:coach-training-remove": "coach_training",
    "programs:evaluation-settings": "program",
    "coaching:evaluation-learner": "evaluated_enrolment",
    "coaching:evaluation-coach": "evaluated_cohort",
    "coaching:evaluation-results": "program",
    "coaching:review-plan": "enrolment",
    "coaching:reviews-plan-default": "enrolment",
    "coaching:review-outcome": "review",
    "coaching:review-comment": "review",
    "kpis:dashboard": "program",
    "kpis:organization-dashboard": "organization",
    "kpis:detail": "kpi",
    "kpis:update": "kpi",
    "kpis:measurement-create": "kpi",
    "kpis:measurement-import": "kpi",
    "kpis:measurement-import-template": "kpi",
    "kpis:measurement-import-confirm": "kpi",
    # django-otp's admin pages of an authenticator app: any id does, as for the admin's own
    # (non-staff are sent away before anything is looked up).
    "admin:otp_totp_totpdevice_config": "leave",
    "admin:otp_totp_totpdevice_qrcode": "leave",
}
# URL arguments that need no scenario object: a reset link that is not valid, and for the
# admin (which sends non-staff away before it looks anything up) any existing app and id.
POSITIONAL = "<by position>"
FIXED_KWARGS = {
    "uidb64": "MQ",
    "token": "geen-geldige-code",
    "app_label": "werkplek",
    "object_id": "1",
    "content_type_id": "1",
    "id": "1",
}


# --- The scenario ----------------------------------------------------------------------


@dataclasses.dataclass
class Scenario:
    """One organisation's program with a learner half-way, and everyone around them."""

    organization: object
    program: object
    goal: object
    checklist_item: object
    cohort: object
    enrolment: object
    feedback_now: object
    feedback_then: object
    reflection: object
    peer_request: object
    invitation: object
    people: dict
    kpi: object
    notification: object
    leave: object
    settings_link: object
    unsubscribe_link: object
    learner_membership: object
    reflection_link: object
    erase_target: object
    review: object

    def actor(self, name):
        return self.people.get(name)

    @functools.cached_property
    def certified_enrolment(self):
        """The learner's earlier enrolment in the program, ended independent after the former
        coach handed over to the coach. Made only for the rows that ask for it, so every other
        page sees the scenario as it was."""
        started = self.enrolment.started_on - datetime.timedelta(days=120)
        cohort = CohortFactory(program=self.program, name="Voorjaarsgroep", starts_on=started)
        enrolment = EnrolmentFactory(
            cohort=cohort,
            learner=self.people["learner"],
            ended_on=started + datetime.timedelta(days=60),
            end_reason=EndReason.INDEPENDENT,
        )
        handed_over = started + datetime.timedelta(days=30)
        PairingFactory(
            enrolment=enrolment,
            coach=self.people["former_coach"],
            started_on=started,
            ended_on=handed_over,
        )
        PairingFactory(enrolment=enrolment, coach=self.people["coach"], started_on=handed_over)
        return enrolment

    @functools.cached_property
    def evaluated_enrolment(self):
        """The learner's earlier enrolment in the program, stopped a week ago after the former
        coach handed over to the coach: its evaluation is open. Made only for the rows that
        ask for it."""
        started = self.enrolment.started_on - datetime.timedelta(days=90)
        cohort = CohortFactory(program=self.program, name="Zomergroep", starts_on=started)
        ended = timezone.localdate() - datetime.timedelta(days=7)
        enrolment = EnrolmentFactory(
            cohort=cohort,
            learner=self.people["learner"],
            ended_on=ended,
            end_reason=EndReason.STOPPED,
        )
        handed_over = started + datetime.timedelta(days=30)
        PairingFactory(
            enrolment=enrolment,
            coach=self.people["former_coach"],
            started_on=started,
            ended_on=handed_over,
        )
        PairingFactory(enrolment=enrolment, coach=self.people["coach"], started_on=handed_over)
        return enrolment

    @property
    def evaluated_cohort(self):
        return self.evaluated_enrolment.cohort

    @property
    def coach_membership(self):
        return self.people["coach"].memberships.get()

    @functools.cached_property
    def needs_request(self):
        """The learner asked to rate the goals of a draft program (its needs analysis is
        made only for the rows that ask for it)."""
        program = ProgramFactory(
            organization=self.organization,
            owner=self.people["manager"],
            name="Inwerken heftruck",
            status=ProgramStatus.DRAFT,
        )
        LearningGoalFactory(program=program, title="Veilig rijden")
        (request,) = needs_services.needs_analysis_ask(
            actor=self.people["manager"], program=program, people=[self.people["learner"]]
        )
        return request

    @property
    def needs_analysis(self):
        return self.needs_request.analysis

    @property
    def needs_program(self):
        return self.needs_request.analysis.program

    @functools.cached_property
    def coach_training(self):
        """A training the manager recorded for the coach."""
        return CoachTraining.objects.create(
            organization=self.organization,
            coach=self.people["coach"],
            course="Werkbegeleider BPV",
            completed_on=self.enrolment.started_on,
            recorded_by=self.people["manager"],
        )


def _person(organization, name, email, **roles):
    user = UserFactory(name=name, email=email)
    MembershipFactory(user=user, organization=organization, **roles)
    return user


@pytest.fixture
def scenario(db):
    today = timezone.localdate()
    now = timezone.now()
    started = today - datetime.timedelta(days=28)
    handed_over = today - datetime.timedelta(days=14)

    organization = OrganizationFactory(name="Distributiecentrum Noord", slug="dc-noord")
    other_organization = OrganizationFactory(name="Zorggroep Zuid", slug="zorggroep-zuid")
    coach_roles = {"is_coach": True, "is_learner": False}
    manager_roles = {"is_manager": True, "is_learner": False}
    people = {
        "learner": _person(
            organization,
            "Lotte Leerling",
            "lotte@dc-noord.nl",
            is_learner=True,
            team="Orderpicking",
        ),
        "other_learner": _person(
            organization, "Pim Collega", "pim@dc-noord.nl", is_learner=True, team="Inslag"
        ),
        "coach": _person(organization, "Carla Coach", "carla@dc-noord.nl", **coach_roles),
        "former_coach": _person(organization, "Frits Vroeger", "frits@dc-noord.nl", **coach_roles),
        "other_coach": _person(organization, "Olga Anders", "olga@dc-noord.nl", **coach_roles),
        "manager": _person(organization, "Mira Manager", "mira@dc-noord.nl", **manager_roles),
        "other_manager": _person(
            other_organization, "Zeno Zuid", "zeno@zorggroep-zuid.nl", **manager_roles
        ),
        "line_manager": _person(
            organization,
            "Lieke Leiding",
            "lieke@dc-noord.nl",
            is_line_manager=True,
            is_learner=False,
            team="Orderpicking",
        ),
    }

    program = ProgramFactory(
        organization=organization, owner=people["manager"], name="Inwerken orderpicker"
    )
    goal = LearningGoalFactory(program=program, title="Veilig heftruck rijden", position=1)
    checklist_item = ChecklistItemFactory(goal=goal, title="Pallet wegzetten", position=1)
    cohort = CohortFactory(program=program, name="Pilotgroep", is_pilot=True, starts_on=started)
    enrolment = EnrolmentFactory(cohort=cohort, learner=people["learner"])
    EnrolmentFactory(cohort=cohort, learner=people["other_learner"])
    PairingFactory(
        enrolment=enrolment,
        coach=people["former_coach"],
        started_on=started,
        ended_on=handed_over,
    )
    PairingFactory(enrolment=enrolment, coach=people["coach"], started_on=handed_over)

    feedback_then = FeedbackMomentFactory(
        enrolment=enrolment,
        coach=people["former_coach"],
        occurred_on=started + datetime.timedelta(days=7),
        created_at=now - datetime.timedelta(days=21),
    )
    feedback_now = FeedbackMomentFactory(
        enrolment=enrolment, coach=people["coach"], occurred_on=today, created_at=now
    )
    reflection = Reflection.objects.create(
        enrolment=enrolment,
        feedback_moment=feedback_now,
        due_on=today,
        answers=[{"question": "Wat ging goed?", "answer": "Rustig gescand."}],
        submitted_at=now,
    )
    peer_request = PeerFeedback.objects.create(
        enrolment=enrolment,
        goal=goal,
        requested_from=people["other_learner"],
        question="Hoe zet ik de pallet weg?",
    )
    invitation = Invitation.objects.create(
        cohort=cohort, email="nieuw@dc-noord.nl", name="Nina Nieuw", started_on=today
    )
    open_reflection = Reflection.objects.create(
        enrolment=enrolment, feedback_moment=feedback_then, due_on=today
    )
    review = ProgressReview.objects.create(enrolment=enrolment, planned_on=today)
    return Scenario(
        organization=organization,
        program=program,
        goal=goal,
        checklist_item=checklist_item,
        cohort=cohort,
        enrolment=enrolment,
        feedback_now=feedback_now,
        feedback_then=feedback_then,
        reflection=reflection,
        peer_request=peer_request,
        invitation=invitation,
        people=people,
        kpi=KPIFactory(organization=organization, program=program, created_by=people["manager"]),
        notification=OutboxMessage.objects.create(  # sent: only sent messages are shown
            recipient=people["coach"],
            status=OutboxMessage.Status.SENT,
            sent_at=timezone.now(),
            kind=mails.HELP_ASKED,
            due_slot=f"reflection:{reflection.pk}",
            context={"reflection": reflection.pk, "enrolment": enrolment.pk, "learner": "Lotte"},
        ),
        leave=Leave.objects.create(
            user=people["learner"], starts_on=today, ends_on=today + datetime.timedelta(days=2)
        ),
        settings_link=types.SimpleNamespace(token=preferences_token(people["learner"])),
        unsubscribe_link=types.SimpleNamespace(
            token=unsubscribe_token(people["learner"], REFLECTION_REMINDER)
        ),
        reflection_link=types.SimpleNamespace(token=reflection_link_token(open_reflection)),
        learner_membership=types.SimpleNamespace(
            slug=organization.slug, pk=people["learner"].memberships.get().pk
        ),
        erase_target=types.SimpleNamespace(slug=organization.slug, pk=people["learner"].pk),
        review=review,
    )


# --- Walking the URLconf ---------------------------------------------------------------


def _kwarg_names(pattern) -> tuple[str, ...]:
    named = tuple(pattern.regex.groupindex)  # a route's <converter:name>s are named groups too
    # Unnamed groups (django-simple-history's admin version page) are taken by position.
    return named + (POSITIONAL,) * (pattern.regex.groups - len(named))


def url_names(urlconf=None) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Every URL name the URLconf serves, with the arguments it takes, nested resolvers
    and namespaces walked ("programs:detail", "admin:index"); and the routes that have no
    name outside the admin (Django's own unnamed admin routes are guarded like the rest)."""
    names: dict[str, tuple[str, ...]] = {}
    unnamed: list[str] = []

    def walk(resolver, namespaces, route, kwargs):
        for entry in resolver.url_patterns:
            entry_route = route + str(entry.pattern)
            entry_kwargs = kwargs + _kwarg_names(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = namespaces + [entry.namespace] if entry.namespace else namespaces
                walk(entry, inner, entry_route, entry_kwargs)
            elif isinstance(entry, URLPattern) and entry.name:
                names.setdefault(":".join([*namespaces, entry.name]), entry_kwargs)
            elif namespaces[:1] != ["admin"]:
                unnamed.append(entry_route)

    walk(get_resolver(urlconf), [], "", ())
    return names, unnamed


def expected_answers(url_name: str, method: str) -> tuple | None:
    """The row for this URL and method, the admin's one rule, or None: no row yet."""
    row = MATRIX.get((url_name, method))
    if row is None and url_name.startswith("admin:"):
        return ADMIN_RULE
    return row


def rows_missing(urlconf=None) -> list[str]:
    """What the URLconf serves that the matrix says nothing about."""
    names, unnamed = url_names(urlconf)
    missing = [
        name for name in names if any(expected_answers(name, method) is None for method in METHODS)
    ]
    return missing + [f"unnamed route {route}" for route in unnamed]


@dataclasses.dataclass(frozen=True)
class Case:
    url_name: str
    actor: str
    method: str
    expected: object  # None: the URL has no row, and the case fails

    def __str__(self):
        return f"{self.url_name}/{self.actor}/{self.method}"


def matrix_cases(urlconf=None) -> list[Case]:
    names, _unnamed = url_names(urlconf)
    cases = []
    for name in sorted(names):
        for method in METHODS:
            row = expected_answers(name, method)
            for index, actor in enumerate(ACTORS):
                cases.append(Case(name, actor, method, row[index] if row else None))
    return cases


CASES = matrix_cases()
URL_KWARGS = url_names()[0]


# --- Asking the app --------------------------------------------------------------------


def url_for(url_name: str, scenario: Scenario) -> str:
    target = getattr(scenario, URL_OBJECT[url_name]) if url_name in URL_OBJECT else None
    kwargs, args = {}, []
    for kwarg in URL_KWARGS[url_name]:
        if kwarg == POSITIONAL:
            args.append("1")
        elif kwarg == "pk" and target is not None:
            kwargs[kwarg] = target.pk
        elif kwarg in ("slug", "token") and target is not None:
            kwargs[kwarg] = getattr(target, kwarg)
        elif kwarg in FIXED_KWARGS:
            kwargs[kwarg] = FIXED_KWARGS[kwarg]
        else:
            pytest.fail(f"{url_name} takes {kwarg!r}: say which scenario object in URL_OBJECT")
    return reverse(url_name, args=args) if args else reverse(url_name, kwargs=kwargs)


def answer_of(response, url: str):
    """The response in the matrix's terms: a status code, or where a redirect goes."""
    if response.status_code != 302:
        return response.status_code
    location = response["Location"]
    next_part = f"?next={quote(url)}"
    if location == resolve_url(settings.LOGIN_URL) + next_part:
        return LOGIN
    if location == reverse("admin:login") + next_part:
        return ADMIN
    return 302


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_actor_gets_the_answer_in_the_matrix(client, scenario, case):
    assert case.expected is not None, f"{case.url_name} has no row in MATRIX"
    user = scenario.actor(case.actor)
    if user is not None:
        client.force_login(user)
    url = url_for(case.url_name, scenario)
    response = client.get(url) if case.method == GET else client.post(url, {})
    assert answer_of(response, url) == case.expected, f"{case}: {url}"


# --- The matrix itself -----------------------------------------------------------------


def test_every_url_has_a_row():
    assert rows_missing() == []


def test_every_row_names_a_url_that_exists():
    names, _unnamed = url_names()
    assert sorted({name for name, _method in MATRIX} - set(names)) == []
    assert sorted(set(URL_OBJECT) - set(names)) == []


def test_the_matrix_checks_every_actor_and_method_of_at_least_500_cases():
    assert len(CASES) == len(URL_KWARGS) * len(ACTORS) * len(METHODS)
    assert len(CASES) >= 500


def test_a_url_added_without_a_row_fails_the_matrix():
    from werkplek import urls, views

    with_new_pages = types.ModuleType("urls_with_new_pages")
    with_new_pages.urlpatterns = [
        *urls.urlpatterns,
        path("nieuwe-pagina/", views.home, name="new-page"),
        path("naamloos/", views.home),
    ]
    with override_settings(ROOT_URLCONF=with_new_pages):
        assert rows_missing() == ["new-page", "unnamed route naamloos/"]
        cases = [case for case in matrix_cases() if case.url_name == "new-page"]
    assert len(cases) == len(ACTORS) * len(METHODS)
    assert all(case.expected is None for case in cases)
