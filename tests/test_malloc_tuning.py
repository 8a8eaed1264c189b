"""The app keeps its resident memory flat: capped glibc malloc arenas (unless the operator chose) and a heap trimmer."""

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
    assert run_python("from backend.host import cap_malloc_arenas; print(cap_malloc_arenas())") == "True"


def test_an_operators_malloc_arena_max_is_left_alone():
    code = "from backend.host import cap_malloc_arenas; print(cap_malloc_arenas())"
    assert run_python(code, MALLOC_ARENA_MAX="4") == "False"


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_threads_share_the_capped_arenas():
    # Threads that malloc at once get arenas of their own (up to 8 x cores); capped, 16 of them share 2.
    assert count_arenas(cap=False) > 2
    assert count_arenas(cap=True) <= 2


def count_arenas(cap: bool) -> int:
    code = f"""
import ctypes, threading
from backend.host import cap_malloc_arenas
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


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_the_trimmer_hands_freed_heap_pages_back_to_the_kernel():
    # Fragment the heap: 2,000 blocks of 100 KB (below the mmap threshold), every other one freed. glibc keeps the
    # freed half (~100 MB) resident until trimmed.
    code = """
import psutil, time
from backend.host import HeapTrimmer
blocks = [bytearray(b"x" * 100_000) for _ in range(2000)]
del blocks[::2]
before = psutil.Process().memory_info().rss
trimmer = HeapTrimmer(every_s=0.05)
assert trimmer.start()
deadline = time.monotonic() + 10
while trimmer.trims < 2 and time.monotonic() < deadline:
    time.sleep(0.05)
trimmer.stop()
after = psutil.Process().memory_info().rss
print((before - after) // 2**20, len(blocks))
"""
    freed_mb, kept = map(int, run_python(code).split())
    assert kept == 1000
    assert freed_mb >= 50
