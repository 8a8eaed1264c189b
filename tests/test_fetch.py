"""Image links in an API history, fetched by the app with an SSRF guard: http(s) only, public addresses only after
DNS resolution, each redirect checked again, caps on size and time; a refusal says why. A public demo fetches
nothing unless its admin allowed it."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from backend.chat.conversation import HistoryError, conversation_from_openai
from backend.endpoint import Endpoint
from backend.media.fetch import FetchRefused, UrlFetcher
from backend.media.images import prepare_image
from backend.studio.fixed_endpoint import FixedEndpoint
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio

LOOPBACK_ONLY = ipaddress.ip_address("127.0.0.1")


def png(size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


class Site(BaseHTTPRequestHandler):
    """/cat.png, /big (declares 60 MB), /to-private (redirects to 127.0.0.2), /loop (redirects to itself)."""

    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        Site.hits.append(f"{self.headers['Host']}{self.path}")
        port = self.server.server_address[1]
        if self.path == "/cat.png":
            body = png()
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/big":
            self.send_response(200)
            self.send_header("Content-Length", str(60 * 2**20))
            self.end_headers()
        elif self.path in ("/to-private", "/loop"):
            target = f"http://127.0.0.2:{port}/cat.png" if self.path == "/to-private" else "/loop"
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("0.0.0.0", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_private_and_local_addresses_are_refused_before_any_request() -> None:
    for url in ("http://169.254.169.254/latest/meta-data", "http://localhost/x.png", "http://10.1.2.3/x.png",
                "http://[::1]/x.png", "http://0.0.0.0/x.png"):
        with pytest.raises(FetchRefused, match="not a public address"):
            UrlFetcher().fetch(url)


def test_only_http_links_are_fetched() -> None:
    for url in ("file:///etc/passwd", "ftp://example.com/cat.png", "gopher://example.com/"):
        with pytest.raises(FetchRefused, match="only http"):
            UrlFetcher().fetch(url)


def test_a_host_name_is_checked_by_the_addresses_it_resolves_to() -> None:
    rebinding = UrlFetcher(resolver=lambda host, port: [ipaddress.ip_address("93.184.216.34"),
                                                        ipaddress.ip_address("10.0.0.7")])
    with pytest.raises(FetchRefused, match="10.0.0.7, which is not a public address"):
        rebinding.fetch("http://looks-public.example/cat.png")


def test_an_allowed_address_is_fetched_pinned_with_its_host_name(site: str) -> None:
    fetcher = UrlFetcher(allowed=lambda address: address == LOOPBACK_ONLY,
                         resolver=lambda host, port: [LOOPBACK_ONLY])
    port = site.rsplit(":", 1)[1]
    assert prepare_image(fetcher.fetch(f"http://pictures.example:{port}/cat.png")).original_size == (64, 48)
    assert Site.hits[-1] == f"pictures.example:{port}/cat.png"  # sent to the checked address, named as asked


def test_a_redirect_to_a_private_address_is_refused(site: str) -> None:
    fetcher = UrlFetcher(allowed=lambda address: address == LOOPBACK_ONLY)
    before = len(Site.hits)
    with pytest.raises(FetchRefused, match="127.0.0.2, which is not a public address"):
        fetcher.fetch(f"{site}/to-private")
    assert len(Site.hits) == before + 1  # the redirect was never followed


def test_redirect_loops_and_oversized_bodies_are_refused(site: str) -> None:
    fetcher = UrlFetcher(allowed=lambda address: address == LOOPBACK_ONLY, max_bytes=2**20)
    with pytest.raises(FetchRefused, match="redirects more than 3 times"):
        fetcher.fetch(f"{site}/loop")
    with pytest.raises(FetchRefused, match="60 MB, over the 1 MB"):
        fetcher.fetch(f"{site}/big")


def test_a_history_image_link_becomes_an_image_through_the_fetcher(site: str) -> None:
    fetcher = UrlFetcher(allowed=lambda address: address == LOOPBACK_ONLY)
    history = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": f"{site}/cat.png"}},
                                            {"type": "text", "text": "what is it?"}]},
               {"role": "assistant", "content": "A white square."}]
    conversation = conversation_from_openai(history, prepare_image, fetcher.fetch)
    assert conversation.turns[0].images[0].original_size == (64, 48)


def test_a_refused_history_link_names_the_message_and_the_reason() -> None:
    history = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "http://127.0.0.1:9/x"}}]},
               {"role": "assistant", "content": "ok"}]
    with pytest.raises(HistoryError, match="history message 1, image 1: .*links are never fetched from private"):
        conversation_from_openai(history, prepare_image, UrlFetcher().fetch)


@pytest.mark.parametrize(("public", "fetch_urls", "fetches"), [(False, None, True), (True, None, False),
                                                               (True, True, True)])
def test_a_public_demo_fetches_links_only_when_its_admin_allows(public: bool, fetch_urls: bool | None,
                                                                fetches: bool, tmp_path: Path) -> None:
    studio = Studio(FixedEndpoint(Endpoint("http://127.0.0.1:9", "", "Qwen/Qwen2.5-VL-7B-Instruct")),
                    StudioSettings(public=public, fetch_urls=fetch_urls, work_dir=tmp_path))
    assert studio.fetches_links is fetches
