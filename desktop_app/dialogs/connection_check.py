"""Blocking checks behind the settings dialog's "Test connection" (run them off the GUI thread).

Each returns a one-line description of what answered, or raises an exception whose
message names the URL (password masked) and what failed.  Timeouts are short so a
dead host answers within a few seconds.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from engine.api import mask_url

CONNECT_TIMEOUT_S = 3


class ConnectionCheckError(RuntimeError):
    """A backend that did not answer; the message names it (password masked)."""


def split_password(url: str) -> tuple[str, str]:
    """``scheme://user:pw@host/db`` -> (``scheme://user@host/db``, ``pw``); the password unquoted."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, ""
    creds, host = parts.netloc.rsplit("@", 1)
    if ":" not in creds:
        return url, ""
    user, password = creds.split(":", 1)
    netloc = f"{user}@{host}" if user else host
    return urlunsplit(parts._replace(netloc=netloc)), unquote(password)


def join_password(url: str, password: str) -> str:
    """Put ``password`` (quoted as a URL needs) into ``url``, which carries none."""
    if not password:
        return url
    parts = urlsplit(url)
    if "@" in parts.netloc:
        user, host = parts.netloc.rsplit("@", 1)
        user = user.split(":", 1)[0]
    else:
        user, host = "", parts.netloc
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


def check_database(url: str) -> str:
    """Connect to the database at ``url`` and run ``SELECT 1``."""
    from sqlalchemy import create_engine, text  # imported here: only this check needs it

    masked = mask_url(url)
    connect_args: dict[str, object] = {}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:" and not Path(path).expanduser().parent.is_dir():
            raise ConnectionCheckError(f"{masked}: the folder {Path(path).parent} does not exist")
        connect_args["timeout"] = CONNECT_TIMEOUT_S
    elif url.startswith("postgresql"):
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    try:
        engine = create_engine(url, connect_args=connect_args, pool_pre_ping=False)
    except Exception as exc:
        raise ConnectionCheckError(f"{masked}: not a usable database URL ({exc})") from None
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            dialect = engine.dialect.name
            version = ".".join(str(v) for v in (engine.dialect.server_version_info or ())[:2])
    except Exception as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0][:300]
        raise ConnectionCheckError(f"{masked}: {reason}") from None
    finally:
        engine.dispose()
    return f"{dialect} {version}".strip() + f" at {masked}"


def check_broker(url: str) -> str:
    """PING the Redis broker at ``url``."""
    import redis  # imported here: only this check needs it

    masked = mask_url(url)
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ConnectionCheckError(f"{masked}: only Redis brokers (redis://, rediss://) can be tested")
    client = redis.Redis.from_url(
        url, socket_connect_timeout=CONNECT_TIMEOUT_S, socket_timeout=CONNECT_TIMEOUT_S
    )
    try:
        client.ping()
        version = client.info("server").get("redis_version", "")
    except Exception as exc:
        raise ConnectionCheckError(f"{masked}: {exc}") from None
    finally:
        client.close()
    return f"Redis {version} at {masked}".replace("Redis  at", "Redis at")
