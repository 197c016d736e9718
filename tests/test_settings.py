"""The one settings object: defaults < reviewqa.toml < env vars < arguments, for a data field
and a server field alike; errors name the file and the key, never a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.errors import ConfigError
from index.settings import Settings
from ui.server_settings import ServerSettings
from ui.settings import AppSettings, load_server_settings, load_settings

TOML = "top_k = 5\n[server]\nrate_ip_burst = 3\n"


def refused(toml: str) -> str:
    Path("reviewqa.toml").write_text(toml)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    return str(raised.value)


def test_defaults_then_file_then_env_then_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    loaded = load_settings()
    assert (loaded.top_k, loaded.server.rate_ip_burst) == (8, 20)
    Path("reviewqa.toml").write_text(TOML)
    loaded = load_settings()
    assert (loaded.top_k, loaded.server.rate_ip_burst) == (5, 3)
    monkeypatch.setenv("REVIEWQA_TOP_K", "6")
    monkeypatch.setenv("REVIEWQA_RATE_IP_BURST", "4")  # flat, not REVIEWQA_SERVER__...
    loaded = load_settings()
    assert (loaded.top_k, loaded.server.rate_ip_burst) == (6, 4)
    loaded = load_settings(top_k=7, server={"rate_ip_burst": 9})
    assert (loaded.top_k, loaded.server.rate_ip_burst) == (7, 9)
    assert load_server_settings(rate_ip_burst=9, rate_key_burst=None).rate_ip_burst == 9
    assert load_settings(top_k=None).top_k == 6  # an option left unset changes nothing


def test_one_object_serves_every_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "site.toml"
    config.write_text(TOML)
    monkeypatch.setenv("REVIEWQA_CONFIG", str(config))
    loaded = load_settings()
    assert isinstance(loaded, AppSettings) and isinstance(loaded, Settings)
    assert loaded.server.rate_ip_burst == 3 and load_server_settings().rate_ip_burst == 3


def test_server_and_data_fields_share_no_name() -> None:
    assert not set(ServerSettings.model_fields) & set(Settings.model_fields)  # one env namespace


def test_a_bad_value_in_the_file_names_the_file_and_the_key() -> None:
    message = refused('top_k = "many"\n[server]\nrate_ip_burst = "a few"\n')
    assert "reviewqa.toml: top_k: Input should be a valid integer" in message
    assert "reviewqa.toml: [server] rate_ip_burst: Input should be a valid integer" in message
    assert "many" not in message and "a few" not in message


def test_an_env_var_is_named_as_such_even_when_the_file_has_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REVIEWQA_RATE_IP_BURST", "0")
    assert refused(TOML) == (
        "invalid settings: REVIEWQA_RATE_IP_BURST: Input should be greater than or equal to 1"
    )


def test_unknown_keys_in_the_file_are_refused_by_name() -> None:
    message = refused("topk = 5\nadmin_token = 'x'\n[server]\nrate_ip_bust = 3\n[sever]\na = 1\n")
    assert message == (
        "invalid settings: "
        "reviewqa.toml: [server] rate_ip_bust: not a setting of reviewqa: check its spelling "
        "(README, Configuration); "
        "reviewqa.toml: topk: not a setting of reviewqa: check its spelling "
        "(README, Configuration); "
        "reviewqa.toml: admin_token: not a top-level setting: it belongs in the [server] table; "
        "reviewqa.toml: [sever]: not a setting of reviewqa: check its spelling "
        "(README, Configuration)"
    )


def test_a_file_that_is_not_toml_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    assert refused("chunk_size = [\n").startswith("reviewqa.toml: cannot read it as TOML (")
    monkeypatch.setenv("REVIEWQA_CONFIG", "absent.toml")
    with pytest.raises(ConfigError, match=r"^REVIEWQA_CONFIG=absent.toml: no such file$"):
        load_settings()


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ('[server]\nadmin_token = "hunter2-secret"\n', "[server] admin_token"),
        ('[server]\nmcp_keys = ["hunter2-secret"]\n', "[server] mcp_keys"),
        ("[server]\nchat_users = 'hunter2-secret'\n", "[server] chat_users"),
    ],
)
def test_a_bad_secret_in_the_file_is_named_never_echoed(toml: str, named: str) -> None:
    message = refused(toml)
    assert f"reviewqa.toml: {named}: " in message
    assert "hunter2" not in message


def test_a_bad_secret_in_the_env_is_named_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REVIEWQA_MCP_KEYS", '["hunter2-secret"]')
    with pytest.raises(ConfigError) as raised:
        load_server_settings()
    message = str(raised.value)
    assert message.startswith("invalid settings: REVIEWQA_MCP_KEYS: Value error, an MCP key")
    assert "hunter2" not in message
