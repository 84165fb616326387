"""The delivery report as people read it: per post, sent, pending and failed with the reasons.

Shared by `/tech deliveries` (Slack, Teams: markup escaped here) and `technet deliveries` (plain text).
"""

from __future__ import annotations

from storage.delivery_report import PostReport

# What a person calls each kind of due item.
LABELS = {
    "announcement": "Announcement",
    "ezine.issue": "E-zine issue",
    "ezine.approval": "E-zine approval request",
    "awards.opening": "Award post (opening)",
    "awards.reminder": "Award post (reminder)",
    "awards.closing": "Award post (closing)",
    "awards.nominee_notice": "Award notice to nominees",
    "events.reminder": "Event reminders",
    "events.morning": "Event morning post",
    "events.notice": "Event change notices",
    "events.announce": "Event announcement",
    "mentoring_checkin": "Mentoring check-in",
    "cpd_event_prompt": "CPD prompts after an event",
    "dev_deadline": "Opportunity deadline reminders",
    "dev_followed": "Opportunity alerts",
}


def label(post: PostReport) -> str:
    """The kind of post and what it was about, by title ("Event reminders: Network meeting"); by its
    subject ("event:7") when the thing has gone."""
    kind = LABELS.get(post.kind, post.kind)
    return f"{kind}: {post.title}" if post.title else f"{kind} ({post.subject})"


def line(post: PostReport) -> str:
    """One post's counts and reasons, in plain words."""
    parts = [f"{post.sent} sent", f"{post.pending} pending", f"{post.failed} failed"]
    if post.skipped:
        parts.append(f"{post.skipped} skipped")
    text = f"{label(post)} — " + ", ".join(parts)
    if post.reasons:
        text += " (" + "; ".join(f"{reason}: {count}" for reason, count in post.reasons.most_common()) + ")"
    late = post.p99_lateness
    if late is not None:
        text += f"; 99% sent within {late:.0f} s of due"
    return text


def lines(posts: list[PostReport]) -> list[str]:
    return [line(post) for post in posts] or ["Nothing was due in that time."]
