"""Files shipped in ui/static (the widget, the chat page's CSS and script), read once."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def static_text(name: str) -> str:
    """A file of ui/static, as text."""
    return resources.files("ui").joinpath("static", name).read_text(encoding="utf-8")
