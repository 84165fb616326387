"""Sample data for the local shell and for newcomers: `technet demo-data` (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database
from storage.members import Role, find_member, upsert_from_slack


@dataclass(frozen=True)
class Persona:
    user_id: str
    name: str
    title: str
    department: str
    role: Role = Role.MEMBER


PERSONAS = (
    Persona("U0DEMOALEX", "Alex Morgan", "Senior Technician", "Chemistry"),
    Persona("U0DEMOPRIY", "Priya Shah", "Technical Services Manager", "Biosciences", Role.ORGANISER),
    Persona("U0DEMOJORD", "Jordan Lee", "Research Technician", "Physics", Role.PANEL),
    Persona("U0DEMOSAMI", "Sami Okafor", "IT Technician", "Computer Science", Role.ADMIN),
    Persona("U0DEMOROSA", "Rosa Evans", "Workshop Technician", "Engineering"),
    Persona("U0DEMOTOMK", "Tom Kowalski", "Teaching Laboratory Technician", "Biosciences"),
)


def persona_for(role: Role) -> Persona:
    return next(p for p in PERSONAS if p.role == role)


def slack_user(persona: Persona) -> dict[str, object]:
    """The users.info object Slack would give for a persona (the shell's stand-in serves it)."""
    login = persona.name.lower().replace(" ", ".")
    return {
        "id": persona.user_id, "name": login, "real_name": persona.name, "tz": "Europe/London",
        "is_bot": False, "deleted": False,
        "profile": {"display_name": persona.name, "real_name": persona.name, "title": persona.title,
                    "email": f"{login}@example.ac.uk"},
    }


def load_demo_data(db: Database, *, now: datetime) -> int:
    """Add the sample members that are missing; returns how many were added."""
    added = 0
    with db.transaction() as session:
        for persona in PERSONAS:
            if find_member(session, persona.user_id) is not None:
                continue
            member = upsert_from_slack(session, persona.user_id, slack_user(persona), now=now)
            member.department = persona.department
            if persona.role == Role.ADMIN:
                member.roles = [Role.ADMIN.value]
            added += 1
    return added
