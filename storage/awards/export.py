"""The panel's CSV export of a closed cycle: every active nomination, formula-safe, audited."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, tzinfo

from sqlalchemy.orm import Session

from storage.awards.audit import _audit, _require_closed, panel_cycle
from storage.awards.cycles import _cycle
from storage.awards.reviewing import _summaries
from storage.awards.values import MAX_EXAMPLES
from storage.forms import csv_safe
from storage.members import Actor

CSV_HEADER = (
    "award", "cycle", "nominee", "nominee_slack_id", "nominee_departments", "team_members", "nominator",
    "nominator_slack_id", "nominator_department", "submitted_at", "citation", "impact_1", "impact_2", "impact_3",
    "link", "average_score", "panel_members_scored", "shortlisted", "winner",
)


def export_csv(session: Session, actor: Actor, cycle_id: int | None, *, tz: tzinfo,
               now: datetime) -> tuple[str, bytes]:
    """Every active nomination of a closed cycle as CSV (UTF-8, header row); panel only, audited.

    None of a nominee the asker is recused from."""
    info = panel_cycle(session, actor, cycle_id, action="export nominations", now=now)
    cycle = _cycle(session, info.id)
    _require_closed(cycle, now, "export them")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for summary in _summaries(session, cycle, actor, now):
        for n in summary.nominations:
            examples = list(n.examples) + [""] * (MAX_EXAMPLES - len(n.examples))
            writer.writerow([csv_safe(v) for v in (
                info.award_name, info.label, summary.name, summary.user_id or "", "; ".join(summary.departments),
                " ".join(summary.team_members), n.nominator_name, n.nominator_user, n.nominator_department or "",
                n.updated_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"), n.citation, *examples[:MAX_EXAMPLES],
                n.link or "", "" if summary.average is None else f"{summary.average:.2f}", summary.scorers,
                "yes" if summary.shortlisted else "no", "yes" if summary.winner else "no",
            )])
    # No count in the log: the chair could compare it with their own and learn of a recusal.
    _audit(session, cycle, actor, "exported", "as CSV", now)
    slug = re.sub(r"[^a-z0-9]+", "-", info.title.lower()).strip("-") or "awards"
    # A byte-order mark, so Excel reads the file as UTF-8 rather than the local code page.
    return f"nominations-{slug}.csv", buffer.getvalue().encode("utf-8-sig")
