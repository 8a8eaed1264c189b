# Source on the GPU host, from the repo root, in every call that carries a piece of the vLLM bundle:
#     source bench/gpu/device_vllm_env.sh
# The bundle is made here by `python -m bench.gpu.stage_vllm` (vLLM 0.26.0 + the packages the image lacks +
# the weight-less Qwen2.5-VL model folders), as .whl/vllm/MANIFEST and .whl/vllm/vllm-stage.tar.xz.part-NN,
# each piece <= 60 MiB so that one call carries one piece. Each call names .whl/vllm/MANIFEST and its piece in
# `carry`. This script:
#   1. checks each carried piece against MANIFEST (sha256) and appends it to $VLLM_STAGE/parts (default
#      /root/vllm-stage; it lasts only while the host stays warm: ~30 s idle, so chain the calls at once);
#   2. once every piece is there, unpacks them into $VLLM_STAGE/site and $VLLM_STAGE/models (once);
#   3. then exports PYTHONPATH, QWEN_MODEL_DIR, VLLM_DUMMY_FLAGS and caches, defines `vllm` (the CLI), sets
#      VLLM_READY=1 and prints vllm's version. Before that, VLLM_READY=0 and it prints "parts k/N".
# Then e.g.:  vllm serve "$QWEN_MODEL_DIR" $VLLM_DUMMY_FLAGS --port 8000
_vllm_src="$(pwd)/.whl/vllm"
export VLLM_STAGE=${VLLM_STAGE:-/root/vllm-stage}
export VLLM_READY=0
mkdir -p "$VLLM_STAGE/parts"
if [ -f "$_vllm_src/MANIFEST" ]; then
  cp "$_vllm_src/MANIFEST" "$VLLM_STAGE/MANIFEST"
fi
if [ ! -f "$VLLM_STAGE/MANIFEST" ]; then
  echo "device_vllm_env: no MANIFEST (carry .whl/vllm/MANIFEST with each piece)" >&2
else
  for _p in "$_vllm_src"/vllm-stage.tar.xz.part-*; do
    [ -f "$_p" ] || continue
    _name=$(basename "$_p")
    [ -f "$VLLM_STAGE/parts/$_name" ] && continue
    _want=$(awk -v n="$_name" '$3 == n {print $1}' "$VLLM_STAGE/MANIFEST")
    _got=$(sha256sum "$_p" | cut -d' ' -f1)
    if [ -n "$_want" ] && [ "$_want" = "$_got" ]; then
      cp "$_p" "$VLLM_STAGE/parts/$_name.tmp" && mv "$VLLM_STAGE/parts/$_name.tmp" "$VLLM_STAGE/parts/$_name"
    else
      echo "device_vllm_env: $_name does not match MANIFEST (want ${_want:-nothing}, got $_got)" >&2
    fi
  done
  _need=$(wc -l < "$VLLM_STAGE/MANIFEST")
  _have=0
  for _name in $(awk '{print $3}' "$VLLM_STAGE/MANIFEST"); do
    [ -f "$VLLM_STAGE/parts/$_name" ] && _have=$((_have + 1))
  done
  echo "device_vllm_env: parts $_have/$_need in $VLLM_STAGE/parts"
  if [ "$_have" = "$_need" ] && [ ! -f "$VLLM_STAGE/.site_ok" ]; then
    _t0=$(date +%s)
    # shellcheck disable=SC2046
    if cat $(awk -v d="$VLLM_STAGE/parts" '{print d "/" $3}' "$VLLM_STAGE/MANIFEST") \
        | xz -dc -T0 | tar -C "$VLLM_STAGE" -xf -; then
      touch "$VLLM_STAGE/.site_ok"
      rm -rf "$VLLM_STAGE/parts"
      echo "device_vllm_env: unpacked in $(( $(date +%s) - _t0 )) s: $(du -sh "$VLLM_STAGE/site" | cut -f1) site"
    else
      echo "device_vllm_env: unpacking failed" >&2
    fi
  fi
fi
if [ -f "$VLLM_STAGE/.site_ok" ]; then
  export PYTHONPATH="$VLLM_STAGE/site${PYTHONPATH:+:$PYTHONPATH}"
  export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 VLLM_NO_USAGE_STATS=1 DO_NOT_TRACK=1
  export VLLM_CACHE_ROOT="$VLLM_STAGE/cache" TRITON_CACHE_DIR="$VLLM_STAGE/triton" \
         TORCHINDUCTOR_CACHE_DIR="$VLLM_STAGE/inductor" FLASHINFER_WORKSPACE_BASE="$VLLM_STAGE/fi" \
         TVM_FFI_CACHE_DIR="$VLLM_STAGE/tvmffi"
  # multi-GPU hosts: NVLink multicast stays off
  export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
  if [ -f "$VLLM_STAGE/site/VLLM_NO_FLASHINFER" ]; then
    export VLLM_USE_FLASHINFER_SAMPLER=0
  fi
  export QWEN_MODEL_DIR="$VLLM_STAGE/models/model-7b"
  export VLLM_DUMMY_FLAGS="--load-format dummy --max-model-len 32768"
  vllm() { python3 -m vllm.entrypoints.cli.main "$@"; }
  # the app's supervisor starts vLLM plans with a program (--vllm / QWEN_STUDIO_VLLM), not a shell function
  mkdir -p "$VLLM_STAGE/bin"
  printf '#!/bin/sh\nexec python3 -m vllm.entrypoints.cli.main "$@"\n' >"$VLLM_STAGE/bin/vllm"
  chmod +x "$VLLM_STAGE/bin/vllm"
  export QWEN_STUDIO_VLLM="$VLLM_STAGE/bin/vllm"
  export VLLM_READY=1
  python3 -c "import vllm; print('vllm', vllm.__version__)"
fi
unset _vllm_src _p _name _want _got _need _have _t0
