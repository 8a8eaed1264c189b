"""The one error a plan's inputs raise: a model, hardware or engine-argument choice that makes no plan."""

from backend.errors import UserError


class PlanInputError(UserError, ValueError):
    """A choice that cannot become a plan; str(error) says why and what to choose instead."""
