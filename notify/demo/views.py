"""The demo mail catcher's inbox, readable in the browser (registered in demo mode only)."""

from __future__ import annotations

from flask import Blueprint, render_template

from notify.bootstrap import services
from notify.demo.mailcatcher import read_messages

bp = Blueprint("demo", __name__, url_prefix="/demo")


@bp.route("/courriels")
def inbox():
    messages = read_messages(services().settings.mail_catcher_path)
    return render_template("demo/inbox.html", messages=messages)
