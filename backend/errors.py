"""UserError: every refusal or failure written for the person who asked. The UI turns it into a message in one
place (ui/errors.py); the named API, the batch CLI and the tests read the same text."""

from __future__ import annotations


class UserError(Exception):
    """A refusal a user should read as it is: what went wrong and what to do (never a stack trace)."""
