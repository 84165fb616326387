"""`technet shell`: the real app, in-process, against the Slack stand-in, in a terminal.

Type `/tech help`; press a button by its number; a modal asks for its fields one by
one. Everything the bot sends (replies, DMs, channel posts, the Home tab) is shown
as text, with the destination on top; files it uploads are saved to a folder.
`:later 1d` moves the shell's clock on and shows what the scheduler sends on the way.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.config import ConfigError, duration
from core.settings import Settings
from bot.demo import PERSONAS, Persona, persona_for, slack_user
from bot.guard import bolt_readable
from bot.render import Pressable, Rendered, element_label, render_blocks
from bot.runtime import Runtime
from bot.scheduler import tick
from bot.standin import (
    BOT_USER_ID,
    Call,
    SlackStandIn,
    block_action_payload,
    block_suggestion_payload,
    command_body,
    element_state,
    event_body,
    input_values,
    interaction_body,
    signed_headers,
    view_submission_payload,
)
from storage import clock, ledger
from storage.members import Role

Read = Callable[[str], str]
Write = Callable[[str], None]

SHELL_HELP = """Type a command as in Slack (/tech help), or:
  N          press the button numbered N
  :home      open the bot's Home tab
  :later 1d  move the shell's clock on (1d, 3h, 30m) and see what falls due: reminders,
             CPD prompts, check-ins, award and e-zine posts, in the order they go out
  :now       the shell's time
  :help      this list
  :quit      leave (Ctrl-D works too)"""


DEFAULT_FILES = Path("var/shell-files")
# How far :later moves the clock at most between ticks, and in one go.
TICK_STEP = timedelta(hours=1)
MAX_LATER = timedelta(days=400)


class Shell:
    def __init__(self, runtime: Runtime, app: App, standin: SlackStandIn, persona: Persona,
                 *, read: Read = input, write: Write = print, files: Path = DEFAULT_FILES):
        self.runtime, self.app, self.standin, self.persona = runtime, app, standin, persona
        self.read, self.write = read, write
        # Where files the bot uploads (.ics, CSV, the report) are saved; made on first use.
        self.files = files
        self.pressables: dict[int, Pressable] = {}
        self._events = 0
        # The modal being filled in: external selects send it along as they ask the app for options.
        self._modal: dict[str, Any] | None = None

    # The loop ---------------------------------------------------------------------
    def run(self) -> None:
        self.write(f"technet shell: you are {self.persona.name} ({self.persona.role}). "
                   "Type /tech help, :help for the shell's own commands, :quit to leave.")
        started_at = clock.offset()
        try:
            while True:
                try:
                    line = self.read("you> ").strip()
                except (EOFError, KeyboardInterrupt):
                    self.write("")
                    return
                if not self.handle(line):
                    return
        finally:
            # Time moved by :later ends with the shell.
            clock.set_offset(started_at)

    def handle(self, line: str) -> bool:
        """Act on one line; False when the person wants to leave."""
        if not line:
            return True
        if line in (":quit", ":q", "exit", "quit"):
            return False
        if line == ":help":
            self.write(SHELL_HELP)
        elif line == ":home":
            self.open_home()
        elif line == ":now":
            self.write(f"(the shell's time is {self._moment(clock.now())}{self._ahead()})")
        elif line == ":later" or line.startswith(":later "):
            self.later(line.removeprefix(":later").strip())
        elif line.isascii() and line.isdigit():  # '²'.isdigit() is True too, and int() refuses it
            self.press(int(line))
        elif line.startswith("/"):
            self.slash(line)
        else:
            self.write("Commands start with / (try /tech help); :help lists the shell's own.")
        return True

    # What the person does ---------------------------------------------------------
    def slash(self, line: str) -> None:
        command, _, text = line.partition(" ")
        body = command_body(self.persona.user_id, text, command=command,
                            response_url=self.standin.response_url(), user_name=self.persona.name)
        self.dispatch(body, "application/x-www-form-urlencoded", replying_to=line)

    def open_home(self) -> None:
        self._events += 1
        event = {"type": "app_home_opened", "user": self.persona.user_id, "channel": "D0HOME", "tab": "home",
                 "event_ts": "0"}
        self.dispatch(event_body(event, event_id=f"Ev{secrets.token_hex(6)}"), "application/json")

    def press(self, number: int) -> None:
        pressable = self.pressables.get(number)
        if pressable is None:
            self.write(f"There is no [{number}] on screen.")
            return
        element = dict(pressable.element)
        if element.get("url"):
            self.write(f"(opens {element['url']} in a browser)")
            if element.get("type") == "button" and not element.get("action_id"):
                return
        action = self._action_for(pressable.block, element)
        if action is None:
            return
        container = pressable.container
        payload = block_action_payload(
            self.persona.user_id, action, response_url=self.standin.response_url(),
            container=container, channel_id=container.get("channel_id"),
            view=self.standin.state.views.get(container.get("view_id", "")),
            message=container.get("message"),
        )
        self.dispatch(interaction_body(payload), "application/x-www-form-urlencoded")

    def _action_for(self, block: dict[str, Any], element: dict[str, Any]) -> dict[str, Any] | None:
        base = {"action_id": element.get("action_id"), "block_id": block.get("block_id"), "type": element["type"]}
        if element["type"] == "button":
            return {**base, "value": element.get("value"), "text": element.get("text")}
        options = list(element.get("options") or [])
        if options:
            for i, option in enumerate(options, 1):
                self.write(f"  {i}. {option['text']['text']}")
            choice = self._ask_number("choose", len(options))
            if choice is None:
                return None
            return {**base, "selected_option": options[choice - 1]}
        state = element_state(element, self._ask_value(element))
        return {**base, **{k: v for k, v in state.items() if k != "type"}}

    # The shell's clock ------------------------------------------------------------
    def later(self, amount: str) -> None:
        """Move the clock on by `amount` and run the scheduler's tick at each moment
        something falls due on the way, showing what it sends as it goes.

        A tick at each due row's own time (and at least hourly, so the ticks' planning, such
        as CPD prompts after an event, sees every hour) posts each on time: one jump to the
        end would find most of them too late and skip them, as a restart would."""
        try:
            by = duration(amount, ":later")
        except (ConfigError, OverflowError):
            self.write("Say how much later: :later 1d, :later 3h or :later 30m.")
            return
        if by > MAX_LATER:
            self.write(f"At most {MAX_LATER.days} days at a time.")
            return
        # The clock moves by exactly `by`, step by step: each step adds to the offset what it moves on,
        # so the real time the ticks take is not taken off what the person asked for.
        moment = clock.now()
        target = moment + by
        self.pressables = {}
        # What is due already goes first, then each moment on the way.
        shown = self._tick_at(moment)
        while moment < target:
            step = min(target, moment + TICK_STEP)
            with self.runtime.db.reading() as session:
                step = ledger.next_due(session, after=moment, until=step) or step
            clock.set_offset(clock.offset() + (step - moment))
            moment = step
            shown += self._tick_at(step)
        nothing = "" if shown else "; nothing fell due"
        self.write(f"(the shell's time is now {self._moment(clock.now())}{self._ahead()}{nothing})")

    def _tick_at(self, moment: datetime) -> int:
        """The scheduler's tick, as `technet serve` runs it, and what it sent; how many calls."""
        mark = self.standin.mark()
        tick(self.runtime)
        self.runtime.executor.wait_idle()
        calls = self.standin.since(mark)
        if calls:
            self.write(f"🕑 {self._moment(moment)}")
        for call in calls:
            self._show_call(call)
        return len(calls)

    def _moment(self, moment: datetime) -> str:
        local = moment.astimezone(self.runtime.settings.tz)
        return f"{local:%a %-d %b %Y, %H:%M} {local.tzname()}"

    def _ahead(self) -> str:
        # Whole minutes: real time goes on while the shell waits for the next line.
        minutes = round(clock.offset().total_seconds() / 60)
        if minutes <= 0:
            return ""
        days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
        parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
        return f", {' '.join(parts) or 'under a minute'} ahead of real time"

    # Talking to the app -----------------------------------------------------------
    def dispatch(self, body: str, content_type: str, replying_to: str | None = None) -> BoltResponse:
        mark = self.standin.mark()
        response = self._signed(body, content_type)
        self.runtime.executor.wait_idle()
        self.pressables = {}
        if response.status >= 400:
            self.write(f"(the app answered HTTP {response.status})")
        self._show_response(response)
        for call in self.standin.since(mark):
            self._show_call(call)
        return response

    def _signed(self, body: str, content_type: str) -> BoltResponse:
        """The request as Slack signs it, handed to the app; nothing shown."""
        body = bolt_readable(body, content_type)
        headers = signed_headers(self.runtime.settings.signing_secret or "", body, content_type=content_type)
        return self.app.dispatch(BoltRequest(body=body, headers={**headers}))  # a copy, typed as Bolt takes it

    def _show_response(self, response: BoltResponse) -> None:
        if not response.body:
            return
        try:
            body = json.loads(response.body)
        except ValueError:
            self._print_block("bot (only visible to you)", [], fallback=response.body)
            return
        if isinstance(body, dict) and (body.get("blocks") or body.get("text")):
            self._print_block("bot (only visible to you)", body.get("blocks") or [], fallback=body.get("text", ""),
                              container={"type": "message", "is_ephemeral": True})

    def _show_call(self, call: Call) -> None:
        args = call.args
        if call.method == "response_url":
            title = "bot (only visible to you)" if args.get("response_type") != "in_channel" else "bot (in channel)"
            if args.get("replace_original") in (True, "true"):
                title += ", replacing the message above"
            if args.get("delete_original") in (True, "true"):
                self.write("(the message above was removed)")
                return
            self._print_block(title, call.blocks(), fallback=args.get("text", ""),
                              container={"type": "message", "is_ephemeral": True})
        elif call.method in ("chat.postMessage", "chat.update", "chat.postEphemeral"):
            channel = args.get("channel", "")
            verb = {"chat.postMessage": "", "chat.update": " (updated)", "chat.postEphemeral": " (only you)"}
            message_ts = args.get("ts") or self._last_ts(channel)
            container = {"type": "message", "channel_id": channel, "message_ts": message_ts,
                         "message": {"ts": message_ts, "blocks": call.blocks()}}
            self._print_block(f"bot → {self._where(channel)}{verb[call.method]}", call.blocks(),
                              fallback=args.get("text", ""), container=container)
        elif call.method in ("views.open", "views.push"):
            # The stored view carries the id Slack gave it, which a submission sends back.
            self.fill_modal(call.result.get("view") or call.view())
        elif call.method == "views.publish":
            view_id = self._view_id_for(call)
            self._print_block(f"Home tab of {self._user_name(args.get('user_id', ''))}", call.blocks(),
                              container={"type": "view", "view_id": view_id})
        elif call.method == "files.completeUploadExternal":
            files = args.get("files") or []
            for file in json.loads(files) if isinstance(files, str) else files:
                saved = self._save_file(self.standin.state.uploads.get(file.get("id"), {}))
                comment = args.get("initial_comment", "")
                self.write(f"── bot → {self._where(args.get('channel_id', ''))}: a file"
                           + (f" ({comment})" if comment else ""))
                self.write(f"saved to {saved}" if saved else "(the file was empty)")

    def _save_file(self, upload: dict[str, Any]) -> Path | None:
        """The uploaded bytes, kept under the file's own name; a later file of the same name
        gets a number rather than replacing the earlier one."""
        content: bytes = upload.get("content") or b""
        if not content:
            return None
        name = Path(str(upload.get("filename") or "file")).name or "file"
        self.files.mkdir(parents=True, exist_ok=True)
        path, n = self.files / name, 1
        while path.exists():
            n += 1
            path = self.files / f"{Path(name).stem}-{n}{Path(name).suffix}"
        path.write_bytes(content)
        return path

    def _print_block(self, title: str, blocks: list[dict[str, Any]], *, fallback: str = "",
                     container: dict[str, Any] | None = None) -> None:
        rendered: Rendered = render_blocks(blocks, container=container or {"type": "message"},
                                           first_number=len(self.pressables) + 1, user_name=self._user_name)
        self.write(f"── {title}")
        self.write(rendered.text if blocks else fallback)
        for p in rendered.pressables:
            self.pressables[p.number] = p

    # Modals -----------------------------------------------------------------------
    def fill_modal(self, view: dict[str, Any]) -> None:
        title = (view.get("title") or {}).get("text", "")
        self.write(f"┌ {title} (modal; Ctrl-D cancels)")
        answers: dict[str, Any] = {}
        errors: dict[str, str] = {}
        while True:
            self._modal = self.standin.state.views.get(view.get("id", ""), view)
            try:
                for block in view.get("blocks", []):
                    if block.get("type") != "input":
                        if block.get("type") in ("section", "context", "header"):
                            self.write(render_blocks([block], container={}).text)
                        continue
                    if errors and block["block_id"] not in errors:
                        continue
                    if block["block_id"] in errors:
                        self.write(f"  ! {errors[block['block_id']]}")
                    answers[block["block_id"]] = self._ask_value(block["element"], block)
            except EOFError:
                self.write("└ (closed without submitting)")
                return
            shown = self.standin.state.views.get(view.get("id", ""), view)
            payload = view_submission_payload(self.persona.user_id, shown, input_values(view, answers))
            response = self.dispatch(interaction_body(payload), "application/x-www-form-urlencoded")
            result = json.loads(response.body) if response.body else {}
            if result.get("response_action") == "errors":
                errors = result.get("errors", {})
                continue
            if result.get("response_action") in ("update", "push"):
                view, answers, errors = result["view"], {}, {}
                self.write(f"┌ {(view.get('title') or {}).get('text', '')}")
                if view.get("submit"):
                    continue
                # A view with no submit button only shows something: Slack cannot submit it.
                self.write(render_blocks(view.get("blocks", []), container={}).text)
            self.write("└ submitted")
            return

    def _ask_value(self, element: dict[str, Any], block: dict[str, Any] | None = None) -> Any:
        label = (block or {}).get("label", {}).get("text") or element_label(element)
        optional = " (optional, Enter to skip)" if (block or {}).get("optional") else ""
        kind = element["type"]
        initial = (element.get("initial_value") or element.get("initial_date") or element.get("initial_time")
                   or element.get("initial_user") or element.get("initial_conversation")
                   or element.get("initial_channel"))
        if kind == "multi_users_select" and element.get("initial_users"):
            # Prefilled people (everyone going, in "Record who came") are kept on Enter, by name.
            initial = ", ".join(self._user_name(u) for u in element["initial_users"])
        if kind == "datetimepicker" and element.get("initial_date_time"):
            # Slack prefills it with epoch seconds; shown and typed as a time in the network's zone.
            initial = f"{datetime.fromtimestamp(element['initial_date_time'], self.runtime.settings.tz):%Y-%m-%d %H:%M}"
        hint = {"datepicker": " [YYYY-MM-DD]", "timepicker": " [HH:MM]", "users_select": " [name]",
                "multi_users_select": " [names, comma separated]", "number_input": " [number]",
                "datetimepicker": " [YYYY-MM-DD HH:MM]"}.get(kind, "")
        default = f" (Enter keeps: {initial})" if initial else ""
        options = list(element.get("options") or [])
        if kind in ("external_select", "multi_external_select"):
            return self._ask_external(element, block or {}, f"  {label}{optional}")
        if kind in ("static_select", "radio_buttons", "checkboxes", "multi_static_select") and options:
            # A prefilled choice is kept on Enter, as a prefilled text is.
            initial_options = [element["initial_option"]] if element.get("initial_option") else \
                element.get("initial_options") or []
            kept = [o["value"] for o in initial_options]
            self.write(f"  {label}{optional}")
            for i, option in enumerate(options, 1):
                self.write(f"    {i}. {option['text']['text']}")
            keeps = f" (Enter keeps: {', '.join(str(i) for i, o in enumerate(options, 1) if o['value'] in kept)})" \
                if kept else ""
            several = "s, comma separated" if kind in ("checkboxes", "multi_static_select") else ""
            answer = self.read(f"  choose (number{several}){keeps}> ").strip()
            picked = [o["value"] for o in _numbered(options, answer)]
            if not answer:
                picked = kept
            if kind in ("checkboxes", "multi_static_select"):
                return picked
            return picked[0] if picked else None
        if kind in ("conversations_select", "channels_select"):
            return self._ask_channel(f"  {label}{optional}", initial)
        answer = self.read(f"  {label}{hint}{optional}{default}> ").strip() or initial or ""
        if kind == "users_select":
            return self._user_id_for(answer) if answer else None
        if kind == "multi_users_select":
            return [self._user_id_for(a.strip()) for a in answer.split(",") if a.strip()]
        if kind == "datetimepicker" and answer:
            try:
                return int(datetime.strptime(answer, "%Y-%m-%d %H:%M").replace(
                    tzinfo=self.runtime.settings.tz).timestamp())
            except ValueError:
                return None
        return answer

    def _ask_channel(self, title: str, initial: str | None) -> str | None:
        """A conversations select: the stand-in's channels by name (a typed id works too)."""
        channels = sorted((name, channel) for channel, name in self.standin.state.channel_names.items())
        self.write(title)
        for i, (name, channel) in enumerate(channels, 1):
            self.write(f"    {i}. #{name} ({channel})")
        kept = f" (Enter keeps: #{self.standin.state.channel_names.get(initial, initial)})" if initial else ""
        answer = self.read(f"  choose (number, #name or channel id){kept}> ").strip()
        if not answer:
            return initial
        picked = _numbered([{"value": channel} for _, channel in channels], answer)
        by_name = [channel for name, channel in channels if name == answer.lstrip("#").lower()]
        return picked[0]["value"] if picked else by_name[0] if by_name else answer

    def _ask_external(self, element: dict[str, Any], block: dict[str, Any], title: str) -> Any:
        """An external select: what is typed goes to the app (block_suggestion), then pick from its options."""
        multi = element["type"] == "multi_external_select"
        chosen = list(element.get("initial_options") or []) if multi else \
            [element["initial_option"]] if element.get("initial_option") else []
        self.write(title)
        while True:
            current = ", ".join(o["text"]["text"] for o in chosen) or "nothing yet"
            typed = self.read(f"  now: {current}. Type to search, Enter when done, - to clear> ").strip()
            if not typed:
                return chosen if multi else (chosen[0] if chosen else None)
            if typed == "-":
                chosen = []
                continue
            options = self._suggest(element, block, typed)
            if not options:
                self.write("    (nothing matches)")
                continue
            for i, option in enumerate(options, 1):
                self.write(f"    {i}. {option['text']['text']}")
            answer = self.read("  choose (number" + ("s, comma separated" if multi else "") + ")> ")
            picked = _numbered(options, answer)
            if not multi and picked:
                chosen = picked[:1]
            values = {o["value"] for o in chosen}
            chosen += [o for o in picked if multi and o["value"] not in values]

    def _suggest(self, element: dict[str, Any], block: dict[str, Any], typed: str) -> list[dict[str, Any]]:
        payload = block_suggestion_payload(self.persona.user_id, action_id=element["action_id"],
                                           block_id=block.get("block_id", ""), value=typed,
                                           view=self._modal)
        response = self._signed(interaction_body(payload), "application/x-www-form-urlencoded")
        if response.status != 200 or not response.body:
            return []
        answer = json.loads(response.body)
        options = list(answer.get("options") or [])
        for group in answer.get("option_groups") or []:
            options += group.get("options") or []
        return options

    def _ask_number(self, prompt: str, highest: int) -> int | None:
        answer = self.read(f"  {prompt} (1-{highest})> ").strip()
        return int(answer) if answer.isascii() and answer.isdigit() and 1 <= int(answer) <= highest else None

    # Names ------------------------------------------------------------------------
    def _user_name(self, user_id: str) -> str:
        user = self.standin.state.users.get(user_id)
        return user["real_name"] if user else user_id

    def _user_id_for(self, name: str) -> str:
        wanted = name.lower().lstrip("@")
        for user_id, user in self.standin.state.users.items():
            if wanted in (user_id.lower(), user["real_name"].lower(), user["name"].lower()) or \
                    user["real_name"].lower().startswith(wanted):
                return user_id
        return name

    def _where(self, channel: str) -> str:
        if channel == self.runtime.settings.network_channel:
            return f"#{NETWORK_CHANNEL_NAME} (network channel)"
        if channel.startswith("D"):
            return f"DM to {self._user_name('U' + channel[1:])}"
        if channel.startswith(("U", "W")):
            # chat.postMessage to a user id lands in the DM with them.
            return f"DM to {self._user_name(channel)}"
        if channel.startswith("G"):
            people = [self._user_name(u) for u in self.standin.state.group_dms.get(channel, ()) if u != BOT_USER_ID]
            return f"group DM with {', '.join(people)}" if people else "group DM"
        return f"#{channel}"

    def _last_ts(self, channel: str) -> str | None:
        stamps = [ts for (ch, ts) in self.standin.state.messages if ch == channel]
        return max(stamps) if stamps else None

    def _view_id_for(self, call: Call) -> str:
        home = self.standin.state.home.get(call.args.get("user_id", ""))
        return home["id"] if home else ""


SHELL_CHANNEL = "C0TECHNETS"
NETWORK_CHANNEL_NAME = "technicians"


def shell_settings(settings: Settings, role: Role, *, api_url: str) -> tuple[Settings, Persona]:
    """The configured settings, pointed at the stand-in, with the chosen persona's role."""
    persona = persona_for(role)
    return replace(
        settings,
        bot_token="xoxb-technet-shell",
        slack_api_url=api_url,
        signing_secret=secrets.token_hex(16),
        network_channel=settings.network_channel or SHELL_CHANNEL,
        organisers=settings.organisers | {persona_for(Role.ORGANISER).user_id},
        awards_panel=settings.awards_panel | {persona_for(Role.PANEL).user_id},
    ), persona


def stand_in_workspace(standin: SlackStandIn, settings: Settings) -> None:
    for persona in PERSONAS:
        standin.state.users[persona.user_id] = slack_user(persona)
    if settings.network_channel:
        standin.add_channel(settings.network_channel, name=NETWORK_CHANNEL_NAME)


def _numbered(options: list[dict[str, Any]], answer: str) -> list[dict[str, Any]]:
    """The options that comma-separated numbers pick (1 is the first); other input is ignored."""
    return [options[int(a) - 1] for a in answer.replace(" ", "").split(",")
            if a.isascii() and a.isdigit() and 0 < int(a) <= len(options)]
