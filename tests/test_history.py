"""OpenAI-style history -> Conversation (backend.chat.conversation.conversation_from_openai): roles, text, embedded images,
and links refused without being fetched."""

from __future__ import annotations

import base64
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from backend.chat.conversation import HistoryError, TurnStatus, build_request, conversation_from_openai
from backend.media.images import ImagePreparer, PreparedImage
from backend.media.uploads import MediaPolicy

PREPARE = ImagePreparer().prepare


def png_data_url(width: int, height: int, color: str = "red") -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def user_with_image(url: str, text: str = "what is this?") -> dict:
    parts = [{"type": "image_url", "image_url": {"url": url}}, {"type": "text", "text": text}]
    return {"role": "user", "content": parts}


def test_pairs_become_answered_turns_with_their_images():
    history = [
        {"role": "system", "content": "You are terse."},
        user_with_image(png_data_url(320, 320)),
        {"role": "assistant", "content": "A red square."},
        {"role": "user", "content": "And the border?"},
        {"role": "assistant", "content": [{"type": "text", "text": "There is none."}]},
    ]
    conversation = conversation_from_openai(history, PREPARE)
    assert conversation.system_prompt == "You are terse."
    first, second = conversation.turns
    assert (first.user_text, first.answer, first.status) == ("what is this?", "A red square.", TurnStatus.DONE)
    assert [image.input_size for image in first.images] == [(308, 308)]
    assert (second.user_text, second.images, second.answer) == ("And the border?", (), "There is none.")


def test_history_images_are_resent_as_data_urls_in_the_request():
    conversation = conversation_from_openai([user_with_image(png_data_url(64, 64)), {"role": "assistant",
                                             "content": "Red."}], PREPARE)
    conversation.turns.append(type(conversation.turns[0])(user_text="And now?"))
    messages = build_request(conversation, MediaPolicy(), original_videos=False).messages
    assert messages[1]["content"][0]["image_url"]["url"].startswith("data:image/")
    assert messages[2] == {"role": "assistant", "content": "Red."}


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/cat.png", "/etc/hostname",
                                 "//example.com/cat.png", "HTTPS://example.com/cat.png"])
def test_links_are_refused_with_a_plain_message(url):
    with pytest.raises(HistoryError, match=r"history message 1, image 1: .* is not an image data URL.*never fetched"):
        conversation_from_openai([user_with_image(url), {"role": "assistant", "content": "ok"}], PREPARE)


def test_an_http_link_is_refused_without_being_fetched():
    hits: list[str] = []

    class Counting(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/cat.png"
    try:
        with pytest.raises(HistoryError, match="links are never fetched"):
            conversation_from_openai([user_with_image(url), {"role": "assistant", "content": "ok"}], PREPARE)
    finally:
        server.shutdown()
        server.server_close()
    assert hits == []


def test_a_plain_string_image_url_is_checked_the_same_way():
    part = {"type": "image_url", "image_url": "https://example.com/cat.png"}
    with pytest.raises(HistoryError, match="not an image data URL"):
        conversation_from_openai([{"role": "user", "content": [part]}, {"role": "assistant", "content": "ok"}],
                                 PREPARE)


@pytest.mark.parametrize("url, reason", [
    ("data:text/html;base64,PGgxPmhpPC9oMT4=", "only base64 image data URLs"),
    ("data:image/png,%89PNG", "only base64 image data URLs"),
    ("data:image/png;base64,@@not base64@@", "not valid base64"),
    ("data:image/png;base64," + base64.b64encode(b"plain text, not a picture").decode(), "not an image format"),
])
def test_bad_data_urls_say_what_is_wrong(url, reason):
    with pytest.raises(HistoryError, match=f"history message 1, image 1: .*{reason}"):
        conversation_from_openai([user_with_image(url), {"role": "assistant", "content": "ok"}], PREPARE)


def test_video_parts_are_refused_rather_than_dropped():
    part = {"type": "video_url", "video_url": {"url": "https://example.com/clip.mp4"}}
    with pytest.raises(HistoryError, match="'video_url' parts are not supported"):
        conversation_from_openai([{"role": "user", "content": [part]}, {"role": "assistant", "content": "ok"}],
                                 PREPARE)


@pytest.mark.parametrize("history, reason", [
    ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "message 2: expected an assistant"),
    ([{"role": "assistant", "content": "hi"}], "message 1: expected a user"),
    ([{"role": "tool", "content": "{}"}], "got role 'tool'"),
    (["just a string"], "got role None"),
    ([{"role": "user", "content": "question"}], "ends with a user message"),
    ([{"role": "user", "content": {"text": "x"}}], "content must be a string or a list of parts"),
    ([{"role": "user", "content": "q"}, {"role": "assistant", "content": [user_with_image("x")["content"][0]]}],
     "may only hold text"),
])
def test_malformed_histories_are_refused(history, reason):
    with pytest.raises(HistoryError, match=reason):
        conversation_from_openai(history, PREPARE)


def test_images_reach_the_preparer_as_bytes_never_as_paths():
    seen: list[object] = []

    def prepare(source: bytes) -> PreparedImage:
        seen.append(source)
        return PREPARE(source)

    conversation_from_openai([user_with_image(png_data_url(40, 40)), {"role": "assistant", "content": "ok"}], prepare)
    assert len(seen) == 1 and isinstance(seen[0], bytes) and seen[0].startswith(b"\x89PNG")
