"""What ships agrees with itself: Dockerfile vs requirements pins, README vs the catalog and the entry point."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from backend.plans.table import markdown_table, qwen3_table

ROOT = Path(__file__).resolve().parent.parent


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def pinned(requirements: str, package: str) -> str:
    """The == version a requirements file pins for package."""
    match = re.search(rf"^{re.escape(package)}==(\S+)", (ROOT / requirements).read_text(), re.MULTILINE | re.IGNORECASE)
    assert match, f"{requirements} does not pin {package}"
    return match.group(1)


def readme_front_matter() -> dict[str, str]:
    """The README's YAML front matter as flat key: value pairs (lists are skipped)."""
    text = (ROOT / "README.md").read_text()
    assert text.startswith("---\n")
    block = text[4:text.index("\n---", 4)]
    pairs = (line.partition(":") for line in block.splitlines() if not line.startswith(" "))
    return {key.strip(): value.strip() for key, _, value in pairs if value.strip()}


def test_docker_base_image_tag_matches_the_sglang_pin():
    args = dict(arg.split("=", 1) for word, arg in dockerfile_instructions() if word == "ARG" and "=" in arg)
    base = next(arg for word, arg in dockerfile_instructions() if word == "FROM")
    image = base.replace("${SGLANG_IMAGE_TAG}", args["SGLANG_IMAGE_TAG"])
    assert image == f"lmsysorg/sglang:v{pinned('requirements.txt', 'sglang')}"


def test_docker_rocm_tags_in_comments_and_readme_use_the_same_release():
    version = pinned("requirements.txt", "sglang")
    mentioned = re.findall(r"SGLANG_IMAGE_TAG=v([\d.]+)-rocm", (ROOT / "Dockerfile").read_text() + (ROOT / "README.md").read_text())
    assert mentioned and set(mentioned) == {version}


def test_every_file_the_dockerfile_copies_exists():
    for word, arg in dockerfile_instructions():
        if word == "COPY":
            sources = [part for part in shlex.split(arg) if not part.startswith("--")][:-1]
            for source in sources:
                assert (ROOT / source).exists(), f"Dockerfile copies {source}, which is missing"


def test_docker_installs_only_the_app_packages_not_sglang_or_torch():
    lines = (ROOT / "requirements-app.txt").read_text().lower().splitlines()
    packages = [line.split("==")[0] for line in lines if line.strip() and not line.startswith("#")]
    assert packages and not {"sglang", "torch", "torchvision"} & set(packages)
    runs = " ".join(arg for word, arg in dockerfile_instructions() if word == "RUN")
    assert "-r /app/requirements-app.txt" in runs and "-c /tmp/image-constraints.txt" in runs


def test_docker_runs_as_non_root_exposes_the_ui_port_and_checks_health():
    instructions = dockerfile_instructions()
    users = [arg for word, arg in instructions if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert ("EXPOSE", "7860") in instructions
    assert any(word == "HEALTHCHECK" and "7860" in arg for word, arg in instructions)


def test_docker_cmd_is_the_entry_point_the_readme_documents():
    cmd = next(arg for word, arg in reversed(dockerfile_instructions()) if word == "CMD")
    assert cmd == '["python3", "app.py"]'
    makefile = (ROOT / "Makefile").read_text()
    assert "$(PY) app.py" in makefile and "make run" in (ROOT / "README.md").read_text()


def test_readme_front_matter_matches_the_pins_and_the_model_sizes():
    front = readme_front_matter()
    assert front["sdk"] == "gradio" and front["app_file"] == "app.py"
    assert front["sdk_version"] == pinned("requirements-app.txt", "gradio")
    assert front["suggested_hardware"]
    readme = (ROOT / "README.md").read_text()
    for size in ("3B", "7B", "32B", "72B"):
        assert f"  - Qwen/Qwen2.5-VL-{size}-Instruct" in readme


def test_readme_plan_table_equals_what_the_catalog_generates():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- plan-table:start -->\n", 1)[1].split("\n<!-- plan-table:end -->", 1)[0]
    assert table.strip() == markdown_table().strip(), "regenerate it: python -m backend.plans.table"


def test_readme_qwen3_plan_table_equals_what_the_catalog_generates():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- qwen3-table:start -->\n", 1)[1].split("\n<!-- qwen3-table:end -->", 1)[0]
    assert table.strip() == qwen3_table().strip(), "regenerate it: python -m backend.plans.table"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()
