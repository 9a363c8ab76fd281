"""`roundtable demo`: a community, a meeting and a few people, so a newcomer sees a
working meeting within a minute."""

import secrets

from sqlmodel import select

from app.accounts.models import Account
from app.accounts.schemas import SignUp
from app.accounts.service import sign_up
from app.communities.schemas import CommunityCreate
from app.communities.service import create_community
from app.config import get_settings
from app.db import make_engine, make_sessionmaker
from app.live.brokers import MemoryBroker
from app.live.hub import LiveHub
from app.meetings import service as meetings
from app.meetings.schemas import JoinRequest, MeetingCreate

DEMO_EMAIL = "organiser@demo.roundtable.example"

PEOPLE = [
    ("Pat", "lay", False), ("Chris", "carer", True), ("Dr Amir", "clinician", False),
    ("Dr Lee", "gp", False), ("Morgan", "commissioner", True), ("Sasha", "academic", False),
]


async def seed_demo(base_url: str) -> str:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    hub = LiveHub(MemoryBroker(), sessionmaker)  # nobody is listening; events are still recorded
    try:
        async with sessionmaker() as session:
            session.info["hub"] = hub
            password = secrets.token_urlsafe(9)
            account = (await session.exec(select(Account).where(Account.email == DEMO_EMAIL))).first()
            if account is None:
                account = await sign_up(session, SignUp(email=DEMO_EMAIL, display_name="Demo Organiser", password=password))
            else:
                from app.web.security import password_hasher

                account.password_hash = password_hasher.hash(password)
                session.add(account)
                await session.commit()
            community = await create_community(
                session, account,
                CommunityCreate(name="Demo MSK Community of Practice",
                                purpose="Turning musculoskeletal research into better local care."),
            )
            meeting = await meetings.create_meeting(
                session, community,
                MeetingCreate(title="Back pain pathway: spring meeting", venue="Room 2, Health Innovation Hub",
                              agenda=["Welcome and icebreaker", "Actions from last time",
                                      "Evidence update: exercise therapy", "Breakout discussions", "Next steps"]),
            )
            for name, role, in_room in PEOPLE:
                await meetings.join(session, meeting, community, JoinRequest(display_name=name, role=role, in_room=in_room))
    finally:
        await engine.dispose()
    base = base_url.rstrip("/")
    return "\n".join([
        "Demo ready.",
        f"  Organiser login:  {base}/login",
        f"    email:          {DEMO_EMAIL}",
        f"    password:       {password}",
        f"  Facilitator view: {base}/meetings/{meeting.id}  (after logging in)",
        f"  Join link:        {base}/j/{meeting.join_code}  (open in another browser or a private window)",
    ])
