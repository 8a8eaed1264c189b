"""Check the vLLM bundle on a machine WITHOUT a GPU, before spending device time on it.

    # a Python 3.12 venv holding only the GPU image's packages, at its versions (torch==2.11.0 from PyPI is the
    # cu130 build, transformers==5.17.0, tokenizers==0.23.2, huggingface-hub==1.33.0, numpy==2.5.2, pillow,
    # opencv-python-headless, nvidia-ml-py, ...: see docs/research/vllm-gpu-rig.md), then:
    VLLM_STAGE=/tmp/vstage bash -c 'source bench/gpu/device_vllm_env.sh'      # unpack the pieces
    LD_LIBRARY_PATH=/dir/with/stub/libcuda.so.1 PYTHONPATH=/tmp/vstage/site HF_HUB_OFFLINE=1 \\
        venv/bin/python -m bench.gpu.vllm_cpu_check --model /tmp/vstage/models/model-7b

With no driver, `vllm._C_stable_libtorch` needs some libcuda.so.1 to link: a stub whose `cu*` functions return an
error is enough (`nm -D --undefined-only vllm/*.so | grep ' cu[A-Z]'` lists them). The check forces vLLM's CUDA
platform with compute capability 9.0, imports the modules `vllm serve` uses for Qwen2.5-VL / Qwen3-VL on Hopper
(a ModuleNotFoundError names a package the bundle lacks), builds vLLM's Qwen2.5-VL processor from the weight-less
model folder with the image's transformers (the startup-profiling dummy inputs and a real 1280x720 image), and
decodes a generated MP4 with vLLM's default (opencv) video loader. Exits 1 on any failure.

With --extraction FILE it also takes each extraction template's request the way `vllm serve` does: the app's
`response_format` through vLLM's ChatCompletionRequest and SamplingParams.verify (which imports every
structured-output backend: the H100 run of 2026-12-08 failed there on a missing lm-format-enforcer), the schema
compiled by vLLM's xgrammar backend under the plan's --structured-outputs-config, and an answer that follows the
schema fed through that grammar token by token, to its end. FILE is written first, in the app's own environment:

    python -m bench.gpu.vllm_cpu_check --write-extraction /tmp/extraction.json
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import traceback

MODULES = (
    "vllm.platforms.cuda", "vllm._custom_ops", "vllm.entrypoints.openai.api_server", "vllm.entrypoints.cli.main",
    "vllm.v1.engine.core", "vllm.v1.engine.async_llm", "vllm.v1.worker.gpu_worker", "vllm.v1.worker.gpu_model_runner",
    "vllm.model_executor.models.qwen2_5_vl", "vllm.model_executor.models.qwen3_vl",
    "vllm.v1.attention.backends.flash_attn", "vllm.v1.attention.backends.flashinfer",
    "vllm.v1.sample.ops.topk_topp_sampler", "vllm.multimodal.video", "vllm.v1.structured_output.backend_xgrammar",
    "vllm.v1.executor.multiproc_executor", "vllm.vllm_flash_attn.flash_attn_interface",
)
IMAGE_PAD, VIDEO_PAD = 151655, 151656


def force_hopper() -> None:
    sys.setdlopenflags(os.RTLD_LAZY | os.RTLD_GLOBAL)  # the stub libcuda only has to link
    import vllm.platforms as platforms
    from vllm.platforms.cuda import CudaPlatform
    from vllm.platforms.interface import DeviceCapability

    platforms._current_platform = CudaPlatform()
    CudaPlatform.get_device_capability = classmethod(lambda cls, device_id=0: DeviceCapability(9, 0))


def check_processor(model: str) -> None:
    import numpy as np
    from PIL import Image
    from vllm.config import ModelConfig
    from vllm.multimodal import MULTIMODAL_REGISTRY
    from vllm.multimodal.processing.context import TimingContext
    from vllm.multimodal.processing.inputs import ProcessorInputs

    config = ModelConfig(model=model, max_model_len=32768, dtype="bfloat16")
    proc = MULTIMODAL_REGISTRY.create_processor(config)
    for counts in ({"image": 1}, {"video": 1}):
        ids = MULTIMODAL_REGISTRY.get_dummy_mm_inputs(config, counts, processor=proc)["prompt_token_ids"]
        print(f"ok   dummy {counts}: {sum(t == IMAGE_PAD for t in ids)} image, {sum(t == VIDEO_PAD for t in ids)}"
              " video tokens")
    img = Image.fromarray((np.random.default_rng(0).random((720, 1280, 3)) * 255).astype(np.uint8))
    prompt = ("<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe.<|im_end|>\n"
              "<|im_start|>assistant\n")
    items = proc.info.parse_mm_data({"image": img})
    ids = proc.apply(ProcessorInputs(prompt=prompt, mm_data_items=items),
                     timing_ctx=TimingContext(enabled=False))["prompt_token_ids"]
    print(f"ok   1280x720 image: {len(ids)} prompt tokens, {sum(t == IMAGE_PAD for t in ids)} image tokens")


def check_video() -> None:
    import cv2
    import numpy as np
    from vllm.multimodal.video import VIDEO_LOADER_REGISTRY

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "clip.mp4")
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), 8.0, (320, 240))
        for i in range(16):
            frame = np.zeros((240, 320, 3), np.uint8)
            cv2.rectangle(frame, (10 + 15 * i, 60), (60 + 15 * i, 180), (0, 200, 255), -1)
            writer.write(frame)
        writer.release()
        with open(path, "rb") as fh:
            frames, meta = VIDEO_LOADER_REGISTRY.load("opencv").load_bytes(fh.read(), num_frames=32)
    print(f"ok   opencv video loader: frames {frames.shape}, fps {meta.get('fps')}")


def write_extraction(path: str) -> None:
    """In the app's environment: the plan's structured-outputs config and, per template, its response_format and an
    answer that follows its schema (the stand-in's, written as xgrammar without free whitespace lets a model write)."""
    import json

    from backend.extract.schema import TEMPLATE_NAMES, template
    from backend.plans.commands import VLLM_STRUCTURED_OUTPUTS
    from standin.schema_answer import answer_for

    requests = [{"name": name, "response_format": template(name).response_format(),
                 "answer": answer_for(template(name).grammar_schema(), (1148, 840))} for name in TEMPLATE_NAMES]
    with open(path, "w", encoding="utf-8") as out:
        json.dump({"structured_outputs_config": VLLM_STRUCTURED_OUTPUTS, "requests": requests}, out, indent=1)
    print(f"wrote {len(requests)} extraction requests to {path}")


def check_extraction(model: str, path: str) -> None:
    import json

    from vllm.config import ModelConfig, StructuredOutputsConfig, VllmConfig
    from vllm.entrypoints.openai.chat_completion.protocol import ChatCompletionRequest
    from vllm.sampling_params import StructuredOutputsParams
    from vllm.tokenizers import get_tokenizer
    from vllm.v1.structured_output.backend_types import StructuredOutputOptions
    from vllm.v1.structured_output.backend_xgrammar import XgrammarBackend

    with open(path, encoding="utf-8") as source:
        written = json.load(source)
    model_config = ModelConfig(model=model, max_model_len=32768, dtype="bfloat16")
    outputs_config = StructuredOutputsConfig(**written["structured_outputs_config"])
    tokenizer = get_tokenizer(model)
    backend = XgrammarBackend(VllmConfig(model_config=model_config, structured_outputs_config=outputs_config),
                              tokenizer=tokenizer, vocab_size=model_config.get_vocab_size())
    def grammar_for(spec: object):
        return backend.compile_grammar(StructuredOutputOptions.JSON, spec if isinstance(spec, str) else json.dumps(spec))

    for request in written["requests"]:
        body = ChatCompletionRequest(model="m", messages=[{"role": "user", "content": "Extract."}],
                                     response_format=request["response_format"], max_tokens=512)
        params = body.to_sampling_params(512, {})
        params.verify(model_config, None, outputs_config, tokenizer)
        assert isinstance(params.structured_outputs, StructuredOutputsParams) and params.structured_outputs.json
        spec = params.structured_outputs.json
        grammar = grammar_for(spec)
        tokens = tokenizer.encode(request["answer"], add_special_tokens=False)
        accepted = grammar.validate_tokens(tokens)
        if len(accepted) != len(tokens):
            raise AssertionError(f"{request['name']}: the grammar stopped at token {len(accepted)} of {len(tokens)}: "
                                 f"{tokenizer.decode(tokens[:len(accepted) + 1])!r}")
        grammar.accept_tokens("check", tokens)
        grammar.accept_tokens("check", [tokenizer.eos_token_id])
        if not grammar.is_terminated():
            raise AssertionError(f"{request['name']}: the grammar did not end after the answer")
        stray = request["answer"].rstrip()[:-1] + ', "not_in_the_schema": 1}'  # a property the schema does not name
        stray_tokens = tokenizer.encode(stray, add_special_tokens=False)
        if len(grammar_for(spec).validate_tokens(stray_tokens)) == len(stray_tokens):
            raise AssertionError(f"{request['name']}: the grammar let a property the schema does not name through")
        print(f"ok   extraction {request['name']}: verified, compiled by xgrammar "
              f"(backend {params.structured_outputs._backend}), a {len(tokens)}-token answer accepted to its end, "
              "an answer with a property the schema does not name stopped")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="a weight-less model folder (model-7b)")
    ap.add_argument("--extraction", help="a file --write-extraction wrote: check those requests too")
    ap.add_argument("--write-extraction", help="(in the app's environment) write the extraction requests, then exit")
    args = ap.parse_args(argv)
    if args.write_extraction:
        write_extraction(args.write_extraction)
        return 0
    if not args.model:
        ap.error("--model is required")
    force_hopper()
    failed = 0
    for name in MODULES:
        try:
            importlib.import_module(name)
            print(f"ok   import {name}")
        except Exception as exc:  # noqa: BLE001 - report every module
            failed += 1
            print(f"FAIL import {name}: {type(exc).__name__}: {exc}")
    steps = [lambda: check_processor(args.model), check_video]
    if args.extraction:
        steps.append(lambda: check_extraction(args.model, args.extraction))
    for step in steps:
        try:
            step()
        except Exception:  # noqa: BLE001
            failed += 1
            print("FAIL", traceback.format_exc(limit=3))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
