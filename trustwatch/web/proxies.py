"""Which address a request really came from, believing `X-Forwarded-For` only from our proxies.

The sign-in limits are per address, so the address must not be something a client can
write. A header is only believed when the TCP peer is one of `web_trusted_proxies`; the
client is then the right-most address in `X-Forwarded-For` that is not itself a trusted
proxy (each proxy appends the peer it saw, so everything to the left of that was written
by the client and proves nothing). The app does this itself, so uvicorn runs without
`--proxy-headers` and no deployment can widen the trust with `--forwarded-allow-ips "*"`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

__all__ = ["TrustedProxies", "client_address", "parse_networks"]


def parse_networks(spec: str) -> tuple[Network, ...]:
    """`"127.0.0.1, 10.0.0.0/8"` as networks; "*" is refused, a wildcard defeats the point."""
    networks: list[Network] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if part == "*":
            raise ValueError(
                "TRUSTWATCH_WEB_TRUSTED_PROXIES: '*' would let any client choose its address; "
                "list the reverse proxy's address or network (e.g. 172.18.0.0/16)"
            )
        try:
            networks.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise ValueError(
                f"TRUSTWATCH_WEB_TRUSTED_PROXIES: '{part}' is not an IP address or network"
            ) from None
    return tuple(networks)


def _is_trusted(address: str, trusted: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_address(peer: str, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str:
    """The address the limits count: the peer, unless the peer is a proxy we run."""
    if not forwarded_for or not _is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, trusted):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage from the proxy chain: count the proxy itself
    return hops[0] if hops else peer


class TrustedProxies:
    """ASGI middleware: rewrites `scope["client"]` (and the scheme) as described above."""

    def __init__(self, app: ASGIApp, *, trusted: tuple[Network, ...]) -> None:
        self.app = app
        self.trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("client"):
            peer, port = scope["client"]
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            real = client_address(peer, headers.get("x-forwarded-for"), self.trusted)
            if real != peer:
                scope = dict(scope, client=(real, port))
                proto = headers.get("x-forwarded-proto", "").strip().lower()
                if proto in ("http", "https"):
                    scope["scheme"] = proto
        await self.app(scope, receive, send)
