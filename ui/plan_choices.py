"""The Server tab's choices as a plan request, and "Use this plan": the suggested plan's model, weights and KV cache
set as a whole, and undone as a whole when the person then picks another model, so a later plan never inherits the
suggestion's FP8 weights or FP8 KV cache."""

from __future__ import annotations

from dataclasses import dataclass, replace

from backend.plans.planner import PlanRequest
from backend.plans.request import QuantizedOffer
from backend.studio.studio import Studio
from backend.studio.viewer import Viewer


@dataclass(frozen=True)
class PanelChoices:
    """The launch panel's values, by name (Gradio passes them in LaunchPanel.request_inputs' order)."""

    engine: str
    model: str
    hardware: str
    checked: list[int] | None
    count: int | None
    context_length: float | None
    quantization: str = "none"
    kv_cache_dtype: str = "auto"


@dataclass(frozen=True)
class AppliedOffer:
    """What "Use this plan" set: the offer's model, and the weights and KV cache it replaced (put back when the
    person leaves that model)."""

    model: str
    quantization_before: str
    kv_cache_dtype_before: str


def gpus_choice(hardware: str, checked: list[int] | None, count: int | None) -> str | tuple[int, ...] | None:
    """The GPU choice the panel describes: checked GPUs of this host (indices), or a count of a catalog GPU."""
    if hardware != "auto":
        return str(int(count)) if count else None
    return tuple(sorted(int(index) for index in checked or [])) or None


def plan_request(base: PlanRequest, engine: str, model: str, hardware: str, gpus: str | tuple[int, ...] | None,
                 context_length: float | None, quantization: str | None = None,
                 kv_cache_dtype: str | None = None) -> PlanRequest:
    """The base request (host, port, key, extra flags from the command line) with the user's choices."""
    return replace(base, model=(model or "7B").strip(), hardware=(hardware or "auto").strip(),
                   gpus=gpus if isinstance(gpus, tuple) else (gpus or "").strip() or None, engine=engine or "sglang",
                   context_length=int(context_length) if context_length else None,
                   quantization=quantization or base.quantization,
                   kv_cache_dtype=kv_cache_dtype or base.kv_cache_dtype)


def panel_request(studio: Studio, choices: PanelChoices) -> PlanRequest:
    """The request for the launch panel's current values."""
    return plan_request(studio.settings.default_request, choices.engine, choices.model, choices.hardware,
                        gpus_choice(choices.hardware, choices.checked, choices.count), choices.context_length,
                        choices.quantization, choices.kv_cache_dtype)


def current_offer(studio: Studio, viewer: Viewer, choices: PanelChoices) -> QuantizedOffer | None:
    """The quantized plan the planner suggests for these choices (None: none)."""
    return studio.plan(panel_request(studio, choices), viewer).quantized


def with_offer(choices: PanelChoices, offer: QuantizedOffer | None) -> tuple[PanelChoices, AppliedOffer | None]:
    """The choices with the offer's model, weights and KV cache, all three from the offer's request (not only the
    fields it changed), and what to undo later; unchanged when there is no offer (any more)."""
    if offer is None or offer.request is None:
        return choices, None
    chosen = offer.request
    applied = AppliedOffer(chosen.model, choices.quantization, choices.kv_cache_dtype)
    return replace(choices, model=chosen.model, quantization=chosen.quantization,
                   kv_cache_dtype=chosen.kv_cache_dtype), applied


def after_model_change(choices: PanelChoices, applied: AppliedOffer | None
                       ) -> tuple[PanelChoices, AppliedOffer | None]:
    """The choices once the model changed: leaving the model an offer set puts back the weights and KV cache the
    offer replaced (its FP8 choices belonged to that model); on the offer's model nothing changes."""
    if applied is None or (choices.model or "").strip() == applied.model:
        return choices, applied
    return replace(choices, quantization=applied.quantization_before,
                   kv_cache_dtype=applied.kv_cache_dtype_before), None
