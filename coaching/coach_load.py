"""The L&D manager's coach load: per coach of one organisation, their learners against their
capacity, the learners whose feedback is overdue (the attention list's rule), the feedback
moments they recorded per week lately, and whether they are trained.

A page of coaches costs a fixed number of queries whatever the organisation's size: the
counts are annotations, and the overdue learners come from `enrolment_statuses` for the
running enrolments of the coaches on the page only.
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce

from coaching.attention import enrolment_statuses
from coaching.models import FeedbackMoment
from programs import selectors as program_selectors
from programs.models import Enrolment, Pairing
from werkplek.models import Membership, Organization

COACHES_PER_PAGE = 25
# Feedback per week is the average over this many weeks up to today.
WEEKS = 8


def coach_loads(organization: Organization, *, on: datetime.date):
    """The organisation's coaches (as `programs.selectors.coach_loads`) with the number of
    feedback moments each recorded there in the last WEEKS weeks (`feedback_recent`)."""
    recent = (
        FeedbackMoment.objects.filter(
            coach=OuterRef("user"),
            enrolment__program__organization=organization,
            occurred_on__gt=on - datetime.timedelta(weeks=WEEKS),
            occurred_on__lte=on,
        )
        .values("coach")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return program_selectors.coach_loads(organization, on=on).annotate(
        feedback_recent=Coalesce(Subquery(recent), 0)
    )


@dataclass
class CoachLoad:
    """One coach's row on the coach load page."""

    membership: Membership
    overdue: int

    @property
    def feedback_per_week(self) -> Decimal:
        """Feedback moments a week over the last WEEKS weeks, to one decimal."""
        average = Decimal(self.membership.feedback_recent) / WEEKS
        return average.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def overdue_by_coach(organization: Organization, coaches: list[int], *, on: datetime.date):
    """{coach: number of their current learners whose feedback is overdue on `on`}, by the
    attention list's one definition (`EnrolmentStatus.is_overdue`)."""
    coached = Pairing.objects.current(on=on).filter(
        coach__in=coaches, enrolment__cohort__program__organization=organization
    )
    enrolments = (
        Enrolment.objects.running()
        .filter(pk__in=coached.values("enrolment"))
        .select_related("learner", "cohort__program")
    )
    statuses = enrolment_statuses(enrolments, on=on).values()
    return Counter(status.coach.pk for status in statuses if status.coach and status.is_overdue)


def coach_load_page(
    organization: Organization, memberships, *, page_number, on: datetime.date
) -> Page:
    """One page of `memberships` (from `coach_loads`, filtered and sorted), its rows as
    CoachLoad."""
    page = Paginator(memberships, COACHES_PER_PAGE).get_page(page_number)
    members = list(page.object_list)
    overdue = overdue_by_coach(organization, [m.user_id for m in members], on=on)
    page.object_list = [CoachLoad(membership=m, overdue=overdue[m.user_id]) for m in members]
    return page
