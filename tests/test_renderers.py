"""The neutral reply model through its renderers: Block Kit for Slack, text for the shell.

A form with every kind of field goes to Block Kit, comes back as Slack would submit it, and is
read by the Slack adapter into the same typed values; the text renderer shows the same form
with its errors by field.
"""

from datetime import UTC, date, datetime, time

from bot import blocks, text
from bot.dispatch import form_values
from bot.slack_payloads import field_errors
from bot.slack_refs import slack_identity
from bot.standin import input_values
from core import ids, ui
from core.markup import escape
from core.request import Effect, Kind, OpenForm, Request, Where, effects
from storage.members import actor_for, find_member
from tests.harness import MEMBER, Harness

YES, NO = ui.option("Yes", "yes"), ui.option("No", "no")

FORM = ui.Form(id="every_field", title="Every field", submit="Save", metadata="42", blocks=(
    ui.section(f"*Tell us* about {escape('<!channel> & co')}"),
    ui.Field(id="name", label="Name", initial="Ada", max_length=80, hint="As colleagues know you"),
    ui.Field(id="notes", label="Notes", multiline=True, required=False),
    ui.Field(id="hours", label="Hours", kind=ui.FieldKind.NUMBER, decimal=True, min_value=0.5, max_value=40),
    ui.Field(id="link", label="Link", kind=ui.FieldKind.URL, required=False),
    ui.Field(id="day", label="Day", kind=ui.FieldKind.DATE, initial=date(2026, 12, 7)),
    ui.Field(id="at", label="At", kind=ui.FieldKind.TIME, initial=time(9, 30)),
    ui.Field(id="starts", label="Starts", kind=ui.FieldKind.DATETIME),
    ui.Field(id="pick", label="Pick one", kind=ui.FieldKind.SELECT, options=(YES, NO), initial=NO),
    ui.Field(id="picks", label="Pick some", kind=ui.FieldKind.MULTI_SELECT, options=(YES, NO), required=False),
    ui.Field(id="radio", label="Radio", kind=ui.FieldKind.RADIO, options=(YES, NO)),
    ui.Field(id="ticks", label="Ticks", kind=ui.FieldKind.CHECKBOXES, options=(YES, NO), required=False),
    ui.Field(id="who", label="Who", kind=ui.FieldKind.MEMBER),
    ui.Field(id="whom", label="Whom", kind=ui.FieldKind.MEMBERS, required=False),
    ui.Field(id="where", label="Where", kind=ui.FieldKind.CONVERSATION, conversation_kinds=("public",)),
    ui.Field(id="skills", label="Skills", kind=ui.FieldKind.SEARCH, min_query_length=2, required=False),
))


def test_a_form_renders_as_a_modal_with_an_input_per_field():
    view = blocks.render_form(FORM).to_dict()
    assert (view["type"], view["callback_id"], view["private_metadata"]) == ("modal", "every_field", "42")
    assert view["submit"]["text"] == "Save" and view["close"]["text"] == "Cancel"
    # Markup passes through to mrkdwn as built: the escaped user text stays escaped.
    assert view["blocks"][0]["text"] == {"type": "mrkdwn", "text": "*Tell us* about &lt;!channel&gt; &amp; co"}
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    kinds = {block_id: b["element"]["type"] for block_id, b in inputs.items()}
    assert kinds == {
        "name": "plain_text_input", "notes": "plain_text_input", "hours": "number_input", "link": "url_text_input",
        "day": "datepicker", "at": "timepicker", "starts": "datetimepicker", "pick": "static_select",
        "picks": "multi_static_select", "radio": "radio_buttons", "ticks": "checkboxes", "who": "users_select",
        "whom": "multi_users_select", "where": "conversations_select", "skills": "multi_external_select",
    }
    assert inputs["name"]["hint"]["text"] == "As colleagues know you" and "optional" not in inputs["name"]
    assert inputs["notes"]["optional"] is True and inputs["notes"]["element"]["multiline"] is True
    assert inputs["hours"]["element"]["min_value"] == "0.5" and inputs["hours"]["element"]["max_value"] == "40"
    assert inputs["day"]["element"]["initial_date"] == "2026-12-07"
    assert inputs["at"]["element"]["initial_time"] == "09:30"
    assert inputs["pick"]["element"]["initial_option"]["value"] == "no"
    assert inputs["where"]["element"]["filter"] == {"include": ["public"], "exclude_bot_users": True}


def test_what_slack_submits_for_the_form_reads_back_as_typed_values():
    view = blocks.render_form(FORM).to_dict()
    starts = datetime(2027, 1, 5, 10, 0, tzinfo=UTC)
    answers = {"name": "Grace", "hours": "2.5", "day": "2027-01-04", "at": "14:15",
               "starts": int(starts.timestamp()), "pick": "yes", "picks": ["yes", "no"], "radio": "no",
               "who": "U0MEMBER01", "whom": ["U0MEMBER02"], "where": "C0NETWORK1"}
    view["state"] = {"values": input_values(view, answers)}
    values = form_values(view)
    assert values["name"] == "Grace" and values["notes"] is None and values["link"] is None
    assert values["hours"] == "2.5"
    assert values["day"] == date(2027, 1, 4) and values["at"] == time(14, 15) and values["starts"] == starts
    assert values["pick"] == YES and values["picks"] == (YES, NO) and values["radio"] == NO
    assert values["ticks"] == () and values["skills"] == ()
    assert (values["who"], values["whom"], values["where"]) == ("U0MEMBER01", ("U0MEMBER02",), "C0NETWORK1")


def test_the_text_renderer_shows_the_form_its_values_and_errors_by_field():
    shown = text.render_form(FORM, {"hours": "Hours are between 0.5 and 40.", "elsewhere": "Try again later."}).text
    lines = shown.splitlines()
    assert lines[0] == "┌ Every field" and lines[1] == "  ⚠ Try again later."
    # Markup reads as a person sees it in chat: the entities as the characters they stand for.
    assert "*Tell us* about <!channel> & co" in shown
    assert "» Name: Ada" in shown and "  As colleagues know you" in shown
    assert lines[lines.index("» Hours") + 1] == "  ⚠ Hours are between 0.5 and 40."
    assert "» Notes (optional)" in shown and "» Pick one: No" in shown and "» Day: 2026-12-07" in shown
    assert lines[-1] == "└ [Save]  [Cancel]"


def test_a_message_renders_the_same_blocks_as_block_kit_and_as_numbered_text():
    message = ui.message([
        ui.header("Events"),
        ui.section("*Lab tour* <https://example.org|booking>", accessory=ui.button("Going", "go", "1")),
        ui.context("3 going", ui.Image(url="https://example.org/a.png", alt="map")),
        ui.divider(),
        ui.actions(ui.button("More", "more", "2"), ui.Select("kind", (YES, NO), placeholder="Kind")),
        ui.Rich(("Bring ", ui.Bold("boots"), " — ", ui.Link("https://example.org/kit", "kit list"))),
    ])
    slack = blocks.message(message)
    assert [b["type"] for b in slack["blocks"]] == ["header", "section", "context", "divider", "actions", "rich_text"]
    assert slack["text"] == "Events"  # the notification: what the first block says
    assert slack["blocks"][1]["accessory"] == {"type": "button", "action_id": "go", "value": "1",
                                               "text": {"type": "plain_text", "text": "Going", "emoji": True}}
    shown = text.render_message(message)
    assert shown.lines == ["EVENTS", "======", "*Lab tour* booking (https://example.org)", "  [1] Going",
                           "  3 going · [map]", "-" * 40, "  [2] More  [3] Kind (choose)",
                           "Bring boots — kit list (https://example.org/kit)"]
    assert [c.action_id for c in shown.controls] == ["go", "more", "kind"]


def test_plain_words_are_shown_as_written_by_both_renderers():
    typed = "Ask <@U123> & *me*"
    shown = [ui.section(ui.Plain(typed)), ui.context(ui.Plain(typed), "*bold*")]
    section, context = [b.to_dict() for b in blocks.render_all(shown)]
    assert section["text"] == {"type": "plain_text", "text": typed, "emoji": True}
    assert [e["type"] for e in context["elements"]] == ["plain_text", "mrkdwn"]
    assert text.render_blocks(shown).lines[0] == typed


def test_the_home_page_keeps_a_block_id_once():
    home = ui.Home((ui.section("a", block_id="same"), ui.actions(ui.button("b", "b"), block_id="same")))
    rendered = blocks.render_home(home).to_dict()["blocks"]
    assert [b.get("block_id") for b in rendered] == ["same", None]


def test_one_handler_answers_through_both_renderers_from_one_neutral_reply(technet: Harness):
    """The CPD log: the form a button opens, then the same form refused by its fields, as Slack
    and the shell show them, from the handler's one neutral reply each time."""
    technet.command(MEMBER, "cpd")  # the member, met
    runtime = technet.runtime
    with runtime.db.reading() as session:
        member = find_member(session, slack_identity(MEMBER))
        assert member is not None
        actor = actor_for(session, member, runtime.grants)

    def ask(kind: Kind, key: str, **what: object) -> list[Effect]:
        route = runtime.routes.find(kind, key)
        assert route is not None
        return effects(route.handler(Request(kind=kind, actor=actor, where=Where("slack"), tz=runtime.settings.tz,
                                             **what)))  # type: ignore[arg-type]

    [opened] = ask(Kind.ACTION, ids.CPD_LOG_OPEN, action_id=ids.CPD_LOG_OPEN)
    assert isinstance(opened, OpenForm)
    form = opened.form
    modal = blocks.render_form(form).to_dict()
    shell = text.render_form(form)
    assert modal["callback_id"] == ids.CPD_MODAL and shell.lines[0] == f"┌ {form.title}"
    labels = [b.label for b in form.blocks if isinstance(b, ui.Field)]
    assert [b["label"]["text"] for b in modal["blocks"] if b["type"] == "input"] == labels
    assert all(any(line.startswith(f"» {label}") for line in shell.lines) for label in labels)

    [refused] = ask(Kind.FORM, ids.CPD_MODAL, form_id=ids.CPD_MODAL,
                    values={ids.CPD_ACTIVITY: "<!channel> workshop", ids.CPD_AMOUNT: "-3",
                            ids.CPD_DONE_ON: datetime.now(UTC).date()})
    assert isinstance(refused, ui.FieldErrors) and ids.CPD_AMOUNT in refused.errors
    # Slack: response_action errors, by the input's block id; the shell: the message under that field.
    assert field_errors(modal, refused.errors)[ids.CPD_AMOUNT] == refused.errors[ids.CPD_AMOUNT]
    shown = text.render_form(form, refused.errors).lines
    amount_label = next(b.label for b in form.blocks if isinstance(b, ui.Field) and b.id == ids.CPD_AMOUNT)
    amount = next(i for i, line in enumerate(shown) if line.startswith(f"» {amount_label}"))
    assert f"  ⚠ {refused.errors[ids.CPD_AMOUNT]}" in shown[amount:amount + 3]
