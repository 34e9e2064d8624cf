"""Demo mode only: the local mail catcher and the demo data."""


def init_app(app) -> None:
    """``notify demo …`` always (it refuses to serve outside demo mode); the mail
    catcher's pages only in demo mode."""
    from notify.demo.cli import demo

    app.cli.add_command(demo)
    if app.extensions["notify"].settings.mode == "demo":
        from notify.demo.views import bp

        app.register_blueprint(bp)
