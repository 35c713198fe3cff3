"""gunicorn settings for the portal's web processes (docker-compose.yml, systemd):

    gunicorn -c deploy/gunicorn.conf.py app:app

Web processes run no background work (BACKGROUND_JOBS "none"): `flask worker` and
`flask scheduler` do. TSUNAGU_BIND and TSUNAGU_WEB_WORKERS override the defaults below.
"""
import os

bind = os.environ.get("TSUNAGU_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TSUNAGU_WEB_WORKERS", "4"))
# The app is built once in the master, then forked: one start-up instead of one per worker.
preload_app = True
graceful_timeout = 20
# The control socket's default path is one per user: two servers on a host would collide.
control_socket_disable = True


def post_fork(server, worker):
    # Database connections the master opened (migrations at start) are not the child's to
    # use: drop them from its pool without closing the master's sockets.
    server.app.wsgi().extensions["db_engine"].dispose(close=False)
