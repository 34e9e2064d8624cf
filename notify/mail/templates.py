"""Rendering a message from its template and arguments, with no Flask context.

The sending job renders each message when it sends it (``templates/mail/<name>.txt``
and ``.html``); the operations that queue mail only store the name and the arguments.
A missing argument is an error (``StrictUndefined``), which fails that one message.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates"


@cache
def _environment() -> Environment:
    # Compiled once per process: no check of the files' dates at each message.
    return Environment(loader=FileSystemLoader(TEMPLATES),
                       autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                       keep_trailing_newline=True, auto_reload=False)


@cache
def _templates(template: str) -> tuple[Template, Template]:
    env = _environment()
    return env.get_template(f"mail/{template}.txt"), env.get_template(f"mail/{template}.html")


def render_bodies(template: str, arguments: dict[str, Any]) -> tuple[str, str]:
    """The text and HTML bodies of ``template`` with ``arguments``."""
    text, html = _templates(template)
    return text.render(**arguments), html.render(**arguments)
