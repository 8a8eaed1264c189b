"""Structured extraction: a JSON Schema in (a template or the user's own), the engine holding decoding to it,
the answer parsed tolerantly, validated, tabulated and its bbox_2d fields drawn on the document."""
