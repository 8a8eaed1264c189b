"""An engine the Studio only sends to: a fixed OpenAI-compatible endpoint (what `python app.py batch` uses)."""

from __future__ import annotations

from backend.endpoint import Endpoint
from backend.engine.status import Mode, Phase, ServerStatus
from backend.engine.supervisor import LaunchRefused
from backend.plans.planner import LaunchPlan


class FixedEndpoint:
    """A server someone else runs, as the Studio's engine (the batch CLI's), always taken as ready (an
    unreachable one fails each file with the reason). It launches and stops nothing."""

    def __init__(self, endpoint: Endpoint) -> None:
        self._endpoint = endpoint

    def status(self) -> ServerStatus:
        return ServerStatus(phase=Phase.READY, mode=Mode.ATTACHED, base_url=self._endpoint.base_url)

    def endpoint(self) -> Endpoint:
        return self._endpoint

    def served_model(self) -> str:
        return self._endpoint.model

    def launch(self, plan: LaunchPlan) -> ServerStatus:
        raise LaunchRefused("app.py batch sends to --endpoint; it launches no engine.")

    def attach(self, base_url: str, api_key: str = "") -> ServerStatus:
        raise LaunchRefused("app.py batch sends to --endpoint only.")

    def stop(self) -> ServerStatus:
        return self.status()
