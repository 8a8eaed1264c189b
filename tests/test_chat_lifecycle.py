"""How an answer ends when its consumer goes away or the user acts mid-answer: closed or dropped update streams,
regenerate while streaming, stop before the engine's first byte, and extra request fields."""

from __future__ import annotations

import gc
import socket
import threading

from backend.chat.conversation import TurnStatus
from backend.chat.session import ChatSession, SamplingParams
from backend.endpoint import Endpoint
from tests.helpers import RecordingClient, standin_stats, wait_until


def test_closing_before_the_first_update_stops_the_turn_and_sends_nothing(standin_endpoint):
    before = standin_stats(standin_endpoint.base_url)
    session = ChatSession(standin_endpoint)
    updates = session.send("Never mind")
    updates.close()
    assert session.turns[-1].status is TurnStatus.STOPPED
    assert standin_stats(standin_endpoint.base_url)["requests"] == before["requests"]
    assert list(session.send("Next question"))[-1].status is TurnStatus.DONE


def test_closing_right_after_streaming_starts_sends_nothing(standin_endpoint):
    before = standin_stats(standin_endpoint.base_url)
    session = ChatSession(standin_endpoint)
    updates = session.send("Never mind")
    assert next(updates).status is TurnStatus.STREAMING
    updates.close()
    assert session.turns[-1].status is TurnStatus.STOPPED and session.turns[-1].answer == ""
    assert standin_stats(standin_endpoint.base_url)["requests"] == before["requests"]


def test_dropping_the_stream_mid_answer_stops_it_and_the_engine_aborts(standin_endpoint):
    before = standin_stats(standin_endpoint.base_url)
    session = ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=2000))
    updates = session.send("Keep going")
    for _ in range(5):
        next(updates)
    del updates  # e.g. the browser tab closed and the handler was discarded
    gc.collect()
    turn = session.turns[-1]
    assert turn.status is TurnStatus.STOPPED and turn.answer
    assert wait_until(lambda: standin_stats(standin_endpoint.base_url)["aborted"] == before["aborted"] + 1)
    assert not session.busy


def test_regenerate_while_streaming_is_refused_and_leaves_the_answer_alone(standin_endpoint):
    session = ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=60))
    first = session.send("Tell me a story")
    for _ in range(4):
        next(first)
    partial = session.turns[-1].answer
    refused = list(session.regenerate())
    assert len(refused) == 1 and refused[0].done and refused[0].error_kind == "AnswerInProgress"
    assert "still streaming" in refused[0].error
    turn = session.turns[-1]
    assert turn.status is TurnStatus.STREAMING and turn.answer == partial and turn.error == ""
    final = list(first)[-1]
    assert final.status is TurnStatus.DONE and final.text.startswith(partial) and len(session.turns) == 1


def test_a_double_click_on_regenerate_answers_once(standin_endpoint):
    session = ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=30))
    list(session.send("Describe something"))
    first, second = session.regenerate(), session.regenerate()  # both handlers start before either streams
    next(first), next(first)
    refused = list(second)
    assert refused[-1].error_kind == "AnswerInProgress"
    final = list(first)[-1]
    assert final.status is TurnStatus.DONE and session.turns[-1].answer == final.text and final.text


class SilentServer:
    """Accepts one connection, reads the request and never answers (like SGLang before its first token, which
    sends no headers until then); notes when the client goes away."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.got_request = threading.Event()
        self.client_left = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def endpoint(self) -> Endpoint:
        return Endpoint(f"http://127.0.0.1:{self.listener.getsockname()[1]}", "key", "model")

    def _serve(self) -> None:
        connection, _ = self.listener.accept()
        with connection:
            connection.settimeout(30)
            received = b""
            while b"\r\n\r\n" not in received:
                received += connection.recv(65536)
            self.got_request.set()
            try:
                while connection.recv(65536):
                    pass
            except OSError:
                pass
            self.client_left.set()


def test_stop_before_the_engine_answers_at_all_cuts_the_request():
    server = SilentServer()
    session = ChatSession(server.endpoint)  # 600 s read timeout: only a cut ends this request early
    updates = session.send("Slow engine")
    assert next(updates).status is TurnStatus.STREAMING
    finals: list = []
    consumer = threading.Thread(target=lambda: finals.extend(updates), daemon=True)
    consumer.start()
    assert server.got_request.wait(10)
    session.stop()
    assert server.client_left.wait(10)
    consumer.join(10)
    assert finals and finals[-1].status is TurnStatus.STOPPED and finals[-1].error == ""
    server.listener.close()


def test_extra_body_fields_reach_the_engine(standin_endpoint):
    recorder = RecordingClient()
    sampling = SamplingParams(max_tokens=8, extra_body={"ignore_eos": True})
    final = list(ChatSession(standin_endpoint, sampling=sampling, http_client=recorder).send("Hello"))[-1]
    assert final.status is TurnStatus.DONE
    assert recorder.bodies[-1]["ignore_eos"] is True and recorder.bodies[-1]["max_tokens"] == 8


def test_each_stop_cuts_only_its_own_sessions_answer(standin_endpoint):
    before = standin_stats(standin_endpoint.base_url)
    sessions = [ChatSession(standin_endpoint, sampling=SamplingParams(max_tokens=1500)) for _ in range(6)]
    streams = [session.send(f"Answer number {index}") for index, session in enumerate(sessions)]
    for stream in streams:  # open the requests one after another, then read them all at once
        next(stream), next(stream)
    finals: dict[int, object] = {}

    def read(index: int) -> None:
        for count, update in enumerate(streams[index]):
            if index % 2 and count == 3:
                threading.Thread(target=sessions[index].stop).start()
            finals[index] = update

    readers = [threading.Thread(target=read, args=(index,)) for index in range(6)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(60)
    assert [finals[index].status for index in range(6)] == [TurnStatus.DONE, TurnStatus.STOPPED] * 3
    assert wait_until(lambda: standin_stats(standin_endpoint.base_url)["aborted"] == before["aborted"] + 3)
    assert standin_stats(standin_endpoint.base_url)["completed"] == before["completed"] + 3
