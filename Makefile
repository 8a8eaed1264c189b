# Two commands do all set-up on a fresh machine:  `make run`  and  `make test`.
PY ?= python3

.PHONY: setup setup-dev browser vllm-venv run test test-fast

setup:
	$(PY) -m pip install -q -r requirements.txt

setup-dev:
	$(PY) -m pip install -q -r requirements-dev.txt

# Playwright drives Debian's Chromium (it cannot download its own browser here); the Droid fallback font
# draws CJK labels on grounding overlays; ffmpeg's ffprobe is what the audio-track checks ask.
browser:
	@{ command -v chromium >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 \
	  && test -e /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf; } \
	  || { apt-get update -q && apt-get install -y -q chromium fonts-droid-fallback ffmpeg; }

# vLLM's own argument parser for tests/test_vllm_cli.py, in a venv of its own (requirements-vllm.txt says why);
# made again only when requirements-vllm.txt changes.
VLLM_VENV := .venv-vllm

vllm-venv: $(VLLM_VENV)/requirements-vllm.txt

$(VLLM_VENV)/requirements-vllm.txt: requirements-vllm.txt
	rm -rf $(VLLM_VENV)
	$(PY) -m venv --system-site-packages $(VLLM_VENV)
	$(VLLM_VENV)/bin/python -m pip install -q --no-deps -r requirements-vllm.txt
	cp requirements-vllm.txt $@

run: setup
	$(PY) app.py $(ARGS)

test: setup-dev browser vllm-venv
	$(PY) -m pip check
	$(PY) -m pytest $(PYTEST_ARGS)

# The fast loop: the Studio, the backend and the unit tests in-process; no served app, no browser.
test-fast: setup-dev vllm-venv
	$(PY) -m pytest -m "not served" $(PYTEST_ARGS)
