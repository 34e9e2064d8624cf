"""Who is calling: holders, staff members and the API clients of partner organisations.

One login manager knows each kind of principal through the loaders features register
(``notify.auth.web.register_loader``); guards (``requires``, ``api_client``) check a
permission of ``notify.auth.permissions`` before a view runs. This package imports no
feature.
"""


def init_app(app) -> None:
    """Set up logins, the staff pages and the ``staff``, ``api-token`` and
    ``organisation`` commands on ``app``."""
    from notify.auth.web import init_app as init_web

    init_web(app)
