"""Credit on research outputs: the DM asking each credited technician to confirm or decline.

storage/outputs.py puts one due row per output and credited member when the output is logged,
so each is asked exactly once, across retries, restarts and replicas.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core import ids, ui
from core.due import DueKind, DueKinds, Skip
from core.markup import escape
from storage import ledger, outputs

if TYPE_CHECKING:
    from core.services import Services


def register(kinds: DueKinds) -> None:
    # Asking late still lets them answer: the credit waits for them.
    kinds.add(DueKind(outputs.CONFIRM_DM, deliver_confirm, grace=timedelta(days=30)))


def deliver_confirm(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    with runtime.db.reading() as session:
        found = outputs.to_ask(session, claim.subject, claim.occurrence)
    if found is None:
        raise Skip("answered already, or the output or the credit is gone")
    output, credit, by = found
    how = "an author" if credit.credit == "author" else "acknowledged"
    text = (f":microscope: {escape(by)} logged a research output that credits you as {how}:\n"
            f"*{escape(output.title)}* ({output.kind_label.lower()}, {output.year})\n{escape(output.url)}\n"
            "Confirm it to show it on your profile card and to have it counted and celebrated; decline if "
            "the credit is not yours. Whoever logged it sees who confirmed, never who declined.")
    value = str(output.id)
    message = ui.message([ui.section(text),
                          ui.actions(ui.button("Confirm", ids.OUTPUT_CONFIRM, value, style="primary"),
                                     ui.button("Decline", ids.OUTPUT_DECLINE, value))],
                         title=f"Credited on: {output.title}")
    return runtime.delivery.dm(str(claim.payload.get("member", "")), message).message_id
