"""One conversation with the engine: turns, the OpenAI request built from them, the stream and its metrics."""
