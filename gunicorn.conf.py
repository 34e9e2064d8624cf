"""gunicorn's configuration: the production web server, and ``make run``'s.

``gunicorn -c gunicorn.conf.py --bind ADDRESS:PORT notify.wsgi:app``. Workers and
threads come from the settings (NOTIFY_WEB_WORKERS, NOTIFY_WEB_THREADS); each worker
process builds its own application and database engine (no preloading, so no
connection is shared across a fork). The scheduler is a process of its own
(``notify scheduler``), never a web worker.
"""

from notify.settings import load_settings

_settings = load_settings()

worker_class = "gthread"
workers = _settings.web_workers
threads = _settings.web_threads
bind = "127.0.0.1:8000"  # overridden by --bind
keepalive = 5
graceful_timeout = 10
accesslog = None  # the reverse proxy logs requests; no URLs with tokens in our logs
errorlog = "-"
# No control socket: it lives in a per-user path shared by every gunicorn of the user,
# which two servers on one machine (the demo, a test, a load run) would fight over.
control_socket_disable = True
