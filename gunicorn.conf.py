"""Gunicorn's settings for `make serve`: the tracker in production, behind a reverse proxy.

`make serve` passes the address (HOST and PORT); everything else is here. Gunicorn reads this
file itself when started from this folder, so running gunicorn by hand gets the same.
"""

import os

# Under gunicorn the tracker runs as production (a given secret key, secure cookies) unless
# TRACKER_ENV says otherwise.
os.environ.setdefault("TRACKER_ENV", "production")

wsgi_app = "run:app"
# Two cores: a worker each, with threads to wait on the database and the network.
workers = 2
threads = 4
# No page takes long (packs and report reading are background jobs): a request still busy
# after a minute is stuck, and its worker is restarted.
timeout = 60
graceful_timeout = 30
# The app is made once, before the workers start: the database is migrated once, and settings
# the tracker refuses stop gunicorn at once with the reason, instead of in every worker.
preload_app = True
# Which proxy headers to believe is the tracker's decision (TRACKER_PROXY_HOPS), not gunicorn's.
forwarded_allow_ips = ""
# The tracker does not use gunicorn's control socket, whose default path every gunicorn run by
# the same user shares.
control_socket_disable = True


def when_ready(server):
    """On a new installation, say what to run first: nobody can sign in until there is an
    operator, and only the command line can make the first one."""
    from run import app
    from tracker.operators.boards import installation_is_new

    if installation_is_new(app):
        server.log.warning(
            "This installation has no operator yet, so nobody can sign in. Make the first one "
            "with: .venv/bin/flask --app run create-operator you@example.org (the password comes "
            "from TRACKER_PASSWORD or a prompt), then sign in and create a board."
        )
