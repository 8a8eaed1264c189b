"""Real-shaped Qwen-VL grounding answers with the original-pixel results they must produce.

Each case: the answer text, the family, the image sizes (width, height) as uploaded and as the model saw
them, the items expected in original pixels as (kind, display label, coords), substrings that must appear
in the notes, and the formats detected. Sizes come from smart_resize (factor 28): multiples of 28 stay as
they are; 14336x3584 exceeds max_pixels by exactly 4x and halves to 7168x1792; 28x28 is under min_pixels
and doubles to 56x56; 1280x800 rounds to 1288x812.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Size = tuple[int, int]
Expected = tuple[str, str, tuple[float, ...]]

SAME: Size = (1120, 840)  # a multiple of 28 both ways: the model saw it unchanged
WIDE, WIDE_INPUT = (2000, 1000), (1988, 1008)  # only used with 0-1000 families, where input size is irrelevant
PANORAMA, PANORAMA_INPUT = (14336, 3584), (7168, 1792)
TINY, TINY_INPUT = (28, 28), (56, 56)
HD, HD_INPUT = (1280, 800), (1288, 812)


@dataclass(frozen=True)
class Case:
    """One recorded-shape answer and what grounding must make of it."""

    name: str
    answer: str
    expected: tuple[Expected, ...]
    family: str = "qwen2.5-vl"
    original: Size = SAME
    model_input: Size = SAME
    notes: tuple[str, ...] = ()
    formats: tuple[str, ...] = field(default=())


def _box(label: str, *coords: float) -> Expected:
    return ("box", label, coords)


def _point(label: str, *coords: float) -> Expected:
    return ("point", label, coords)


CASES: tuple[Case, ...] = (
    # --- JSON, the Qwen2.5-VL default -------------------------------------------------------------
    Case("fenced-json-two-boxes",
         '```json\n[\n\t{"bbox_2d": [135, 114, 414, 387], "label": "cake"},\n\t{"bbox_2d": [580, 90, 842, 366], "label": "cake"}\n]\n```',
         (_box("cake", 135, 114, 414, 387), _box("cake", 580, 90, 842, 366)), formats=("json",)),
    Case("bare-json-in-prose",
         'Sure! Here are the results: [{"bbox_2d": [10, 20, 110, 220], "label": "cup"}] Let me know if you need more.',
         (_box("cup", 10, 20, 110, 220),), formats=("json",)),
    Case("fenced-json-between-paragraphs",
         'I found two plates on the table.\n\n```json\n[{"bbox_2d": [1, 2, 300, 200], "label": "plate"}, '
         '{"bbox_2d": [400, 410, 700, 640], "label": "plate"}]\n```\n\nBoth plates are white.',
         (_box("plate", 1, 2, 300, 200), _box("plate", 400, 410, 700, 640))),
    Case("single-object-not-list",
         '```json\n{"bbox_2d": [221, 40, 512, 399], "label": "the top right brown cake"}\n```',
         (_box("the top right brown cake", 221, 40, 512, 399),)),
    Case("single-quotes-python-style",
         "```json\n[{'bbox_2d': [50, 60, 150, 160], 'label': 'dog'}]\n```",
         (_box("dog", 50, 60, 150, 160),), notes=("loosely",)),
    Case("trailing-commas",
         '```json\n[\n  {"bbox_2d": [5, 6, 50, 60], "label": "cat",},\n  {"bbox_2d": [70, 80, 90, 100], "label": "cat",},\n]\n```',
         (_box("cat", 5, 6, 50, 60), _box("cat", 70, 80, 90, 100)), notes=("loosely",)),
    Case("truncated-mid-object",
         '```json\n[\n\t{"bbox_2d": [10, 10, 100, 100], "label": "car"},\n\t{"bbox_2d": [200, 10, 300, 100], "label": "car"},\n\t{"bbox_2d": [400, 10, 5',
         (_box("car", 10, 10, 100, 100), _box("car", 200, 10, 300, 100)), notes=("cut off", "kept 2")),
    Case("truncated-mid-label",
         '```json\n[{"bbox_2d": [10, 10, 100, 100], "label": "bus"}, {"bbox_2d": [120, 10, 300, 100], "label": "tru',
         (_box("bus", 10, 10, 100, 100),), notes=("cut off",)),
    Case("truncated-before-any-object",
         '```json\n[\n\t{"bbox_2d": [10, 10, 1',
         (), notes=("none could be read",)),
    Case("unclosed-fence-complete-json",
         '```json\n[{"bbox_2d": [30, 40, 60, 80], "label": "key"}]',
         (_box("key", 30, 40, 60, 80),)),
    Case("cjk-labels",
         '```json\n[{"bbox_2d": [100, 100, 200, 200], "label": "小蛋糕"}, {"bbox_2d": [300, 300, 400, 420], "label": "擀面杖"}]\n```',
         (_box("小蛋糕", 100, 100, 200, 200), _box("擀面杖", 300, 300, 400, 420))),
    Case("text-spotting-text-content",
         '```json\n[\n    {"bbox_2d": [108, 175, 496, 230], "text_content": "AuntieAnne\'s"},\n'
         '    {"bbox_2d": [49, 429, 252, 450], "text_content": "CINNAMON SUGAR"},\n'
         '    {"bbox_2d": [600, 500, 700, 540], "text_content": "肉桂糖"}\n]\n```',
         (_box("AuntieAnne's", 108, 175, 496, 230), _box("CINNAMON SUGAR", 49, 429, 252, 450),
          _box("肉桂糖", 600, 500, 700, 540))),
    Case("json-points",
         '```json\n[{"point_2d": [394, 105], "label": "head"}, {"point_2d": [876, 131], "label": "head"}]\n```',
         (_point("head", 394, 105), _point("head", 876, 131))),
    Case("json-points-as-strings",
         '```json\n[{"point_2d": ["394", "105"], "label": "LeBron James", "label2": "head"}]\n```',
         (_point("LeBron James", 394, 105),)),
    Case("extra-attributes",
         '```json\n[{"bbox_2d": [341, 258, 397, 360], "label": "motorcyclist", "sub_label": "wearing helmat"}, '
         '{"bbox_2d": [212, 332, 274, 448], "label": "motorcyclist", "sub_label": "not wearing helmat"}]\n```',
         (_box("motorcyclist", 341, 258, 397, 360), _box("motorcyclist", 212, 332, 274, 448))),
    Case("nested-under-key",
         '{"objects": [{"bbox_2d": [1, 1, 11, 11], "label": "a"}, {"bbox_2d": [20, 20, 40, 40], "label": "b"}]}',
         (_box("a", 1, 1, 11, 11), _box("b", 20, 20, 40, 40))),
    Case("label-keyed-object",
         '```json\n{"car": [10, 20, 30, 40], "dog": [50, 60, 70, 80]}\n```',
         (_box("car", 10, 20, 30, 40), _box("dog", 50, 60, 70, 80))),
    Case("corner-pairs",
         '[{"bbox_2d": [[12, 34], [56, 78]], "label": "button"}]',
         (_box("button", 12, 34, 56, 78),)),
    Case("inverted-corners",
         '```json\n[{"bbox_2d": [300, 400, 100, 200], "label": "lamp"}]\n```',
         (_box("lamp", 100, 200, 300, 400),), notes=("Swapped",)),
    Case("box-partly-outside",
         '```json\n[{"bbox_2d": [-20, 800, 200, 900], "label": "rug"}]\n```',
         (_box("rug", 0, 800, 200, 840),), notes=("Clamped",)),
    Case("box-entirely-outside",
         '```json\n[{"bbox_2d": [1200, 10, 1300, 50], "label": "ghost"}, {"bbox_2d": [10, 10, 20, 20], "label": "ok"}]\n```',
         (_box("ok", 10, 10, 20, 20),), notes=("Dropped 1", "outside the image")),
    Case("degenerate-box",
         '```json\n[{"bbox_2d": [50, 50, 50, 120], "label": "line"}]\n```',
         (), notes=("no area",)),
    Case("point-outside",
         '```json\n[{"point_2d": [1500, 20], "label": "far"}, {"point_2d": [1120, 840], "label": "corner"}]\n```',
         (_point("corner", 1120, 840),), notes=("point outside the image",)),
    Case("three-number-box",
         '```json\n[{"bbox_2d": [10, 20, 30], "label": "broken"}]\n```',
         (), notes=("none could be read",)),
    Case("two-fenced-blocks",
         'Cats:\n```json\n[{"bbox_2d": [1, 2, 3, 4], "label": "cat"}]\n```\nDogs:\n```json\n[{"bbox_2d": [5, 6, 7, 8], "label": "dog"}]\n```',
         (_box("cat", 1, 2, 3, 4), _box("dog", 5, 6, 7, 8))),
    Case("objects-one-per-line",
         '{"bbox_2d": [10, 10, 20, 20], "label": "apple"},\n{"bbox_2d": [30, 30, 45, 45], "label": "pear"}',
         (_box("apple", 10, 10, 20, 20), _box("pear", 30, 30, 45, 45))),
    Case("prose-brackets-then-json",
         'The image [as requested] shows {two} birds.\n```json\n[{"bbox_2d": [5, 5, 55, 55], "label": "bird"}]\n```',
         (_box("bird", 5, 5, 55, 55),)),
    Case("numbered-markdown-list-of-objects",
         '1. {"bbox_2d": [100, 100, 150, 150], "label": "coin"}\n2. {"bbox_2d": [200, 200, 260, 260], "label": "coin"}',
         (_box("coin", 100, 100, 150, 150), _box("coin", 200, 200, 260, 260))),
    Case("json-literals-and-single-quotes",
         "[{'bbox_2d': [7, 8, 9, 10], 'label': 'switch', 'on': true, 'note': null}]",
         (_box("switch", 7, 8, 9, 10),), notes=("loosely",)),
    # --- XML points ---------------------------------------------------------------------------------
    Case("xml-single-point",
         '<points x1="361" y1="214" alt="rolling pin">rolling pin on the far side of the table</points>',
         (_point("rolling pin on the far side of the table", 361, 214),), formats=("xml-points",)),
    Case("xml-multi-point",
         '```xml\n<points x1="100" y1="120" x2="300" y2="320" x3="500" y3="520" alt="bird">birds</points>\n```\nThere are 3 birds.',
         (_point("birds", 100, 120), _point("birds", 300, 320), _point("birds", 500, 520))),
    Case("xml-x-y-form",
         'It is here: <points x="640" y="360" alt="spoon">spoon</points>.',
         (_point("spoon", 640, 360),)),
    Case("xml-alt-only",
         '<points x1="11" y1="22" alt="the red button"></points>',
         (_point("the red button", 11, 22),)),
    # --- QwenVL HTML document parsing -----------------------------------------------------------
    Case("qwenvl-html-document",
         '```html\n<html><body>\n<h1 data-bbox="80 70 600 120">Quarterly Field Report</h1>\n'
         '<p data-bbox="80 220 860 290">Deliveries rose in every region.</p>\n'
         '<table data-bbox="80 480 920 700"><tr><td>North</td><td>1,240</td></tr></table>\n'
         '<div class="image" data-bbox="100 760 820 1100"><img data-bbox="100 760 820 1100" /></div>\n'
         '</body></html>\n```',
         (_box("h1", 80, 70, 600, 120), _box("p", 80, 220, 860, 290), _box("table", 80, 480, 920, 700),
          _box("image", 100, 760, 820, 1100), _box("img", 100, 760, 820, 1100)),
         original=(1008, 1400), model_input=(1008, 1400), formats=("qwenvl-html",)),
    Case("qwenvl-html-truncated-comma-bbox",
         '<html><body><h2 data-bbox="10,20,300,60">Invoice</h2><p data-bbox="10,80,500,140">Bill to: Ada Lo',
         (_box("h2", 10, 20, 300, 60), _box("p", 10, 80, 500, 140))),
    # --- Qwen2-VL box tokens (0-1000) -------------------------------------------------------------
    Case("qwen2-vl-box-tokens",
         '<|object_ref_start|>the dog<|object_ref_end|><|box_start|>(100,200),(300,400)<|box_end|>',
         (_box("the dog", 200, 200, 600, 400),), family="qwen2-vl", original=WIDE, model_input=WIDE_INPUT,
         formats=("box-tokens",)),
    Case("qwen2-vl-two-refs-three-boxes",
         'Found: <|object_ref_start|>cat<|object_ref_end|><|box_start|>(0,0),(500,500)<|box_end|>'
         '<|box_start|>(500,500),(1000,1000)<|box_end|> and <|object_ref_start|>ball<|object_ref_end|>'
         '<|box_start|>(250,250),(260,270)<|box_end|>',
         (_box("cat", 0, 0, 1000, 500), _box("cat", 1000, 500, 2000, 1000), _box("ball", 500, 250, 520, 270)),
         family="qwen2-vl", original=WIDE, model_input=WIDE_INPUT),
    Case("qwen2-vl-tokens-stripped",
         'the dog(100,200),(300,400)',
         (_box("the dog", 200, 200, 600, 400),), family="qwen2-vl", original=WIDE, model_input=WIDE_INPUT,
         formats=("plain",)),
    # --- plain lines -----------------------------------------------------------------------------
    Case("plain-coords-then-label",
         '120,80,360,300 person\n400,90,620,310 person',
         (_box("person", 120, 80, 360, 300), _box("person", 400, 90, 620, 310)), formats=("plain",)),
    Case("plain-bulleted-label-first",
         'Detected objects:\n- chair: [10, 400, 200, 700]\n- table: [250, 380, 900, 760]',
         (_box("chair", 10, 400, 200, 700), _box("table", 250, 380, 900, 760))),
    # --- 0-1000 relative families ------------------------------------------------------------------
    Case("qwen3-vl-json-relative",
         '```json\n[{"bbox_2d": [731, 2, 1000, 273], "label": "tree"}]\n```',
         (_box("tree", 1462, 2, 2000, 273),), family="qwen3-vl", original=WIDE, model_input=WIDE_INPUT),
    Case("qwen3-vl-point-relative",
         '[{"point_2d": [500, 250], "label": "person", "role": "player", "shirt_color": "red"}]',
         (_point("person", 1000, 250),), family="qwen3-vl", original=WIDE, model_input=WIDE_INPUT),
    Case("family-from-served-name",
         '[{"bbox_2d": [0, 0, 500, 1000], "label": "left half"}]',
         (_box("left half", 0, 0, 1000, 1000),), family="Qwen/Qwen3-VL-8B-Instruct", original=WIDE,
         model_input=WIDE_INPUT),
    # --- absolute pixels under smart_resize scaling ----------------------------------------------
    Case("panorama-downscaled-by-2",
         '```json\n[{"bbox_2d": [1000, 500, 3000, 1500], "label": "bridge"}]\n```',
         (_box("bridge", 2000, 1000, 6000, 3000),), original=PANORAMA, model_input=PANORAMA_INPUT),
    Case("tiny-upscaled-by-2",
         '```json\n[{"bbox_2d": [10, 10, 50, 40], "label": "dot"}, {"point_2d": [28, 28], "label": "centre"}]\n```',
         (_box("dot", 5, 5, 25, 20), _point("centre", 14, 14)), original=TINY, model_input=TINY_INPUT),
    Case("hd-rounded-to-factor",
         '```json\n[{"bbox_2d": [80, 563, 342, 722], "label": "car"}]\n```',
         (_box("car", 80 * 1280 / 1288, 563 * 800 / 812, 342 * 1280 / 1288, 722 * 800 / 812),),
         original=HD, model_input=HD_INPUT),
    Case("wrong-family-hint",
         '```json\n[{"bbox_2d": [100, 100, 900, 950], "label": "sofa"}]\n```',
         (_box("sofa", 100, 100, 448, 336),), original=(448, 336), model_input=(448, 336),
         notes=("Clamped", "switch the model family")),
    # --- no grounding ------------------------------------------------------------------------------
    Case("prose-only", "The image shows a quiet street with three parked cars and a bakery.", ()),
    Case("empty", "", ()),
    Case("json-without-coordinates",
         '```json\n{"count": 3, "objects": ["car", "car", "bus"]}\n```', ()),
)
