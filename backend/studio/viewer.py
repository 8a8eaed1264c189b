"""Who is asking: an admin or a visitor of a public demo. The Studio makes one Viewer per request, and every
admin check and every redaction of what a public visitor may read lives here."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace

from backend.engine.status import FailureCause, ServerStatus
from backend.errors import UserError
from backend.plans.planner import LaunchPlan

HIDDEN_URL = "the demo's engine"  # what a public visitor reads instead of the engine's internal address
PUBLIC_MAX_FILE_SIZE = "50mb"  # a public demo's upload cap (Gradio's syntax) unless --max-file-size says
ADMIN_REFUSAL = "This is a public demo: launching and stopping the engine need the admin token."


class AdminRequired(UserError):
    """Public mode: launching, attaching and stopping need the admin token."""


def mask_secret(text: str, secret: str) -> str:
    """The text with the API key replaced (commands shown without it)."""
    return text.replace(secret, "$API_KEY") if secret else text


@dataclass(frozen=True)
class Viewer:
    """One person asking: on a public demo a visitor (never sees the engine's address, key, pid or log, and may
    not launch or stop) unless they gave the admin token; on a private app always the admin."""

    public: bool = False
    admin: bool = True
    visitor: str = ""  # whose fair share of the engine this person's answers count against

    @classmethod
    def of(cls, public: bool, admin_token: str, token: str | None = None, visitor: str = "") -> Viewer:
        """The viewer a request makes: admin when the app is private or `token` is the admin token."""
        admin = not public or bool(admin_token) and hmac.compare_digest((token or "").encode(), admin_token.encode())
        return cls(public=public, admin=admin, visitor=visitor)

    @property
    def sees_internals(self) -> bool:
        """True when this viewer may read the engine's address, key, pid and log."""
        return not self.public

    def require_admin(self) -> None:
        """Raise AdminRequired unless this viewer may launch, attach and stop."""
        if not self.admin:
            raise AdminRequired(ADMIN_REFUSAL)

    def redact(self, text: str, status: ServerStatus) -> str:
        """The text as this viewer may read it (a visitor: without the engine's key or internal address)."""
        if self.sees_internals:
            return text
        text = mask_secret(text, status.plan.api_key if status.plan else "")
        return text.replace(status.base_url, HIDDEN_URL) if status.base_url else text

    def shown(self, status: ServerStatus) -> ServerStatus:
        """The status as this viewer may read it: for a visitor every text redacted, no address and no pid."""
        if self.sees_internals:
            return status

        def clean(text: str) -> str:
            return self.redact(text, status)

        cause = status.cause
        return replace(
            status, message=clean(status.message), last_error=clean(status.last_error), pid=None, base_url="",
            log_tail=tuple(clean(line) for line in status.log_tail), log_path="",
            cause=FailureCause(cause.kind, clean(cause.summary), clean(cause.suggestion), clean(cause.evidence))
            if cause else None)

    def command(self, plan: LaunchPlan) -> str:
        """The plan's copy-paste command as this viewer may read it (a visitor: without the API key)."""
        return plan.copy_paste() if self.sees_internals else mask_secret(plan.copy_paste(), plan.api_key)

    def plan_text(self, text: str, plan: LaunchPlan) -> str:
        """A plan's text as this viewer may read it (a visitor: no key, no engine address)."""
        if self.sees_internals:
            return text
        return mask_secret(text, plan.api_key).replace(plan.base_url, HIDDEN_URL)
