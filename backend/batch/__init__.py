"""Batch mode: many files through one prompt side by side on the engine, with JSON lines / COCO / CSV exports."""
