"""The demo events: the Digitala Västerbotten kickoff in Lycksele, as on 15 June 2016, and
an AI Västerbotten kickoff whose dialogue sessions are given by wishes (issue 14).

Dated on the next 15 June so that sign-up is open. The leads are the real ones named in the
source article; the participants are invented (addresses at example.org, no mail queued).
"""
import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from .extensions import db
from .models import DialogueSession, Event, Lead, ParallelBlock, ProgrammeItem
from .services import booking
from .util.time import local_to_utc, utcnow

SLUG_PREFIX = "digitala-vasterbotten-uppstart"

SESSIONS = [
    (
        "Data som råvara, gemensam arkitektur och systeminventering",
        "Hur länets kommuner kan se data som en gemensam råvara, bygga en gemensam arkitektur "
        "och inventera sina system.",
        "Sal A",
        25,
        [("Thomas Kvist", "thomas.kvist@example.org")],
    ),
    (
        "E-arkivhantering",
        "Vägen mot e-arkiv: bevarande, gallring och gemensamma lösningar för kommunerna.",
        "Sal B",
        12,
        [("Kaj Beckman", "kaj.beckman@example.org")],
    ),
    (
        "Digital kompetens och e-lärande",
        "Hur vi höjer den digitala kompetensen i våra organisationer, med länsgemensamt "
        "och heldigitalt lärande.",
        "Sal C",
        25,
        [("Andreas Skog", "andreas.skog@example.org")],
    ),
    (
        "E-tjänster, tjänsteplattform, process- och kvalitetskontroll",
        "En modell för gemensam e-tjänsteutveckling: plattform, processer och kvalitet.",
        "Sal D",
        25,
        [
            ("Lena Plym Forshell", "lena.plym.forshell@example.org"),
            ("Anders Henriksson", "anders.henriksson@example.org"),
        ],
    ),
]

FIRST = ["Anna", "Erik", "Maria", "Johan", "Karin", "Lars", "Sara", "Per", "Elin", "Mikael",
         "Ingrid", "Nils", "Emma", "Olof", "Frida", "Gustav", "Lina", "Henrik", "Maja", "Jonas"]
LAST = ["Lindqvist", "Nilsson", "Holmström", "Sundberg", "Öberg", "Wikström", "Lundgren",
        "Marklund", "Burman", "Åström", "Granström", "Eriksson", "Lidström", "Sjölund"]
ORGS = ["Region Västerbotten", "Umeå kommun", "Skellefteå kommun", "Lycksele kommun",
        "Vilhelmina kommun", "Storumans kommun", "Åsele kommun", "Dorotea kommun",
        "Sorsele kommun", "Malå kommun", "Norsjö kommun", "Robertsfors kommun",
        "Nordmalings kommun", "Bjurholms kommun", "Vindelns kommun", "Vännäs kommun",
        "Örnsköldsviks kommun", "Västerbottens läns landsting"]
TITLES = ["IT-strateg", "Arkivarie", "Verksamhetsutvecklare", "Digitaliseringssamordnare",
          "IT-chef", "Kommunsekreterare", "Utvecklingsledare", "Skolchef"]
TOPICS = ["Hur kommer vi igång i en liten kommun?", "Gemensam upphandling",
          "Vilka system har grannkommunerna?", "Kompetensutveckling för chefer", "",
          "Hur delar vi e-tjänster mellan kommuner?", "Gallringsbeslut och bevarande", ""]


def next_kickoff_date(today: date) -> date:
    candidate = date(today.year, 6, 15)
    return candidate if candidate > today else date(today.year + 1, 6, 15)


def _at(day, hour, minute=0):
    return local_to_utc(datetime(day.year, day.month, day.day, hour, minute))


def load_demo(now=None, participants=34):
    """Create the demo event once; a second call finds it and changes nothing."""
    now = now or utcnow()
    day = next_kickoff_date(now.date())
    slug = f"{SLUG_PREFIX}-{day.year}"
    existing = db.session.scalar(select(Event).where(Event.slug == slug))
    if existing is not None:
        return existing, False

    event = Event(
        slug=slug,
        title="Uppstartsdag för Digitala Västerbotten",
        summary="Projektet Digitala Västerbotten har uppstartsdag i Lycksele. Välkommen att "
        "höra om projektet och välja ett av fyra dialogmöten med mötesledarna för "
        "delprojekten.",
        description=(
            "Det övergripande målet för Digitala Västerbotten är att skapa förutsättningar för "
            "alla invånare och företag i Västerbotten att både kunna ta del av och vara delaktiga "
            "i digitaliseringen av samhället.\n\n"
            "Under förmiddagen presenterar huvudprojektledaren och delprojektledarna sig själva "
            "och sina områden. Under eftermiddagen hålls parallella dialogmöten där du väljer "
            "vilket delprojekt du vill veta mer om.\n\n"
            "Bakom projektet står Region Västerbotten med stöd från regionala utvecklingsfonden "
            "(ERUF) och samtliga kommuner i regionen, Örnsköldsviks kommun och Västerbottens "
            "läns landsting."
        ),
        venue="Stadshuset, Lycksele",
        address="Torget 1, 921 81 Lycksele",
        starts_at=_at(day, 9, 30),
        ends_at=_at(day, 16, 0),
        status=Event.PUBLISHED,
        signup_opens_at=now - timedelta(days=1),
        signup_closes_at=_at(day - timedelta(days=7), 23, 59),
        contact_name="Anna Lindqvist, Region Västerbotten",
        contact_email="anna.lindqvist@example.org",
        contact_phone="090-16 00 00",
    )
    event.programme_items = [
        ProgrammeItem(title="Välkommen", speakers="Jonas Lundström, Region Västerbotten, "
                      "ordförande i projektets styrgrupp", starts_at=_at(day, 9, 30),
                      ends_at=_at(day, 10, 0)),
        ProgrammeItem(title="Projektet Digitala Västerbotten",
                      speakers="Lars Eriksson, huvudprojektledare",
                      description="Mål, organisation och tidplan för projektet 2016–2018.",
                      starts_at=_at(day, 10, 0), ends_at=_at(day, 10, 45)),
        ProgrammeItem(title="Delprojekten presenterar sig",
                      speakers="Thomas Kvist, Kaj Beckman, Andreas Skog, Lena Plym Forshell "
                      "och Anders Henriksson",
                      starts_at=_at(day, 10, 45), ends_at=_at(day, 12, 0)),
        ProgrammeItem(title="Lunch", starts_at=_at(day, 12, 0), ends_at=_at(day, 13, 0)),
        ProgrammeItem(title="Gemensam avslutning och fortsatt arbete",
                      starts_at=_at(day, 15, 15), ends_at=_at(day, 16, 0)),
    ]
    block = ParallelBlock(title="Parallella dialogmöten", starts_at=_at(day, 13, 0),
                          ends_at=_at(day, 15, 0))
    event.blocks = [block]
    for position, (title, description, room, capacity, leads) in enumerate(SESSIONS):
        session = DialogueSession(title=title, description=description, room=room,
                                  capacity=capacity, position=position)
        session.leads = [Lead(name=name, email=email, organisation="Digitala Västerbotten")
                         for name, email in leads]
        block.sessions.append(session)
    db.session.add(event)
    db.session.flush()
    from .services.reminders import ensure_automatic_reminder

    ensure_automatic_reminder(event, now)
    db.session.commit()

    _add_participants(event, block, now, participants)
    _add_demo_accounts(event)
    return event, True


def _add_demo_accounts(event):
    """Development only: an account for each lead and a demo organiser, no password and no
    mail; `flask demo-logins` prints one-time sign-in links for them."""
    from .domain.signup import email_key
    from .models import User

    organiser = User(email="organisator@example.org", email_key="organisator@example.org",
                     name="Demo Arrangör", is_organiser=True, is_demo=True)
    db.session.add(organiser)
    _link_demo_leads()


def _link_demo_leads():
    """Each demo lead gets a demo account (one per address), so they can sign in."""
    from .domain.signup import email_key
    from .models import User

    for lead in db.session.scalars(select(Lead).order_by(Lead.id)):
        if lead.user_id is None and lead.email:
            user = db.session.scalar(select(User).where(User.email_key == email_key(lead.email)))
            if user is None:
                user = User(email=lead.email, email_key=email_key(lead.email), name=lead.name,
                            is_lead=True, is_demo=True)
                db.session.add(user)
            lead.user = user
    db.session.commit()


def _add_participants(event, block, now, count):
    rng = random.Random(2016)
    sessions = block.sessions
    archive = sessions[1]
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        # The e-archive session fills up first, so the demo shows a waiting list.
        session = archive if n < archive.capacity + 2 else rng.choice(sessions)
        details = booking.Details(
            name=f"{first} {last}",
            email=f"{first}.{last}.{n}@example.org".lower(),
            organisation=rng.choice(ORGS),
            job_title=rng.choice(TITLES),
            discussion_topic=rng.choice(TOPICS),
            dietary_needs=rng.choice(["", "", "", "Vegetarisk", "Glutenfri", "Laktosfri"]),
        )
        booking.register(event.id, details, {block.id: session.id}, "sv",
                         now + timedelta(seconds=n), notify=False)


AI_SLUG = "ai-vasterbotten-uppstart"
AI_SESSIONS = [  # title, room, places, lead, how popular (the demo's people rank by this)
    ("AI i vård och omsorg", "Sal A", 8, ("Maria Öberg", "maria.oberg@example.org"), 6),
    ("AI i skolan", "Sal B", 8, ("Per Sundberg", "per.sundberg@example.org"), 3),
    ("Öppna data och AI", "Sal C", 10, ("Elin Marklund", "elin.marklund@example.org"), 2),
    ("Juridik och etik kring AI", "Sal D", 10, ("Olof Burman", "olof.burman@example.org"), 1),
]


def load_preference_demo(now=None, participants=30):
    """The second demo event, once: an AI Västerbotten kickoff in September whose dialogue
    sessions take wishes until a deadline a week from now, with a mix rule of at most 3
    people from one organisation per session. The organiser presses "allocate" on the
    pass's page (or the mail worker does at the deadline), sees the preview, publishes."""

    now = now or utcnow()
    existing = db.session.scalar(select(Event).where(Event.slug.like(f"{AI_SLUG}%")))
    if existing is not None:
        return existing, False
    # After the Lycksele kickoff, so that one stays first in lists (and the README's API session).
    day = next_kickoff_date(now.date()) + timedelta(days=90)
    event = Event(
        slug=f"{AI_SLUG}-{day.year}", title="Uppstart för AI Västerbotten",
        summary="AI Västerbotten 2026–2028 startar. Önska vilka dialogmöten du vill gå på, "
        "så fördelar vi platserna rättvist efter sista dagen för önskemål.",
        description="Under förmiddagen presenteras projektet AI Västerbotten. Under "
        "eftermiddagen hålls fyra dialogmöten. Platserna fördelas efter önskemål: rangordna "
        "mötena, så får så många som möjligt sitt förstahandsval.",
        venue="Väven, Umeå", address="Kungsgatan 50, 903 25 Umeå",
        starts_at=_at(day, 9, 30), ends_at=_at(day, 16, 0), status=Event.PUBLISHED,
        signup_opens_at=now - timedelta(days=1), signup_closes_at=_at(day, 0, 0),
        contact_name="Anna Lindqvist, Region Västerbotten",
        contact_email="anna.lindqvist@example.org", contact_phone="090-16 00 00",
    )
    event.programme_items = [
        ProgrammeItem(title="Välkommen till AI Västerbotten", starts_at=_at(day, 9, 30),
                      ends_at=_at(day, 12, 0)),
    ]
    block = ParallelBlock(title="Dialogmöten om AI", starts_at=_at(day, 13, 0),
                          ends_at=_at(day, 15, 0), allocation_mode=ParallelBlock.PREFERENCES,
                          ranking_deadline=now + timedelta(days=7), mix_limit=3,
                          allocation_objective="rank_maximal")
    event.blocks = [block]
    for position, (title, room, capacity, (name, email), _weight) in enumerate(AI_SESSIONS):
        session = DialogueSession(title=title, room=room, capacity=capacity, position=position,
                                  description=f"Dialogmöte om {title[0].lower()}{title[1:]}.")
        session.leads = [Lead(name=name, email=email, organisation="AI Västerbotten")]
        block.sessions.append(session)
    db.session.add(event)
    db.session.commit()
    rng = random.Random(2026)
    weights = [weight for *_rest, weight in AI_SESSIONS]
    for n in range(participants):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        order, left = [], list(zip(block.sessions, weights))
        while left:  # the popular sessions tend to come first in people's wishes
            pick = rng.choices(range(len(left)), [w for _s, w in left])[0]
            order.append(left.pop(pick)[0].id)
        details = booking.Details(
            name=f"{first} {last}", email=f"{first}.{last}.ai{n}@example.org".lower(),
            organisation=rng.choice(ORGS[:6]), job_title=rng.choice(TITLES))
        booking.register(event.id, details, {}, "sv", now + timedelta(seconds=n), notify=False,
                         rankings={block.id: order[:rng.choice((2, 3, 4))]})
    _link_demo_leads()
    db.session.commit()
    return event, True

