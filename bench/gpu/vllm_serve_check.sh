#!/usr/bin/env bash
# The last call of the vLLM plan (docs/research/vllm-gpu-rig.md): with every piece of the bundle on the host,
# start `vllm serve` on the weight-less Qwen2.5-VL-7B folder and check /health, a text, an image and a video
# request (bench/gpu/vllm_smoke.py). Run from the repo root on the GPU host:
#     bash bench/gpu/vllm_serve_check.sh [extra vllm serve flags...]
# If the default start fails (the server exits or /health is not 200 within SERVE_WAIT, default 330 s), it tries
# once more with the conservative set: --enforce-eager, Triton attention for the LLM, torch SDPA for the vision
# tower and the PyTorch sampler (no FlashInfer JIT), so one call tells both whether the defaults run and whether
# vLLM runs at all. Writes $OUT/env.txt, $OUT/vllm_serve.log, $OUT/vllm_smoke.jsonl (and *_fallback.* files).
set -uo pipefail
OUT=${OUT:-/tmp/vllm-out}
mkdir -p "$OUT"
# shellcheck source=/dev/null
source bench/gpu/device_vllm_env.sh
if [ "${VLLM_READY:-0}" != 1 ]; then
  echo "vllm_serve_check: the bundle is not complete on this host" >&2
  exit 2
fi
{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 - <<'PY'
import importlib.metadata as md
for name in ("vllm", "torch", "transformers", "tokenizers", "huggingface-hub", "fastapi", "pydantic", "openai",
             "flashinfer-python", "xgrammar", "numpy", "opencv-python-headless", "triton"):
    try:
        print(name, md.version(name))
    except md.PackageNotFoundError:
        print(name, "MISSING")
import vllm._C_stable_libtorch  # noqa: F401  (the core ops load against this torch)
import vllm.vllm_flash_attn.flash_attn_interface as fa
print("FA2", fa.FA2_AVAILABLE, "FA3", fa.FA3_AVAILABLE, fa.FA3_UNAVAILABLE_REASON)
PY
} > "$OUT/env.txt" 2>&1
cat "$OUT/env.txt"
PORT=${PORT:-8000}

serve_and_check() {  # $1: file suffix; the rest: extra serve flags
  local tag=$1; shift
  setsid python3 -m vllm.entrypoints.cli.main serve "$QWEN_MODEL_DIR" $VLLM_DUMMY_FLAGS --port "$PORT" \
    --limit-mm-per-prompt '{"image": 4, "video": 1}' "$@" > "$OUT/vllm_serve$tag.log" 2>&1 &
  local server=$!
  python3 -m bench.gpu.vllm_smoke --base "http://127.0.0.1:$PORT" --wait "$SERVE_WAIT" --pid "$server" \
    --out "$OUT/vllm_smoke$tag.jsonl"
  local rc=$?
  grep -E "Using .*backend|FlashAttention|vit attention|MMEncoderAttention|KV cache|Model loading took|Capturing|torch.compile|Traceback|Error" \
    "$OUT/vllm_serve$tag.log" | head -40
  tail -n 15 "$OUT/vllm_serve$tag.log"
  kill -TERM -- -"$server" 2>/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$server" 2>/dev/null || break; sleep 1; done
  kill -KILL -- -"$server" 2>/dev/null
  wait "$server" 2>/dev/null
  return $rc
}

SERVE_WAIT=${SERVE_WAIT:-330}
t0=$(date +%s)
serve_and_check "" "$@"
RC=$?
left=$(( 560 - ($(date +%s) - t0) ))
if [ $RC != 0 ] && [ $left -gt 90 ]; then
  echo "=== default start failed (rc $RC); fallback: eager, TRITON_ATTN, TORCH_SDPA vision, PyTorch sampler"
  SERVE_WAIT=$(( left - 40 )) VLLM_USE_FLASHINFER_SAMPLER=0 serve_and_check "_fallback" --enforce-eager \
    --attention-backend TRITON_ATTN --mm-encoder-attn-backend TORCH_SDPA "$@"
fi
exit $RC
