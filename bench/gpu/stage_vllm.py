"""Pack real vLLM 0.26.0 for the GPU host (no network, torch 2.11.0+cu130, Python 3.12) in 60 MiB chunks.

    python -m bench.gpu.stage_vllm                    # writes .whl/vllm/ (git-ignored)
    python -m bench.gpu.stage_vllm --cache /work/vllmrig/dl --models .whl/carry/models.tar.xz

Why 0.26.0: it is the newest vLLM on PyPI whose METADATA pins torch==2.11.0 (0.24.0, 0.25.x and 0.26.0 do;
0.27.0-0.32.0 pin torch==2.13.0, 0.33.0/0.34.0 torch==2.14.0), and its compiled ops are CUDA 13 builds
(`readelf -d`: libcudart.so.13 / libnvrtc.so.13 in every vllm/*.so), like the host's torch 2.11.0+cu130.
Its torchvision pin (0.26.0) and torchaudio pin (2.11.0) are the host's too. docs/research/vllm-gpu-rig.md
has the evidence.

Output, under .whl/vllm/ of the repo root (or --out):
    vllm-stage.tar.xz.part-NN   one xz-compressed tar stream (site/ + models/), split into <= 60 MiB pieces:
                                one device call carries one piece next to the ~2 MB repo (64 MiB a call)
    MANIFEST                    sha256, size and name of each piece; travels with every piece
The device side is bench/gpu/device_vllm_env.sh (kept in git, since .whl is ignored): each call that carries a
piece sources it, it appends the piece to /root/vllm-stage/parts, and once all are there it unpacks and exports
PYTHONPATH. The call plan is in docs/research/vllm-gpu-rig.md.

What is left out of the vllm wheel, and why (read in vllm 0.26.0's own sources):
  * vllm/vllm_flash_attn/_vllm_fa2_C.abi3.so (305 MB): FlashAttention 2. flash_attn_interface.py imports it in
    `try: ... except ImportError: FA2_AVAILABLE = False`; v1/attention/backends/fa_utils.get_flash_attn_version
    picks FA3 when `device_capability.major == 9 and is_fa_version_supported(3)`, and FA2 only for ALiBi models
    or when forced. The vision tower (model_executor/layers/attention/mm_encoder_attention.py) asks the same
    function (head_size 80 for Qwen2.5-VL, 72 for Qwen3-VL), so on sm90 both the LLM and the ViT run FA3
    (_vllm_fa3_C.abi3.so, kept).
  * vllm/_moe_C_stable_libtorch.abi3.so (47 MB): fused-MoE ops (topk_softmax, moe_align_block_size, marlin MoE,
    moe_permute...). platforms/cuda.py imports it under contextlib.suppress(ImportError); every torch.ops._moe_C
    call sits in fused_moe or _custom_ops' MoE helpers. Qwen2.5-VL-7B and Qwen3-VL-8B are dense.
    --keep-moe keeps it (Qwen3-VL-30B-A3B and other MoE models need it).
  * vllm/third_party/deep_gemm/ (35 MB: JIT headers + one _C per Python 3.10-3.14): DeepGEMM, for block-FP8
    GEMMs. utils/import_utils.has_deep_gemm() is a find_spec test, utils/deep_gemm._import_deep_gemm returns None
    when absent; bf16 and per-tensor FP8 (--quantization fp8) use CUTLASS/Triton from _C_stable_libtorch.
    --keep-deep-gemm keeps it (cp312 .so only).
  * vllm/third_party/fmha_sm100/ (30 MB): Blackwell-only attention (function-local imports in minimax_m3).
  * vllm/vllm-rs (41 MB): the Rust frontend binary; envs._resolve_rust_frontend_path returns None unless
    VLLM_USE_RUST_FRONTEND=1.
  * vllm/_flashmla_C.abi3.so, vllm/_flashmla_extension_C.abi3.so (2 MB): MLA (DeepSeek) only; guarded import in
    v1/attention/ops/flashmla.py.
  * deep_gemm's other-Python .so files, __pycache__, wheel scripts/headers.
Kept whole: _C_stable_libtorch (all archs in one fat binary; no tool here strips cubins from a .so),
_vllm_fa3_C, _qutlass_C (1 MB, imported under suppress), FA4's CuTe Python sources (FA4_AVAILABLE is a file
existence test; cutlass-dsl is not carried, so FA4 is only importable, never chosen on sm90 for these models).

Dependencies: only what vllm's serve path imports and the image lacks (the image's list is in the device notes;
torch, torchvision, transformers 5.17.0, tokenizers, huggingface-hub, numpy, pillow, opencv-python-headless,
aiohttp, httpx, anyio, uvloop, prometheus-client, psutil, regex, pyyaml, einops, tiktoken, sentencepiece,
safetensors, cloudpickle, filelock, requests, tqdm, py-cpuinfo, click, h11, annotated-doc are there). Left out
as optional (imported only inside functions for features not used here): torchcodec and PyNvVideoCodec
(VLLM_VIDEO_LOADER_BACKEND defaults to opencv), compressed-tensors (only for compressed-tensors checkpoints),
mistral-common, anthropic, mcp, opentelemetry-*, tilelang, quack-kernels, nvidia-cutlass-dsl, humming-kernels,
tokenspeed-mla, nvtx, nvidia-cudnn-frontend, fastsafetensors, numba (the image has one), ijson, lark.
--no-flashinfer drops FlashInfer (then the env script sets VLLM_USE_FLASHINFER_SAMPLER=0: vLLM's default
top-k/top-p sampler on Hopper is FlashInfer's, JIT-built with nvcc on first use).
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CHUNK = 60 * 1024 * 1024
PART_PREFIX = "vllm-stage.tar.xz.part-"
PLATFORMS = ("manylinux_2_35_x86_64", "manylinux_2_34_x86_64", "manylinux_2_31_x86_64", "manylinux_2_28_x86_64",
             "manylinux_2_27_x86_64", "manylinux_2_26_x86_64", "manylinux_2_24_x86_64", "manylinux_2_17_x86_64",
             "manylinux2014_x86_64", "manylinux1_x86_64")

VLLM = "vllm==0.26.0"
# What vllm 0.26.0's serve path imports at module level (static import closure of entrypoints.openai.api_server,
# entrypoints.cli.main, v1.engine.core, v1.worker.gpu_worker/gpu_model_runner, models.qwen2_5_vl/qwen3_vl,
# platforms.cuda, v1.attention.backends.flash_attn, v1.sample.sampler, multimodal.video), or at run time on it
# (blake3: the default VLLM_MM_HASHER_ALGORITHM; setproctitle: engine-core process titles; depyf: wrapper.py),
# that the GPU image lacks, plus what those need. Checked by importing the serve path with this bundle on
# PYTHONPATH over a Python 3.12 venv holding only image packages (torch 2.11.0+cu130, transformers 5.17.0, ...),
# no GPU (docs/research/vllm-gpu-rig.md). Versions: newest that satisfy vllm 0.26.0's pins.
DEPS = (
    "cachetools==8.0.3", "blake3==1.0.11", "cbor2==6.3.0", "msgspec==0.23.0", "pyzmq==27.3.0", "pybase64==1.5.1",
    "partial-json-parser==0.2.1.1.post7", "setproctitle==1.3.8",
    "openai==2.54.0", "distro==1.9.0", "jiter==0.19.0", "sniffio==1.3.1",  # openai 3.x needs httpx2: kept on 2.x
    "openai-harmony==0.0.8",
    "pydantic==2.14.4", "pydantic-core==2.50.5", "annotated-types==0.8.0", "typing-inspection==0.4.5",
    "typing-extensions==4.16.0",
    "fastapi==0.136.3", "starlette==1.10.0", "uvicorn==0.55.0", "python-multipart==0.0.34", "watchfiles==1.3.0",
    "prometheus-fastapi-instrumentator==8.1.0",
    "model-hosting-container-standards==0.1.16", "jmespath==1.1.0",  # imported by api_server (sagemaker router)
    "depyf==0.20.0", "astor==0.8.1", "dill==0.4.1",
    "xgrammar==0.2.7", "apache-tvm-ffi==0.1.10",  # structured outputs; 0.2.8+ needs tvm-ffi>=0.1.11, vllm pins 0.1.10
    "llguidance==1.7.6",  # v1/structured_output/__init__ -> backend_guidance: needed at import (import test)
    # SamplingParams._validate_structured_outputs imports every backend's validator for each request with a schema,
    # whichever backend serves: lm-format-enforcer's module then loads lmformatenforcer (H100 run, 2026-12-08:
    # ModuleNotFoundError at the first json_schema request)
    "lm-format-enforcer==0.11.3", "interegular==0.3.3", "outlines_core==0.2.14",
)
FLASHINFER = ("flashinfer-python==0.6.14", "cuda-tile==1.7.0")

# Paths inside the vllm wheel that are never loaded for Qwen2.5-VL / Qwen3-VL dense bf16 on sm90 (see docstring).
VLLM_LEFT_OUT = ("vllm/vllm_flash_attn/_vllm_fa2_C.abi3.so", "vllm/third_party/fmha_sm100/", "vllm/vllm-rs",
                 "vllm/_flashmla_C.abi3.so", "vllm/_flashmla_extension_C.abi3.so")
MOE = ("vllm/_moe_C_stable_libtorch.abi3.so",)
DEEP_GEMM = ("vllm/third_party/deep_gemm/",)
DEEP_GEMM_OTHER_PYTHONS = tuple(f"vllm/third_party/deep_gemm/_C.cpython-{v}-x86_64-linux-gnu.so"
                                for v in ("310", "311", "313", "314"))


def download(specs: list[str], cache: Path) -> list[Path]:
    """pip download --no-deps the cp312 manylinux x86_64 wheels into cache (kept between runs)."""
    cache.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "--python-version",
           "3.12", "--implementation", "cp", "-d", str(cache)]
    for plat in PLATFORMS:
        cmd += ["--platform", plat]
    subprocess.run(cmd + specs, check=True)
    wheels = []
    for spec in specs:
        name, _, version = spec.partition("==")
        key = name.lower().replace("-", "_")
        found = [w for w in cache.glob("*.whl")
                 if w.name.split("-")[0].lower().replace("-", "_") == key and w.name.split("-")[1] == version]
        if len(found) != 1:
            sys.exit(f"expected one wheel for {spec} in {cache}, found {[w.name for w in found]}")
        wheels.append(found[0])
    return wheels


def unpack(wheel: Path, site: Path, left_out: tuple[str, ...]) -> tuple[int, int]:
    """Unpack one wheel into site (purelib/platlib only), skipping left_out prefixes; return (kept, skipped) bytes."""
    kept = skipped = 0
    with zipfile.ZipFile(wheel) as z:
        for info in z.infolist():
            name = info.filename
            parts = name.split("/")
            if parts[0].endswith(".data") and len(parts) > 2:
                if parts[1] not in ("purelib", "platlib"):
                    skipped += info.file_size
                    continue
                name = "/".join(parts[2:])
            if "/__pycache__/" in name or name.startswith(left_out):
                skipped += info.file_size
                continue
            dest = site / name
            if name.endswith("/"):
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(dest, "wb") as dst:
                shutil.copyfileobj(src, dst)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                dest.chmod(mode | 0o200)
            kept += info.file_size
    return kept, skipped


def add_models(models: Path | None, stage: Path) -> None:
    """Put the weight-less model folders (SGLang kit's models.tar.xz: model-3b/, model-7b/) under stage/models."""
    if models is None:
        return
    if not models.is_file():
        sys.exit(f"{models} not found: run ../shared/gpu/stage_sglang.sh first (it writes .whl/carry/models.tar.xz)"
                 " or pass --models none")
    (stage / "models").mkdir(parents=True, exist_ok=True)
    with tarfile.open(models) as tar:
        tar.extractall(stage / "models", filter="data")


def pack(stage: Path, out: Path) -> list[tuple[str, int, str]]:
    """tar | xz -9 -T0 the stage, split into CHUNK pieces under out, write MANIFEST; return (name, size, sha256)."""
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob(PART_PREFIX + "*"):
        old.unlink()
    tar = subprocess.Popen(["tar", "-C", str(stage), "--owner=0", "--group=0", "-cf", "-", "."],
                           stdout=subprocess.PIPE)
    xz = subprocess.Popen(["xz", "-9", "-T0", "-c"], stdin=tar.stdout, stdout=subprocess.PIPE)
    tar.stdout.close()
    pieces = []
    index = 0
    while True:
        data = xz.stdout.read(CHUNK)
        if not data:
            break
        # read() may return short; fill the piece up to CHUNK unless the stream ended
        while len(data) < CHUNK:
            more = xz.stdout.read(CHUNK - len(data))
            if not more:
                break
            data += more
        name = f"{PART_PREFIX}{index:02d}"
        (out / name).write_bytes(data)
        pieces.append((name, len(data), hashlib.sha256(data).hexdigest()))
        index += 1
    if xz.wait() != 0 or tar.wait() != 0:
        sys.exit("tar | xz failed")
    lines = [f"{sha}  {size}  {name}" for name, size, sha in pieces]
    (out / "MANIFEST").write_text("\n".join(lines) + "\n")
    return pieces


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=REPO_ROOT / ".whl" / "vllm-dl",
                    help="where downloaded wheels are kept between runs (default .whl/vllm-dl)")
    ap.add_argument("--out", type=Path, default=REPO_ROOT / ".whl" / "vllm")
    ap.add_argument("--models", default=str(REPO_ROOT / ".whl" / "carry" / "models.tar.xz"),
                    help="the SGLang kit's models.tar.xz to pack along ('none' to leave out)")
    ap.add_argument("--keep-moe", action="store_true", help="keep _moe_C (MoE models)")
    ap.add_argument("--keep-deep-gemm", action="store_true", help="keep DeepGEMM (block-FP8 checkpoints)")
    ap.add_argument("--no-flashinfer", action="store_true", help="leave FlashInfer out (PyTorch sampler then)")
    ap.add_argument("--stage", type=Path, default=None, help="scratch dir (default: a temp dir, removed after)")
    args = ap.parse_args(argv)

    specs = [VLLM, *DEPS] + ([] if args.no_flashinfer else list(FLASHINFER))
    wheels = download(specs, args.cache)
    left_out = VLLM_LEFT_OUT + DEEP_GEMM_OTHER_PYTHONS
    left_out += () if args.keep_moe else MOE
    left_out += () if args.keep_deep_gemm else DEEP_GEMM
    scratch = Path(tempfile.mkdtemp(prefix="vllm_stage_")) if args.stage is None else args.stage
    try:
        if scratch.exists():
            shutil.rmtree(scratch)
        site = scratch / "site"
        site.mkdir(parents=True)
        total_kept = total_skipped = 0
        for wheel in wheels:
            kept, skipped = unpack(wheel, site, left_out if wheel.name.startswith("vllm-") else ())
            total_kept += kept
            total_skipped += skipped
            print(f"  {wheel.name:80s} {wheel.stat().st_size / 2**20:7.1f} MiB wheel, {kept / 2**20:7.1f} MiB kept,"
                  f" {skipped / 2**20:6.1f} MiB left out")
        if args.no_flashinfer:
            (site / "VLLM_NO_FLASHINFER").write_text("FlashInfer was not packed\n")
        add_models(None if args.models == "none" else Path(args.models), scratch)
        print(f"site: {total_kept / 2**20:.1f} MiB unpacked ({total_skipped / 2**20:.1f} MiB left out); packing...")
        pieces = pack(scratch, args.out)
    finally:
        if args.stage is None:
            shutil.rmtree(scratch, ignore_errors=True)
    for name, size, _ in pieces:
        print(f"  {args.out / name}  {size / 2**20:.2f} MiB")
    print(f"{len(pieces)} piece(s), {sum(s for _, s, _ in pieces) / 2**20:.1f} MiB in all; MANIFEST in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
