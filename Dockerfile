# Qwen2.5-VL demo studio on the official SGLang image (the tag matches requirements.txt's sglang pin).
# NVIDIA (default):  docker build -t qwen-vl-studio .
# AMD MI300X/MI325X: docker build --build-arg SGLANG_IMAGE_TAG=v0.5.23-rocm720-mi30x -t qwen-vl-studio:rocm .
# AMD MI355X:        docker build --build-arg SGLANG_IMAGE_TAG=v0.5.23-rocm720-mi35x -t qwen-vl-studio:rocm .
ARG SGLANG_IMAGE_TAG=v0.5.23
FROM lmsysorg/sglang:${SGLANG_IMAGE_TAG}

# Install only the app's packages; a constraint file frozen from the image keeps its torch/sglang untouched.
WORKDIR /app
COPY requirements-app.txt /app/requirements-app.txt
RUN python3 -m pip freeze > /tmp/image-constraints.txt \
    && python3 -m pip install --no-cache-dir -c /tmp/image-constraints.txt -r /app/requirements-app.txt \
    && rm /tmp/image-constraints.txt

RUN apt-get update -q && apt-get install -y -q --no-install-recommends fonts-droid-fallback \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 studio
COPY --chown=studio:studio app.py /app/app.py
COPY --chown=studio:studio backend /app/backend
COPY --chown=studio:studio ui /app/ui
USER studio

ENV GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860 \
    HF_HOME=/home/studio/.cache/huggingface \
    AUTO_LAUNCH=1 \
    MODEL=7B \
    HARDWARE=auto
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:7860/', timeout=4); sys.exit(0)"
CMD ["python3", "app.py"]
