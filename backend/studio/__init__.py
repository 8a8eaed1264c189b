"""The application layer: one Gradio-free Studio with a method per use case, the Viewer it applies to every request,
and the work files it hands back. The UI, the named API, the batch CLI and the tests all call it."""
