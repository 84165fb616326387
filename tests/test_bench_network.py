"""The benches' network generator (bench/network.py) writes what it says: its records, counted
in the database, with the proportions the load bench quotes (10 RSVPs a member, events ahead)."""

from __future__ import annotations

from datetime import datetime, timedelta, UTC

from sqlalchemy import select

from bench import network
from storage.db import Database
from storage.models import Member, MemberIdentity

NOW = datetime(2026, 12, 7, 9, tzinfo=UTC)
MEMBERS = 200


def test_the_generated_network_is_in_the_database(db: Database):
    data = network.generate(MEMBERS, now=NOW, seed=3)
    counts = network.populate(db, data)

    ahead = [e for e in data.events if not e.cancelled and NOW < e.starts_at <= NOW + timedelta(weeks=8)]
    assert counts == network.Counts(members=len(data.members), rsvps=len(data.rsvps), events=len(data.events),
                                    upcoming=len(ahead))
    assert len(data.people()) == MEMBERS
    # About 10 a member: the generator drops the odd repeat of a member's answer to the same event.
    assert 0.95 * MEMBERS * network.RSVPS_PER_MEMBER <= counts.rsvps <= MEMBERS * network.RSVPS_PER_MEMBER
    assert counts.upcoming > 0
    assert min(e.starts_at for e in data.events) < NOW - timedelta(days=365)


def test_the_bench_asks_as_current_members(db: Database):
    data = network.generate(MEMBERS, now=NOW, seed=3)
    network.populate(db, data)
    askers = network.askers(data, 16)

    with db.reading() as session:
        found = session.execute(select(MemberIdentity.external_id, Member.deactivated, Member.is_bot).join(Member)
                                .where(MemberIdentity.external_id.in_(askers))).all()
    assert len(askers) == 16
    assert sorted(found) == sorted((user, False, False) for user in askers)
