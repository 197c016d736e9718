"""Writes over HTTP: the admin token, the checks on uploaded files, `POST /api/admin/ingest`.

Every write needs `REVIEWQA_ADMIN_TOKEN`, except the UI's "Add reviews" on a server that
listens on loopback only with no token set (a local demo). A file to ingest is always bytes the
client sent: the HTTP endpoint takes them as the request body, and the UI accepts a path only
when it lies in Gradio's upload folder. A client never names a path on the server.
"""

from __future__ import annotations

import hmac
import re
import shutil
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from assistant.service import Assistant
from index.errors import ConfigError
from index.ingest import IngestReport
from index.loaders.source import suffix_of, supported_list
from ui.scratch import Scratch
from ui.server_settings import ServerSettings, is_loopback, trusted_hosts

INGEST_PATH = "/api/admin/ingest"
TOKEN_HEADER = "authorization"
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,119}$")


class WriteRefused(Exception):
    """A write the server refuses: `status` and a message that says what to do."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def loopback_only(settings: ServerSettings) -> bool:
    """Does the server answer on loopback names only?"""
    hosts = trusted_hosts(settings)
    return "*" not in hosts and all(is_loopback(h) for h in hosts)


def check_exposure(settings: ServerSettings) -> None:
    """Refuse settings that would let strangers write: UI ingest off loopback needs a token."""
    trusted_hosts(settings)  # a listen-everywhere server must name its hosts
    if settings.ui_ingest and settings.admin_token is None and not loopback_only(settings):
        raise ConfigError(
            "REVIEWQA_UI_INGEST=true on a server reachable beyond loopback lets anyone write "
            "into the index: set REVIEWQA_ADMIN_TOKEN (python -c 'import secrets; "
            "print(secrets.token_urlsafe(32))'), or turn UI ingest off"
        )


def check_token(settings: ServerSettings, presented: str | None, *, ui: bool = False) -> None:
    """Raise WriteRefused unless `presented` is the admin token (constant-time compare).

    With no token configured, HTTP ingest is off; UI ingest (`ui=True`) is then allowed only
    because `check_exposure` has made sure the server is loopback-only.
    """
    if settings.admin_token is None:
        if ui and settings.ui_ingest and loopback_only(settings):
            return
        raise WriteRefused(403, "ingest over HTTP is off: set REVIEWQA_ADMIN_TOKEN to turn it on")
    expected = settings.admin_token.get_secret_value().encode()
    given = (presented or "").strip().removeprefix("Bearer ").strip().encode()
    if not given or not hmac.compare_digest(given, expected):
        raise WriteRefused(
            401, "the admin token is missing or wrong: send it as 'Authorization: Bearer TOKEN'"
        )


def uploaded_file(path: str | Path, upload_root: str | Path, max_bytes: int) -> Path:
    """The file Gradio received, if `path` really lies in its upload folder and is in bounds.

    The path comes from the client's request, so it is resolved (symlinks and `..` followed)
    before it is compared with the upload folder.
    """
    resolved = Path(path).resolve()
    root = Path(upload_root).resolve()
    if not resolved.is_relative_to(root) or resolved == root:
        raise WriteRefused(403, "that file was not uploaded here: choose a file to upload")
    if not resolved.is_file():
        raise WriteRefused(404, "the uploaded file is gone: upload it again")
    size = resolved.stat().st_size
    if size > max_bytes:
        raise WriteRefused(
            413, f"the file is {size} bytes; the limit is {max_bytes} (REVIEWQA_MAX_UPLOAD_BYTES)"
        )
    return resolved


def safe_name(name: str) -> str:
    """A client's file name, accepted only as a plain name with a supported suffix."""
    name = name.strip()
    if not SAFE_NAME.match(name) or ".." in name:
        raise WriteRefused(
            422,
            f"name {name!r} is not a plain file name: use letters, digits, spaces, . _ - ( ) "
            "and a suffix such as reviews.csv",
        )
    if suffix_of(Path(name)) is None:
        raise WriteRefused(422, f"name {name!r}: supported suffixes are {supported_list()}")
    return name


def ingest_upload(
    assistant: Assistant,
    source: Path,
    name: str,
    settings: ServerSettings,
    scratch: Scratch,
    film: str | None = None,
) -> IngestReport:
    """Ingest one uploaded file under its client-given `name` (a name, never a path), from a
    private copy that is removed afterwards."""
    folder = scratch.folder("uploads", uuid.uuid4().hex)
    target = folder / safe_name(name)
    try:
        shutil.copyfile(source, target)
        report = assistant.ingest(
            [target],
            film=film,
            max_decompressed_bytes=settings.max_upload_expanded_bytes,
            limit_name="REVIEWQA_MAX_UPLOAD_EXPANDED_BYTES",
            source_names={target: f"upload:{target.name}"},  # uploading it again syncs it
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for file in report.files:  # the client's name, not the private copy's path
        if file.error:
            file.error = file.error.replace(str(target), file.path.name)
        file.problems = [replace(p, source=file.path.name) for p in file.problems]
        file.path = Path(file.path.name)
    return report


def report_json(report: IngestReport) -> dict[str, Any]:
    """An ingest report as JSON: totals and, per file, its counts and problems (first 50)."""
    return {
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped": report.skipped,
        "removed": report.removed,
        "failed": report.failed,
        "seconds": round(report.seconds, 3),
        "files": [
            {
                "name": f.path.name,
                "reviews": f.reviews,
                "added": f.added,
                "updated": f.updated,
                "unchanged": f.unchanged,
                "skipped": len(f.problems),
                "problems": [str(p) for p in f.problems[:50]],
                "notes": f.notes,
                "error": f.error,
            }
            for f in report.files
        ],
    }


def build_admin_router(
    assistant: Assistant, settings: ServerSettings, scratch: Scratch
) -> APIRouter:
    """`POST /api/admin/ingest`: the request body is one review file, the token a header."""
    router = APIRouter(tags=["admin"])

    @router.post(
        INGEST_PATH,
        summary="Ingest one review file (the body); needs the admin token",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        },
    )
    async def admin_ingest(
        request: Request,
        name: str = Query(description="The file's name with its suffix, e.g. reviews.csv"),
        film: str | None = Query(None, max_length=300, description="Film of every review"),
    ) -> dict[str, Any]:
        check_token(settings, request.headers.get(TOKEN_HEADER))
        name = safe_name(name)
        body = await request.body()  # BodyLimit has capped it at REVIEWQA_MAX_UPLOAD_BYTES
        if not body.strip():
            raise WriteRefused(422, "the request body is empty: send the file's bytes")
        folder = scratch.folder("uploads", uuid.uuid4().hex)
        try:
            source = folder / "body"
            source.write_bytes(body)
            report = await run_in_threadpool(
                ingest_upload, assistant, source, name, settings, scratch, film
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return report_json(report)

    return router
