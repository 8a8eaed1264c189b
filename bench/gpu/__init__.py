"""Checks run on a GPU host against real SGLang: supervisor, media, faults, adoption after an app crash."""
