"""Fetching an image a message links to (an OpenAI-style history's image_url), guarded against server-side request
forgery: http(s) only, public addresses only (checked after DNS resolution, and the connection pinned to the address
that was checked), every redirect checked again, and caps on size and time. A refusal says why."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from backend.errors import UserError

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NOT_FETCHED = "links are never fetched from"


class FetchRefused(UserError):
    """A link the app will not fetch, or a fetch that failed; str(error) says which and why."""


def is_public(address: IpAddress) -> bool:
    """True for a globally routable unicast address (not loopback, private, link-local, reserved, multicast...)."""
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[IpAddress]:
    """Every address the host resolves to (an IP literal: itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchRefused(f"{host} could not be resolved ({error.strerror}).") from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


@dataclass(frozen=True)
class UrlFetcher:
    """Fetches one http(s) link at a time within the caps; `allowed` decides which addresses may be reached."""

    max_bytes: int = 50 * 2**20
    timeout_s: float = 20.0
    max_redirects: int = 3
    allowed: Callable[[IpAddress], bool] = is_public
    resolver: Callable[[str, int], list[IpAddress]] = resolve

    def fetch(self, url: str) -> bytes:
        """The body of the link (following checked redirects); raises FetchRefused."""
        deadline = time.monotonic() + self.timeout_s
        for _hop in range(self.max_redirects + 1):
            response_url, location, body = self._get(url, deadline)
            if location is None:
                return body
            url = urljoin(response_url, location)
        raise FetchRefused(f"{_shown(url)} redirects more than {self.max_redirects} times; not fetched.")

    def _target(self, url: str) -> tuple[str, str, int, IpAddress]:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise FetchRefused(f"{_shown(url)}: only http(s) links to a host are fetched.")
        port = parts.port or (443 if scheme == "https" else 80)
        addresses = self.resolver(parts.hostname, port)
        refused = [address for address in addresses if not self.allowed(address)]
        if refused or not addresses:
            raise FetchRefused(f"{_shown(url)} resolves to {refused[0] if refused else 'no address'}, which is not a "
                               f"public address: {NOT_FETCHED} private, local or reserved addresses.")
        return scheme, parts.hostname, port, addresses[0]

    def _get(self, url: str, deadline: float) -> tuple[str, str | None, bytes]:
        """One request pinned to the checked address: (its URL, a redirect's Location or None, the body)."""
        scheme, host, port, address = self._target(url)
        parts = urlsplit(url.strip())
        literal = f"[{address}]" if address.version == 6 else str(address)
        pinned = parts._replace(scheme=scheme, netloc=f"{literal}:{port}").geturl()
        left = max(0.1, deadline - time.monotonic())
        headers = {"Host": host if parts.port is None else f"{host}:{port}", "User-Agent": "qwen-vl-studio"}
        try:
            with httpx.Client(timeout=min(left, 10.0), follow_redirects=False) as client, client.stream(
                    "GET", pinned, headers=headers, extensions={"sni_hostname": host}) as response:
                if response.is_redirect:
                    return url, response.headers.get("location", ""), b""
                if response.status_code != 200:
                    raise FetchRefused(f"{_shown(url)} answered HTTP {response.status_code}; not fetched.")
                declared = int(response.headers.get("content-length") or 0)
                if declared > self.max_bytes:
                    raise FetchRefused(f"{_shown(url)} is {declared / 2**20:.0f} MB, over the "
                                       f"{self.max_bytes / 2**20:.0f} MB a link may bring.")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > self.max_bytes:
                        raise FetchRefused(f"{_shown(url)} is over the {self.max_bytes / 2**20:.0f} MB a link may "
                                           "bring; not fetched.")
                    if time.monotonic() > deadline:
                        raise FetchRefused(f"{_shown(url)} took over {self.timeout_s:.0f} s; not fetched.")
                return url, None, bytes(body)
        except httpx.HTTPError as error:
            raise FetchRefused(f"{_shown(url)} could not be fetched ({type(error).__name__}).") from None


def _shown(url: str) -> str:
    return repr(url[:80] + ("…" if len(url) > 80 else ""))
