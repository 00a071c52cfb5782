"""The one loopback rule, shared by the client (where a token may go over plain http), the sandbox
(where it may listen) and verify's scenario (which targets it may drive)."""

from __future__ import annotations

import ipaddress


def is_loopback(host: str | None) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1, with or without brackets)."""
    name = (host or "").strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
