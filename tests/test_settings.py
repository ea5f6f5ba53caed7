"""Settings from the environment: defaults, parsing, and errors that name the variable."""

from __future__ import annotations

import pytest

from bot.runtime.platform import BALE, profile_for
from bot.runtime.settings import Platform, SettingsError, load_settings


def test_defaults_run_the_demo_on_telegram():
    settings = load_settings()
    assert not settings.has_token
    assert settings.platform is Platform.TELEGRAM
    assert str(settings.database).startswith("data/")
    assert profile_for(settings).base_url == "https://api.telegram.org/bot"


def test_environment_is_read(monkeypatch):
    monkeypatch.setenv("ABFA_TOKEN", "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    monkeypatch.setenv("ABFA_PLATFORM", "bale")
    monkeypatch.setenv("ABFA_OPERATORS", "11, 22;33")
    settings = load_settings()
    assert settings.has_token and settings.operators == {11, 22, 33}
    assert settings.is_operator(22) and not settings.is_operator(44)
    profile = profile_for(settings)
    assert profile.base_url == "https://tapi.bale.ai/bot"
    assert profile.base_file_url == "https://tapi.bale.ai/file/bot"
    assert not profile.webhook_secret_header and not profile.edit_inline_messages
    assert profile.messages_per_second == BALE.messages_per_second


def test_dotenv_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("ABFA_PLATFORM=bale\nABFA_LOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.platform is Platform.BALE and settings.log_level == "DEBUG"


def test_base_url_override_for_a_local_bot_api(monkeypatch):
    monkeypatch.setenv("ABFA_BASE_URL", "http://127.0.0.1:8081/bot")
    assert profile_for(load_settings()).base_url == "http://127.0.0.1:8081/bot"


@pytest.mark.parametrize(("variable", "value"), [
    ("ABFA_PLATFORM", "whatsapp"),
    ("ABFA_WEBHOOK_PORT", "http"),
    ("ABFA_WEBHOOK_PORT", "70000"),
    ("ABFA_OPERATORS", "12,abc"),
    ("ABFA_LOG_LEVEL", "LOUD"),
    ("ABFA_BASE_URL", "tapi.bale.ai/bot"),
    ("ABFA_WEBHOOK_URL", "http://example.org/hook"),
    ("ABFA_MAX_DOCUMENT_MB", "0"),
])
def test_a_wrong_value_names_its_variable(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert variable in str(caught.value)


def test_the_token_is_never_shown_in_errors(monkeypatch):
    monkeypatch.setenv("ABFA_TOKEN", "123456:SECRETSECRETSECRETSECRET")
    monkeypatch.setenv("ABFA_PLATFORM", "nope")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "SECRET" not in str(caught.value)
    monkeypatch.delenv("ABFA_PLATFORM")
    assert "SECRET" not in repr(load_settings())


def test_database_is_a_sqlite_file_or_a_postgresql_url(monkeypatch):
    from pathlib import Path

    from bot.runtime.cli import build_parser
    from bot.store import store_for

    url = "postgresql://abfa:s3cret@db.example:5432/abfa"
    monkeypatch.setenv("ABFA_DATABASE", url)
    settings = load_settings()
    assert settings.database == url  # not mangled into a path
    store = store_for(settings.database)
    assert store.engine == "postgresql"
    assert store.name == "postgresql://abfa:***@db.example:5432/abfa"
    assert store_for(load_settings(database=Path("data/x.sqlite3")).database).engine == "sqlite"
    args = build_parser().parse_args(["demo-data", "--database", url])
    assert args.database == url  # the command line keeps it a URL too
