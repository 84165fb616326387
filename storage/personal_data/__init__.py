"""Personal data: a member's own copy (export.py), erasure (erasure.py) and retention (retention.py).

Every table that refers to members says what it holds about them in `holdings.py`, one
`Holding` per table: which columns name the member, what of a row their copy shows, which
of its text is theirs (blanked on erasure) and whether erasure deletes the row or keeps it
for the counts. `tests/test_personal_data_coverage.py` walks every model: a column with a
foreign key to members.id, or a JSON list of member ids marked `info={"member_ids": True}`,
that no Holding names fails it. A new feature adds its Holding beside the others.

(`storage/privacy.py` is something else: the report's small-group suppression rule.)
"""

from storage.personal_data.holdings import HOLDINGS, Holding, holding_for

__all__ = ["HOLDINGS", "Holding", "holding_for"]
