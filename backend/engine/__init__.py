"""The engine's lifecycle: launch, watch, attach, adopt and stop an SGLang server, and report its status and load."""
