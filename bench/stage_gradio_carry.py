"""Pack the app's web stack (gradio, gradio_client and the few packages the GPU image lacks) for the GPU host.

    python -m bench.stage_gradio_carry            # writes .whl/gradio/ (git-ignored), ~2 MB

The GPU host has no network and its image lacks gradio; the SGLang bundle (.whl/carry, ~57 MB) leaves too little
of the 64 MiB a device call may carry for gradio's wheels (~60 MB with its browser front end). The soak and the
P1 /chat path only talk to the Gradio API, so the front end's assets are left out: the page itself still loads,
its scripts do not. Pure-Python packages are copied from this environment (same versions as the pins); brotli,
the one compiled package, is downloaded as a CPython 3.12 wheel (the GPU image's Python). On the GPU host:

    source .whl/carry/device_env.sh; source .whl/gradio/env.sh; python3 app.py --endpoint ...
"""

from __future__ import annotations

import argparse
import importlib.metadata
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Missing from the GPU image (its package list is in the device notes); the rest of gradio's needs are there.
PURE_PACKAGES = ("gradio", "gradio-client", "groovy", "hf-gradio", "pydub", "safehttpx", "semantic-version",
                 "tomlkit", "pytz")
COMPILED = ("brotli",)
GPU_PYTHON = "3.12"
# The browser front end (~67 MB) and demo media: the Gradio API does not need them.
GRADIO_LEFT_OUT = ("templates/frontend/assets", "templates/frontend/static", "templates/node", "media_assets",
                   "test_data", "CHANGELOG.md")
ENV_SH = """# Source after .whl/carry/device_env.sh: unpacks gradio & co. once and puts them on PYTHONPATH.
_gradio_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export GRADIO_STAGE=${GRADIO_STAGE:-/root/stage-gradio}
if [ ! -f "$GRADIO_STAGE/.ok" ]; then
  mkdir -p "$GRADIO_STAGE" && tar -C "$GRADIO_STAGE" -xJf "$_gradio_dir/site.tar.xz" && touch "$GRADIO_STAGE/.ok" \\
    || echo "gradio env.sh: unpacking failed" >&2
fi
export PYTHONPATH="${PYTHONPATH:+$PYTHONPATH:}$GRADIO_STAGE"
export GRADIO_ANALYTICS_ENABLED=False
unset _gradio_dir
"""


def top_level_paths(distribution: str) -> list[Path]:
    """The installed files and folders a distribution put at the top of site-packages (metadata included)."""
    dist = importlib.metadata.distribution(distribution)
    tops = {Path(str(item)).parts[0] for item in dist.files or () if not str(item).startswith("..")}
    base = Path(str(dist.locate_file("")))
    return sorted(base / top for top in tops if top != "__pycache__")


def copy_pure(site: Path) -> None:
    """Copy the pure-Python packages into site, without bytecode, gradio without its front end."""
    for distribution in PURE_PACKAGES:
        for path in top_level_paths(distribution):
            if path.is_dir():
                shutil.copytree(path, site / path.name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(path, site / path.name)
    for left_out in GRADIO_LEFT_OUT:
        target = site / "gradio" / left_out
        shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)


def add_compiled(site: Path, downloads: Path) -> None:
    """Download the compiled packages as CPython 3.12 manylinux wheels and unpack them into site."""
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in COMPILED]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--python-version", GPU_PYTHON, "--implementation", "cp", "--platform", "manylinux_2_28_x86_64",
                    "--platform", "manylinux_2_17_x86_64", "--platform", "manylinux2014_x86_64", "-d",
                    str(downloads), *pins], check=True)
    for wheel in downloads.glob("*.whl"):
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(site)


def main(argv: list[str] | None = None) -> int:
    """Build the folder; print its size."""
    parser = argparse.ArgumentParser(prog="python -m bench.stage_gradio_carry", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO_ROOT / ".whl" / "gradio", help="(default .whl/gradio)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="gradio-carry-") as scratch:
        site, downloads = Path(scratch) / "site", Path(scratch) / "wheels"
        site.mkdir()
        copy_pure(site)
        add_compiled(site, downloads)
        if args.out.exists():
            shutil.rmtree(args.out)
        args.out.mkdir(parents=True)
        with tarfile.open(args.out / "site.tar.xz", "w:xz") as archive:
            for path in sorted(site.iterdir()):
                archive.add(path, arcname=path.name)
    (args.out / "env.sh").write_text(ENV_SH)
    size = sum(path.stat().st_size for path in args.out.iterdir())
    print(f"{args.out}: {size / 2**20:.1f} MiB ({', '.join(PURE_PACKAGES + COMPILED)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
