"""The WSGI application of the production server (``gunicorn notify.wsgi:app``)."""

from notify import create_app

app = create_app()
