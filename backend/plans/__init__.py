"""Launch plans: which engine command fits the chosen model on the chosen GPUs, and the arithmetic behind it."""
