"""Model catalog facts, computed weights, and resolving model names and folders."""

from __future__ import annotations

import json

import pytest

from backend.models import CATALOG, ModelError, resolve_model, spec_from_config
from backend.plans.weights import weight_bytes, weights_per_gpu
from tests.helpers import QWEN25_VL_7B_CONFIG

# Parameter counts the Hugging Face model pages state for Qwen2.5-VL-{3B,7B,32B,72B}-Instruct.
PUBLISHED_PARAMS = {"3B": 3.75e9, "7B": 8.29e9, "32B": 33.5e9, "72B": 73.4e9}
QWEN25_KEYS = sorted(key for key, spec in CATALOG.items() if spec.family == "qwen2.5-vl")


@pytest.mark.parametrize("size", sorted(PUBLISHED_PARAMS))
def test_computed_parameter_count_matches_the_published_one(size):
    assert CATALOG[size].total_params == pytest.approx(PUBLISHED_PARAMS[size], rel=0.005)


def test_72b_weights_are_about_147_gb_in_bf16():
    assert weight_bytes(CATALOG["72B"]).total == pytest.approx(146.8e9, rel=0.001)


@pytest.mark.parametrize("size", QWEN25_KEYS)
def test_qwen25_head_dim_is_128_and_the_vision_tower_has_16_heads(size):
    spec = CATALOG[size]
    assert spec.head_dim == 128 and spec.hidden == spec.heads * spec.head_dim
    assert (spec.vision.depth, spec.vision.hidden, spec.vision.heads) == (32, 1280, 16)
    assert spec.vision.out_hidden == spec.hidden


def test_of_qwen25_only_3b_ties_its_embeddings():
    assert [size for size in QWEN25_KEYS if CATALOG[size].tied_embeddings] == ["3B", "3B-AWQ"]


def test_kv_bytes_per_token_is_two_times_layers_kv_heads_head_dim_bytes():
    seven = CATALOG["7B"]
    assert seven.kv_bytes_per_token(1) == 2 * 28 * 4 * 128 * 2
    assert seven.kv_bytes_per_token(2) == 2 * 28 * 2 * 128 * 2
    assert seven.kv_bytes_per_token(1, kv_dtype_bytes=1) == 2 * 28 * 4 * 128


def test_kv_heads_are_replicated_when_tp_exceeds_them():
    three = CATALOG["3B"]  # 2 KV heads
    assert three.kv_heads_per_gpu(2) == 1
    assert three.kv_heads_per_gpu(4) == 1
    assert three.kv_bytes_per_token(8) == three.kv_bytes_per_token(2)


def test_weights_per_gpu_split_with_tp_except_replicated_kv_projections():
    three = CATALOG["3B"]
    total = weight_bytes(three).total
    assert weights_per_gpu(three, 1) == total == three.total_params * 2
    assert weights_per_gpu(three, 2) == pytest.approx(total / 2, rel=1e-6)
    # at tp 8 each GPU keeps a full KV head: more than an eighth of the weights
    assert weights_per_gpu(three, 8) > total / 8


@pytest.mark.parametrize("name", ["7B", "7b", "Qwen/Qwen2.5-VL-7B-Instruct", "qwen/qwen2.5-vl-7b-instruct"])
def test_catalog_names_resolve_to_the_hf_id(name):
    resolved = resolve_model(name)
    assert resolved.model_path == "Qwen/Qwen2.5-VL-7B-Instruct"
    assert resolved.spec == CATALOG["7B"]
    assert resolved.notes == ()


def test_spec_from_the_public_7b_config_equals_the_catalog_entry():
    spec = spec_from_config(QWEN25_VL_7B_CONFIG, "Qwen/Qwen2.5-VL-7B-Instruct")
    assert spec == CATALOG["7B"]


def test_local_folder_is_read_from_its_config(tmp_path):
    folder = tmp_path / "my-vl-model"
    folder.mkdir()
    config = dict(QWEN25_VL_7B_CONFIG, num_hidden_layers=14)
    (folder / "config.json").write_text(json.dumps(config))
    resolved = resolve_model(str(folder))
    assert resolved.model_path == str(folder.resolve())
    assert resolved.served_name == "my-vl-model"
    assert resolved.spec.layers == 14
    assert resolved.spec.total_params < CATALOG["7B"].total_params
    assert "config.json" in resolved.notes[0]


def test_text_config_nesting_is_read(tmp_path):
    nested = {key: value for key, value in QWEN25_VL_7B_CONFIG.items()
              if key in ("architectures", "model_type", "vision_config")}
    nested["text_config"] = {key: value for key, value in QWEN25_VL_7B_CONFIG.items() if key not in nested}
    assert spec_from_config(nested, "nested").layers == 28


def test_folder_quantized_by_an_unmodelled_method_says_its_estimate_is_an_upper_bound(tmp_path):
    config = dict(QWEN25_VL_7B_CONFIG, quantization_config={"quant_method": "gptq", "bits": 4})
    (tmp_path / "config.json").write_text(json.dumps(config))
    resolved = resolve_model(str(tmp_path))
    assert any("upper bound" in note for note in resolved.notes) and resolved.spec.quantization is None


def test_folder_without_config_is_refused(tmp_path):
    with pytest.raises(ModelError, match="no config.json"):
        resolve_model(str(tmp_path))


def test_config_without_vision_tower_is_refused(tmp_path):
    config = {key: value for key, value in QWEN25_VL_7B_CONFIG.items() if key != "vision_config"}
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="vision sizes"):
        resolve_model(str(tmp_path))


def test_missing_path_is_refused():
    with pytest.raises(ModelError, match="no such folder"):
        resolve_model("./does/not/exist")


def test_uncached_hf_id_with_a_known_size_states_its_assumption():
    resolved = resolve_model("someone/Qwen2.5-VL-32B-Instruct-finetune")
    assert resolved.model_path == "someone/Qwen2.5-VL-32B-Instruct-finetune"
    assert resolved.spec.layers == CATALOG["32B"].layers
    assert "assuming the architecture of Qwen/Qwen2.5-VL-32B-Instruct" in resolved.notes[0]


def test_unknown_hf_id_is_refused():
    with pytest.raises(ModelError, match="unknown model"):
        resolve_model("someone/completely-different-model")
