"""When a person may be messaged: the one rule every reminder, nudge and digest follows.

A moment is allowed for a person when, in the person's own time zone,

- it is not in their quiet hours: their own when they set them (the personal choice wins,
  also when it is shorter: a night-shift worker sleeps in the day); otherwise quiet when
  **any** of their current organisations says quiet (someone who works for two
  organisations keeps the evenings of both: the most restrictive combination),
- it is a working day of the organisation the message is about (the work it asks for
  happens there); a message about several organisations (or none) comes on a day at least
  one of them works, because requiring every one of them could leave someone who works
  Monday–Wednesday here and Thursday–Friday there without a single day,
- and they are not on leave that day (first and last day included).

`Availability.next_allowed` moves a moment to the first allowed one; the outbox puts a
message's due time there, so a message waits for its recipient instead of being dropped.
"""

import datetime
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from werkplek.models import Leave, Membership, User, in_quiet_hours

# Far enough for a long leave; a person whose rules allow no moment at all (organisations
# together quiet all day) is messaged at the first working moment rather than never.
SEARCH_DAYS = 400


@dataclass(frozen=True)
class Availability:
    """One person's messaging rule, loaded by `availability_of`."""

    time_zone: zoneinfo.ZoneInfo
    quiet_hours: list[tuple[datetime.time, datetime.time]]
    # {organisation id: ISO weekdays it works}; empty for someone in no organisation now.
    working_weekdays: dict[int, set[int]]
    leave: list[tuple[datetime.date, datetime.date]] = field(default_factory=list)

    def _works_on(self, day: datetime.date, organizations: Iterable[int] | None) -> bool:
        wanted = set(organizations or ()) & set(self.working_weekdays) or set(self.working_weekdays)
        if not wanted:
            return True
        return any(day.isoweekday() in self.working_weekdays[pk] for pk in wanted)

    def _away_on(self, day: datetime.date) -> bool:
        return any(start <= day <= end for start, end in self.leave)

    def _quiet_until(self, local: datetime.datetime) -> datetime.datetime | None:
        """The end of the quiet hours `local` falls in (the latest, when several overlap);
        None when it falls in none."""
        ends = []
        for start, end in self.quiet_hours:
            if not in_quiet_hours(local.time(), start, end):
                continue
            day = local.date()
            if start > end and local.time() >= start:  # quiet until tomorrow morning
                day += datetime.timedelta(days=1)
            ends.append(datetime.datetime.combine(day, end, tzinfo=self.time_zone))
        return max(ends, default=None)

    def next_allowed(
        self, moment: datetime.datetime, organizations: Iterable[int] | None = None
    ) -> datetime.datetime:
        """The first moment from `moment` on at which this person may be messaged about
        `organizations` (ids; None: any of theirs)."""
        organizations = list(organizations or ())
        local = timezone.localtime(moment, self.time_zone)
        limit = local + datetime.timedelta(days=SEARCH_DAYS)
        fallback = None
        while local < limit:
            day = local.date()
            if self._away_on(day) or not self._works_on(day, organizations):
                next_day = day + datetime.timedelta(days=1)
                local = datetime.datetime.combine(next_day, datetime.time(), tzinfo=self.time_zone)
                continue
            fallback = fallback or local
            quiet_until = self._quiet_until(local)
            if quiet_until is None:
                return local.astimezone(datetime.UTC)
            local = quiet_until
        return (fallback or moment).astimezone(datetime.UTC)

    def allows(self, moment: datetime.datetime, organizations: Iterable[int] | None = None) -> bool:
        """Whether this person may be messaged at `moment` about `organizations`."""
        return self.next_allowed(moment, organizations) <= moment


def availability_of(users: Iterable[User], *, on: datetime.date) -> dict[int, Availability]:
    """{user id: Availability} for `users`, with their leave from the day before `on` (the
    UTC date; every time zone's today lies within a day of it) on: two queries whatever
    their number."""
    users = {user.pk: user for user in users}
    organizations = defaultdict(list)
    for membership in (
        Membership.objects.current()
        .filter(user__in=list(users))
        .select_related("organization")
        .only(
            "user_id",
            "organization__quiet_hours_start",
            "organization__quiet_hours_end",
            "organization__working_weekdays",
        )
    ):
        organizations[membership.user_id].append(membership.organization)
    away = defaultdict(list)
    for leave in Leave.objects.filter(
        user__in=list(users), ends_on__gte=on - datetime.timedelta(days=1)
    ).only("user_id", "starts_on", "ends_on"):
        away[leave.user_id].append((leave.starts_on, leave.ends_on))
    result = {}
    for pk, user in users.items():
        if user.quiet_hours_start is not None:
            quiet = [(user.quiet_hours_start, user.quiet_hours_end)]
        else:
            quiet = [(o.quiet_hours_start, o.quiet_hours_end) for o in organizations[pk]]
        result[pk] = Availability(
            time_zone=zoneinfo.ZoneInfo(user.time_zone),
            quiet_hours=quiet,
            working_weekdays={o.pk: set(o.working_weekdays) for o in organizations[pk]},
            leave=away[pk],
        )
    return result
