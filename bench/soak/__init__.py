"""The soak: many gradio_client visitors chatting with a running app, with memory, fd and latency curves."""
