"""Demo people: a Dutch distribution centre onboarding order pickers.

Each app may have a `demo.py` with `seed(demo)`; `seed_demo` calls them in INSTALLED_APPS
order so that higher apps build on what lower ones made, and every step is idempotent.
"""

from types import SimpleNamespace

from werkplek import services
from werkplek.choices import Role
from werkplek.models import Organization, User

DEMO_PASSWORD = "werkplek-demo"
MANAGER_EMAIL = "manager@demo.werkplek.nl"
COACH_EMAIL = "coach@demo.werkplek.nl"
LEARNER_EMAIL = "learner@demo.werkplek.nl"
LINE_MANAGER_EMAIL = "leidinggevende@demo.werkplek.nl"

# (e-mail, name, team)
MANAGERS = [(MANAGER_EMAIL, "Sanne de Vries", "L&D")]
# The team leader of the order pickers: most of the demo learners are in her team.
LINE_MANAGERS = [(LINE_MANAGER_EMAIL, "Marloes Verbeek", "Orderpicking")]
COACHES = [
    (COACH_EMAIL, "Mohamed El Amrani", "Orderpicking"),
    ("ingrid.bakker@demo.werkplek.nl", "Ingrid Bakker", "Orderpicking"),
    ("kees.vandam@demo.werkplek.nl", "Kees van Dam", "Inslag"),
    ("fatma.yilmaz@demo.werkplek.nl", "Fatma Yılmaz", "Expeditie"),
]
COACH_CAPACITY = 4
LEARNERS = [
    (LEARNER_EMAIL, "Daan Jansen", "Orderpicking"),
    ("lotte.visser@demo.werkplek.nl", "Lotte Visser", "Orderpicking"),
    ("bram.smit@demo.werkplek.nl", "Bram Smit", "Orderpicking"),
    ("priya.ramdin@demo.werkplek.nl", "Priya Ramdin", "Orderpicking"),
    ("tomasz.nowak@demo.werkplek.nl", "Tomasz Nowak", "Orderpicking"),
    ("emma.dejong@demo.werkplek.nl", "Emma de Jong", "Orderpicking"),
    ("sem.vanleeuwen@demo.werkplek.nl", "Sem van Leeuwen", "Orderpicking"),
    ("fleur.dekker@demo.werkplek.nl", "Fleur Dekker", "Orderpicking"),
    ("jayden.kok@demo.werkplek.nl", "Jayden Kok", "Orderpicking"),
    ("lars.meijer@demo.werkplek.nl", "Lars Meijer", "Orderpicking"),
    ("youssef.haddou@demo.werkplek.nl", "Youssef Haddou", "Inslag"),
    ("sophie.mulder@demo.werkplek.nl", "Sophie Mulder", "Inslag"),
    ("ruben.degraaf@demo.werkplek.nl", "Ruben de Graaf", "Inslag"),
    ("anouk.peters@demo.werkplek.nl", "Anouk Peters", "Expeditie"),
    ("milan.hendriks@demo.werkplek.nl", "Milan Hendriks", "Expeditie"),
    ("noor.bos@demo.werkplek.nl", "Noor Bos", "Expeditie"),
]


def _person(email: str, name: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        return User.objects.create_user(email, DEMO_PASSWORD, name=name)
    user.name = name
    user.set_password(DEMO_PASSWORD)
    user.save(update_fields=["name", "password"])
    return user


def seed(demo: SimpleNamespace) -> None:
    demo.organization, _ = Organization.objects.update_or_create(
        slug="dc-zuidpoort",
        defaults={"name": "Distributiecentrum De Zuidpoort", "time_zone": "Europe/Amsterdam"},
    )
    for key, people, role in [
        ("managers", MANAGERS, Role.MANAGER),
        ("line_managers", LINE_MANAGERS, Role.LINE_MANAGER),
        ("coaches", COACHES, Role.COACH),
        ("learners", LEARNERS, Role.LEARNER),
    ]:
        users = []
        for email, name, team in people:
            user = _person(email, name)
            services.membership_set(
                user=user,
                organization=demo.organization,
                roles={role},
                team=team,
                coach_capacity=COACH_CAPACITY if role == Role.COACH else None,
            )
            users.append(user)
        setattr(demo, key, users)
