"""Prompt templates from `prompts/*.j2`, rendered strictly; untrusted review text made inert."""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources
from typing import Any

import jinja2

__all__ = ["render", "sanitize_source_attr", "sanitize_source_text"]

# `<` that opens something tag-like: `<source`, `</source`, `< /source`, `< source`,
# `<|eot_id|>`, `<!--`, also spelled as an HTML entity a model may read as `<`.
# A `<` before a space and an ordinary word ("a < b") is left alone.
_TAG_OPEN = re.compile(
    r"(?:<|&lt;|&#0*60;|&#x0*3c;)(?=[/!?|a-z]|\s*[/|]|\s*source\b)", re.IGNORECASE
)
LOOK_ALIKE = "\u2039"  # ‹ : reads like `<`, never closes or opens a delimiter


def sanitize_source_text(text: str) -> str:
    """Review text made unable to close its `<source>` delimiter, fake one, or open any tag.

    Every tag-like `<` becomes `‹` (one character for one, so offsets into the passage hold
    when the text held no HTML entities); other text is unchanged.
    """
    return _TAG_OPEN.sub(LOOK_ALIKE, text)


def sanitize_source_attr(value: object) -> str:
    """A value for a double-quoted attribute of `<source ...>`: one line, no quote, no tag."""
    text = " ".join(str(value).split())
    return sanitize_source_text(text).replace('"', "'").replace(">", "\u203a")


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["source_text"] = sanitize_source_text
    env.filters["source_attr"] = sanitize_source_attr
    return env


@cache
def _template(name: str) -> jinja2.Template:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"bad prompt name {name!r}: use the file stem, e.g. 'system'")
    resource = resources.files("prompts").joinpath(f"{name}.j2")
    if not resource.is_file():
        raise FileNotFoundError(f"no prompt template prompts/{name}.j2")
    return _environment().from_string(resource.read_text(encoding="utf-8"))


def render(name: str, **values: Any) -> str:
    """`prompts/<name>.j2` rendered with `values`; a variable the template uses but lacks raises."""
    return _template(name).render(**values).strip()
