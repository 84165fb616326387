"""`technet teams package`: the Teams app package, as the command writes it."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import zipfile

import content
from bot.runtime import Runtime
from core.request import Kind
from core.settings import Settings
from tests.harness import TECHNET

APP_ID = "00000000-0000-4000-8000-00000000a991"


def test_the_package_holds_the_manifest_the_bot_its_commands_the_message_action_and_two_icons(tmp_path):
    out = tmp_path / "technet-teams.zip"
    env = {**os.environ, "TEAMS_APP_ID": APP_ID, "TEAMS_APP_PASSWORD": "s", "TECHNET_ENV_FILE": str(tmp_path / "none")}
    done = subprocess.run([TECHNET, "teams", "package", "--out", str(out), "--website", "https://technet.example.ac.uk"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        sizes = {name: struct.unpack(">II", archive.read(name)[16:24]) for name in ("color.png", "outline.png")}
    assert sizes == {"color.png": (192, 192), "outline.png": (32, 32)}
    assert manifest["manifestVersion"] == "1.29" and manifest["id"] == APP_ID
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    commands = bot["commandLists"][0]["commands"]
    assert 0 < len(commands) <= 10 and commands[0]["title"] == "help"
    # The command list matches the help and the route table: each is a command technet answers.
    runtime = Runtime.build(Settings(database_url=f"sqlite:///{tmp_path}/t.db"))
    try:
        import handlers

        handlers.register_all(runtime)
        help_words = {c.subcommand for c in content.load().commands}
        for command in commands:
            word = command["title"].split()[0]
            assert word in help_words and word in runtime.subcommands.names, word
        [action] = manifest["composeExtensions"][0]["commands"]
        assert action["type"] == "action" and action["context"] == ["message"]
        assert runtime.routes.find(Kind.SHORTCUT, action["id"]) is not None
    finally:
        runtime.close()


def test_the_package_needs_the_app_id(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEAMS_")}
    env["TECHNET_ENV_FILE"] = str(tmp_path / "none")
    done = subprocess.run([TECHNET, "teams", "package", "--website", "https://x.example"], env=env,
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 2 and "TEAMS_APP_ID is not set" in done.stderr
