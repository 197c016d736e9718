"""Servers for the security suite: `reviewqa serve` over an index of corpus/, driven from
outside as an attacker would (raw HTTP, Gradio's own protocol, a real browser)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.ingest import ingest
from index.settings import Settings
from tests.conftest import CORPUS
from tests.support.servers import served

ADMIN_TOKEN = "s3cret-admin-token-for-tests"
SECRET = "SECRET LINE: this server file must never be quoted"


@pytest.fixture(scope="module")
def corpus_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding the 26 reviews of corpus/."""
    settings = Settings(home=tmp_path_factory.mktemp("security") / "home")
    assert ingest([CORPUS], settings).added == 26
    return settings.home


@pytest.fixture(scope="module")
def secret_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file on the server's disk that no client may get ingested or read."""
    path = tmp_path_factory.mktemp("private") / "secret.txt"
    path.write_text(f"# film: Her (2013)\n{SECRET} one.\n{SECRET} two.\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def default_server(
    corpus_home: Path, tmp_path_factory: pytest.TempPathFactory, model_cache: Path
) -> Iterator[str]:
    """`reviewqa serve` with no settings at all: what `make demo` runs."""
    env = {"REVIEWQA_MODEL_CACHE": str(model_cache)}
    with served(corpus_home, tmp_path_factory.mktemp("default-logs"), env) as (url, _):
        yield url


@pytest.fixture(scope="module")
def admin_server(
    tmp_path_factory: pytest.TempPathFactory, model_cache: Path
) -> Iterator[tuple[str, Path]]:
    """A server with UI ingest on behind the admin token and small upload caps; the client IP
    is taken from X-Forwarded-For so that each test can be its own client. Its own home."""
    settings = Settings(home=tmp_path_factory.mktemp("admin") / "home")
    assert ingest([CORPUS], settings).added == 26
    env = {
        "REVIEWQA_MODEL_CACHE": str(model_cache),
        "REVIEWQA_UI_INGEST": "true",
        "REVIEWQA_ADMIN_TOKEN": ADMIN_TOKEN,
        "REVIEWQA_MAX_UPLOAD_BYTES": "1200000",
        "REVIEWQA_MAX_UPLOAD_EXPANDED_BYTES": "2000000",
        "REVIEWQA_TRUST_FORWARDED_FOR": "true",
    }
    with served(settings.home, tmp_path_factory.mktemp("admin-logs"), env) as (url, _):
        yield url, settings.home
