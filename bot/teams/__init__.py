"""Microsoft Teams: the second surface (DESIGN decision 12), on the same core and database.

Nothing here imports Microsoft's Teams SDK (the optional extra `technet[teams]`) at module level:
the SDK reads CLIENT_ID, CLIENT_SECRET and a .env of its own when `microsoft_teams.apps` is
imported, so only the parts we use (`microsoft_teams.cards`, and PyJWT, which it brings) are
imported, lazily, by the module that needs them. A technet without the extra serves Slack as before.
"""

from __future__ import annotations

SURFACE = "teams"


def available() -> str | None:
    """None when the `teams` extra is installed; else why Teams cannot be served."""
    try:
        import jwt  # noqa: F401 - only whether it imports
        import microsoft_teams.cards  # noqa: F401
    except ImportError as e:
        return f"the teams extra is not installed (pip install 'technet[teams]'): {e}"
    return None
