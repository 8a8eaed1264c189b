"""Cap glibc's malloc arenas in the app process so its resident memory stays flat under many visitors.

Gradio runs every handler and stream on worker threads, and glibc gives threads up to 8 x cores malloc arenas.
Decoded images, base64 payloads and JPEG buffers are freed into whichever arena their thread used and are kept
there for reuse, so resident memory creeps up with load although nothing leaks. Measured with
`python -m bench.soak --standin --sessions 64 --minutes 10` on 2 cores: +19% after warm-up with glibc's default,
flat with two arenas (numbers in README "Limits and safety"). The engine is a separate process and unaffected.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

M_ARENA_MAX = -8  # glibc's malloc.h
APP_ARENAS = 2


def cap_malloc_arenas(arenas: int = APP_ARENAS) -> bool:
    """Limit glibc to `arenas` malloc arenas for threads created from now on; False where that is not possible
    (not glibc) or not wanted (the operator set MALLOC_ARENA_MAX, which glibc already applied)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl, macOS: no mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return mallopt(M_ARENA_MAX, arenas) == 1
