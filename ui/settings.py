"""The one settings object of reviewqa: the data and engine knobs plus the `server` section.

Precedence: defaults < reviewqa.toml (or the file $REVIEWQA_CONFIG names) < REVIEWQA_* env
vars < arguments (command-line options). In the file, data and engine knobs are top-level keys
and the server's are the `[server]` table; env vars are flat for both (REVIEWQA_TOP_K,
REVIEWQA_ADMIN_TOKEN). An invalid value is named where it came from, never echoed (a secret
must not reach a log): `reviewqa.toml: [server] rate_ip_burst: Input should be a valid integer`.

Nothing is read at import time: call `load_settings()`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, cast

from pydantic import Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsError,
    TomlConfigSettingsSource,
)

from index.errors import ConfigError
from index.settings import ENV_PREFIX, Settings
from ui.server_settings import ServerSettings

CONFIG_FILE_ENV = "REVIEWQA_CONFIG"
SECTION = "server"


class AppSettings(Settings):
    """Every knob of reviewqa; index/ and assistant/ see it as their `Settings`."""

    server: ServerSettings = Field(
        default_factory=ServerSettings,
        description="The HTTP server's knobs: the [server] table of reviewqa.toml; their env "
        "vars keep flat names (REVIEWQA_ADMIN_TOKEN).",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, ServerEnv(), toml)


class ServerEnv(EnvSettingsSource):
    """The `server` section's env vars by their flat names: REVIEWQA_ADMIN_TOKEN."""

    def __init__(self) -> None:
        # pydantic-settings reads only a class's fields and config, which a section model has
        super().__init__(cast("type[BaseSettings]", ServerSettings), env_prefix=ENV_PREFIX)

    def __call__(self) -> dict[str, Any]:
        found = super().__call__()
        return {SECTION: found} if found else {}


def config_file() -> Path | None:
    """The reviewqa.toml in force: $REVIEWQA_CONFIG, else ./reviewqa.toml when present."""
    explicit = os.environ.get(CONFIG_FILE_ENV)
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"{CONFIG_FILE_ENV}={explicit}: no such file")
        return path
    default = Path("reviewqa.toml")
    return default if default.is_file() else None


def load_settings(**overrides: Any) -> AppSettings:
    """The settings from defaults, reviewqa.toml, env vars and `overrides` (highest; None
    values are left out, so unset command-line options change nothing)."""
    values = {k: v for k, v in overrides.items() if v is not None}
    if "ollama_host" not in values and f"{ENV_PREFIX}OLLAMA_HOST" not in os.environ:
        host = os.environ.get("OLLAMA_HOST")
        if host:
            values["ollama_host"] = host if "://" in host else f"http://{host}"
    try:
        return AppSettings(**values)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{config_file()}: cannot read it as TOML ({exc}): fix the file") from exc
    except ValidationError as exc:
        raise ConfigError(f"invalid settings: {describe_invalid(exc, values)}") from None
    except SettingsError as exc:  # a list or table env var that is not JSON
        raise ConfigError(
            f'invalid settings: {exc}: write it as JSON, e.g. \'["a", "b"]\' or '
            '\'{"name": "value"}\''
        ) from None


def load_server_settings(**overrides: Any) -> ServerSettings:
    """The `server` section of `load_settings()`, `overrides` applied to it."""
    section = {k: v for k, v in overrides.items() if v is not None}
    return load_settings(server=section).server


def describe_invalid(exc: ValidationError, given: dict[str, Any]) -> str:
    """The problems of invalid settings, one per setting, each named where its value came from
    (reviewqa.toml and its key, else the env var); never the values (a secret must not be
    printed in the error)."""
    path = config_file()
    in_file = TomlConfigSettingsSource(AppSettings, toml_file=path).toml_data if path else {}
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        names = [part for part in error["loc"] if isinstance(part, str)]
        if not names:
            problems.append(f"settings: {error['msg']}")
            continue
        section = names[0] if names[0] == SECTION and len(names) > 1 else None
        key = names[1] if section else names[0]
        message = error["msg"]
        if error["type"] == "extra_forbidden":
            message = _unknown(key, section)
        problems.append(f"{_origin(key, section, given, path, in_file)}: {message}")
    return "; ".join(problems)


def _origin(
    key: str,
    section: str | None,
    given: dict[str, Any],
    path: Path | None,
    in_file: dict[str, Any],
) -> str:
    """Where the value of `key` came from: the file and its key, or else its env var name."""
    env = f"{ENV_PREFIX}{key.upper()}"
    arguments = given.get(section, {}) if section else given
    table = in_file.get(section, {}) if section else in_file
    from_env = any(name.upper() == env for name in os.environ)
    if path is None or key in arguments or from_env or key not in table:
        return env
    if section:
        return f"{path}: [{section}] {key}"
    return f"{path}: [{key}]" if isinstance(table[key], dict) else f"{path}: {key}"


def _unknown(key: str, section: str | None) -> str:
    if section is None and key in ServerSettings.model_fields:
        return f"not a top-level setting: it belongs in the [{SECTION}] table"
    return "not a setting of reviewqa: check its spelling (README, Configuration)"
