"""The app caps glibc's malloc arenas (resident memory stays flat under many visitors), unless the operator chose."""

import os
import platform
import subprocess
import sys

import pytest

GLIBC = platform.libc_ver()[0] == "glibc"


def run_python(code: str, **env: str) -> str:
    environ = {key: value for key, value in os.environ.items() if key != "MALLOC_ARENA_MAX"} | env
    return subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True,
                          check=True, timeout=60).stdout.strip()


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_arenas_are_capped_on_glibc():
    assert run_python("from backend.malloc_arenas import cap_malloc_arenas; print(cap_malloc_arenas())") == "True"


def test_an_operators_malloc_arena_max_is_left_alone():
    code = "from backend.malloc_arenas import cap_malloc_arenas; print(cap_malloc_arenas())"
    assert run_python(code, MALLOC_ARENA_MAX="4") == "False"


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_threads_share_the_capped_arenas():
    # Threads that malloc at once get arenas of their own (up to 8 x cores); capped, 16 of them share 2.
    assert count_arenas(cap=False) > 2
    assert count_arenas(cap=True) <= 2


def count_arenas(cap: bool) -> int:
    code = f"""
import ctypes, threading
from backend.malloc_arenas import cap_malloc_arenas
if {cap}:
    cap_malloc_arenas(2)
barrier = threading.Barrier(16)
def work():
    barrier.wait()
    blocks = [bytearray(20_000) for _ in range(50)]
threads = [threading.Thread(target=work) for _ in range(16)]
[t.start() for t in threads]; [t.join() for t in threads]
libc = ctypes.CDLL(None)
libc.fmemopen.restype = ctypes.c_void_p
buf = ctypes.create_string_buffer(1 << 20)
stream = libc.fmemopen(buf, len(buf), b"w")
libc.malloc_info(0, ctypes.c_void_p(stream))
libc.fclose(ctypes.c_void_p(stream))
print(buf.value.decode().count("<heap nr="))
"""
    return int(run_python(code))
