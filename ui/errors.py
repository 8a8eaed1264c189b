"""The one place a UserError becomes what Gradio shows: a gr.Error with the error's own words (no stack trace)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import gradio as gr

from backend.errors import UserError

Handler = TypeVar("Handler", bound=Callable[..., Any])


def shows_user_errors(handler: Handler) -> Handler:
    """The handler with every UserError it raises (streaming or not) turned into a gr.Error. The wrapper keeps the
    handler's signature, annotations and kind (generator or not), which Gradio reads for the API and streaming."""
    if inspect.isgeneratorfunction(handler):
        @functools.wraps(handler)
        def streaming(*args: Any, **kwargs: Any) -> Any:
            try:
                yield from handler(*args, **kwargs)
            except UserError as error:
                raise gr.Error(str(error)) from None
        return streaming  # type: ignore[return-value]

    @functools.wraps(handler)
    def plain(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        except UserError as error:
            raise gr.Error(str(error)) from None
    return plain  # type: ignore[return-value]
