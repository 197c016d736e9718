"""Prompt templates (Jinja2 `*.j2` files) rendered by `assistant.prompts.render`."""
