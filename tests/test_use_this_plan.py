"""The Server tab's "Use this plan", in-process: the suggested plan's model, weights and KV cache are set as a whole,
and picking another model afterwards puts back what the suggestion replaced, so the next plan does not inherit its
FP8 KV cache (issue 26)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from backend.engine.supervisor import Supervisor
from backend.plans.planner import PlanRequest
from backend.studio.settings import StudioSettings
from backend.studio.studio import Studio
from tests.helpers import TEST_SETTINGS, TWO_H100
from ui.plan_choices import AppliedOffer, PanelChoices, after_model_change, current_offer, panel_request, with_offer


@pytest.fixture
def studio(tmp_path: Path) -> Studio:
    """A private app on two H100s with no engine (planning only)."""
    settings = StudioSettings(work_dir=tmp_path / "work", default_request=PlanRequest(model="7B", hardware="auto",
                                                                                      port=31234, api_key="k"))
    return Studio(Supervisor(tmp_path / "runs", TEST_SETTINGS), settings, TWO_H100)


def choices(model: str, hardware: str = "auto", count: int | None = None, **fields: str) -> PanelChoices:
    return PanelChoices("sglang", model, hardware, [], count, 0, **fields)


def argv_of(studio: Studio, chosen: PanelChoices) -> tuple[str, ...]:
    plan = studio.plan(panel_request(studio, chosen), studio.viewer())
    assert plan.fits, plan.refusal
    return plan.argv


def use_offer(studio: Studio, chosen: PanelChoices) -> tuple[PanelChoices, AppliedOffer]:
    applied_choices, applied = with_offer(chosen, current_offer(studio, studio.viewer(), chosen))
    assert applied is not None, "the planner suggested nothing"
    return applied_choices, applied


def test_going_back_to_7b_after_a_suggested_fp8_plan_drops_its_fp8_kv_cache(studio: Studio) -> None:
    suggested, applied = use_offer(studio, choices("32B"))  # 32B needs both H100s in bf16, one in FP8
    assert (suggested.model, suggested.quantization, suggested.kv_cache_dtype) == ("32B", "fp8", "fp8_e4m3")
    assert "--kv-cache-dtype" in argv_of(studio, suggested)
    back, still_applied = after_model_change(replace(suggested, model="7B"), applied)
    assert (back.quantization, back.kv_cache_dtype, still_applied) == ("none", "auto", None)
    argv = argv_of(studio, back)
    assert "--kv-cache-dtype" not in argv and "--quantization" not in argv


def test_a_suggestion_that_changes_the_model_is_undone_when_another_model_is_picked(studio: Studio) -> None:
    suggested, applied = use_offer(studio, choices("72B", "H100", 1))
    assert (suggested.model, suggested.quantization, suggested.kv_cache_dtype) == ("72B-AWQ", "none", "fp8_e4m3")
    assert "--kv-cache-dtype" in argv_of(studio, suggested)
    back, _ = after_model_change(replace(suggested, model="7B"), applied)
    assert back.kv_cache_dtype == "auto" and "--kv-cache-dtype" not in argv_of(studio, back)


def test_the_suggestions_own_model_change_keeps_what_it_set(studio: Studio) -> None:
    """The model dropdown's change event also fires when "Use this plan" itself sets the model."""
    suggested, applied = use_offer(studio, choices("72B", "H100", 1))
    kept, still_applied = after_model_change(suggested, applied)
    assert kept is suggested and still_applied is applied


def test_a_kv_cache_chosen_by_hand_stays_when_the_model_changes(studio: Studio) -> None:
    chosen = choices("32B", kv_cache_dtype="fp8_e4m3")
    kept, applied = after_model_change(replace(chosen, model="7B"), None)
    assert kept.kv_cache_dtype == "fp8_e4m3" and applied is None
    assert "--kv-cache-dtype" in argv_of(studio, kept)


def test_what_was_chosen_before_the_suggestion_comes_back(studio: Studio) -> None:
    """FP8 weights chosen by hand for 72B on one H100, then the AWQ suggestion: back on 7B, FP8 weights again."""
    before = choices("72B", "H100", 1, quantization="fp8")
    suggested, applied = use_offer(studio, before)
    assert suggested.model == "72B-AWQ" and suggested.quantization == "none"  # AWQ cannot take FP8 on top
    back, _ = after_model_change(replace(suggested, model="7B"), applied)
    assert (back.quantization, back.kv_cache_dtype) == ("fp8", "auto")


def test_without_a_suggestion_nothing_is_applied(studio: Studio) -> None:
    fits = choices("7B")
    assert current_offer(studio, studio.viewer(), fits) is None
    assert with_offer(fits, None) == (fits, None)
