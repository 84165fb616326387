"""Typed SQLAlchemy 2.0 models, one module per feature.

Importing this package imports every model module, so Base.metadata is complete for
Alembic and for the test that keeps models and migrations in agreement.
"""

from storage.models.core import Base, DueItem, Member, SlackDelivery, UTCDateTime

__all__ = ["Base", "DueItem", "Member", "SlackDelivery", "UTCDateTime"]
