"""Structured extraction: schemas in (templates, pasted, derived), answers read tolerantly and validated, the
request carrying the schema, boxes in original pixels, the named API, batches to CSV, the CLI, and every refusal
in one clear message."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from gradio_client import Client, handle_file
from PIL import Image

from backend.chat.session import SamplingParams
from backend.endpoint import Endpoint
from backend.errors import UserError
from backend.extract.answer import INCOMPLETE, INVALID, NOT_JSON, VALID, read_answer
from backend.extract.schema import (
    MAX_DEPTH,
    TEMPLATE_NAMES,
    ExtractSchema,
    SchemaRefused,
    load_schema,
    schema_from_example,
    template,
)
from backend.extract.table import array_rows, boxes_answer, field_row
from backend.plans.engine_args import EngineArgsError, parse_engine_args
from backend.plans.planner import PlanRequest, make_plan
from backend.studio.fixed_endpoint import FixedEndpoint
from backend.studio.settings import NO_DOCUMENT, StudioSettings
from backend.studio.studio import AnswerFailed, Studio
from standin.schema_answer import answer_for
from tests.helpers import standin_process, standin_stats, start_ui

GREEDY = SamplingParams(temperature=0.0, max_tokens=1024)
ROOT = Path(__file__).resolve().parent.parent

# Qwen2.5-VL-7B-Instruct's saved answers to key-information prompts, QwenLM/Qwen2.5-VL@f0af2996e843cf46aa5f778c38d6694
# 500c2ca81:cookbooks/ocr.ipynb cells 16 (ocr_example3.jpg, a receipt) and 17 (ocr_example4.jpg, a train ticket).
COOKBOOK_RECEIPT = ('Here is the extracted key-value information from the image:\n\n```json\n{\n  "company": '
                    '"UNIHAKKA INTERNATIONAL SDN BHD",\n  "date": "01 Jun 2018",\n  "address": "12, Jalan Tampoi 7/4,'
                    'Kawasan Perindustrian Tampoi,81200 Johor Bahru,Johor",\n  "total": "RM8.75"\n}\n```')
COOKBOOK_TICKET = ('根据图片内容，以下是提取的信息按照JSON格式输出：\n\n```json\n{\n  "发票代码": "221021325353",\n  "发票号码": '
                   '"10283819",\n  "到站": "开发区",\n  "燃油费": "2.0",\n  "票价": "8.00‹全>",\n  "乘车日期": "2013-06-29",\n'
                   '  "开车时间": "流水",\n  "车次": "040",\n  "座号": "371"\n}\n```')
# the same cookbook's cell 12 at d08310cb5126244b4585f8f711b3438896ec400d: a text-spotting list with a trailing comma
COOKBOOK_SPOTTING = ('```json\n[\n    {"bbox_2d": [21, 677, 170, 698], "text_content": "CHANGE DUE"},\n    '
                     '{"bbox_2d": [472, 682, 530, 705], "text_content": "3,000"},\n]\n```')
RECEIPT_EXAMPLE = '{"company": "", "date": "", "address": "", "total": ""}'
# what xgrammar with --constrained-json-disable-any-whitespace let 7B dummy weights write on an H100: the schema's
# shape, raw control characters inside strings (../shared/gpu/README.md)
CONTROL_CHARACTERS = '{"vendor": "A\x07\x1bB\tC", "date": "6954-87-87", "currency": "CNY", "items": [], "total": -9}'


def scan(path: Path, size: tuple[int, int] = (1280, 720)) -> str:
    Image.new("RGB", size, "white").save(path)
    return str(path)


@pytest.fixture
def studio(standin_endpoint: Endpoint, tmp_path: Path) -> Studio:
    return Studio(FixedEndpoint(standin_endpoint), StudioSettings(work_dir=tmp_path / "work"))


def extracted(studio: Studio, paths: list[str], schema: str | ExtractSchema, sampling: SamplingParams = GREEDY):
    *_, last = studio.extract(paths, schema, sampling, studio.viewer())
    return last.document


# ----- schemas -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_template_is_a_valid_json_schema_of_an_object(name: str) -> None:
    schema = template(name).schema
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object" and schema["required"]


def test_a_template_is_chosen_by_its_name() -> None:
    assert load_schema("Receipt").schema == template("receipt").schema


@pytest.mark.parametrize(("text", "words"), [
    ("", "No schema"),
    ("invoice please", "not JSON (or a template name"),
    ('{"type": "object", "properties": {"a": {"type": "strng"}}}', "not a valid JSON Schema (at properties/a/type)"),
    ('{"type": "array"}', "top level must be an object"),
    ("[1, 2]", "is a JSON object"),
])
def test_a_bad_schema_is_refused_with_what_to_fix(text: str, words: str) -> None:
    with pytest.raises(SchemaRefused, match=re.escape(words)):
        load_schema(text)


def test_a_schema_nested_too_deep_for_the_engine_is_refused() -> None:
    schema: dict = {"type": "string"}
    for _ in range(MAX_DEPTH + 1):
        schema = {"type": "object", "properties": {"inner": schema}}
    with pytest.raises(SchemaRefused, match=f"nests {MAX_DEPTH + 1} levels deep; the limit is {MAX_DEPTH}"):
        load_schema(json.dumps(schema))


def test_a_schema_too_large_is_refused() -> None:
    properties = {f"field_{index}": {"type": "string", "description": "x" * 100} for index in range(200)}
    with pytest.raises(SchemaRefused, match="characters; the limit is 20,000"):
        load_schema(json.dumps({"type": "object", "properties": properties}))


def test_a_schema_is_derived_from_an_example_answer() -> None:
    derived = schema_from_example('{"vendor": "ACME", "total": 12.5, "paid": true, "items": [{"name": "Tea", '
                                  '"qty": 2}], "note": null}')
    validator = jsonschema.Draft202012Validator(derived.schema)
    assert validator.is_valid({"vendor": "B", "total": 1.0, "paid": False, "items": [{"name": "x", "qty": 1}],
                               "note": None})
    assert not validator.is_valid({"vendor": "B", "total": "1", "paid": False, "items": [], "note": None})
    assert derived.schema["required"] == ["vendor", "total", "paid", "items", "note"]


def test_the_response_format_holds_the_schema_without_its_length_bounds() -> None:
    response_format = template("receipt").response_format()
    assert response_format["type"] == "json_schema" and response_format["json_schema"]["strict"] is True
    held = json.dumps(response_format["json_schema"]["schema"])
    assert "maxLength" not in held and "maxItems" not in held and "minItems" not in held
    assert json.loads(held)["properties"]["items"]["items"]["required"] == ["name", "quantity", "price", "bbox_2d"]


def test_a_field_named_like_a_bound_stays_in_the_grammar() -> None:
    schema = load_schema('{"type": "object", "properties": {"maxLength": {"type": "integer"}}, "required": '
                         '["maxLength"]}')
    assert schema.grammar_schema()["properties"] == {"maxLength": {"type": "integer"}}


def test_length_bounds_are_checked_after_decoding() -> None:
    long_name = "x" * 121  # the receipt's vendor has maxLength 120
    answer = json.dumps({"vendor": long_name, "date": None, "currency": None, "items": [], "total": None})
    extraction = read_answer(answer, template("receipt"))
    assert extraction.status == INVALID and extraction.errors[0].startswith("vendor: 'xxx")


# ----- reading answers -----------------------------------------------------------------------------------------

def test_a_cookbook_key_value_answer_with_prose_and_a_fence_is_valid() -> None:
    extraction = read_answer(COOKBOOK_RECEIPT, schema_from_example(RECEIPT_EXAMPLE))
    assert extraction.status == VALID
    assert extraction.data["total"] == "RM8.75" and extraction.data["company"] == "UNIHAKKA INTERNATIONAL SDN BHD"


def test_a_cookbook_answer_in_chinese_keeps_its_characters() -> None:
    keys = ['发票代码', '发票号码', '到站', '燃油费', '票价', '乘车日期', '开车时间', '车次', '座号']
    extraction = read_answer(COOKBOOK_TICKET, schema_from_example(json.dumps(dict.fromkeys(keys, ""))))
    assert extraction.status == VALID and extraction.data["票价"] == "8.00‹全>"


def test_raw_control_characters_inside_strings_are_read_then_validated() -> None:
    with pytest.raises(ValueError):
        json.loads(CONTROL_CHARACTERS)  # what a strict parser makes of it
    extraction = read_answer(CONTROL_CHARACTERS, template("receipt"))
    assert extraction.status == VALID and extraction.data["vendor"] == "A\x07\x1bB\tC"


def test_json_that_breaks_the_schema_is_invalid_with_each_problem_located() -> None:
    extraction = read_answer('{"vendor": 5, "date": null, "currency": null, "items": [{"name": "Tea"}], '
                             '"total": "ten"}', template("receipt"))
    assert extraction.status == INVALID and not extraction.valid
    assert extraction.errors == ("items[0]: 'quantity' is a required property",
                                 "items[0]: 'price' is a required property",
                                 "items[0]: 'bbox_2d' is a required property",
                                 "total: 'ten' is not of type 'number', 'null'",
                                 "vendor: 5 is not of type 'string'")


def test_an_answer_cut_by_max_tokens_is_incomplete_with_its_finished_values() -> None:
    whole = answer_for(template("receipt").schema, (840, 1148))
    extraction = read_answer(whole[:whole.index('"price"') + 12], template("receipt"), cut_off=True)
    assert extraction.status == INCOMPLETE and not extraction.valid
    assert extraction.data["vendor"] == "vendor 1" and extraction.data["items"][0]["name"] == "name 1"
    assert "price" not in extraction.data["items"][0]  # a number cut mid-way is not a value


def test_a_cut_answer_is_never_valid_even_when_what_arrived_validates() -> None:
    loose = schema_from_example('{"a": 1}')
    assert read_answer('{"a": 1}', loose, cut_off=True).status == INCOMPLETE


def test_a_list_where_the_schema_wants_an_object_is_invalid_not_its_first_element() -> None:
    listed = read_answer('[{"company": "A", "date": "", "address": "", "total": ""}]',
                         schema_from_example(RECEIPT_EXAMPLE))
    assert listed.status == INVALID and listed.errors[0].startswith("(top): [{")


def test_the_cookbooks_trailing_comma_list_is_not_json() -> None:
    assert read_answer(COOKBOOK_SPOTTING, schema_from_example(RECEIPT_EXAMPLE)).status == NOT_JSON


def test_prose_without_json_is_not_json() -> None:
    assert read_answer("I cannot read this document.", template("form")).status == NOT_JSON


# ----- tables and boxes ----------------------------------------------------------------------------------------

def test_nested_objects_flatten_to_dotted_columns_and_arrays_of_objects_to_rows() -> None:
    data = {"number": "7", "seller": {"name": "ACME", "tax_id": None}, "tags": ["a", "b"],
            "lines": [{"description": "Tea", "amount": 2.5}, {"description": "Cake", "amount": 4}]}
    assert field_row(data) == {"number": "7", "seller.name": "ACME", "seller.tax_id": None, "tags": "a; b",
                               "lines": "2 rows"}
    assert array_rows(data) == [{"array": "lines", "index": 0, "description": "Tea", "amount": 2.5},
                                {"array": "lines", "index": 1, "description": "Cake", "amount": 4}]


def test_a_table_template_gives_one_row_per_table_line() -> None:
    rows = array_rows({"columns": ["item", "price"], "rows": [["Tea", "2.50"], ["Cake", None]]})
    assert rows == [{"array": "rows", "index": 0, "column_1": "Tea", "column_2": "2.50"},
                    {"array": "rows", "index": 1, "column_1": "Cake", "column_2": None}]


def test_each_bbox_field_becomes_an_item_labelled_by_its_own_fields() -> None:
    data = {"fields": [{"key": "Name", "value": "Ada", "bbox_2d": [1, 2, 3, 4]}, {"bbox_2d": [5, 6, 7, 8]}]}
    assert json.loads(boxes_answer(data)) == [{"bbox_2d": [1, 2, 3, 4], "label": "Name"},
                                              {"bbox_2d": [5, 6, 7, 8], "label": "fields[1]"}]


# ----- the Studio ----------------------------------------------------------------------------------------------

def test_the_request_carries_the_schema_as_its_response_format(studio: Studio, tmp_path: Path,
                                                              standin_endpoint: Endpoint) -> None:
    extracted(studio, [scan(tmp_path / "doc.png")], "invoice")
    assert standin_stats(standin_endpoint.base_url)["last_response_format"] == template("invoice").response_format()
    assert template("invoice").response_format()["json_schema"]["schema"]["required"][0] == "invoice_number"


def test_a_receipt_is_extracted_valid_with_its_boxes_in_original_pixels(studio: Studio, tmp_path: Path) -> None:
    document = extracted(studio, [scan(tmp_path / "receipt.png", (1280, 720))], "receipt")
    assert document.extraction.status == VALID
    assert [image.input_size for image in document.images] == [(1288, 728)]
    # the stand-in put item 1's box at 1/10..4/10 of the sent 1288x728; data and items say it in 1280x720 pixels
    raw_box = json.loads(document.extraction.raw)["items"][0]["bbox_2d"]
    assert raw_box == [128, 72, 515, 291]
    expected = [round(128 * 1280 / 1288), round(72 * 720 / 728), round(515 * 1280 / 1288), round(291 * 720 / 728)]
    assert document.extraction.data["items"][0]["bbox_2d"] == expected
    assert [item.label for item in document.grounding.items] == ["name 1", "name 2"]
    assert document.grounding.items[0].box == pytest.approx(expected, abs=0.6)


def test_the_raw_answer_streams_before_the_document_is_read(studio: Studio, tmp_path: Path) -> None:
    updates = list(studio.extract([scan(tmp_path / "doc.png")], "form", GREEDY, studio.viewer()))
    assert len(updates) > 10 and all(update.document is None for update in updates[:-1])
    assert updates[-2].text == updates[-1].document.extraction.raw


def test_a_cut_answer_reads_incomplete_with_what_parsed(studio: Studio, tmp_path: Path) -> None:
    document = extracted(studio, [scan(tmp_path / "doc.png")], "receipt", SamplingParams(temperature=0, max_tokens=25))
    assert document.extraction.status == INCOMPLETE
    assert document.extraction.data == {"vendor": "vendor 1", "date": "date 1"}
    assert "cut off at Max tokens" in document.extraction.headline()


def test_extraction_without_a_document_says_so(studio: Studio) -> None:
    with pytest.raises(UserError, match=re.escape(NO_DOCUMENT)):
        extracted(studio, [], "receipt")


def test_extraction_from_an_engine_without_a_grammar_backend_says_how_to_fix_it(tmp_path: Path) -> None:
    with standin_process("Qwen/Qwen2.5-VL-7B-Instruct", "--grammar-backend", "none") as endpoint:
        studio = Studio(FixedEndpoint(endpoint), StudioSettings(work_dir=tmp_path / "work"))
        with pytest.raises(AnswerFailed, match=r"started without a grammar backend \(--grammar-backend none\)"):
            extracted(studio, [scan(tmp_path / "doc.png")], "receipt")


def test_a_public_visitors_extraction_counts_against_their_fair_share(standin_endpoint: Endpoint,
                                                                      tmp_path: Path) -> None:
    studio = Studio(FixedEndpoint(standin_endpoint), StudioSettings(public=True, admin_token="t",
                                                                    answers_per_visitor=1, work_dir=tmp_path / "w"))
    visitor = studio.viewer(visitor="stranger")
    running = studio.extract([scan(tmp_path / "a.png")], "receipt", GREEDY, visitor)
    next(running)  # the first extraction holds the visitor's one slot
    with pytest.raises(UserError, match="the limit is 1 at once"):
        next(studio.extract([scan(tmp_path / "b.png")], "receipt", GREEDY, visitor))
    running.close()


def test_the_document_downloads_as_json_and_csv(studio: Studio, tmp_path: Path) -> None:
    document = extracted(studio, [scan(tmp_path / "doc.png")], "receipt")
    json_path, csv_path = document.write_files(tmp_path / "x.json", tmp_path / "x.csv")
    assert json.loads(Path(json_path).read_text())["data"] == document.extraction.data
    rows = list(csv.DictReader(open(csv_path, encoding="utf-8")))
    assert rows[0]["vendor"] == "vendor 1" and rows[1]["array"] == "items" and rows[1]["name"] == "name 1"


# ----- plans: the grammar backend stays on -----------------------------------------------------------------------

def test_sglang_plans_keep_the_grammar_and_forbid_whitespace_padding() -> None:
    argv = make_plan(PlanRequest(model="7B", hardware="H100")).argv
    assert "--constrained-json-disable-any-whitespace" in argv and "--grammar-backend" not in argv


def test_engine_args_cannot_switch_the_grammar_backend_off() -> None:
    with pytest.raises(EngineArgsError, match="--grammar-backend none leaves the engine unable"):
        parse_engine_args("--load-format dummy --grammar-backend none")


# ----- the named API, batches, the CLI ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def attached_ui(tmp_path_factory: pytest.TempPathFactory, examples_dir: Path):
    root = tmp_path_factory.mktemp("extract-ui")
    with standin_process() as endpoint:
        ui = start_ui(root, examples_dir)
        ui.studio.attach(endpoint.base_url, endpoint.api_key, ui.studio.viewer())
        yield ui, endpoint
        ui.demo.close()


def test_the_extract_endpoint_returns_valid_data_items_and_an_overlay(attached_ui, tmp_path: Path) -> None:
    ui, _endpoint = attached_ui
    reply = Client(ui.url, verbose=False).predict([handle_file(scan(tmp_path / "doc.png"))], "form",
                                                  api_name="/extract")
    assert reply["status"] == "valid" and reply["valid"] and reply["errors"] == []
    assert [field["key"] for field in reply["data"]["fields"]] == ["key 1", "key 2"]
    assert [item["label"] for item in reply["items"]] == ["key 1", "key 2"]
    assert reply["images"] == [{"original_size": [1280, 720], "sent_size": [1288, 728]}]
    assert Path(reply["overlay"]).is_file() and reply["metrics"]["finish_reason"] == "stop"


def test_the_extract_endpoint_refuses_a_bad_schema_in_its_own_words(attached_ui, tmp_path: Path) -> None:
    ui, _endpoint = attached_ui
    with pytest.raises(Exception, match="not JSON"):
        Client(ui.url, verbose=False).predict([handle_file(scan(tmp_path / "doc.png"))], "{oops",
                                              api_name="/extract")


def test_a_blank_schema_runs_a_plain_batch(attached_ui, tmp_path: Path) -> None:
    ui, _endpoint = attached_ui
    *_, last = Client(ui.url, verbose=False).submit([handle_file(scan(tmp_path / "a.png"))], "What is in this?",
                                                    64, 0.0, "   ", api_name="/batch")
    assert last["progress"]["answered"] == 1 and "extraction" not in last["results"][0]


def test_a_batch_of_twenty_scans_with_a_schema_gives_a_row_per_file(attached_ui, tmp_path: Path) -> None:
    ui, _endpoint = attached_ui
    files = [handle_file(scan(tmp_path / f"scan-{index:02d}.png", (600 + index, 800))) for index in range(20)]
    *_, last = Client(ui.url, verbose=False).submit(files, "", 1024, 0.0, "receipt", api_name="/batch")
    assert last["progress"]["answered"] == 20
    assert all(result["extraction"]["status"] == "valid" for result in last["results"])
    fields = list(csv.DictReader(open(last["files"]["fields_csv"], encoding="utf-8")))
    assert [row["file"] for row in fields] == [f"scan-{index:02d}.png" for index in range(20)]
    assert {row["vendor"] for row in fields} == {"vendor 1"} and {row["extraction"] for row in fields} == {"valid"}
    rows = list(csv.DictReader(open(last["files"]["rows_csv"], encoding="utf-8")))
    assert len(rows) == 40 and rows[0]["array"] == "items" and rows[0]["name"] == "name 1"
    # boxes in each file's own original pixels: item 1 spans 1/10..4/10 of the image
    first = last["results"][0]["extraction"]["data"]["items"][0]["bbox_2d"]
    assert first == pytest.approx([60, 80, 240, 320], abs=2)


def test_the_batch_cli_extracts_with_a_template_to_fields_and_rows_csv(attached_ui, tmp_path: Path) -> None:
    _ui, endpoint = attached_ui
    folder = tmp_path / "scans"
    folder.mkdir()
    for index in range(3):
        scan(folder / f"{index}.png")
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "app.py", "batch", "--endpoint", endpoint.base_url, "--api-key", endpoint.api_key,
         "--schema", "table", str(folder), "--out", str(out) + ".jsonl", "--fields-csv", str(out) + "-fields.csv",
         "--rows-csv", str(out) + "-rows.csv", "--quiet"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in open(str(out) + ".jsonl", encoding="utf-8")]
    assert [line["extraction"]["status"] for line in lines] == ["valid"] * 3
    rows = list(csv.DictReader(open(str(out) + "-rows.csv", encoding="utf-8")))
    assert [(row["file"], row["array"], row["column_1"]) for row in rows][:2] == [("0.png", "rows", "text 1")] * 2


def test_the_batch_cli_refuses_a_schema_file_that_is_not_a_schema(tmp_path: Path) -> None:
    bad = tmp_path / "schema.json"
    bad.write_text('{"type": "object", "required": "vendor"}', encoding="utf-8")
    done = subprocess.run([sys.executable, "app.py", "batch", "--endpoint", "http://127.0.0.1:9", "--schema",
                           str(bad), str(tmp_path), "--out", str(tmp_path / "o.jsonl")], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--schema: This is not a valid JSON Schema (at required)" in done.stderr


# ----- answers that only look finished, and tables whose data names their columns ---------------------------------

def test_json_that_never_closes_is_incomplete_even_when_the_engine_said_stop() -> None:
    extraction = read_answer('{"columns": ["a"], "rows": [["1"], ["3"]', template("table"))
    assert extraction.status == INCOMPLETE and extraction.data == {"columns": ["a"], "rows": [["1"], ["3"]]}
    assert extraction.notes == ("The answer ended before its JSON closed; what parsed is shown.",)


def test_backticks_inside_a_string_stay_part_of_the_value() -> None:
    extraction = read_answer('{"note": "run ```ls``` now"}', schema_from_example('{"note": ""}'))
    assert extraction.status == VALID and extraction.data == {"note": "run ```ls``` now"}


def test_json_nested_thousands_deep_reads_as_not_json_without_crashing() -> None:
    assert read_answer("[" * 3000 + "]" * 3000, template("table")).status == NOT_JSON


def test_problems_are_listed_in_document_order() -> None:
    rows = [["x"]] * 2 + [[5]] + [["x"]] * 8 + [[7]]  # bad cells in rows 2 and 11
    extraction = read_answer(json.dumps({"columns": ["a"], "rows": rows}), template("table"))
    assert [error.split(":")[0] for error in extraction.errors] == ["rows[2][0]", "rows[11][0]"]


def test_fields_named_like_the_tables_own_columns_keep_both() -> None:
    data = {"status": "paid", "file": "inv.pdf", "lines": [{"index": 9, "amount": 1.5, "tags": {"a": 1}}]}
    assert field_row(data)["status"] == "paid"
    [row] = array_rows(data)
    assert row["index"] == 0 and row["data.index"] == 9 and row["tags.a"] == 1
