"""The e-zine digest: planned from the schedule, approved by organisers, posted once.

storage/ezine/ compiles an issue as plain data; this module renders it (neutral messages,
core.ui, split within Slack's limits, and a standalone HTML page with the same content, both
from Jinja2 templates that a deployment may override) and posts it, one recorded message at a
time, so a restart mid-issue continues where it stopped.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, TemplateError, TemplateSyntaxError
from core import ids, ui
from core.delivery import Delivery, DeliveryError, Kept, named
from core.request import MessageRef
from core.templating import environment
from core.views import moments
from core.views.ezine import approval_blocks
from digests.announcements import hours
from core.due import DueKind, DueKinds, Skip
from storage import ezine, ledger, members
from storage.errors import DomainError

if TYPE_CHECKING:
    from core.services import Services

log = logging.getLogger(__name__)

# The configured grace (TECHNET_DIGEST_GRACE) is applied in deliver_issue, where the
# settings are known; the runner's own check must not skip first.
NO_LIMIT = timedelta(days=3650)
# What one message may hold: 50 blocks (Slack's limit, the tightest surface's), and we keep
# the text well under Slack's limits so a long issue becomes several messages rather than a refused one.
MESSAGE_BLOCKS = ui.MESSAGE_BLOCK_LIMIT
MESSAGE_CHARACTERS = 12_000
# Templates a deployment may override (TECHNET_DIGEST_TEMPLATES).
TEMPLATES = ("ezine_intro.md.j2", "ezine_news.md.j2", "ezine_spotlight.md.j2", "ezine_events.md.j2",
             "ezine_opportunities.md.j2", "ezine_awards.md.j2", "ezine_research.md.j2", "ezine_figures.md.j2",
             "ezine_footer.md.j2", "ezine.html.j2")
# Section key -> (template, whether it renders one block per item or one for the section).
SECTION_TEMPLATES = {
    "news": ("ezine_news.md.j2", True),
    "spotlight": ("ezine_spotlight.md.j2", True),
    "events": ("ezine_events.md.j2", True),
    "opportunities": ("ezine_opportunities.md.j2", True),
    "awards": ("ezine_awards.md.j2", True),
    "research": ("ezine_research.md.j2", True),
    "figures": ("ezine_figures.md.j2", False),
}


class Busy(Exception):
    """Another process holds one of the issue's messages; the ledger tries again later."""


def register(kinds: DueKinds) -> None:
    kinds.add(DueKind(ezine.ISSUE, deliver_issue, grace=NO_LIMIT, on_give_up=issue_given_up))
    kinds.add(DueKind(ezine.APPROVAL, deliver_approval, grace=NO_LIMIT))


def schedule_of(runtime: Services) -> ezine.Schedule:
    return ezine.Schedule(runtime.settings.digest_cron, runtime.settings.tz)


def plan(runtime: Services, now: datetime) -> ezine.IssueInfo:
    """Make sure the next issue and its due rows exist (each scheduler tick calls this)."""
    with runtime.db.transaction() as session:
        return ezine.plan(session, schedule_of(runtime), now=now, approval_lead=runtime.settings.digest_approval_lead)


def next_issue(runtime: Services, now: datetime) -> ezine.IssueInfo:
    with runtime.db.transaction() as session:
        return ezine.next_issue(session, schedule_of(runtime), now=now,
                                approval_lead=runtime.settings.digest_approval_lead)


def channel_of(runtime: Services) -> str | None:
    return runtime.settings.digest_channel or runtime.settings.network_channel


# Rendering -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Rendered:
    messages: list[ui.Message]
    html: str


class TemplateProblem(Exception):
    """An override template is broken: the message names the file and the line."""


def describe(error: TemplateError) -> str:
    if isinstance(error, TemplateSyntaxError):
        where = error.filename or error.name or "a template"
        return f"{where}, line {error.lineno}: {error.message}"
    # Jinja puts the template's own lines into the traceback; the last one is where it failed.
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith(".j2")]
    where = f"{frames[-1].filename}, line {frames[-1].lineno}" if frames else "a template"
    return f"{where}: {error}"


def override_environment(directory: Path | None) -> Environment | None:
    return environment(directory) if directory is not None else None


def check_overrides(directory: Path) -> list[str]:
    """Each override that does not compile, as 'file, line N: what is wrong'."""
    env = environment(directory)
    problems = []
    for name in TEMPLATES:
        if (directory / name).exists():
            try:
                env.get_template(name)
            except TemplateSyntaxError as e:
                problems.append(describe(e))
    return problems


def _slack_link(url: str | None) -> str | None:
    """A URL inside <url|label>: | and > would end it early, & must be escaped for mrkdwn."""
    if not url:
        return None
    return url.replace("&", "&amp;").replace("|", "%7C").replace("<", "%3C").replace(">", "%3E")


def _rsvp_button(item: dict[str, Any]) -> ui.Button:
    """The events feature's own Going button, so its rules (capacity, waitlist, reminders) apply.

    With the bare event id as its value, handlers/events/ records the answer and
    confirms it to the member alone, leaving the e-zine's message as it was.
    """
    return ui.button("Going", ids.EVENTS_GOING, str(int(item["id"])), style="primary")


def _item_blocks(env: Environment, key: str, items: list[dict[str, Any]],
                 issue: dict[str, Any]) -> list[list[ui.Block]]:
    """The blocks of a section as groups that must stay together (an item and its button)."""
    name, per_item = SECTION_TEMPLATES[key]
    template = env.get_template(name)
    if not per_item:
        return [[ui.section(template.render(items=items, issue=issue).strip())]]
    groups: list[list[ui.Block]] = []
    for item in items:
        item = {**item, "slack_link": _slack_link(item.get("link"))}
        text = template.render(item=item, issue=issue).strip()
        # A cancelled event stays in the issue, marked, but takes no replies.
        accessory = _rsvp_button(item) if key == "events" and not item.get("cancelled") else None
        groups.append([ui.section(text, accessory=accessory)])
    return groups


def render_messages(env: Environment, issue: dict[str, Any], intro: str | None) -> list[ui.Message]:
    """The issue as messages: whole sections together where they fit, split where not."""
    title = f"technet e-zine · {issue['month_label']}"
    intro_text = env.get_template("ezine_intro.md.j2").render(intro=intro, issue=issue).strip()
    opening: list[ui.Block] = [ui.header(title), ui.section(intro_text)]
    parts: list[list[list[ui.Block]]] = [[opening]]
    for section in issue["sections"]:
        groups = _item_blocks(env, section["key"], section["items"], issue)
        groups[0] = [ui.divider(), ui.header(section["title"]), *groups[0]]
        parts.append(groups)
    footer = env.get_template("ezine_footer.md.j2").render(issue=issue).strip()
    parts.append([[ui.divider(), ui.context(footer)]])
    pages = _paginate(parts)
    total = len(pages)
    # Each message's title (its notification) is its place in the issue: a notification per
    # message reads better than the start of each.
    return [ui.message(page, title=title if total == 1 else f"{title} ({n}/{total})")
            for n, page in enumerate(pages, 1)]


def _size(group: list[ui.Block]) -> int:
    """The characters a group shows: what MESSAGE_CHARACTERS keeps well within a message's limits."""
    return sum(len(text) for block in group for text in _texts(block))


def _texts(block: ui.Block) -> list[str]:
    if isinstance(block, ui.Header):
        return [block.text]
    if isinstance(block, ui.Section):
        text = block.text.text if isinstance(block.text, ui.Plain) else block.text
        return [text or "", *block.fields]
    if isinstance(block, ui.Context):
        return [item.text if isinstance(item, ui.Plain) else item for item in block.items
                if isinstance(item, str | ui.Plain)]
    return []  # a divider, or a row of buttons


def _paginate(parts: list[list[list[ui.Block]]]) -> list[list[ui.Block]]:
    """Pack groups into messages: a section starts a new message when it does not fit whole."""
    pages: list[list[ui.Block]] = [[]]

    def fits(page: list[ui.Block], extra: list[ui.Block]) -> bool:
        return len(page) + len(extra) <= MESSAGE_BLOCKS and _size(page) + _size(extra) <= MESSAGE_CHARACTERS

    for groups in parts:
        whole = [b for g in groups for b in g]
        if not fits(pages[-1], whole) and pages[-1] and fits([], whole):
            pages.append([])
        for group in groups:
            if not fits(pages[-1], group) and pages[-1]:
                pages.append([])
            pages[-1].extend(group)
    return [page for page in pages if page]


def kept_messages(delivery: Delivery, messages: list[ui.Message]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The issue's messages as the surface will send them, (fallback text, blocks): what the issue
    keeps planned until each is posted, so a restart posts exactly what was planned."""
    return [(kept.text, kept.blocks) for kept in map(delivery.keep, messages)]


def render_html(env: Environment, issue: dict[str, Any], intro: str | None) -> str:
    return env.get_template("ezine.html.j2").render(issue=issue, intro=intro,
                                                    title=f"technet e-zine · {issue['month_label']}")


def render(env: Environment, issue: dict[str, Any], intro: str | None) -> Rendered:
    return Rendered(render_messages(env, issue, intro), render_html(env, issue, intro))


def render_strict(runtime: Services, issue: dict[str, Any], intro: str | None) -> Rendered:
    """For the command line: a broken override stops with its file and line."""
    env = override_environment(runtime.settings.digest_template_dir) or runtime.templates
    try:
        return render(env, issue, intro)
    except TemplateError as e:
        raise TemplateProblem(describe(e)) from None


def render_safely(runtime: Services, issue: dict[str, Any], intro: str | None) -> tuple[Rendered, str | None]:
    """For scheduled runs: a broken override falls back to the shipped templates, with a warning."""
    env = override_environment(runtime.settings.digest_template_dir)
    if env is not None:
        try:
            return render(env, issue, intro), None
        except TemplateError as e:
            warning = describe(e)
            log.warning("e-zine template override failed (%s); using the shipped templates", warning)
            return render(runtime.templates, issue, intro), warning
    return render(runtime.templates, issue, intro), None


# Telling organisers ----------------------------------------------------------------------

def organisers(runtime: Services) -> list[str]:
    with runtime.db.reading() as session:
        return members.organiser_ids(session, runtime.grants.organisers)


def tell_organisers(runtime: Services, text: str) -> None:
    """A DM to each organiser; one that cannot be reached does not stop the others."""
    for user_id in organisers(runtime):
        try:
            runtime.delivery.dm(user_id, ui.note(text))
        except DeliveryError as e:
            log.warning("could not tell organiser %s (%s)", user_id, e.reason)


def _say(runtime: Services, template: str, **values: Any) -> str:
    return runtime.templates.get_template(template).render(**values)


def _when(runtime: Services, moment: datetime) -> str:
    return moments.when(moment, runtime.settings.tz)


def _warn_once(runtime: Services, period: str, warning: str | None) -> None:
    if warning is None:
        return
    with runtime.db.transaction() as session:
        first = ezine.warn(session, period, warning)
    if first:
        tell_organisers(runtime, _say(runtime, "ezine_template_error.md.j2", problem=warning, period=period))


# The approval request ---------------------------------------------------------------------

def deliver_approval(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    period, tz, min_group = claim.occurrence, runtime.settings.tz, runtime.settings.report_min_group
    with runtime.db.transaction() as session:
        info = ezine.get(session, period)
        if info.status not in (ezine.PLANNED, ezine.AWAITING):
            raise Skip(f"the issue is {info.status}")
        if info.due_at <= now:
            raise Skip("the issue's time has come; no time left to approve it")
        content = ezine.content_for(session, period, tz, now=now, min_group=min_group)
        # Empty, it is not frozen: news approved before the issue's time still goes in it.
        empty = ezine.is_empty(content)
        if not empty:
            issue = ezine.freeze(session, period, tz, now=now, compiled=content)
    if empty:
        tell_organisers(runtime, _say(runtime, "ezine_nothing.md.j2", when=_when(runtime, info.due_at)))
        return "empty"
    _ask(runtime, info, issue, when=_when(runtime, info.due_at))
    return "asked"


def _ask(runtime: Services, info: ezine.IssueInfo, issue: dict[str, Any], *, when: str,
         changes: tuple[ezine.Change, ...] = ()) -> None:
    """The issue and the approval buttons, by DM, to each organiser not asked yet."""
    rendered, warning = render_safely(runtime, issue, info.intro)
    _warn_once(runtime, info.period, warning)
    asked = {user for user, _ in info.approval_messages}
    for user_id in organisers(runtime):
        if user_id in asked:
            continue  # a retried run: this organiser has their request already
        for message in rendered.messages:
            runtime.delivery.dm(user_id, message, link_previews=False)
        request = approval_blocks(info, when=when, tz=runtime.settings.tz,
                                  post_unapproved=runtime.settings.digest_post_unapproved,
                                  changes=[c.note for c in changes if c.asks])
        posted = runtime.delivery.dm(user_id, ui.message(request, title="The e-zine needs your approval"))
        with runtime.db.transaction() as session:
            ezine.approval_sent(session, info.period, user_id, posted)


def _answer_by(runtime: Services, info: ezine.IssueInfo, now: datetime) -> datetime:
    """How long an issue asked about again waits for an answer: as late as it may still go out."""
    return max(now, info.due_at + runtime.settings.digest_grace)


def _ask_again(runtime: Services, info: ezine.IssueInfo, fresh: ezine.Refreshed, now: datetime) -> None:
    """The approved issue changed in a way the organisers have not seen: ask them again, then stop."""
    answer_by = _answer_by(runtime, info, now)
    with runtime.db.transaction() as session:
        info, earlier = ezine.ask_again(session, info.period, fresh.content, now=now, answer_by=answer_by)
    for _, request in earlier:
        # Their buttons would approve an issue that is no longer the one shown above them.
        try:
            runtime.delivery.update(request, ui.message([ui.context(
                "The e-zine changed after it was approved: a new request follows.")]))
        except DeliveryError as e:
            log.warning("could not retire an e-zine approval request (%s)", e.reason)
    _ask(runtime, info, fresh.content, when=_when(runtime, answer_by), changes=fresh.changes)
    raise Skip("it changed after approval; the organisers are asked again")


# The issue --------------------------------------------------------------------------------

def deliver_issue(runtime: Services, claim: ledger.Claimed, now: datetime) -> str | None:
    period = ezine.period_of_occurrence(claim.occurrence)
    publishing = ezine.is_publish(claim.occurrence)
    with runtime.db.transaction() as session:
        info = ezine.get(session, period)
    if info.status == ezine.POSTED:
        return "posted already"
    if info.messages_planned == 0:
        _start(runtime, claim, info, now, publishing=publishing)
    return post_remaining(runtime, period, now)


def _start(runtime: Services, claim: ledger.Claimed, info: ezine.IssueInfo, now: datetime, *,
           publishing: bool) -> None:
    """Decide whether the issue goes out at all, then plan its messages once."""
    period, settings = info.period, runtime.settings
    if not publishing:
        late = now - claim.due_at
        if late > settings.digest_grace:
            _stop(runtime, period, ezine.SKIPPED, _say(
                runtime, "ezine_skipped.md.j2", period=period, when=_when(runtime, info.due_at),
                reason=f"technet was not running at {_when(runtime, info.due_at)} and it is now more than "
                       f"{hours(settings.digest_grace)} later"))
        if info.decision == ezine.HELD:
            _stop(runtime, period, ezine.SKIPPED, None, reason=f"held by {info.decided_by}")
        if info.decision is None and settings.digest_approval_lead and not settings.digest_post_unapproved:
            _stop(runtime, period, ezine.SKIPPED, _say(
                runtime, "ezine_skipped.md.j2", period=period, when=_when(runtime, info.due_at),
                reason="nobody approved it, and TECHNET_DIGEST_POST_UNAPPROVED says to hold it then"))
        if info.decision == ezine.CHANGED:
            if not ezine.is_answer_by(claim.occurrence):
                # A retried run of the one that asked: finish asking, and wait for the answer.
                with runtime.db.reading() as session:
                    asked_about = ezine.content_for(session, period, settings.tz, now=now,
                                                          min_group=settings.report_min_group)
                _ask(runtime, info, asked_about, when=_when(runtime, _answer_by(runtime, info, now)))
                raise Skip("it changed after approval; waiting for the organisers' answer")
            if not settings.digest_post_unapproved:
                _stop(runtime, period, ezine.SKIPPED, _say(
                    runtime, "ezine_skipped.md.j2", period=period, when=_when(runtime, info.due_at),
                    reason="it changed after it was approved, nobody approved it again, and "
                           "TECHNET_DIGEST_POST_UNAPPROVED says to hold it then"))
    channel = channel_of(runtime)
    if channel is None:
        raise Skip("no channel for the e-zine: set TECHNET_DIGEST_CHANNEL or TECHNET_NETWORK_CHANNEL")
    # What was frozen for approval, brought up to date: the posted issue never contradicts the store.
    with runtime.db.reading() as session:
        fresh = ezine.refreshed(session, period, settings.tz, now=now, min_group=settings.report_min_group)
    if not publishing and info.decision == ezine.APPROVED and fresh.asks:
        _ask_again(runtime, info, fresh, now)
    with runtime.db.transaction() as session:
        issue = ezine.keep(session, period, fresh.content, now=now)
    if ezine.is_empty(issue):
        _stop(runtime, period, ezine.EMPTY, None, reason="nothing to put in it this time")
    rendered, warning = render_safely(runtime, issue, info.intro)
    _warn_once(runtime, period, warning)
    with runtime.db.transaction() as session:
        ezine.begin_posting(session, period, kept_messages(runtime.delivery, rendered.messages),
                            surface=runtime.delivery.surface, conversation=channel,
                            html=rendered.html, now=now)


def _stop(runtime: Services, period: str, status: str, tell: str | None, *, reason: str | None = None) -> None:
    with runtime.db.transaction() as session:
        ezine.mark(session, period, status)
    if tell:
        tell_organisers(runtime, tell)
    raise Skip(reason or tell or status)


def post_remaining(runtime: Services, period: str, now: datetime) -> str | None:
    """Post each planned message not yet posted, recording each before the next."""
    with runtime.db.reading() as session:
        channel = ezine.get(session, period).conversation
    assert channel is not None
    while True:
        with runtime.db.transaction() as session:
            message = ezine.claim_next_message(session, period, now=now)
        if message is None:
            break
        if message is False:
            raise Busy(f"another process is posting the e-zine of {period}")
        try:
            # Keyed by its page, whichever attempt posts it: a retry after an ambiguous failure
            # looks for that page before posting it again.
            with named(f"page{message.position}"):
                posted = runtime.delivery.post(channel, Kept(text=message.text, blocks=message.blocks),
                                               link_previews=False)
        except Exception:
            # Slack refused it (or never answered): free it for the next attempt, which looks for it
            # first when the failure was ambiguous.
            with runtime.db.transaction() as session:
                ezine.release_message(session, period, message.position)
            raise
        with runtime.db.transaction() as session:
            ezine.message_posted(session, period, message.position, posted.message_id, now=now)
    with runtime.db.reading() as session:
        first = ezine.first_message_id(session, period)
    permalink = _permalink(runtime, channel, first)
    with runtime.db.transaction() as session:
        ezine.finish(session, period, now=now, permalink=permalink)
    return first


def _permalink(runtime: Services, channel: str, ts: str | None) -> str | None:
    if ts is None:
        return None
    try:
        return runtime.delivery.permalink(MessageRef(runtime.delivery.surface, channel, ts))[:500]
    except DeliveryError as e:
        # The archive works without it; the issue is posted either way.
        log.warning("no permalink for the e-zine (%s)", e.reason)
        return None


def issue_given_up(runtime: Services, claim: ledger.Claimed, reason: str) -> None:
    period = ezine.period_of_occurrence(claim.occurrence)
    with runtime.db.reading() as session:
        info = ezine.get(session, period)
    tell_organisers(runtime, _say(runtime, "ezine_failed.md.j2", period=period, reason=reason,
                                  posted=info.messages_posted, planned=info.messages_planned,
                                  channel=info.conversation or channel_of(runtime) or ""))


# For /tech digest and the command line ----------------------------------------------------

@dataclass(frozen=True)
class Preview:
    info: ezine.IssueInfo
    issue: dict[str, Any]
    rendered: Rendered | None
    warning: str | None
    # How it differs from what was frozen for the organisers' approval.
    changes: tuple[ezine.Change, ...] = ()


def preview(runtime: Services, now: datetime, *, strict: bool = False, period: str | None = None) -> Preview:
    """The next issue as it would be posted now: what was frozen for approval, refreshed from the store."""
    info = next_issue(runtime, now) if period is None else _get(runtime, period)
    with runtime.db.reading() as session:
        fresh = ezine.refreshed(session, info.period, runtime.settings.tz, now=now,
                                min_group=runtime.settings.report_min_group)
    issue = fresh.content
    if ezine.is_empty(issue):
        return Preview(info, issue, None, None, fresh.changes)
    if strict:
        return Preview(info, issue, render_strict(runtime, issue, info.intro), None, fresh.changes)
    rendered, warning = render_safely(runtime, issue, info.intro)
    return Preview(info, issue, rendered, warning, fresh.changes)


def _get(runtime: Services, period: str) -> ezine.IssueInfo:
    with runtime.db.reading() as session:
        return ezine.get(session, period)


def publish(runtime: Services, actor: Any, now: datetime) -> ezine.IssueInfo:
    """Post the next issue now (it counts as its period's issue): its due row, and only that, is sent at once."""
    from digests.runner import run_due  # noqa: PLC0415 - the runner imports this package's kinds

    info = next_issue(runtime, now)
    with runtime.db.transaction() as session:
        if info.messages_planned == 0:
            ezine.refreeze(session, info.period, runtime.settings.tz, now=now,
                           min_group=runtime.settings.report_min_group)
        issue = ezine.content_for(session, info.period, runtime.settings.tz, now=now,
                                  min_group=runtime.settings.report_min_group)
        if ezine.is_empty(issue):
            raise DomainError("There is nothing for the e-zine yet: approve some news (`/tech news queue`) first.")
        ezine.publish_now(session, actor, info.period, now=now)
        due = ledger.scheduled_in(session)
    run_due(runtime, now, only=due)
    return _get(runtime, info.period)
