"""Batch mode against the stand-in engine: file discovery and zip safety, 100 files with hostile ones through
/batch, a zip, cancel midway (nothing left running on the engine), public caps and fair share, exports, the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from backend.batch.export import coco_dataset, write_exports
from backend.batch.files import BatchLimits, BatchRefused, discover
from backend.batch.runner import BatchJob, BatchRunner, FileResult
from backend.chat.session import SamplingParams
from backend.csv_files import defuse
from backend.media.images import APP_MAX_PIXELS, smart_resize
from tests.helpers import RunningUi, engine_stats, hostile, photos, pick_free_port, start_batch_ui, wait_until
from tests.hostile_inputs import encoded, write_video

ROOT = Path(__file__).resolve().parent.parent
DETECT = "Detect every object in this picture."


class ActiveWatcher:
    """Polls the stand-in's active request count in a thread; `peak` is the most seen at once."""

    def __init__(self, ui: RunningUi) -> None:
        self.ui, self.peak, self._stop = ui, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, engine_stats(self.ui)["active"])


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path) -> Iterator[RunningUi]:
    running = start_batch_ui(tmp_path_factory.mktemp("batch-ui"), examples_dir)
    yield running
    running.close()


@pytest.fixture(scope="module")
def client(ui: RunningUi) -> Client:
    return Client(ui.url, verbose=False)


# ----- discovery and zip safety ---------------------------------------------------------------------------------
def make_zip(path: Path, members: dict[str, bytes], **options: object) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def mark_encrypted(archive: Path, name: bytes) -> None:
    """Set the "encrypted" flag of one member in the zip's central directory (zipfile cannot write encrypted)."""
    data = bytearray(archive.read_bytes())
    start = 0
    while (start := data.find(b"PK\1\2", start)) >= 0:
        if data[start + 46: start + 46 + len(name)] == name:
            data[start + 8] |= 0x1
        start += 4
    archive.write_bytes(bytes(data))


def test_zip_slip_links_nested_zips_and_junk_are_left_out_with_reasons(tmp_path: Path) -> None:
    png = encoded(Image.new("RGB", (64, 48), "red"), "PNG")
    archive = make_zip(tmp_path / "in.zip", {"ok/a.png": png, "../../escape.png": png, "/abs.png": png,
                                             "inner.zip": b"PK", "__MACOSX/._a.png": b"x", ".hidden.png": png})
    with zipfile.ZipFile(archive, "a") as handle:  # a symbolic link and an "encrypted" member
        link = zipfile.ZipInfo("link.png")
        link.external_attr = (0o120777 << 16)
        handle.writestr(link, "/etc/passwd")
        handle.writestr("locked.png", png)
    mark_encrypted(archive, b"locked.png")
    found = discover([archive], tmp_path / "work")
    assert [item.name for item in found.files] == ["ok/a.png"]
    assert Path(found.files[0].path).parent.parent == tmp_path / "work"
    reasons = {item.name: item.reason for item in found.rejected}
    assert "unsafe" in reasons["../../escape.png"] and "unsafe" in reasons["abs.png"]
    assert "zip inside the zip" in reasons["inner.zip"]
    assert "symbolic link" in reasons["link.png"] and "encrypted" in reasons["locked.png"]
    assert not (tmp_path / "escape.png").exists() and not list(tmp_path.glob("../escape.png"))


def test_a_zip_bomb_and_a_batch_over_the_caps_are_refused_in_plain_words(tmp_path: Path) -> None:
    bomb = make_zip(tmp_path / "bomb.zip", {"zeros.png": b"\0" * (40 * 2**20)})
    with pytest.raises(BatchRefused, match="zip bomb"):
        discover([bomb], tmp_path / "w1")
    with pytest.raises(BatchRefused, match="Too large: bomb.zip expands to 40 MB; a batch may hold at most 10 MB"):
        discover([bomb], tmp_path / "w2", BatchLimits(max_bytes=10 * 2**20))
    many = photos(tmp_path / "many", 21)
    with pytest.raises(BatchRefused, match="Too many files: a batch may have at most 20"):
        discover(many, tmp_path / "w3", BatchLimits.public())
    assert len(discover(many[:20], tmp_path / "w4", BatchLimits.public()).files) == 20
    corrupt = tmp_path / "broken.zip"
    corrupt.write_bytes(b"PK\3\4 not really")
    assert "cannot be opened" in discover([corrupt], tmp_path / "w5").rejected[0].reason


def test_folders_are_walked_in_order_and_repeated_names_made_unique(tmp_path: Path) -> None:
    photos(tmp_path / "a" / "sub", 2)
    (tmp_path / "a" / ".DS_Store").write_bytes(b"junk")
    single = photos(tmp_path / "b", 1)[0]
    found = discover([tmp_path / "a", single, tmp_path / "missing.png"], tmp_path / "w")
    assert [item.name for item in found.files] == ["sub/photo000.png", "sub/photo001.png", "photo000.png"]
    again = discover([single, single], tmp_path / "w")
    assert [item.name for item in again.files] == ["photo000.png", "photo000 (2).png"]
    assert found.rejected[0].name == "missing.png"


def test_csv_cells_that_look_like_formulas_are_defused() -> None:
    assert defuse("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")" and defuse("-1") == "'-1" and defuse("ok") == "ok"
    assert defuse(3) == 3


# ----- through /batch ---------------------------------------------------------------------------------------------
def test_100_files_with_5_hostile_ones_run_side_by_side_and_export(client: Client, ui: RunningUi,
                                                                   tmp_path: Path) -> None:
    good = photos(tmp_path / "good", 95)
    reasons = hostile(tmp_path / "bad")
    files = [handle_file(str(path)) for path in good] + [handle_file(str(tmp_path / "bad" / name))
                                                         for name in reasons]
    with ActiveWatcher(ui) as watcher:
        job = client.submit(files, DETECT, 64, 0.0, api_name="/batch")
        updates = list(job)
    final = job.result()
    assert 2 <= watcher.peak <= 16, watcher.peak  # side by side, never more than the bound
    assert any("results" not in update for update in updates[:-1])  # progress streamed before the end
    results = {row["file"]: row for row in final["results"]}
    assert len(results) == 100 and final["progress"]["done"] == 100 and final["progress"]["answered"] == 95
    for name, reason in reasons.items():
        assert results[name]["status"] == "bad file", results[name]
        assert re.search(reason, results[name]["error"]), (name, results[name]["error"])
    row = results["photo004.png"]
    sent_h, sent_w = smart_resize(240, 324, max_pixels=APP_MAX_PIXELS)
    assert row["status"] == "ok" and row["original_size"] == [324, 240] and row["sent_size"] == [sent_w, sent_h]
    box = row["items"][0]["bbox"]  # the stand-in's middle half, mapped back to original pixels
    assert box == pytest.approx([81.0, 60.0, 243.0, 180.0], abs=1.5)
    assert row["metrics"]["completion_tokens"] > 0 and row["error"] is None
    lines = [json.loads(line) for line in Path(final["files"]["jsonl"]).read_text().splitlines()]
    assert len(lines) == 100 and {line["file"] for line in lines} == set(results)
    coco = json.loads(Path(final["files"]["coco"]).read_text())
    assert len(coco["images"]) == 95 and len(coco["annotations"]) == 95
    assert len({a["id"] for a in coco["annotations"]}) == 95 and coco["categories"] == [{"id": 1, "name": "object"}]
    assert {a["image_id"] for a in coco["annotations"]} == {image["id"] for image in coco["images"]}
    rows = list(csv.DictReader(io.StringIO(Path(final["files"]["csv"]).read_text())))
    assert len(rows) == 100 and rows[0]["file"] == "photo000.png"
    assert engine_stats(ui)["active"] == 0


def test_a_zip_of_images_and_a_video_runs_like_files(client: Client, tmp_path: Path) -> None:
    members = {f"set/p{index}.png": path.read_bytes() for index, path in enumerate(photos(tmp_path / "z", 3))}
    members["set/clip.mp4"] = write_video(tmp_path / "clip.mp4", 12, 6.0, (160, 120)).read_bytes()
    members["set/bad.jpg"] = b"not a jpeg"
    archive = make_zip(tmp_path / "photos.zip", members)
    final = client.predict([handle_file(str(archive))], DETECT, 64, 0.0, api_name="/batch")
    results = {row["file"]: row for row in final["results"]}
    assert set(results) == set(members)
    assert results["set/p1.png"]["status"] == "ok" and results["set/p1.png"]["items"]
    assert results["set/clip.mp4"]["kind"] == "video" and results["set/clip.mp4"]["status"] == "ok"
    assert results["set/bad.jpg"]["status"] == "bad file"


def test_an_empty_prompt_or_no_files_is_refused(client: Client, tmp_path: Path) -> None:
    with pytest.raises(AppError, match="The prompt is empty"):
        client.predict([handle_file(str(photos(tmp_path, 1)[0]))], "  ", 64, 0.0, api_name="/batch")
    with pytest.raises(AppError, match="No files"):
        client.predict([], DETECT, 64, 0.0, api_name="/batch")


# ----- cancel ----------------------------------------------------------------------------------------------------
def test_cancel_midway_stops_what_is_in_flight_on_the_engine_and_keeps_finished_results(ui: RunningUi,
                                                                                        tmp_path: Path) -> None:
    context, before = ui.studio, engine_stats(ui)
    files = discover(photos(tmp_path / "c", 12), tmp_path / "w").files
    endpoint = context.endpoint()
    # a free prompt: the stand-in talks until max_tokens (1500 x 2 ms = 3 s an answer); 4 at a time
    job = BatchJob(endpoint, "Describe this picture.", endpoint.family, lambda path: context.media.message([path]),
                   SamplingParams(temperature=0.0, max_tokens=1500), concurrency=4)
    runner = BatchRunner(job)
    updates = runner.run(files)
    for progress in updates:
        if progress.answered >= 1:
            # the first four finish together; cancel once the next ones are on the engine (a slow host may still
            # be preparing them when the first answer lands)
            assert wait_until(lambda: engine_stats(ui)["active"] >= 1, timeout_s=10), engine_stats(ui)
            runner.cancel()
            break
    last = list(updates)[-1]
    assert last.finished and last.cancelled and last.total == 12 and last.done == 12
    statuses = [result.status for result in last.results]
    assert 1 <= statuses.count("ok") < 12 and statuses.count("cancelled") >= 4
    assert "cancelled" in last.line()
    stats = wait_until(lambda: (s := engine_stats(ui))["active"] == 0 and s, timeout_s=5)
    assert stats, engine_stats(ui)
    assert stats["aborted"] - before["aborted"] >= 1
    assert stats["requests"] - before["requests"] < 12  # the files not yet sent never were


# ----- public mode --------------------------------------------------------------------------------------------------
def test_public_mode_caps_a_batch_and_keeps_it_within_the_visitor_fair_share(tmp_path: Path,
                                                                            examples_dir: Path) -> None:
    public = start_batch_ui(tmp_path / "public", examples_dir, public=True, tpot_ms=5)
    try:
        client = Client(public.url, verbose=False)
        many = [handle_file(str(path)) for path in photos(tmp_path / "p", 21)]
        with pytest.raises(AppError, match="Too many files: a batch may have at most 20"):
            client.predict(many, DETECT, 64, 0.0, api_name="/batch")
        big = tmp_path / "big.zip"
        with zipfile.ZipFile(big, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("huge.png", b"\0" * (201 * 2**20))
        with pytest.raises(AppError, match="a batch may hold at most 200 MB"):
            client.predict([handle_file(str(big))], DETECT, 64, 0.0, api_name="/batch")
        big.unlink()
        share = public.studio.fair_share.per_visitor
        with ActiveWatcher(public) as watcher:
            final = client.predict(many[:12], DETECT, 200, 0.0, api_name="/batch")
        assert final["progress"]["answered"] == 12
        assert 2 <= watcher.peak <= share, (watcher.peak, share)
    finally:
        public.close()


# ----- exports and the CLI ----------------------------------------------------------------------------------------
def test_coco_of_several_labels_has_unique_ids_and_one_category_per_label(tmp_path: Path) -> None:
    from backend.grounding import ground
    answers = ['[{"bbox_2d": [0, 0, 10, 10], "label": "cat"}, {"bbox_2d": [5, 5, 20, 20], "label": "dog"}]',
               '[{"point_2d": [4, 4], "label": "dog"}]']
    results = [FileResult(f"f{index}.png", "", grounding=ground(answer, (100, 50), (100, 50), "qwen2.5-vl"),
                          original_size=(100, 50), sent_size=(100, 50)) for index, answer in enumerate(answers)]
    coco = coco_dataset(results)
    assert [c["name"] for c in coco["categories"]] == ["cat", "dog"]
    assert [a["id"] for a in coco["annotations"]] == [1, 2, 3]
    assert [(a["image_id"], a["category_id"]) for a in coco["annotations"]] == [(1, 1), (1, 2), (2, 2)]
    assert coco["annotations"][2]["keypoints"] == [4.0, 4.0, 2]
    assert set(write_exports(results, tmp_path)) == {"jsonl", "coco", "csv"}


@pytest.fixture
def standin_process(tmp_path: Path) -> Iterator[str]:
    """`python -m standin` on a free port with an API key; yields its URL once /health answers 200."""
    port = pick_free_port()
    process = subprocess.Popen([sys.executable, "-m", "standin", "--port", str(port), "--api-key", "K",
                                "--load-seconds", "0.2", "--tpot-ms", "1"], cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return httpx.get(url + "/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False
    try:
        assert wait_until(healthy, timeout_s=30), "the stand-in did not come up"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "app.py", "batch", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)


def test_the_cli_writes_jsonl_coco_and_csv_against_a_standin_endpoint(standin_process: str, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    photos(folder, 6)
    (folder / "broken.png").write_bytes(b"")
    out, coco, table = tmp_path / "r.jsonl", tmp_path / "c.json", tmp_path / "r.csv"
    done = run_cli("--endpoint", standin_process + "/v1", "--api-key", "K", "--prompt", DETECT, str(folder),
                   "--out", str(out), "--coco", str(coco), "--csv", str(table), "--concurrency", "4")
    assert done.returncode == 1, done.stderr  # one bad file: listed, the rest written
    assert "broken.png: bad file: The image file is empty" in done.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [row["file"] for row in rows] == ["broken.png"] + [f"photo{i:03d}.png" for i in range(6)]
    assert all(row["items"] for row in rows[1:])
    assert len(json.loads(coco.read_text())["images"]) == 6 and len(list(csv.DictReader(table.open()))) == 7
    ok = run_cli("--endpoint", standin_process, "--api-key", "K", "--prompt", DETECT, str(folder / "photo000.png"),
                 "--out", str(out), "--quiet")
    assert ok.returncode == 0, ok.stderr
    wrong_key = run_cli("--endpoint", standin_process, "--api-key", "nope", "--prompt", DETECT, str(folder),
                        "--out", str(out))
    assert wrong_key.returncode == 1 and "cannot reach" in wrong_key.stderr
    assert run_cli("--endpoint", standin_process, "--prompt", DETECT).returncode == 2  # no files


def test_app_py_without_batch_is_unchanged() -> None:
    done = subprocess.run([sys.executable, "app.py", "--dry-run", "--model", "7B", "--hardware", "H100"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and "sglang.launch_server" in done.stdout
