"""Endpoint mode: watch someone else's OpenAI-compatible server; never start or stop it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from backend.endpoint import Endpoint, is_local_url, strip_api_suffix
from backend.engine.probes import model_cards, probe_liveness
from backend.engine.settings import SupervisorSettings
from backend.engine.status import FailureCause, FailureKind, Mode, Phase, PhaseMark, ServerStatus
from backend.engines import engine_for_owner
from backend.families import family_for_model


class Attachment:
    """An attached endpoint and a thread that probes its health and reports changes."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str | None,
        family: str | None,
        settings: SupervisorSettings,
        on_status: Callable[[Attachment, ServerStatus], None],
    ) -> None:
        base = strip_api_suffix(base_url)
        self._family = family
        self._model_given = model is not None
        self._model_known = False  # learnt from /v1/models: the engine always, the model when none was given
        self.endpoint = Endpoint(base, api_key, model or "default", family or family_for_model(model or "").name,
                                 local=is_local_url(base), engine_name="")  # known once /v1/models answers
        self._settings = settings
        self._on_status = on_status
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="endpoint-watch", daemon=True)
        self._since = time.time()
        self.status = self._probe_status()

    def start(self) -> None:
        """Begin watching in the background."""
        self._thread.start()

    def close(self) -> None:
        """Stop watching (the server itself is left alone)."""
        self._closed.set()

    def _probe_status(self) -> ServerStatus:
        result = probe_liveness(self.endpoint.base_url, self.endpoint.api_key, timeout_s=5.0)
        base = ServerStatus(
            mode=Mode.ATTACHED,
            base_url=self.endpoint.base_url,
            progress=1.0,
            phase_marks=(PhaseMark(Phase.READY, self._since, 0.0),),
        )
        if result.ok:
            self._learn_model()
            message = f"Attached to {self.endpoint.base_url} ({self.endpoint.model})."
            return replace(base, phase=Phase.READY, message=message)
        detail = result.error or f"HTTP {result.status}"
        cause = FailureCause(
            FailureKind.UNREACHABLE,
            f"The endpoint {self.endpoint.base_url} is not answering ({detail}).",
            "Check the URL, the API key and that the server is running; the app keeps checking.",
            detail,
        )
        return replace(base, phase=Phase.FAILED, cause=cause, last_error=cause.summary, message=cause.summary)

    def _learn_model(self) -> None:
        """Take the served model name (when none was given) and the engine from /v1/models, once the server lists
        a model."""
        if self._model_known:
            return
        cards = model_cards(self.endpoint.base_url, self.endpoint.api_key)
        if not cards:
            return
        self._model_known = True
        engine = engine_for_owner(str(cards[0].get("owned_by", "")))
        model = self.endpoint.model if self._model_given else str(cards[0].get("id", self.endpoint.model))
        self.endpoint = replace(self.endpoint, model=model, family=self._family or family_for_model(model).name,
                                engine_name=engine.name if engine else self.endpoint.engine_name)

    def _watch(self) -> None:
        while not self._closed.wait(self._settings.health_every_s):
            status = self._probe_status()
            if status.phase != self.status.phase or status.last_error != self.status.last_error:
                self.status = status
                if not self._closed.is_set():
                    self._on_status(self, status)
