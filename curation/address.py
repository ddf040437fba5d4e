"""Network addresses as the clients' error messages show them, and the timeouts every client connects with.
Kept apart from the clients so that each of them names the address it could not reach the same way."""

from __future__ import annotations

from urllib.parse import urlsplit

# Seconds to wait for a TCP connection: a server that does not accept it in this time is not there.
CONNECT_SECONDS = 10.0


def shown(url: str) -> str:
    """The URL as an error may show it: scheme, host, port and path, without a user:password part or a query
    (either may carry a token)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is not a number: the text before any '@', '?' or '#'
        return url.rsplit("@", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    if ":" in host:  # an IPv6 literal
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}{parts.path}" if parts.scheme else url.split("?", 1)[0]


def reason(exc: BaseException) -> str:
    """What went wrong, in one line: the exception's class and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__
