"""`invitebot teams package`: a zip Teams accepts (manifest v1.29 valid, icons of the right sizes)."""

from __future__ import annotations

import io
import json
import tomllib
import zipfile
from fnmatch import fnmatch
from pathlib import Path

import jsonschema
import pytest
from PIL import Image
from typer.testing import CliRunner

from bot.teams.package import ICONS, MENU_COMMANDS, PackageError, build_manifest, write_package
from entrypoints.cli.teams import app
from core.config import Settings

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = json.loads((ROOT / "tests" / "contracts" / "teams-manifest.schema.json").read_text())
BOT_ID = "6f1a2b3c-1234-4abc-9def-0123456789ab"


def _settings(tmp_path, **env) -> Settings:
    env = {"PUBLIC_URL": "https://invitebot.example", "MicrosoftAppId": BOT_ID, **env}
    return Settings(VAR_DIR=tmp_path, _env_file=None, **env)


def test_the_package_holds_a_valid_manifest_and_both_icons(tmp_path):
    path = write_package(_settings(tmp_path), tmp_path / "app.zip")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["color.png", "fr-fr.json", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        french = json.loads(archive.read("fr-fr.json"))
        color = Image.open(io.BytesIO(archive.read(manifest["icons"]["color"])))
        outline = Image.open(io.BytesIO(archive.read(manifest["icons"]["outline"]))).convert("RGBA")
    jsonschema.Draft4Validator(SCHEMA).validate(manifest)
    assert manifest["manifestVersion"] == "1.29"
    # In French too: the menu offers the French words, which the bot reads
    assert manifest["localizationInfo"]["additionalLanguages"] == [{"languageTag": "fr-fr", "file": "fr-fr.json"}]
    assert french["bots[0].commandLists[0].commands[1].title"] == "créer"
    assert french["description.short"].startswith("Lancez") and len(french["description.short"]) <= 80
    assert {k.split(".")[0] for k in french} <= {"$schema", "name", "description", "bots[0]"}
    assert color.format == "PNG" and color.size == (192, 192)
    assert outline.size == (32, 32)
    pixels = list(outline.getdata())
    # Outline: white strokes on a transparent background, nothing else.
    assert {p[:3] for p in pixels if p[3] > 0} == {(255, 255, 255)}
    assert any(p[3] == 0 for p in pixels)


def test_the_icons_ship_as_package_data():
    """They are files of bot.teams, not drawn at packaging time: an installed package must hold them."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["*"]
    for icon in ICONS:
        assert (ROOT / "bot" / "teams" / icon).is_file()
        assert any(fnmatch(icon, pattern) for pattern in patterns)


def test_the_bot_offers_every_command_in_personal_and_team_scopes(tmp_path):
    manifest = build_manifest(_settings(tmp_path))
    [bot] = manifest["bots"]
    assert bot["botId"] == BOT_ID
    assert set(bot["scopes"]) == {"personal", "team"}
    for command_list in bot["commandLists"]:
        assert [c["title"] for c in command_list["commands"]] == list(MENU_COMMANDS)
    assert {tuple(c["scopes"]) for c in bot["commandLists"]} == {("personal",), ("team",)}


def test_the_same_bot_always_gives_the_same_teams_app_id(tmp_path):
    first = build_manifest(_settings(tmp_path))
    again = build_manifest(_settings(tmp_path), version="1.0.1")
    assert first["id"] == again["id"] and again["version"] == "1.0.1"
    other = build_manifest(_settings(tmp_path), bot_id="00000000-0000-4000-8000-000000000001")
    assert other["id"] != first["id"]


@pytest.mark.parametrize("env,expected", [
    ({"MicrosoftAppId": None}, "MicrosoftAppId"),
    ({"MicrosoftAppId": "not-a-guid"}, "GUID"),
    ({"PUBLIC_URL": "http://localhost:3000"}, "https"),
])
def test_settings_that_cannot_make_a_package_are_explained(tmp_path, env, expected):
    with pytest.raises(PackageError, match=expected):
        build_manifest(_settings(tmp_path, **env))


def test_the_command_writes_the_zip_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MicrosoftAppId", BOT_ID)
    monkeypatch.setenv("PUBLIC_URL", "https://bot.example")
    result = CliRunner().invoke(app, ["package", "--output", str(tmp_path / "out" / "teams.zip")])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(tmp_path / "out" / "teams.zip") as archive:
        assert json.loads(archive.read("manifest.json"))["validDomains"] == ["bot.example"]


def test_the_command_refuses_without_a_bot_id(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MicrosoftAppId", raising=False)
    monkeypatch.delenv("MICROSOFT_APP_ID", raising=False)
    result = CliRunner().invoke(app, ["package", "--output", str(tmp_path / "teams.zip")])
    assert result.exit_code == 1
    assert "MicrosoftAppId" in result.output
    assert not (tmp_path / "teams.zip").exists()


def test_with_default_settings_every_missing_setting_is_named_at_once(tmp_path, monkeypatch):
    """A first `invitebot teams package` says everything to set, not one setting per attempt."""
    monkeypatch.chdir(tmp_path)
    for name in ("MicrosoftAppId", "MICROSOFT_APP_ID", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(app, ["package", "--output", str(tmp_path / "teams.zip")])
    assert result.exit_code == 1
    assert "MicrosoftAppId" in result.output and "PUBLIC_URL" in result.output
    assert not (tmp_path / "teams.zip").exists()
