"""Real answers of Qwen vision-language models, copied from public sources, and what the parser must read in them.

Each entry names where the answer was published (repository@commit and path with the notebook cell, an issue
URL, or a documentation page) and the model that wrote it. Only the answer texts are copied, byte for byte as
saved there; an entry says so where it is an excerpt or where the publisher re-printed the model's JSON.
Expected coordinates are the numbers the model wrote (parse_answer does not map them onto the image).

Expectations: `items` lists every item in order; or `count` gives how many and `some` checks a few by position.
An empty `items` with no `count` means the answer must yield no box, point or action. `moments` (when not None)
lists every video moment parse_moments must find, in seconds; or `moment_count` with `some_moments`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Item:
    """One expected item: kind, label and coordinates as the model wrote them; text and attributes when given."""

    kind: str
    label: str
    coords: tuple[float, ...]
    text: str | None = None
    attributes: Mapping[str, Any] = field(default_factory=dict)  # these must be among the item's attributes


@dataclass(frozen=True)
class RealAnswer:
    """One published answer and what grounding must make of it."""

    name: str
    source: str
    model: str
    answer: str
    items: tuple[Item, ...] = ()
    count: int | None = None
    some: tuple[tuple[int, Item], ...] = ()
    notes: tuple[str, ...] = ()  # substrings that must appear among the parse notes
    moments: tuple[tuple[float, float, str], ...] | None = None
    moment_count: int | None = None
    some_moments: tuple[tuple[int, tuple[float, float, str]], ...] = ()


def box(label: str, *coords: float, text: str | None = None, **attributes: Any) -> Item:
    return Item("box", label, coords, text, attributes)


def point(label: str, *coords: float, text: str | None = None, **attributes: Any) -> Item:
    return Item("point", label, coords, text, attributes)


def action(name: str, *coords: float, text: str | None = None, **attributes: Any) -> Item:
    """An agent action: label = the action, coords = its coordinate then coordinate2 (none for type, key, ...)."""
    return Item("action", name, coords, text, {"action": name, **attributes})


REAL_ANSWERS: tuple[RealAnswer, ...] = (
    # --- Qwen2.5-VL cookbooks --------------------------------------------------------------------------------
    RealAnswer(
        name='q25-unireco-bird',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/universal_recognition.ipynb, cell 7 (1.1 birds), saved output'
        ),
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            'This bird is a Red-winged Blackbird (Agelaius phoeniceus). In Chinese, it is called "红翅黑鹂" (hóng wì '
            'hēi lí).'
        ),
    ),
    RealAnswer(
        name='q25-unireco-birds',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/universal_recognition.ipynb, cell 9 (1.2 four birds), saved '
            'output'
        ),
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            'The birds in the images are as follows:\n'
            '\n'
            '1. **Top left**: This bird is a Red-winged Blackbird (Agelaius phoeniceus). In Chinese, it is '
            'called "红翅黑鹂" (hóng wì hēi lí).\n'
            '\n'
            '2. **Top right**: This bird is a Blue-winged Pitta (Pitta brachyura). In Chinese, it is called '
            '"蓝翅八色鸫" (lán wì bā sè dōng).\n'
            '\n'
            '3. **Bottom left**: This bird is a Little Pied Cormorant (Microcarbo melanoleucos). In Chinese, it '
            'is called "小斑鸬鹚" (xiǎo bān lú cí).\n'
            '\n'
            '4. **Bottom right**: This bird is a Cinnamon-headed Bunting (Emberiza tahapisi). In Chinese, it is '
            'called "棕顶雀鹀" (zōng dǐng què wū).'
        ),
    ),
    RealAnswer(
        name='q25-unireco-landmarks',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/universal_recognition.ipynb, cell 11 (2. landmarks), saved '
            'output'
        ),
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            "The images you've provided showcase four of the most iconic landmarks from around the world:\n"
            '\n'
            '1. **Pyramids of Giza** (埃及金字塔)\n'
            '   - **English:** Pyramids of Giza\n'
            '   - **Chinese:** 埃及金字塔\n'
            '\n'
            '2. **Great Wall of China** (中国长城)\n'
            '   - **English:** Great Wall of China\n'
            '   - **Chinese:** 中国长城\n'
            '\n'
            '3. **Statue of Liberty** (自由女神像)\n'
            '   - **English:** Statue of Liberty\n'
            '   - **Chinese:** 自由女神像\n'
            '\n'
            '4. **Terracotta Army** (兵马俑)\n'
            '   - **English:** Terracotta Army\n'
            '   - **Chinese:** 兵马俑'
        ),
    ),
    RealAnswer(
        name='q25-unireco-celebrities',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/universal_recognition.ipynb, cell 13 (3. celebrities), saved '
            'output'
        ),
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            'The individuals in the picture are:\n'
            '\n'
            '1. Michael Jackson (迈克尔·杰克逊)\n'
            '2. Michael Jordan (迈克尔·乔丹)\n'
            '3. Jackie Chan (成龙)\n'
            '4. Donald Trump (唐纳德·特朗普)'
        ),
    ),
    RealAnswer(
        name='q25-ocr-full-page-english',
        source='QwenLM/Qwen2.5-VL@f0af299 cookbooks/ocr.ipynb, cell 7 (1. full-page OCR), saved output',
        model='qwen2.5-vl-72b-instruct (DashScope API, per the printed ChatCompletion)',
        answer=(
            "Auntie Anne's\n"
            'CINNAMON SUGAR\n'
            '1 x 17,000\n'
            'SUB TOTAL\n'
            '17,000\n'
            'GRAND TOTAL\n'
            '17,000\n'
            'CASH IDR\n'
            '20,000\n'
            'CHANGE DUE\n'
            '3,000'
        ),
    ),
    RealAnswer(
        name='q25-ocr-multilingual',
        source='QwenLM/Qwen2.5-VL@f0af299 cookbooks/ocr.ipynb, cell 9 (2. multilingual OCR), saved output',
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            'a product of The Coca-Cola Company\n'
            'LATIN BIORHYTHM MATE\n'
            '태양의\n'
            '마테차\n'
            'PLAY! EAT! DRINK MATE'
        ),
    ),
    RealAnswer(
        name='q25-ocr-chinese-label',
        source='QwenLM/Qwen2.5-VL@f0af299 cookbooks/ocr.ipynb, cell 10 (2. Chinese OCR), saved output',
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            '品名：初吻巧克力 产品类型：代可可脂牛奶巧克力 保质期：12个月\n'
            '\n'
            '配料：代可可脂、白砂糖、可可粉、精炼植物油、奶油、全脂奶粉、食品添加剂（磷脂、食用盐、食用香料） 产品标准代号：SB/T 10402 贮存条件：请置于阴凉干燥处\n'
            '\n'
            '食品生产许可证编号：QS3705 1301 0024 生产日期：见合格证\n'
            '\n'
            '制造商：山东京特食品有限公司 地址：广饶县经济技术开发区\n'
            '\n'
            '电话：0546-8440388 传真：0546-6447566 产地：山东省东营市'
        ),
    ),
    RealAnswer(
        name='q25-ocr-text-spotting',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/ocr.ipynb, cell 13 (3. text spotting), saved output (JSON with '
            'trailing commas)'
        ),
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            '```json\n'
            '[\n'
            '    {\n'
            '        "bbox_2d": [125, 169, 754, 208], "text_content": "UNIHAKKA INTERNATIONAL SDN BHD",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [325, 210, 549, 238], "text_content": "01 Jun 2018 18:41",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [358, 252, 518, 278], "text_content": "(867388-U)",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [168, 286, 706, 320], "text_content": "12, Jalan Tampoi 7/4,Kawasan '
            'Perindustrian",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [231, 324, 638, 358], "text_content": "Tampoi,81200 Johor Bahru,Johor",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [346, 368, 519, 392], "text_content": "TAX INVOICE",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [92, 398, 473, 426], "text_content": "Invoice #: OR18060102160261",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [88, 454, 144, 478], "text_content": "Item",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [303, 454, 360, 478], "text_content": "Qty",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [714, 464, 774, 490], "text_content": "Total",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [88, 502, 418, 526], "text_content": "SR I00100000061- 5 Vege",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [88, 544, 154, 568], "text_content": "RM6.22",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [303, 544, 317, 568], "text_content": "1",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [708, 550, 772, 576], "text_content": "RM6.22",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [88, 604, 428, 628], "text_content": "SR I00100000001- Chicken",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [88, 646, 154, 670], "text_content": "RM2.54",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [303, 646, 317, 670], "text_content": "1",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [708, 652, 772, 678], "text_content": "RM2.54",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [496, 722, 767, 746], "text_content": "Total Amount: RM8.76",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [526, 758, 767, 782], "text_content": "GST @0%: RM0.00",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [532, 798, 767, 822], "text_content": "Rounding: -RM0.01",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [532, 836, 767, 860], "text_content": "Nett Total: RM8.75",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [77, 886, 263, 910], "text_content": "Payment Mode",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [667, 872, 763, 896], "text_content": "Amount",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [77, 934, 159, 958], "text_content": "CASH",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [667, 942, 763, 966], "text_content": "RM8.75",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [77, 970, 173, 994], "text_content": "Change",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [667, 980, 763, 1004], "text_content": "RM0.00",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [77, 1068, 228, 1092], "text_content": "GST Summary",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [406, 1072, 533, 1096], "text_content": "Amount(RM)",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [672, 1076, 763, 1098], "text_content": "Tax(RM)",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [77, 1110, 245, 1134], "text_content": "SR = GST @0%",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [406, 1114, 533, 1138], "text_content": "8.76",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [672, 1118, 763, 1142], "text_content": "0.00",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [247, 1174, 599, 1198], "text_content": "GST REG #000656195584",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [188, 1210, 628, 1238], "text_content": "BAR WANG RICE@PERMAS JAYA",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [247, 1252, 569, 1276], "text_content": "Thank You & Come Again!",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [207, 1290, 606, 1314], "text_content": "Like and Follow Us on Facebook!",\n'
            '    },\n'
            '    {\n'
            '        "bbox_2d": [228, 1328, 667, 1352], "text_content": "Facebook.com/BarWangRice",\n'
            '    },\n'
            ']\n'
            '```'
        ),
        count=39, some=((0,
            box("", 125, 169, 754, 208, text="UNIHAKKA INTERNATIONAL SDN BHD")), (3,
            box("", 168, 286, 706, 320, text="12, Jalan Tampoi 7/4,Kawasan Perindustrian")), (38,
            box("", 228, 1328, 667, 1352, text="Facebook.com/BarWangRice"))),
        notes=("loosely",),
    ),
    RealAnswer(
        name='q25-ocr-key-values-receipt',
        source='QwenLM/Qwen2.5-VL@f0af299 cookbooks/ocr.ipynb, cell 16 (4. key-value extraction), saved output',
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            'Here is the extracted key-value information from the image:\n'
            '\n'
            '```json\n'
            '{\n'
            '  "company": "UNIHAKKA INTERNATIONAL SDN BHD",\n'
            '  "date": "01 Jun 2018",\n'
            '  "address": "12, Jalan Tampoi 7/4,Kawasan Perindustrian Tampoi,81200 Johor Bahru,Johor",\n'
            '  "total": "RM8.75"\n'
            '}\n'
            '```'
        ),
    ),
    RealAnswer(
        name='q25-ocr-key-values-ticket-zh',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/ocr.ipynb, cell 17 (4. Chinese ticket extraction), saved output'
        ),
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            '根据图片内容，以下是提取的信息按照JSON格式输出：\n'
            '\n'
            '```json\n'
            '{\n'
            '  "发票代码": "221021325353",\n'
            '  "发票号码": "10283819",\n'
            '  "到站": "开发区",\n'
            '  "燃油费": "2.0",\n'
            '  "票价": "8.00<全>",\n'
            '  "乘车日期": "2013-06-29",\n'
            '  "开车时间": "流水",\n'
            '  "车次": "040",\n'
            '  "座号": "371"\n'
            '}\n'
            '```'
        ),
    ),
    RealAnswer(
        name='q25-docparse-qwenvl-html',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/document_parsing.ipynb, cell 11 (1. QwenVL HTML), saved output'
        ),
        model='Qwen2.5-VL-72B-Instruct (local)',
        answer=(
            '```html\n'
            '<html><body>\n'
            '<h2 data-bbox="310 94 658 132">Qwen2.5 Technical Report</h2> \n'
            ' <p data-bbox="427 154 542 182">Qwen Team</p> \n'
            ' <div class="image" data-bbox="262 195 708 272"><img data-bbox="262 195 708 272"/></div> \n'
            ' <h2 data-bbox="436 289 533 317">Abstract</h2> \n'
            ' <p data-bbox="99 339 869 565">In this report, we introduce Qwen2.5, a comprehensive series of '
            'large language models (LLMs) designed to meet diverse needs. Compared to previous iterations, Qwen '
            '2.5 has been significantly improved during both the pre-training and post-training stages. In terms '
            'of pre-training, we have scaled the high-quality pre-training datasets from the previous 7 trillion '
            'tokens to 18 trillion tokens. This provides a strong foundation for common sense, expert knowledge, '
            'and reasoning capabilities. In terms of post-training, we implement intricate supervised finetuning '
            'with over 1 million samples, as well as multistage reinforcement learning, including offline '
            'learning DPO and online learning GRPO. Post-training techniques significantly enhance human '
            'preference, and notably improve long text generation, structural data analysis, and instruction '
            'following.</p> \n'
            ' <p data-bbox="99 569 869 730">To handle diverse and varied use cases effectively, we present '
            'Qwen2.5 LLM series in rich configurations. The open-weight offerings include base models and '
            'instruction-tuned models in sizes of 0.5B, 1.5B, 3B, 7B, 14B, 32B, and 72B parameters. Quantized '
            'versions of the instruction-tuned models are also provided. Over 100 models can be accessed from '
            'Hugging Face Hub, ModelScope, and Kaggle. In addition, for hosted solutions, the proprietary models '
            'currently include two mixture-of-experts (MoE) variants: Qwen2.5-Turbo and Qwen2.5-Plus, both '
            'available from Alibaba Cloud Model Studio.</p> \n'
            ' <p data-bbox="99 728 869 955">Qwen2.5 has demonstrated top-tier performance on a wide range of '
            'benchmarks evaluating language understanding, reasoning, mathematics, coding, human preference '
            'alignment, etc. Specifically, the open-weight flagship Qwen2.5-72B-Instruct outperforms a number of '
            'open and proprietary models and demonstrates competitive performance to the state-of-the-art '
            'open-weight model, Llama-3-405B-Instruct, which is around 5 times larger. Qwen2.5-Turbo and '
            'Qwen2.5-Plus offer superior cost-effectiveness while performing competitively against GPT-4o-mini '
            'and GPT-4o respectively. Additionally, as the foundation, Qwen2.5 models have been instrumental in '
            'training specialized models such as Qwen2.5-Math (Yang et al., 2024b), Qwen2.5-Coder (Hui et al., '
            '2024), QwQ (Qwen Team, 2024d), and multimodal models.</p> \n'
            ' <div class="image" data-bbox="88 1054 889 1322"><img data-bbox="88 1054 889 1322"/></div> \n'
            ' <p data-bbox="31 1346 940 1437">Figure 1: In the iterative development of the Qwen series, data '
            'scaling has played a crucial role. Qwen 2.5, which leverages 18 trillion tokens for pre-training, '
            'has demonstrated the most advanced capabilities within the Qwen series, especially in terms of '
            'domain expertise, underscoring the importance of scale together with mixture in enhancing the '
            'model’s capabilities.</p> \n'
            '</body></html>\n'
            '```'
        ),
        count=11, some=((0,
            box("h2", 310, 94, 658, 132, text="Qwen2.5 Technical Report")), (1,
            box("p", 427, 154, 542, 182, text="Qwen Team")), (2,
            box("image", 262, 195, 708, 272, text="")), (8,
            box("image", 88, 1054, 889, 1322)), (10,
            box("p", 31, 1346, 940, 1437))),
    ),
    RealAnswer(
        name='q25-docparse-plain-html-cut',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/document_parsing.ipynb, cell 13 (2. ordinary HTML), saved '
            'output; the answer stops mid-tag'
        ),
        model='Qwen2.5-VL-72B-Instruct (local)',
        answer=(
            '将图片内容解析成HTML格式如下：\n'
            '\n'
            '```html\n'
            '<!DOCTYPE html>\n'
            '<html lang="zh-CN">\n'
            '<head>\n'
            '    <meta charset="UTF-8">\n'
            '    <title>百度搜索结果</title>\n'
            '</head>\n'
            '<body>\n'
            '    <header>\n'
            '        <div class="logo">\n'
            '            <img src="https://www.baidu.com/img/baidu_jgylogo3.gif" alt="百度Logo">\n'
            '        </div>\n'
            '        <nav>\n'
            '            <ul>\n'
            '                <li><a href="#">网页</a></li>\n'
            '                <li><a href="#">AI搜</a></li>\n'
            '                <li><a href="#">图片</a></li>\n'
            '                <li><a href="#">资讯</a></li>\n'
            '                <li><a href="#">视频</a></li>\n'
            '                <li><a href="#">笔记</a></li>\n'
            '                <li><a href="#">地图</a></li>\n'
            '                <li><a href="#">贴吧</a></li>\n'
            '                <li><a href="#">文库</a></li>\n'
            '                <li><a href="#">更多</a></li>\n'
            '            </ul>\n'
            '        </nav>\n'
            '    </header>\n'
            '    <main>\n'
            '        <section class="search-results">\n'
            '            <h2>百度为您找到以下结果</h2>\n'
            '            <article>\n'
            '                <h3><a href="#">Qwen-VL本地部署指南_qwenvl-CSDN博客</a></h3>\n'
            '                <p>2024年5月16日 重置环境变量中的ALL_PROXY="和all_proxy="即可。（base)develop@itserver03:/'
            'u01/workspace/qwenvl/Qwen-VL$env|grep proxy_no_proxy=localhost,127.0.0.1,192.168.0.0/16,10'
            '.0.0...</p>\n'
            '                <img src="path_to_image_1" alt="Qwen-VL本地部署指南">\n'
            '                <span>CSDN博客</span>\n'
            '            </article>\n'
            '            <article>\n'
            '                <h3><a href="#">多模态大模型Qwen-VL和MiniCPM-Llama3-V-2_5初体验_qwenvl...</a></h3>\n'
            '                <p>2024年8月19日 一、QwenVL和MiniCPM-Llama3-V-2_5模型简介 Qwen-VL-Chat '
            'QwenVL这个号称是国内最好的多模态大模型,阿里通义千问系列多模态大模型之一。QwenVL系列有3个大模型,分别是Qwen-VL-Chat&...</p>\n'
            '                <img src="path_to_image_2" alt="多模态大模型Qwen-VL和MiniCPM-Llama3-V-2_5初体验">\n'
            '                <span>CSDN博客</span>\n'
            '            </article>\n'
            '            <article>\n'
            '                <h3><a href="#">qwenvl以及qwenvl 2 模型架构理解_qwenvl与 qwen2vl的差...</a></h3>\n'
            '                <p>2024年12月26日 将旋转嵌入分解为时间、高度和宽度分量,有效编码多模态输入位置信息,提升模型对长序列的处理能力。这是Qwen2 - VL '
            '模型中的一项重要创新技术,主要用于有效编码多模态输入的位置信...</p>\n'
            '                <img src="path_to_image_3" alt="qwenvl以及qwenvl 2 模型架构理解">\n'
            '                <span>CSDN博客</span>\n'
            '            </article>\n'
            '            <article>\n'
            '                <h3><a href="#">Tiny-universe学习笔记1:Qwen-blog_qwen博客-CSDN博客</a></h3>\n'
            '                <p>2024年9月20日 1.1 Qwen2Model 1.1.1初始化 '
            'def__init__(self,config:Qwen2Config):super().__init__(config)self.padding_idx=config.pad_token_id '
            'self.vocab_size=config.vocab_size self.embe...</p>\n'
            '                <img src="path_to_image_4" alt="Tiny-universe学习笔记1:Qwen-blog_qwen博客">\n'
            '                <span>CSDN博客</span>\n'
            '            </article>\n'
            '            <article>\n'
            '                <h3><a href="#">qwen-vl本地部署记录_qwenvl_github-CSDN博客</a></h3>\n'
            '                <p>2024年4月16日 1、下载代码: git clone https://github.com/QwenLM/Qwen-VL.git '
            '2、配置环境:python建议使用3.10,本人尝试过3.12会导致failed to build tokenizers从而环境安装失败。 conda creat...</p>\n'
            '                <img src="path_to_image_5'
        ),
    ),
    RealAnswer(
        name='q25-mobile-file-manager',
        source='QwenLM/Qwen2.5-VL@f0af299 cookbooks/mobile_agent.ipynb, cell 9 (English app), saved output',
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            '<tool_call>\n'
            '{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [935, 406]}}\n'
            '</tool_call>'
        ),
        items=(action("click", 935, 406, tool="mobile_use", step=1, coordinate=[935, 406]),),
    ),
    RealAnswer(
        name='q25-mobile-hema-local',
        source='QwenLM/Qwen2.5-VL@f0af299 cookbooks/mobile_agent.ipynb, cell 13 (Chinese app), saved output',
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            '<tool_call>\n'
            '{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [639, 1095]}}\n'
            '</tool_call>'
        ),
        items=(action("click", 639, 1095, tool="mobile_use", step=1),),
    ),
    RealAnswer(
        name='q25-mobile-hema-api',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/mobile_agent.ipynb, cell 15 (Chinese app with API), saved output'
        ),
        model='qwen2.5-vl-7b-instruct (DashScope API)',
        answer=(
            '<tool_call>\n'
            '{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [639, 1095]}}\n'
            '</tool_call>'
        ),
        items=(action("click", 639, 1095, tool="mobile_use", step=1),),
    ),
    RealAnswer(
        name='q25-video-product-table',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/video_understanding.ipynb, cell 8 (1. reading text in videos), '
            'saved output'
        ),
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            '以下是视频中商品特点的总结表格：\n'
            '\n'
            '| 特点 | 描述 |\n'
            '|------|------|\n'
            '| 适用范围广 | 龙眼、切片西瓜、圣女果、樱桃等 |\n'
            '| 捏扣设计 | 人性化设计，易扣不繁琐 |\n'
            '| 上下盖紧锁 | 摇晃不脱落 |\n'
            '| 专业铝膜 | 采用PET材料制作，做工精细 |\n'
            '| 防压抗摔 | 耐压耐磨，耐低温，可冷藏 |\n'
            '| 美观实用 | 纹理清晰质感佳，形状好，光泽度好 |\n'
            '| 高透加厚 | 盒内产品一目了然，无色无味 |\n'
            '| 全面展示 | |\n'
            '\n'
            '这些特点展示了该商品在包装设计、材质选择、功能性和美观性方面的优点。'
        ),
        moments=(),
    ),
    RealAnswer(
        name='q25-video-long-description',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/video_understanding.ipynb, cell 10 (2. long video), saved output'
        ),
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            'The video begins with a serene view of a vast, open landscape under a bright blue sky dotted with '
            "fluffy white clouds. The scene transitions to a close-up of a lion's face, showcasing its intense "
            'gaze and powerful features. The camera then pans out to reveal a herd of antelope grazing '
            'peacefully in the distance, their graceful movements contrasting with the stillness of the lions.\n'
            '\n'
            "Next, the video shifts to a close-up of a cheetah's face, highlighting its sharp eyes and sleek "
            "fur. The camera captures the cheetah's agile movements as it runs through the grassy field, "
            'emphasizing its speed and agility. The scene then transitions to a group of vultures perched on a '
            'tree branch, their keen eyes scanning the surroundings for any signs of movement or activity.\n'
            '\n'
            'The video continues with a series of dynamic scenes featuring various animals in their natural '
            'habitats. A cheetah is seen running through the grassy field, its powerful strides and focused '
            'expression captured in detail. The camera then shifts to a group of antelope grazing peacefully, '
            'their graceful movements and interactions highlighted against the backdrop of the expansive '
            'landscape.\n'
            '\n'
            'As the video progresses, the focus remains on the diverse wildlife and their natural behaviors. A '
            'cheetah is shown lying down, its relaxed posture and calm demeanor contrasted with the earlier '
            'scenes of movement. The camera then captures a group of antelope grazing, their synchronized '
            'movements and interactions adding to the sense of harmony in the ecosystem.\n'
            '\n'
            'The video also includes moments of interaction between different species. A cheetah is seen '
            'observing a group of antelope from a distance, its keen eyes scanning the area for any potential '
            'threats or prey. This scene emphasizes the predator-prey dynamics within the ecosystem.\n'
            '\n'
            'Throughout the video, the camera captures the beauty and diversity of the African savanna, '
            'showcasing the intricate relationships between different species and the serene yet dynamic nature '
            'of the landscape. The video concludes with a final shot of the vast, open landscape, leaving '
            'viewers with a sense of awe and appreciation for the natural world.'
        ),
        moments=(),
    ),
    RealAnswer(
        name='q25-video-grounding-seconds',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/video_understanding.ipynb, cell 12 (3. video grounding), saved '
            'output'
        ),
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer='The given query happens in 64.0 - 72.0 seconds.',
        moments=((64.0, 72.0, "The given query happens"),),
    ),
    RealAnswer(
        name='q25-video-structured-captions',
        source=(
            'QwenLM/Qwen2.5-VL@f0af299 cookbooks/video_understanding.ipynb, cell 15 (4. structured captioning), '
            'saved output'
        ),
        model='Qwen2.5-VL-7B-Instruct (local)',
        answer=(
            '```json\n'
            '[\n'
            '    {\n'
            '        "start_time": "00:00.00",\n'
            '        "end_time": "00:21.80",\n'
            '        "description": "A person is slicing meat on a cutting board."\n'
            '    },\n'
            '    {\n'
            '        "start_time": "00:23.90",\n'
            '        "end_time": "01:35.60",\n'
            '        "description": "They cut up a large piece of meat before seasoning it with pepper and '
            'salt."\n'
            '    },\n'
            '    {\n'
            '        "start_time": "01:37.80",\n'
            '        "end_time": "02:48.80",\n'
            '        "description": "They then cook it on a grill before putting it in a pot with vegetables."\n'
            '    },\n'
            '    {\n'
            '        "start_time": "02:50.00",\n'
            '        "end_time": "04:19.80",\n'
            '        "description": "After cooking, they slice the meat again to serve."\n'
            '    }\n'
            ']\n'
            '```'
        ),
        moments=((0.0, 21.8, "A person is slicing meat on a cutting board."),
            (23.9, 95.6, "They cut up a large piece of meat before seasoning it with pepper and salt."),
            (97.8, 168.8, "They then cook it on a grill before putting it in a pot with vegetables."),
            (170.0, 259.8, "After cooking, they slice the meat again to serve.")),
    ),
    # --- Qwen3-VL cookbooks ----------------------------------------------------------------------------------
    RealAnswer(
        name='q3-omni-celebrity',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/omni_recognition.ipynb, cell 4 (1. object recognition), saved '
            'output'
        ),
        model='pre-qwen3vl-235A22-instruct (DashScope API, per the notebook)',
        answer=(
            'This is **Peng Yuchang (彭昱畅)**, a popular Chinese actor.\n'
            '\n'
            'The image is a humorous meme-style split-screen:\n'
            '\n'
            '- **Left side**: He’s kneeling dramatically, with comic “BANG!” effects and the Chinese character '
            '**“砰”** (pēng — sound of a bang/thud), suggesting a sudden, exaggerated collapse or fall. The text '
            '**“端庄 华贵”** (duān zhuāng huá guì — dignified and elegant) is ironically overlaid, contrasting with '
            'his chaotic pose.\n'
            '\n'
            '- **Right side**: He’s kneeling calmly, looking confused with **“???”** above his head — a classic '
            'meme expression of bewilderment.\n'
            '\n'
            'This meme likely originates from a variety show or behind-the-scenes clip where Peng Yuchang was '
            'caught in a funny, unplanned moment — perhaps falling while trying to be graceful, then reacting '
            'with confusion. His expressive face and comedic timing make him a frequent subject of internet '
            'memes in China.\n'
            '\n'
            'Peng Yuchang is known for his roles in films and TV dramas like *The Untamed* (as the young Wei '
            'Wuxian), *The Island*, *My Love*, and *The Last Immortal*. He’s beloved for his down-to-earth '
            'personality and natural acting style.\n'
            '\n'
            '---\n'
            '\n'
            '**In short**: This is Peng Yuchang being hilariously awkward — a moment turned into a classic '
            'Chinese internet meme.'
        ),
    ),
    RealAnswer(
        name='q3-omni-food-name-zh-en',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/omni_recognition.ipynb, cell 6 (2. object spotting, food), saved '
            'output'
        ),
        model='pre-qwen3vl-235A22-instruct (DashScope API, per the notebook)',
        answer=(
            '```json\n'
            '[\n'
            '\t{"bbox_2d": [0, 614, 224, 825], "name_zh": "米饭", "name_en": "Rice"},\n'
            '\t{"bbox_2d": [0, 207, 227, 333], "name_zh": "米饭", "name_en": "Rice"},\n'
            '\t{"bbox_2d": [266, 126, 695, 343], "name_zh": "土豆胡萝卜排骨汤", "name_en": "Potato Carrot Pork Rib '
            'Soup"},\n'
            '\t{"bbox_2d": [704, 185, 956, 317], "name_zh": "橙子片", "name_en": "Orange Slices"},\n'
            '\t{"bbox_2d": [40, 368, 436, 610], "name_zh": "手撕包菜", "name_en": "Shredded Cabbage"},\n'
            '\t{"bbox_2d": [562, 359, 946, 593], "name_zh": "西红柿炒鸡蛋", "name_en": "Tomato Scrambled Eggs"},\n'
            '\t{"bbox_2d": [278, 584, 762, 939], "name_zh": "麻辣血豆腐", "name_en": "Spicy Blood Tofu"}\n'
            ']\n'
            '```'
        ),
        items=(box("Rice", 0, 614, 224, 825, name_zh="米饭", name_en="Rice"),
            box("Rice", 0, 207, 227, 333),
            box("Potato Carrot Pork Rib Soup", 266, 126, 695, 343, name_zh="土豆胡萝卜排骨汤"),
            box("Orange Slices", 704, 185, 956, 317),
            box("Shredded Cabbage", 40, 368, 436, 610),
            box("Tomato Scrambled Eggs", 562, 359, 946, 593),
            box("Spicy Blood Tofu", 278, 584, 762, 939, name_zh="麻辣血豆腐")),
    ),
    RealAnswer(
        name='q3-omni-anime-names-dict',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/omni_recognition.ipynb, cell 7 (2. object spotting, anime); the '
            "model wrote one stray '{' before the 6th object"
        ),
        model='pre-qwen3vl-235A22-instruct (DashScope API, per the notebook)',
        answer=(
            '```json\n'
            '[\n'
            '\t{\n'
            '\t\t"bbox_2d": [0, 52, 477, 999],\n'
            '\t\t"names": {\n'
            '\t\t\t"zh": "富冈义勇",\n'
            '\t\t\t"en": "Giyu Tomioka"\n'
            '\t\t}\n'
            '\t},\n'
            '\t{\n'
            '\t\t"bbox_2d": [197, 347, 520, 999],\n'
            '\t\t"names": {\n'
            '\t\t\t"zh": "时透无一郎",\n'
            '\t\t\t"en": "Muichiro Tokito"\n'
            '\t\t}\n'
            '\t},\n'
            '\t{"bbox_2d": [220, 54, 500, 595],\n'
            '\t\t"names": {\n'
            '\t\t\t"zh": "不死川实弥",\n'
            '\t\t\t"en": "Sanemi Shinazugawa"\n'
            '\t\t}\n'
            '\t},\n'
            '\t{\n'
            '\t\t"bbox_2d": [431, 84, 565, 401],\n'
            '\t\t"names": {\n'
            '\t\t\t"zh": "甘露寺蜜璃",\n'
            '\t\t\t"en": "Mitsuri Kanroji"\n'
            '\t\t}\n'
            '\t},\n'
            '\t{"bbox_2d": [541, 0, 667, 333],\n'
            '\t\t"names": {\n'
            '\t\t\t"zh": "悲鸣屿行冥",\n'
            '\t\t\t"en": "Gyomei Himejima"\n'
            '\t\t}\n'
            '\t},\n'
            '\t{\n'
            '\t{"bbox_2d": [649, 116, 794, 643],\n'
            '\t\t"names": {\n'
            '\t\t\t"zh": "伊黑小芭内",\n'
            '\t\t\t"en": "Obanai Iguro"\n'
            '\t\t}\n'
            '\t},\n'
            '\t{\n'
            '\t\t"bbox_2d": [762, 34, 999, 555],\n'
            '\t\t"names": {\n'
            '\t\t\t"zh": "炼狱杏寿郎",\n'
            '\t\t\t"en": "Kyojuro Rengoku"\n'
            '\t\t}\n'
            '\t},\n'
            '\t{\n'
            '\t\t"bbox_2d": [434, 322, 686, 999],\n'
            '\t\t"names": {\n'
            '\t\t\t"zh": "胡蝶忍",\n'
            '\t\t\t"en": "Shinobu Kocho"\n'
            '\t\t}\n'
            '\t},\n'
            '\t{\n'
            '\t\t"bbox_2d": [590, 444, 999, 999],\n'
            '\t\t"names": {\n'
            '\t\t\t"zh": "宇髓天元",\n'
            '\t\t\t"en": "Tengen Uzui"\n'
            '\t\t}\n'
            '\t}\n'
            ']\n'
            '```'
        ),
        items=(box("Giyu Tomioka", 0, 52, 477, 999, names={"zh": "富冈义勇", "en": "Giyu Tomioka"}),
            box("Muichiro Tokito", 197, 347, 520, 999),
            box("Sanemi Shinazugawa", 220, 54, 500, 595),
            box("Mitsuri Kanroji", 431, 84, 565, 401),
            box("Gyomei Himejima", 541, 0, 667, 333),
            box("Obanai Iguro", 649, 116, 794, 643),
            box("Kyojuro Rengoku", 762, 34, 999, 555),
            box("Shinobu Kocho", 434, 322, 686, 999),
            box("Tengen Uzui", 590, 444, 999, 999)),
    ),
    RealAnswer(
        name='q3-3d-cars',
        source=(
            "QwenLM/Qwen3-VL@9658872 cookbooks/3d_grounding.ipynb, cell 11 (1. cars), the model's JSON as the "
            'cookbook prints it after json.loads'
        ),
        model='Qwen3-VL (DashScope API; model id left as a placeholder in the notebook)',
        answer=(
            "[{'bbox_3d': [2.88, 0.56, 6.28, 4.45, 1.7, 1.84, 0.75, 0.49, 0.75], 'label': 'car'}, {'bbox_3d': "
            "[2.83, 0.58, 14.78, 4.43, 1.56, 1.77, 0.82, 0.49, 0.82], 'label': 'car'}]"
        ),
        notes=("3D boxes",),
    ),
    RealAnswer(
        name='q3-3d-black-chair',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/3d_grounding.ipynb, cell 14 (2. black chair), printed after '
            'json.loads'
        ),
        model='Qwen3-VL (DashScope API; model id left as a placeholder in the notebook)',
        answer=(
            "[{'bbox_3d': [-0.4, -0.26, 2.71, 0.76, 0.96, 0.78, 0.16, 0.13, 0.08], 'label': 'black chair'}]"
        ),
        notes=("3D boxes",),
    ),
    RealAnswer(
        name='q3-3d-multi-zh',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/3d_grounding.ipynb, cell 17 (3. Chinese prompt, '
            'tables/chairs/sofa), printed after json.loads'
        ),
        model='Qwen3-VL (DashScope API; model id left as a placeholder in the notebook)',
        answer=(
            "[{'bbox_3d': [0.27, 0.13, 2.21, 0.69, 0.76, 1.8, 0.87, 0.09, 0.94], 'label': '桌子'}, {'bbox_3d': "
            "[0.18, 0.26, 1.71, 0.57, 0.78, 0.52, 0.13, -0.09, -0.06], 'label': '椅子'}, {'bbox_3d': [-0.04, "
            "-0.01, 2.39, 0.52, 0.76, 0.5, 0.13, -0.07, -0.05], 'label': '椅子'}, {'bbox_3d': [-0.83, -0.18, 2.87, "
            "0.76, 0.76, 1.86, 0.28, 0.33, 0.23], 'label': '沙发'}]"
        ),
        notes=("3D boxes",),
    ),
    RealAnswer(
        name='q3-3d-bottle',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/3d_grounding.ipynb, cell 20 (4. custom camera), printed after '
            'json.loads'
        ),
        model='Qwen3-VL (DashScope API; model id left as a placeholder in the notebook)',
        answer="[{'bbox_3d': [0.04, -0.03, 0.66, 0.07, 0.22, 0.08, 0.76, 0.08, 0.94], 'label': 'bottle'}]",
        notes=("3D boxes",),
    ),
    RealAnswer(
        name='q3-spatial-farthest',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/spatial_understanding.ipynb, cell 8 (1. spatial relationship), '
            "saved output after 'Answer:'"
        ),
        model='qwen3-vl-235b-a22b-instruct (DashScope API)',
        answer='C. window',
    ),
    RealAnswer(
        name='q3-spatial-free-space-point',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/spatial_understanding.ipynb, cell 11 (2. affordance point), saved '
            "output after 'Answer:'"
        ),
        model='qwen3-vl-235b-a22b-instruct (DashScope API)',
        answer=(
            '```json\n'
            '[\n'
            '\t{"point_2d": [925, 618], "label": "point_1"}\n'
            ']\n'
            '```'
        ),
        items=(point("point_1", 925, 618),),
    ),
    RealAnswer(
        name='q3-spatial-speaker',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/spatial_understanding.ipynb, cell 12 (2. can the speaker fit), '
            "saved output after 'Answer:'"
        ),
        model='qwen3-vl-235b-a22b-instruct (DashScope API)',
        answer=(
            'No, the speaker **cannot** fit behind the guitar — at least not in the current setup shown in the '
            'image.\n'
            '\n'
            'Here’s why:\n'
            '\n'
            '- The **guitar is leaning forward** on a stand, angled slightly away from the wall.\n'
            '- The **speaker (a small black amplifier)** is sitting on a **white stool** that is positioned '
            '**behind the guitar’s body**, but **not directly behind the neck or headstock**.\n'
            '- The guitar’s body and neck take up space in front of the speaker, so if you tried to physically '
            'place the speaker *behind* the guitar (as in, between the guitar and the wall), it would either:\n'
            '  - Be blocked by the guitar’s body or neck, or\n'
            '  - Require moving the guitar forward — which would make it unstable or fall.\n'
            '- The speaker is already placed as far back as it can go without being obstructed — it’s tucked '
            'behind the guitar’s lower body, but still visible.\n'
            '\n'
            '**In practical terms**: The speaker is already positioned *behind* the guitar’s body in the spatial '
            'layout, but not “behind” it in the sense of being hidden or occluded — it’s just in the background '
            'of the scene. You could say it’s *behind* the guitar spatially, but not *physically behind it in a '
            'way that the guitar is blocking it* — because the guitar is angled forward.\n'
            '\n'
            '✅ So, if you mean “can the speaker be placed behind the guitar in space?” — yes, it already is.\n'
            '\n'
            '❌ If you mean “can the speaker be placed behind the guitar such that the guitar is in front of it '
            'and blocking it from view?” — no, not without moving the guitar or the speaker, and even then, it '
            'would be unstable or impractical.\n'
            '\n'
            '**Final Answer**: **No**, the speaker cannot fit *physically behind* the guitar in a way that the '
            'guitar is in front of it — because the guitar’s position and angle prevent that without '
            'destabilizing the setup.'
        ),
    ),
    RealAnswer(
        name='q3-spatial-arrow',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/spatial_understanding.ipynb, cell 14 (3. arrow choice), saved '
            "output after 'Answer:'"
        ),
        model='qwen3-vl-235b-a22b-instruct (DashScope API)',
        answer=(
            'Looking at the image:\n'
            '\n'
            '- The robot is holding an **apple**.\n'
            '- There is a **green can** on the left.\n'
            '- There is an **orange** (fruit) in the middle.\n'
            '- There is a **paper cup** on the right.\n'
            '\n'
            'The goal is to move the **apple** to a position **between the green can and the orange**.\n'
            '\n'
            'Now, look at the arrows:\n'
            '\n'
            '- **Red arrow** points from the apple toward the green can — that would move the apple **left**, '
            'possibly **past** the can, not between.\n'
            '- **Blue arrow** points from the apple **toward the orange**, but slightly left — this would move '
            'the apple **between** the green can and the orange.\n'
            '- **Green arrow** points from the apple toward the paper cup — that would move it **right**, away '
            'from the target position.\n'
            '\n'
            'So, to place the apple **between** the green can and the orange, the robot should follow the **blue '
            'arrow**.\n'
            '\n'
            '✅ Correct answer: **B. Blue.**'
        ),
    ),
    RealAnswer(
        name='q3-spatial-coffee-pod',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/spatial_understanding.ipynb, cell 15 (3. coffee pod), saved '
            "output after 'Answer:'"
        ),
        model='qwen3-vl-235b-a22b-instruct (DashScope API)',
        answer=(
            'To change the coffee pod in this machine (which appears to be a **Nespresso-style** pod-based '
            'espresso machine), you typically need to **open the pod compartment** — usually located at the '
            '**top front** of the machine, where you insert and eject the pod.\n'
            '\n'
            'Looking at the labeled arrows:\n'
            '\n'
            '- **A** points to the **drip tray** — this is for catching drips, not for pod access.\n'
            '- **B** points to the **steam wand or milk frother area** — used for frothing milk, not pod '
            'replacement.\n'
            '- **C** points to **accessories or storage** — not relevant to pod changing.\n'
            '- **D** points to the **top front lever or slot** — this is where you typically **lift or press** '
            'to open the pod chamber and eject the used pod.\n'
            '\n'
            '✅ So, the correct motion to change the coffee pod is **D** — you lift or press the lever at the top '
            'front to open the pod compartment.\n'
            '\n'
            '---\n'
            '\n'
            '**Answer: D. D.**'
        ),
    ),
    RealAnswer(
        name='q3-spatial-navigation-video',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/spatial_understanding.ipynb, cell 18 (video navigation), saved '
            "output after 'Answer:'"
        ),
        model='qwen3-vl-235b-a22b-instruct (DashScope API)',
        answer=(
            'The robot starts at the bed facing the TV. First, it goes forward until the TV. Then, it needs to '
            'turn left to head towards the shower. After reaching the shower, it turns right to go to the '
            'toilet. So the sequence is Turn Left, Turn Right.'
        ),
        moments=(),
    ),
    RealAnswer(
        name='q3-video-keyed-ranges',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/video_understanding.ipynb, cell 13 (2. video URL, API), message '
            'content of the saved API response'
        ),
        model='Qwen3-VL (DashScope API; model id redacted in the notebook)',
        answer=(
            '{\n'
            '    "00:23.00 - 00:48.00": "trim the fat off a piece of beef.",\n'
            '    "00:56.00 - 01:28.00": "season the beef with salt and pepper.",\n'
            '    "01:29.00 - 01:38.00": "place the beef on a grill and close the lid.",\n'
            '    "01:40.00 - 02:02.00": "add oil chopped onions carrots and squash to a pot and stir.",\n'
            '    "02:02.00 - 02:08.00": "place a rack in the pot.",\n'
            '    "02:09.00 - 02:14.00": "place the beef on the rack.",\n'
            '    "02:19.00 - 02:30.00": "pour beer into the pot.",\n'
            '    "02:33.00 - 02:40.00": "place the lid on the pot and place hot coals on top of the lid.",\n'
            '    "03:15.00 - 03:20.00": "slice the beef against the grain."\n'
            '}'
        ),
        moments=((23.0, 48.0, "trim the fat off a piece of beef."),
            (56.0, 88.0, "season the beef with salt and pepper."),
            (89.0, 98.0, "place the beef on a grill and close the lid."),
            (100.0, 122.0, "add oil chopped onions carrots and squash to a pot and stir."),
            (122.0, 128.0, "place a rack in the pot."),
            (129.0, 134.0, "place the beef on the rack."),
            (139.0, 150.0, "pour beer into the pot."),
            (153.0, 160.0, "place the lid on the pot and place hot coals on top of the lid."),
            (195.0, 200.0, "slice the beef against the grain.")),
    ),
    RealAnswer(
        name='q3-video-description-math',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/video_understanding.ipynb, cell 17 (4. frame list, API), message '
            'content of the saved API response'
        ),
        model='Qwen3-VL (DashScope API; model id redacted in the notebook)',
        answer=(
            'The video shows a person solving a geometry problem involving a circle and a right triangle. The '
            'goal is to find the length of an unknown segment, marked with a question mark, which is part of a '
            'tangent line from an external point to the circle.\n'
            '\n'
            'The person begins by identifying the key geometric property: a radius is perpendicular to a tangent '
            'line at the point of tangency. This creates a right triangle, allowing the use of the Pythagorean '
            'Theorem (C² = A² + B²).\n'
            '\n'
            'The triangle’s sides are:\n'
            '- One leg: the radius, labeled as 4.\n'
            '- The other leg: the tangent segment, labeled as 4.2.\n'
            '- The hypotenuse: the line from the circle’s center to the external point, which is the sum of the '
            'radius (4) and the unknown segment (?), written as (4 + ?).\n'
            '\n'
            'The person writes the equation:  \n'
            '(4 + ?)² = 4² + 4.2²\n'
            '\n'
            'Using a calculator, they compute:\n'
            '- 4² = 16\n'
            '- 4.2² = 17.64\n'
            '- Sum: 16 + 17.64 = 33.64\n'
            '\n'
            'Then, they take the square root of 33.64, which equals 5.8, so:\n'
            '4 + ? = 5.8\n'
            '\n'
            'Finally, they subtract 4 from both sides to solve for the unknown:\n'
            '? = 5.8 - 4 = 1.8\n'
            '\n'
            'The video concludes with the answer: **? = 1.8 units**, written clearly on the paper and underlined '
            'for emphasis. The person gestures to confirm the solution and the geometric setup.'
        ),
        moments=(),
    ),
    RealAnswer(
        name='q3-mobile-thought-action',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/mobile_agent.ipynb, cell 7 (English app with API), saved output'
        ),
        model='qwen3vl-235A22-instruct (DashScope API, per the notebook)',
        answer=(
            'Thought: To search for Musk in X, I need to click on the search bar at the top of the screen. This '
            'will allow me to type in the search query.\n'
            'Action: "I tapped on the search bar to begin searching for Musk."\n'
            '<tool_call>\n'
            '{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [447, 81]}}\n'
            '</tool_call>'
        ),
        items=(action("click", 447, 81, tool="mobile_use", step=1, 
            summary="I tapped on the search bar to begin searching for Musk.",
            thought="To search for Musk in X, I need to click on the search bar at the top of the screen. This will allow me to type in the search query."),),
    ),
    RealAnswer(
        name='q3-think-zoom-1',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/think_with_images.ipynb, cell 7 (zoom-in assistant), 1st turn: '
            'the thought and the image_zoom_in_tool arguments as Qwen-Agent prints them (it strips the '
            '<tool_call> wrapper)'
        ),
        model='qwen3-vl-235b-a22b-instruct (per the notebook)',
        answer=(
            'Okay, I need to figure out where this picture was taken. The building is clearly a pub called the '
            '"Hop Inn," which is a great starting point. To find its location, I\'ll need to read the text on the '
            'signs more closely. I can see some signs with what look like phone numbers and possibly an address '
            'or town name. I will zoom in on the main hanging sign for "Hop Inn" to get a better look at the '
            'details.\n'
            '{"label": "main hanging sign for Hop Inn", "bbox_2d": [574, 301, 660, 468], "img_idx": 0}'
        ),
        items=(box("main hanging sign for Hop Inn", 574, 301, 660, 468, img_idx=0),),
    ),
    RealAnswer(
        name='q3-think-zoom-2',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/think_with_images.ipynb, cell 7, 2nd turn (thought + zoom '
            'arguments)'
        ),
        model='qwen3-vl-235b-a22b-instruct (per the notebook)',
        answer=(
            'Okay, now I see the main sign for the pub. It clearly reads "Hop Inn" in a stylized white font on a '
            'maroon background, with some hop leaf decorations. This confirms the name of the establishment, but '
            "it doesn't give me any location information. To find out where this is, I need to look for other "
            'signs that might have an address or town name. I will now zoom in on the vertical green and white '
            "signs attached to the building's facade to read the text there.\n"
            '{"label": "two vertical green and white signs on the building facade", "bbox_2d": [174, 450, 469, '
            '658], "img_idx": 0}'
        ),
        items=(box("two vertical green and white signs on the building facade", 174, 450, 469, 658),),
    ),
    RealAnswer(
        name='q3-think-zoom-3',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/think_with_images.ipynb, cell 7, 3rd turn (thought + zoom '
            'arguments)'
        ),
        model='qwen3-vl-235b-a22b-instruct (per the notebook)',
        answer=(
            'Okay, now I see the two vertical signs on the building\'s facade. Both signs clearly state "HOP INN" '
            'and "BAR MENU AVAILABLE". Below that, there\'s a line of text that seems to say "WEDNESDAY NIGHTS IS '
            'SPICE NIGHT", which is an event, not a location. The most promising piece of information is the '
            'phone number at the bottom: "02380 557723". This area code, 02380, is for the Southampton area in '
            'England. This strongly suggests the pub is located in or near Southampton. To confirm this and get '
            "a more precise address, I will now zoom in on the white sign with red text that lists the pub's "
            'amenities, as it might also contain an address.\n'
            '{"label": "white sign with red text listing amenities", "bbox_2d": [584, 496, 651, 660], "img_idx": '
            '0}'
        ),
        items=(box("white sign with red text listing amenities", 584, 496, 651, 660),),
    ),
    RealAnswer(
        name='q3-think-zoom-4',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/think_with_images.ipynb, cell 7, 4th turn (thought + zoom '
            'arguments)'
        ),
        model='qwen3-vl-235b-a22b-instruct (per the notebook)',
        answer=(
            "Okay, I've examined the white sign with red text. It lists the pub's amenities: Darts, Pool, "
            "Tea/Coffee, Snacks, Quiz Nights, Dog Garden, and Garden & Patio Areas. This confirms it's a typical "
            "British pub but doesn't provide any location details like an address or town name. Since the "
            "previous signs didn't give a location either, I will now zoom in on the license plate of the black "
            'car parked in front to see if it can provide a clue about the region.\n'
            '{"label": "license plate of the black car", "bbox_2d": [231, 795, 284, 820], "img_idx": 0}'
        ),
        items=(box("license plate of the black car", 231, 795, 284, 820),),
    ),
    RealAnswer(
        name='q3-think-final-answer',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/think_with_images.ipynb, cell 7, final answer (postcode, phone '
            'number, numbered reasons)'
        ),
        model='qwen3-vl-235b-a22b-instruct (per the notebook)',
        answer=(
            'Okay, I can now clearly see the license plate on the black car. It reads "BW14 WDZ". The "14" in '
            'the registration number indicates that this vehicle was first registered between March and August '
            "2014. While this doesn't give me a precise location, it confirms the photo was taken in the UK, as "
            'this is a standard UK format. This aligns with my previous finding from the phone number (02380), '
            'which points to the Southampton area. To confirm the exact location, I will now search for the pub '
            '"Hop Inn" with the phone number "02380 557723".\n'
            '\n'
            'Based on the visual evidence and research, the picture was taken at the **Hop Inn**, located at '
            '**169 Bursledon Road, Hamble, Southampton, SO31 4QY, England**.\n'
            '\n'
            "Here's the reasoning:\n"
            '\n'
            '1.  **Pub Name:** The main hanging sign clearly identifies the establishment as the "Hop Inn".\n'
            '2.  **Phone Number:** A vertical sign on the building facade displays the phone number "02380 '
            '557723". The area code "02380" is specific to the Southampton area in Hampshire, England.\n'
            '3.  **Vehicle Registration:** The license plate "BW14 WDZ" on the black car is a standard UK '
            'format, confirming the location is within the United Kingdom.\n'
            '4.  **Verification:** A search for "Hop Inn" combined with the phone number "02380 557723" confirms '
            'its address as 169 Bursledon Road, Hamble, Southampton, SO31 4QY.\n'
            '\n'
            'Therefore, the photograph was taken at the Hop Inn pub in Hamble, near Southampton, England.'
        ),
    ),
    RealAnswer(
        name='q3-think-zoom-bear',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/think_with_images.ipynb, cell 11 (multi-functional assistant), '
            '1st turn (thought + zoom arguments)'
        ),
        model='qwen3-vl-235b-a22b-instruct (per the notebook)',
        answer=(
            'Okay, I need to find the most prominent feature of these logos and then search for their creator. '
            'The image displays many versions of a cartoon bear, so my first step is to examine the central logo '
            'closely to identify its key elements. I will zoom in on the main bear character to get a better '
            'look at its features.\n'
            '{"label": "central bear logo", "bbox_2d": [395, 276, 618, 740], "img_idx": 0}'
        ),
        items=(box("central bear logo", 395, 276, 618, 740, img_idx=0),),
    ),
    RealAnswer(
        name='q3-longdoc-summary',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/long_document_understanding.ipynb, cell 13 (local inference), '
            'saved output'
        ),
        model='Qwen3-VL-4B-Instruct (local)',
        answer=(
            'The abstract on page 1 (image 0) introduces Qwen2.5-VL as a flagship model with significant '
            'advancements in foundational capabilities and innovative functionalities. It highlights features '
            'like precise object localization, robust document parsing, long-video comprehension, dynamic '
            'resolution processing, and absolute time encoding. The introduction on page 2 (image 1) elaborates '
            "that the paper's goal is to create an agent amplifier for real-world applications by leveraging the "
            'latest Qwen2.5 LLM. It outlines four technical contributions: implementing window attention in the '
            'visual encoder, introducing dynamic FPS sampling, upgrading MRoPE in the temporal domain, and '
            'curating high-quality data. These points collectively represent the core contributions of the paper.'
        ),
    ),
    RealAnswer(
        name='q3-longdoc-table-count',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/long_document_understanding.ipynb, cell 15 (API), saved output'
        ),
        model='qwen-vl-max-latest (DashScope API, per the notebook)',
        answer=(
            'To determine the total number of tables in the provided document, a systematic count across all '
            'pages is required.\n'
            '\n'
            'The first paper, "Fox: Focus Anywhere for Fine-grained Multi-page Document Understanding," contains '
            'the following tables:\n'
            '- Table 1 on page 7 (image 6)\n'
            '- Table 2 on page 8 (image 7)\n'
            '- Table 3 on page 8 (image 7)\n'
            '- Table 4 on page 8 (image 7)\n'
            '- Table 5 on page 9 (image 8)\n'
            '- Table 6 on page 9 (image 8)\n'
            '\n'
            'This accounts for 6 tables in the first paper.\n'
            '\n'
            'The second paper, "General OCR Theory: Towards OCR-2.0 via a Unified End-to-end Model," contains '
            'the following tables:\n'
            '- Table 1 on page 9 (image 24)\n'
            '- Table 2 on page 9 (image 24)\n'
            '- Table 3 on page 10 (image 25)\n'
            '- Table 4 on page 10 (image 25)\n'
            '- Table 5 on page 10 (image 25)\n'
            '\n'
            'This accounts for 5 tables in the second paper.\n'
            '\n'
            'Summing the tables from both papers: 6 + 5 = 11.\n'
            '\n'
            'Therefore, there are 11 tables in total across the entire document.'
        ),
    ),
    RealAnswer(
        name='q3-mmcode-html-full',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/mmcode.ipynb, cell 5 (1. image to HTML), generated HTML as '
            'printed (CSS has rgba(0,0,0,0.05))'
        ),
        model='qwen3-vl-235b-a22b-instruct (DashScope API)',
        answer=(
            '<!DOCTYPE html>\n'
            '<html lang="en">\n'
            '<head>\n'
            '    <meta charset="UTF-8">\n'
            '    <meta name="viewport" content="width=device-width, initial-scale=1.0">\n'
            '    <title>Banana Oatmeal Chocolate Chip Muffins</title>\n'
            '    <style>\n'
            '        body {\n'
            "            font-family: 'Segoe UI', Tahoma, Geneva, Verdana, sans-serif;\n"
            '            line-height: 1.6;\n'
            '            color: #333;\n'
            '            max-width: 800px;\n'
            '            margin: 0 auto;\n'
            '            padding: 20px;\n'
            '            background-color: #f9f9f9;\n'
            '        }\n'
            '        \n'
            '        .header {\n'
            '            display: flex;\n'
            '            justify-content: center;\n'
            '            gap: 20px;\n'
            '            margin-bottom: 20px;\n'
            '            flex-wrap: wrap;\n'
            '        }\n'
            '        \n'
            '        .btn {\n'
            '            padding: 8px 16px;\n'
            '            border: 1px solid #ccc;\n'
            '            border-radius: 4px;\n'
            '            cursor: pointer;\n'
            '            font-weight: 500;\n'
            '            transition: background-color 0.2s;\n'
            '        }\n'
            '        \n'
            '        .btn-primary {\n'
            '            background-color: #4a4a4a;\n'
            '            color: white;\n'
            '            border-color: #4a4a4a;\n'
            '        }\n'
            '        \n'
            '        .btn-primary:hover {\n'
            '            background-color: #333;\n'
            '        }\n'
            '        \n'
            '        .btn-secondary {\n'
            '            background-color: white;\n'
            '            color: #333;\n'
            '            border-color: #ccc;\n'
            '        }\n'
            '        \n'
            '        .btn-secondary:hover {\n'
            '            background-color: #f0f0f0;\n'
            '        }\n'
            '        \n'
            '        .options {\n'
            '            display: flex;\n'
            '            align-items: center;\n'
            '            justify-content: center;\n'
            '            gap: 20px;\n'
            '            margin-bottom: 20px;\n'
            '            flex-wrap: wrap;\n'
            '        }\n'
            '        \n'
            '        .checkbox-group {\n'
            '            display: flex;\n'
            '            align-items: center;\n'
            '            gap: 8px;\n'
            '        }\n'
            '        \n'
            '        .serving-controls {\n'
            '            display: flex;\n'
            '            align-items: center;\n'
            '            gap: 8px;\n'
            '            background: white;\n'
            '            padding: 8px 12px;\n'
            '            border-radius: 4px;\n'
            '            border: 1px solid #ddd;\n'
            '        }\n'
            '        \n'
            '        .serving-btn {\n'
            '            background: #4a4a4a;\n'
            '            color: white;\n'
            '            border: none;\n'
            '            width: 24px;\n'
            '            height: 24px;\n'
            '            border-radius: 4px;\n'
            '            cursor: pointer;\n'
            '            display: flex;\n'
            '            align-items: center;\n'
            '            justify-content: center;\n'
            '            font-weight: bold;\n'
            '        }\n'
            '        \n'
            '        .serving-input {\n'
            '            width: 40px;\n'
            '            text-align: center;\n'
            '            padding: 4px;\n'
            '            border: 1px solid #ddd;\n'
            '            border-radius: 4px;\n'
            '        }\n'
            '        \n'
            '        .recipe-container {\n'
            '            background: white;\n'
            '            padding: 25px;\n'
            '            border-radius: 8px;\n'
            '            box-shadow: 0 2px 10px rgba(0,0,0,0.05);\n'
            '        }\n'
            '        \n'
            '        h1 {\n'
            '            color: #2c2c2c;\n'
            '            font-size: 28px;\n'
            '            margin-bottom: 10px;\n'
            '            border-bottom: 2px solid #e0e0e0;\n'
            '            padding-bottom: 10px;\n'
            '        }\n'
            '        \n'
            '        .description {\n'
            '            color: #666;\n'
            '            margin-bottom: 20px;\n'
            '            font-style: italic;\n'
            '        }\n'
            '        \n'
            '        .recipe-info {\n'
            '            display: grid;\n'
            '            grid-template-columns: 1fr 1fr;\n'
            '            gap: 10px;\n'
            '            margin-bottom: 20px;\n'
            '        }\n'
            '        \n'
            '        .info-label {\n'
            '            font-weight: 600;\n'
            '        }\n'
            '        \n'
            '        h2 {\n'
            '            color: #2c2c2c;\n'
            '            font-size: 20px;\n'
            '            margin-top: 25px;\n'
            '            margin-bottom: 10px;\n'
            '            border-bottom: 1px solid #e0e0e0;\n'
            '            padding-bottom: 5px;\n'
            '        }\n'
            '        \n'
            '        ul {\n'
            '            padding-left: 20px;\n'
            '            margin-bottom: 20px;\n'
            '        }\n'
            '        \n'
            '        ol {\n'
            '            padding-left: 20px;\n'
            '            margin-bottom: 20px;\n'
            '        }\n'
            '        \n'
            '        li {\n'
            '            margin-bottom: 8px;\n'
            '        }\n'
            '        \n'
            '        .nutrition-info {\n'
            '            font-size: 14px;\n'
            '            margin-bottom: 20px;\n'
            '        }\n'
            '        \n'
            '        .author-link {\n'
            '            color: #007bff;\n'
            '            text-decoration: none;\n'
            '        }\n'
            '        \n'
            '        .author-link:hover {\n'
            '            text-decoration: underline;\n'
            '        }\n'
            '        \n'
            '        .footer {\n'
            '            text-align: center;\n'
            '            margin-top: 30px;\n'
            '            font-size: 14px;\n'
            '            color: #666;\n'
            '        }\n'
            '    </style>\n'
            '</head>\n'
            '<body>\n'
            '    <div class="header">\n'
            '        <button class="btn btn-secondary">Go Back</button>\n'
            '        <button class="btn btn-primary">Print</button>\n'
            '    </div>\n'
            '    \n'
            '    <div class="options">\n'
            '        <div class="checkbox-group">\n'
            '            <input type="checkbox" id="recipeImage">\n'
            '            <label for="recipeImage">Recipe Image</label>\n'
            '        </div>\n'
            '        <div class="checkbox-group">\n'
            '            <input type="checkbox" id="notes" checked>\n'
            '            <label for="notes">Notes</label>\n'
            '        </div>\n'
            '        <div class="checkbox-group">\n'
            '            <input type="checkbox" id="nutritionLabel" checked>\n'
            '            <label for="nutritionLabel">Nutrition Label</label>\n'
            '        </div>\n'
            '    </div>\n'
            '    \n'
            '    <div class="options">\n'
            '        <div class="serving-controls">\n'
            '            <button class="serving-btn">-</button>\n'
            '            <input type="text" class="serving-input" value="12">\n'
            '            <button class="serving-btn">+</button>\n'
            '            <span>- 14 muffins</span>\n'
            '        </div>\n'
            '        \n'
            '        <div>\n'
            '            <button class="btn btn-secondary">Smaller</button>\n'
            '            <button class="btn btn-primary">Normal</button>\n'
            '            <button class="btn btn-secondary">Larger</button>\n'
            '        </div>\n'
            '    </div>\n'
            '    \n'
            '    <div class="recipe-container">\n'
            '        <h1>Banana Oatmeal Chocolate Chip Muffins</h1>\n'
            '        <p class="description">Easy to make grab \'n go banana oatmeal muffins. It\'s oatmeal in '
            'muffin form!</p>\n'
            '        \n'
            '        <div class="recipe-info">\n'
            '            <div class="info-label">Course</div>\n'
            '            <div>Breakfast</div>\n'
            '            <div class="info-label">Cuisine</div>\n'
            '            <div>American</div>\n'
            '            <div class="info-label">Prep Time</div>\n'
            '            <div>10 minutes</div>\n'
            '            <div class="info-label">Cook Time</div>\n'
            '            <div>20 minutes</div>\n'
            '            <div class="info-label">Total Time</div>\n'
            '            <div>30 minutes</div>\n'
            '            <div class="info-label">Servings</div>\n'
            '            <div>12 - 14 muffins</div>\n'
            '            <div class="info-label">Calories</div>\n'
            '            <div>200 kcal</div>\n'
            '            <div class="info-label">Author</div>\n'
            '            <div><a href="#" class="author-link">Linda Warren</a></div>\n'
            '        </div>\n'
            '        \n'
            '        <h2>Ingredients</h2>\n'
            '        <ul>\n'
            '            <li>3 cups old fashioned oats</li>\n'
            '            <li>3 Tablespoons brown sugar</li>\n'
            '            <li>½ teaspoon cinnamon</li>\n'
            '            <li>¼ teaspoon salt</li>\n'
            '        </ul>\n'
            '        \n'
            '        <h2>Instructions</h2>\n'
            '        <ol>\n'
            '            <li>Preheat oven to 350 degrees. Spray a 12-cup muffin pan with a non-stick spray.</li>\n'
            '            <li>Combine dry ingredients in a large bowl.</li>\n'
            '            <li>In a medium bowl, mash bananas and whisk with the remaining ingredients except for '
            'chocolate chips.</li>\n'
            '            <li>Add the banana mixture to the dry ingredients.</li>\n'
            '        </ol>\n'
            '        \n'
            '        <h2>Notes</h2>\n'
            '        <h3>STORE/FREEZE/REHEAT</h3>\n'
            '        \n'
            '        <p><strong>To Store:</strong> Allow the muffins to cool completely. Place them in an '
            'airtight container at room temperature for up to 3 days or in the refrigerator for up to 1 '
            'week.</p>\n'
            '        \n'
            '        <p><strong>To Freeze:</strong> Allow the muffins to cool completely.</p>\n'
            '        \n'
            '        <p><strong>To Reheat:</strong> Microwave the muffins for about 30 seconds if thawed or 1 '
            'minute if frozen, or until heated through.</p>\n'
            '        \n'
            '        <h2>Nutrition</h2>\n'
            '        <div class="nutrition-info">\n'
            '            Calories: 200 kcal | Carbohydrates: 28 g | Protein: 6 g | Fat: 7 g | Saturated Fat: 3 g '
            '| Polyunsaturated Fat: 1 g | Monounsaturated Fat: 3 g | Trans Fat: 0.02 g | Cholesterol: 33 mg | '
            'Sodium: 82 mg | Potassium: 284 mg | Fiber: 3 g | Sugar: 12 g | Vitamin A: 135 IU | Vitamin C: 2 mg '
            '| Calcium: 107 mg | Iron: 1 mg\n'
            '        </div>\n'
            '    </div>\n'
            '    \n'
            '    <div class="footer">\n'
            '        Banana Oatmeal Chocolate Chip Muffins https://2cookinmamas.com/banana-oatmeal-muffins/\n'
            '    </div>\n'
            '</body>\n'
            '</html>\n'
        ),
    ),
    RealAnswer(
        name='q3-mmcode-chart-full',
        source=(
            'QwenLM/Qwen3-VL@9658872 cookbooks/mmcode.ipynb, cell 11 (2. chart to code), generated code as '
            'printed (a list of 20 download counts)'
        ),
        model='qwen3-vl-235b-a22b-instruct (DashScope API)',
        answer=(
            'import matplotlib.pyplot as plt\n'
            '\n'
            '# Data for the bar chart\n'
            'model_variants = [\n'
            '    "0.6B", "8B", "4B", "32B", "14B", "1.7B", "30B-A3B", "235B-A22B",\n'
            '    "4B-Thinking", "30B-A3B-Thinking", "235B-A22B-Thinking",\n'
            '    "4B-Instruct", "30B-A3B-Instruct", "235B-A22B-Instruct",\n'
            '    "4B-Base", "14B-Base", "1.7B-Base", "8B-Base", "30B-A3B-Base", "0.6B-Base"\n'
            ']\n'
            'downloads = [\n'
            '    5520, 2100, 1250, 1150, 1090, 938, 431, 151,\n'
            '    310, 200, 61,\n'
            '    1240, 1140, 94,\n'
            '    559, 228, 195, 160, 130, 102\n'
            ']\n'
            'model_types = [\n'
            '    "Hybrid", "Hybrid", "Hybrid", "Hybrid", "Hybrid", "Hybrid", "Hybrid", "Hybrid",\n'
            '    "Thinking", "Thinking", "Thinking",\n'
            '    "Instruct", "Instruct", "Instruct",\n'
            '    "Base", "Base", "Base", "Base", "Base", "Base"\n'
            ']\n'
            '\n'
            '# Define colors for each model type\n'
            'colors = {\n'
            '    "Hybrid": "#87CEEB",\n'
            '    "Thinking": "#FFD700",\n'
            '    "Instruct": "#90EE90",\n'
            '    "Base": "#FF6347"\n'
            '}\n'
            '\n'
            '# Create the bar chart\n'
            'plt.figure(figsize=(14, 8))\n'
            '\n'
            '# Plot bars with corresponding colors\n'
            'for i, variant in enumerate(model_variants):\n'
            '    plt.bar(i, downloads[i], color=colors[model_types[i]], label=model_types[i])\n'
            '\n'
            '# Customize the chart\n'
            'plt.title("Downloads of Qwen3 Model Variants by Type")\n'
            'plt.xlabel("Model Variant")\n'
            'plt.ylabel("Downloads (k)")\n'
            'plt.xticks(range(len(model_variants)), model_variants, rotation=45, ha="right")\n'
            "plt.grid(axis='y', linestyle='--', alpha=0.7)\n"
            '\n'
            '# Add value labels on top of bars\n'
            'for i, (variant, download) in enumerate(zip(model_variants, downloads)):\n'
            '    plt.text(i, download + 20, f"{download}k", ha=\'center\', va=\'bottom\', fontsize=9)\n'
            '\n'
            '# Add legend with unique entries\n'
            'handles, labels = plt.gca().get_legend_handles_labels()\n'
            'by_label = dict(zip(labels, handles))\n'
            "plt.legend(by_label.values(), by_label.keys(), loc='upper right')\n"
            '\n'
            '# Adjust layout to prevent clipping\n'
            'plt.tight_layout()\n'
            '\n'
            '# Show the plot\n'
            'plt.show()\n'
        ),
    ),
    # --- together-cookbook (Qwen3-VL-32B-Instruct on Together AI) --------------------------------------------
    RealAnswer(
        name='tg-ocr-receipt',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/OCR.ipynb, cell 7 (1. full-page OCR), '
            "saved output (the 'text' field of a JSON-schema answer)"
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            "Auntie Anne's\n"
            '\n'
            'CINNAMON SUGAR\n'
            '1 x 17,000 17,000\n'
            'SUB TOTAL 17,000\n'
            'GRAND TOTAL 17,000\n'
            'CASH IDR 20,000\n'
            'CHANGE DUE 3,000'
        ),
    ),
    RealAnswer(
        name='tg-ocr-greek',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/OCR.ipynb, cell 9 (2. multilingual '
            'OCR), saved output'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            'ΠΡΟΣΟΧΗ\n'
            'ΜΗ ΣΤΑΘΜΕΥΕΤΕ\n'
            'ΕΔΩ\n'
            'STOP\n'
            'ΕΙΣΟΔΟΣ - ΕΞΟΔΟΣ\n'
            'ΑΥΤΟΚΙΝΗΤΟΥ\n'
            'G.P.\n'
            'NO PARKING'
        ),
    ),
    RealAnswer(
        name='tg-ocr-label-spotting-line',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/OCR.ipynb, cell 12 (3. line-level text '
            'spotting), JSON-schema answer re-printed with indent=2'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '{\n'
            '  "detections": [\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        247,\n'
            '        0,\n'
            '        755,\n'
            '        74\n'
            '      ],\n'
            '      "text_content": "TRADER JOE\'S"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        258,\n'
            '        135,\n'
            '        694,\n'
            '        176\n'
            '      ],\n'
            '      "text_content": "OPEN 8:00AM TO 10:00PM DAILY"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        176,\n'
            '        639,\n'
            '        225\n'
            '      ],\n'
            '      "text_content": "MILK HALF GAL ALMOND UNSWEETEN"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        209,\n'
            '        639,\n'
            '        258\n'
            '      ],\n'
            '      "text_content": "JUST CLUSTERS VANILLA GRANOLA"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        242,\n'
            '        485,\n'
            '        286\n'
            '      ],\n'
            '      "text_content": "CHOC DK PB CRML TRF"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        276,\n'
            '        604,\n'
            '        320\n'
            '      ],\n'
            '      "text_content": "CHOC COVERED PRETZEL SLIMS"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        307,\n'
            '        667,\n'
            '        354\n'
            '      ],\n'
            '      "text_content": "PIZZA FLATBREAD MUSHROOM & BLA"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        341,\n'
            '        667,\n'
            '        386\n'
            '      ],\n'
            '      "text_content": "PIZZA FLATBREAD PROSCUITTO BUR"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        372,\n'
            '        625,\n'
            '        416\n'
            '      ],\n'
            '      "text_content": "SOUP CHILI TURKEY W/BEANS"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        404,\n'
            '        512,\n'
            '        447\n'
            '      ],\n'
            '      "text_content": "ORGANIC BLACK BEANS"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        437,\n'
            '        507,\n'
            '        479\n'
            '      ],\n'
            '      "text_content": "R-RASPBERRIES 6 OZ"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        469,\n'
            '        649,\n'
            '        514\n'
            '      ],\n'
            '      "text_content": "A-AVOCADOS EACH HASS 40 CT."\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        500,\n'
            '        560,\n'
            '        545\n'
            '      ],\n'
            '      "text_content": "A-PEAR EACH BARTLETT"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        171,\n'
            '        532,\n'
            '        502,\n'
            '        575\n'
            '      ],\n'
            '      "text_content": "A-LEMON EACH"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        786,\n'
            '        569,\n'
            '        930,\n'
            '        606\n'
            '      ],\n'
            '      "text_content": "$30.48"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        206,\n'
            '        606,\n'
            '        410,\n'
            '        643\n'
            '      ],\n'
            '      "text_content": "SUBTOTAL"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        786,\n'
            '        600,\n'
            '        930,\n'
            '        637\n'
            '      ],\n'
            '      "text_content": "$30.48"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        206,\n'
            '        637,\n'
            '        410,\n'
            '        674\n'
            '      ],\n'
            '      "text_content": "TOTAL"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        786,\n'
            '        631,\n'
            '        930,\n'
            '        668\n'
            '      ],\n'
            '      "text_content": "$30.48"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        206,\n'
            '        668,\n'
            '        421,\n'
            '        705\n'
            '      ],\n'
            '      "text_content": "VISA"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        786,\n'
            '        662,\n'
            '        930,\n'
            '        699\n'
            '      ],\n'
            '      "text_content": "13:46:20"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        206,\n'
            '        699,\n'
            '        421,\n'
            '        736\n'
            '      ],\n'
            '      "text_content": "02/03/2016"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        786,\n'
            '        693,\n'
            '        930,\n'
            '        730\n'
            '      ],\n'
            '      "text_content": "694146"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        206,\n'
            '        730,\n'
            '        317,\n'
            '        767\n'
            '      ],\n'
            '      "text_content": "MID:"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        885,\n'
            '        724,\n'
            '        930,\n'
            '        759\n'
            '      ],\n'
            '      "text_content": "001"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        206,\n'
            '        761,\n'
            '        317,\n'
            '        798\n'
            '      ],\n'
            '      "text_content": "TID:"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        840,\n'
            '        755,\n'
            '        948,\n'
            '        792\n'
            '      ],\n'
            '      "text_content": "02A595"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        206,\n'
            '        792,\n'
            '        317,\n'
            '        829\n'
            '      ],\n'
            '      "text_content": "RRN:"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        557,\n'
            '        825,\n'
            '        706,\n'
            '        874\n'
            '      ],\n'
            '      "text_content": "PURCHASE"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        840,\n'
            '        925,\n'
            '        993,\n'
            '        968\n'
            '      ],\n'
            '      "text_content": "USD$ 30.48"\n'
            '    }\n'
            '  ]\n'
            '}'
        ),
        count=30, some=((0,
            box("", 247, 0, 755, 74, text="TRADER JOE'S")), (14,
            box("", 786, 569, 930, 606, text="$30.48")), (29,
            box("", 840, 925, 993, 968, text="USD$ 30.48"))),
    ),
    RealAnswer(
        name='tg-ocr-word-spotting',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/OCR.ipynb, cell 13 (3. word-level text '
            'spotting), JSON-schema answer re-printed with indent=2'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '{\n'
            '  "detections": [\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        182,\n'
            '        193,\n'
            '        957,\n'
            '        276\n'
            '      ],\n'
            '      "text_content": "AuntieAnne\'s"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        83,\n'
            '        492,\n'
            '        290,\n'
            '        517\n'
            '      ],\n'
            '      "text_content": "CINNAMON"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        294,\n'
            '        494,\n'
            '        431,\n'
            '        518\n'
            '      ],\n'
            '      "text_content": "SUGAR"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        83,\n'
            '        529,\n'
            '        102,\n'
            '        553\n'
            '      ],\n'
            '      "text_content": "1"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        164,\n'
            '        531,\n'
            '        190,\n'
            '        555\n'
            '      ],\n'
            '      "text_content": "x"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        219,\n'
            '        529,\n'
            '        338,\n'
            '        555\n'
            '      ],\n'
            '      "text_content": "17,000"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        788,\n'
            '        531,\n'
            '        915,\n'
            '        561\n'
            '      ],\n'
            '      "text_content": "17,000"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        37,\n'
            '        584,\n'
            '        118,\n'
            '        609\n'
            '      ],\n'
            '      "text_content": "SUB"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        125,\n'
            '        584,\n'
            '        243,\n'
            '        610\n'
            '      ],\n'
            '      "text_content": "TOTAL"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        788,\n'
            '        592,\n'
            '        915,\n'
            '        619\n'
            '      ],\n'
            '      "text_content": "17,000"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        36,\n'
            '        660,\n'
            '        164,\n'
            '        686\n'
            '      ],\n'
            '      "text_content": "GRAND"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        169,\n'
            '        662,\n'
            '        300,\n'
            '        689\n'
            '      ],\n'
            '      "text_content": "TOTAL"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        788,\n'
            '        672,\n'
            '        915,\n'
            '        699\n'
            '      ],\n'
            '      "text_content": "17,000"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        36,\n'
            '        718,\n'
            '        132,\n'
            '        745\n'
            '      ],\n'
            '      "text_content": "CASH"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        136,\n'
            '        718,\n'
            '        214,\n'
            '        745\n'
            '      ],\n'
            '      "text_content": "IDR"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        788,\n'
            '        729,\n'
            '        915,\n'
            '        758\n'
            '      ],\n'
            '      "text_content": "20,000"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        36,\n'
            '        772,\n'
            '        199,\n'
            '        799\n'
            '      ],\n'
            '      "text_content": "CHANGE"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        204,\n'
            '        774,\n'
            '        288,\n'
            '        801\n'
            '      ],\n'
            '      "text_content": "DUE"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        808,\n'
            '        784,\n'
            '        905,\n'
            '        810\n'
            '      ],\n'
            '      "text_content": "3,000"\n'
            '    }\n'
            '  ]\n'
            '}'
        ),
        count=19, some=((0,
            box("", 182, 193, 957, 276, text="AuntieAnne's")), (5,
            box("", 219, 529, 338, 555, text="17,000")), (18,
            box("", 808, 784, 905, 810, text="3,000"))),
    ),
    RealAnswer(
        name='tg-ocr-key-values',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/OCR.ipynb, cell 15 (4. key-value '
            'extraction), JSON-schema answer re-printed'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '{\n'
            '  "company": "UNIHAKKA INTERNATIONAL SDN BHD",\n'
            '  "date": "01 Jun 2018 18:41",\n'
            '  "address": "12, Jalan Tampoi 7/4,Kawasan Perindustrian Tampoi,81200 Johor Bahru,Johor",\n'
            '  "total": "RM8.75"\n'
            '}'
        ),
    ),
    RealAnswer(
        name='tg-omni-oscars',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Omni_Recognition.ipynb, cell 7 (1. '
            'object recognition), saved output'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            'This is the famous "Oscars selfie" taken at the 2014 Academy Awards. The photo was taken by Bradley '
            'Cooper and features a group of celebrities posing together. From left to right and front to back, '
            'the people in the image are:\n'
            '\n'
            '**Front row (left to right):**\n'
            '- **Jennifer Lawrence** – in the red dress, smiling widely.\n'
            '- **Ellen DeGeneres** – in the white blazer, taking the selfie with Bradley Cooper.\n'
            '- **Bradley Cooper** – in the foreground, taking the selfie.\n'
            '\n'
            '**Back row (left to right):**\n'
            '- **Angelina Jolie** – partially visible on the far left, behind Jennifer Lawrence.\n'
            '- **Brad Pitt** – smiling, wearing a tuxedo.\n'
            '- **Channing Tatum** – behind Brad Pitt, smiling.\n'
            '- **Meryl Streep** – behind Bradley Cooper, wearing glasses and laughing.\n'
            '- **Lupita Nyong’o** – behind Brad Pitt, smiling broadly.\n'
            '- **Kevin Spacey** – behind Channing Tatum, wearing a bow tie.\n'
            '- **Diane Keaton** – behind Meryl Streep, waving.\n'
            '- **Janelle Monáe** – behind Lupita Nyong’o, partially visible.\n'
            '- **Alfonso Cuarón** – not clearly visible, but sometimes included in descriptions (though not '
            'clearly identifiable here).\n'
            '- **Ellen’s arm and hand** – visible on the far right, holding the phone.\n'
            '\n'
            'This photo became a viral sensation and is one of the most iconic moments from the 2014 Oscars. It '
            'was taken during the live broadcast and shared on Twitter by Ellen DeGeneres, breaking records for '
            'retweets at the time.'
        ),
    ),
    RealAnswer(
        name='tg-omni-food-label-en-zh',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Omni_Recognition.ipynb, cell 9 (2. '
            'object spotting, food), JSON-schema answer re-printed (CJK as \\u escapes)'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '{\n'
            '  "objects": [\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        0,\n'
            '        309,\n'
            '        104,\n'
            '        634\n'
            '      ],\n'
            '      "label_en": "assorted breads and pretzels",\n'
            '      "label_zh": "\\u5404\\u79cd\\u9762\\u5305\\u548c\\u6912\\u76d0\\u5377\\u997c"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        96,\n'
            '        333,\n'
            '        233,\n'
            '        468\n'
            '      ],\n'
            '      "label_en": "bagels and rolls",\n'
            '      "label_zh": "\\u767e\\u5409\\u997c\\u548c\\u9762\\u5305\\u5377"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        154,\n'
            '        475,\n'
            '        288,\n'
            '        660\n'
            '      ],\n'
            '      "label_en": "sushi rolls with salmon and cream cheese",\n'
            '      "label_zh": "\\u4e09\\u6587\\u9c7c\\u548c\\u5976\\u6cb9\\u5976\\u916a\\u5bff\\u53f8\\u5377"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        27,\n'
            '        655,\n'
            '        157,\n'
            '        852\n'
            '      ],\n'
            '      "label_en": "watermelon slices",\n'
            '      "label_zh": "\\u897f\\u74dc\\u7247"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        198,\n'
            '        667,\n'
            '        327,\n'
            '        861\n'
            '      ],\n'
            '      "label_en": "chocolate cookies",\n'
            '      "label_zh": "\\u5de7\\u514b\\u529b\\u997c\\u5e72"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        296,\n'
            '        479,\n'
            '        407,\n'
            '        640\n'
            '      ],\n'
            '      "label_en": "sushi rolls with seaweed and rice",\n'
            '      "label_zh": "\\u6d77\\u82d4\\u7c73\\u996d\\u5bff\\u53f8\\u5377"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        353,\n'
            '        283,\n'
            '        419,\n'
            '        484\n'
            '      ],\n'
            '      "label_en": "shrimp with lime wedges",\n'
            '      "label_zh": "\\u914d\\u9752\\u67e0\\u89d2\\u7684\\u867e"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        350,\n'
            '        711,\n'
            '        447,\n'
            '        864\n'
            '      ],\n'
            '      "label_en": "salad with greens and dressing",\n'
            '      "label_zh": "\\u914d\\u9171\\u6c41\\u7684\\u7eff\\u8272\\u6c99\\u62c9"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        447,\n'
            '        667,\n'
            '        571,\n'
            '        867\n'
            '      ],\n'
            '      "label_en": "mini egg tarts",\n'
            '      "label_zh": "\\u8ff7\\u4f60\\u86cb\\u631e"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        457,\n'
            '        441,\n'
            '        609,\n'
            '        664\n'
            '      ],\n'
            '      "label_en": "green salad with cherry tomatoes and wooden spoons",\n'
            '      "label_zh": "\\u914d\\u6a31\\u6843\\u756a\\u8304\\u548c\\u6728\\u52fa\\u7684\\u7eff\\u8272\\u6c99\\u62c9"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        464,\n'
            '        233,\n'
            '        585,\n'
            '        452\n'
            '      ],\n'
            '      "label_en": "spring rolls with herbs and dipping sauce",\n'
            '      "label_zh": "\\u914d\\u9999\\u8349\\u548c\\u8638\\u9171\\u7684\\u6625\\u5377"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        412,\n'
            '        305,\n'
            '        468,\n'
            '        383\n'
            '      ],\n'
            '      "label_en": "yellow curry or sauce",\n'
            '      "label_zh": "\\u9ec4\\u8272\\u5496\\u55b1\\u6216\\u9171\\u6c41"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        415,\n'
            '        377,\n'
            '        470,\n'
            '        479\n'
            '      ],\n'
            '      "label_en": "black and white olives",\n'
            '      "label_zh": "\\u9ed1\\u6a44\\u6984\\u548c\\u767d\\u6a44\\u6984"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        407,\n'
            '        567,\n'
            '        460,\n'
            '        647\n'
            '      ],\n'
            '      "label_en": "roasted chickpeas or beans",\n'
            '      "label_zh": "\\u70e4\\u9e70\\u5634\\u8c46\\u6216\\u8c46\\u7c7b"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        407,\n'
            '        479,\n'
            '        460,\n'
            '        555\n'
            '      ],\n'
            '      "label_en": "curried vegetables or lentils",\n'
            '      "label_zh": "\\u5496\\u55b1\\u852c\\u83dc\\u6216\\u6241\\u8c46"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        581,\n'
            '        355,\n'
            '        673,\n'
            '        502\n'
            '      ],\n'
            '      "label_en": "cheese crisps or tortilla chips",\n'
            '      "label_zh": "\\u5976\\u916a\\u8106\\u7247\\u6216\\u7389\\u7c73\\u7247"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        654,\n'
            '        441,\n'
            '        720,\n'
            '        544\n'
            '      ],\n'
            '      "label_en": "crispy crackers or flatbread",\n'
            '      "label_zh": "\\u8106\\u997c\\u5e72\\u6216\\u8584\\u997c"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        740,\n'
            '        400,\n'
            '        827,\n'
            '        533\n'
            '      ],\n'
            '      "label_en": "yellow rice or couscous",\n'
            '      "label_zh": "\\u9ec4\\u8272\\u7c73\\u996d\\u6216\\u7c97\\u9ea6\\u7c89"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        841,\n'
            '        405,\n'
            '        904,\n'
            '        500\n'
            '      ],\n'
            '      "label_en": "tomato-based stew or curry",\n'
            '      "label_zh": "\\u756a\\u8304\\u7096\\u83dc\\u6216\\u5496\\u55b1"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        841,\n'
            '        316,\n'
            '        907,\n'
            '        400\n'
            '      ],\n'
            '      "label_en": "green soup or broth",\n'
            '      "label_zh": "\\u7eff\\u8272\\u6c64\\u6216\\u9ad8\\u6c64"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        912,\n'
            '        341,\n'
            '        977,\n'
            '        433\n'
            '      ],\n'
            '      "label_en": "spicy curry with lime",\n'
            '      "label_zh": "\\u914d\\u9752\\u67e0\\u7684\\u8f9b\\u8fa3\\u5496\\u55b1"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        920,\n'
            '        433,\n'
            '        985,\n'
            '        525\n'
            '      ],\n'
            '      "label_en": "dark stew or chocolate sauce",\n'
            '      "label_zh": "\\u6df1\\u8272\\u7096\\u83dc\\u6216\\u5de7\\u514b\\u529b\\u9171"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        815,\n'
            '        508,\n'
            '        870,\n'
            '        594\n'
            '      ],\n'
            '      "label_en": "yellow broth or tea",\n'
            '      "label_zh": "\\u9ec4\\u8272\\u9ad8\\u6c64\\u6216\\u8336"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        897,\n'
            '        525,\n'
            '        940,\n'
            '        594\n'
            '      ],\n'
            '      "label_en": "red sauce or chutney",\n'
            '      "label_zh": "\\u7ea2\\u8272\\u9171\\u6599\\u6216\\u9178\\u8fa3\\u9171"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        705,\n'
            '        533,\n'
            '        745,\n'
            '        594\n'
            '      ],\n'
            '      "label_en": "yellow dip or sauce",\n'
            '      "label_zh": "\\u9ec4\\u8272\\u8638\\u9171\\u6216\\u9171\\u6599"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        645,\n'
            '        550,\n'
            '        685,\n'
            '        608\n'
            '      ],\n'
            '      "label_en": "spiced nuts or seeds",\n'
            '      "label_zh": "\\u9999\\u6599\\u575a\\u679c\\u6216\\u79cd\\u5b50"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        727,\n'
            '        588,\n'
            '        770,\n'
            '        647\n'
            '      ],\n'
            '      "label_en": "red chili or tomato sauce",\n'
            '      "label_zh": "\\u7ea2\\u8fa3\\u6912\\u6216\\u756a\\u8304\\u9171"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        597,\n'
            '        608,\n'
            '        755,\n'
            '        783\n'
            '      ],\n'
            '      "label_en": "grilled lobster with lemon",\n'
            '      "label_zh": "\\u914d\\u67e0\\u6aac\\u7684\\u70e4\\u9f99\\u867e"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        795,\n'
            '        583,\n'
            '        840,\n'
            '        679\n'
            '      ],\n'
            '      "label_en": "vegetable medley or salad",\n'
            '      "label_zh": "\\u852c\\u83dc\\u62fc\\u76d8\\u6216\\u6c99\\u62c9"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        847,\n'
            '        577,\n'
            '        895,\n'
            '        675\n'
            '      ],\n'
            '      "label_en": "stuffed mushrooms or vegetables",\n'
            '      "label_zh": "\\u917f\\u8611\\u83c7\\u6216\\u852c\\u83dc"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        905,\n'
            '        583,\n'
            '        955,\n'
            '        679\n'
            '      ],\n'
            '      "label_en": "stuffed vegetables or eggplant",\n'
            '      "label_zh": "\\u917f\\u852c\\u83dc\\u6216\\u8304\\u5b50"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        955,\n'
            '        594,\n'
            '        999,\n'
            '        688\n'
            '      ],\n'
            '      "label_en": "rice or grain bowl",\n'
            '      "label_zh": "\\u7c73\\u996d\\u6216\\u8c37\\u7269\\u7897"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        895,\n'
            '        683,\n'
            '        991,\n'
            '        825\n'
            '      ],\n'
            '      "label_en": "green beans and roasted meat",\n'
            '      "label_zh": "\\u9752\\u8c46\\u548c\\u70e4\\u8089"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        735,\n'
            '        725,\n'
            '        830,\n'
            '        861\n'
            '      ],\n'
            '      "label_en": "cheese and herb plate with fork and spoon",\n'
            '      "label_zh": "\\u914d\\u53c9\\u5b50\\u548c\\u52fa\\u5b50\\u7684\\u5976\\u916a\\u548c\\u9999\\u8349\\u76d8"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        225,\n'
            '        302,\n'
            '        340,\n'
            '        479\n'
            '      ],\n'
            '      "label_en": "green salad in glass bowl",\n'
            '      "label_zh": "\\u73bb\\u7483\\u7897\\u4e2d\\u7684\\u7eff\\u8272\\u6c99\\u62c9"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        165,\n'
            '        194,\n'
            '        255,\n'
            '        338\n'
            '      ],\n'
            '      "label_en": "mixed salad with avocado and lime",\n'
            '      "label_zh": "\\u914d\\u725b\\u6cb9\\u679c\\u548c\\u9752\\u67e0\\u7684\\u6df7\\u5408\\u6c99\\u62c9"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        565,\n'
            '        159,\n'
            '        655,\n'
            '        288\n'
            '      ],\n'
            '      "label_en": "vegetable salad with dressing",\n'
            '      "label_zh": "\\u914d\\u9171\\u6c41\\u7684\\u852c\\u83dc\\u6c99\\u62c9"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        660,\n'
            '        272,\n'
            '        775,\n'
            '        444\n'
            '      ],\n'
            '      "label_en": "green leafy salad with wooden spoons",\n'
            '      "label_zh": "\\u914d\\u6728\\u52fa\\u7684\\u7eff\\u8272\\u53f6\\u83dc\\u6c99\\u62c9"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        345,\n'
            '        144,\n'
            '        438,\n'
            '        279\n'
            '      ],\n'
            '      "label_en": "meat dish with fork and knife",\n'
            '      "label_zh": "\\u914d\\u53c9\\u5b50\\u548c\\u5200\\u7684\\u8089\\u7c7b\\u83dc\\u80b4"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        815,\n'
            '        194,\n'
            '        897,\n'
            '        309\n'
            '      ],\n'
            '      "label_en": "grilled meat with vegetables",\n'
            '      "label_zh": "\\u914d\\u852c\\u83dc\\u7684\\u70e4\\u8089"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        587,\n'
            '        288,\n'
            '        640,\n'
            '        362\n'
            '      ],\n'
            '      "label_en": "roasted chickpeas or beans",\n'
            '      "label_zh": "\\u70e4\\u9e70\\u5634\\u8c46\\u6216\\u8c46\\u7c7b"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        330,\n'
            '        667,\n'
            '        372,\n'
            '        725\n'
            '      ],\n'
            '      "label_en": "small bowl of dip or sauce",\n'
            '      "label_zh": "\\u5c0f\\u7897\\u8638\\u9171\\u6216\\u9171\\u6599"\n'
            '    }\n'
            '  ]\n'
            '}'
        ),
        count=42, some=((0,
            box("assorted breads and pretzels", 0, 309, 104, 634, label_zh="各种面包和椒盐卷饼")), (1,
            box("bagels and rolls", 96, 333, 233, 468)), (41,
            box("small bowl of dip or sauce", 330, 667, 372, 725, label_zh="小碗蘸酱或酱料"))),
    ),
    RealAnswer(
        name='tg-omni-anime-label-en-zh',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Omni_Recognition.ipynb, cell 10 (2. '
            'object spotting, anime), JSON-schema answer re-printed'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '{\n'
            '  "objects": [\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        20,\n'
            '        312,\n'
            '        160,\n'
            '        1000\n'
            '      ],\n'
            '      "label_en": "Vegeta",\n'
            '      "label_zh": "\\u8d1d\\u5409\\u5854"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        170,\n'
            '        522,\n'
            '        320,\n'
            '        1000\n'
            '      ],\n'
            '      "label_en": "Gohan (child)",\n'
            '      "label_zh": "\\u609f\\u996d\\uff08\\u7ae5\\u5e74\\uff09"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        73,\n'
            '        12,\n'
            '        430,\n'
            '        1000\n'
            '      ],\n'
            '      "label_en": "Piccolo",\n'
            '      "label_zh": "\\u6bd4\\u514b"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        290,\n'
            '        306,\n'
            '        440,\n'
            '        1000\n'
            '      ],\n'
            '      "label_en": "Trunks (future)",\n'
            '      "label_zh": "\\u7279\\u5170\\u514b\\u65af\\uff08\\u672a\\u6765\\uff09"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        380,\n'
            '        44,\n'
            '        600,\n'
            '        1000\n'
            '      ],\n'
            '      "label_en": "Goku",\n'
            '      "label_zh": "\\u5b59\\u609f\\u7a7a"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        550,\n'
            '        228,\n'
            '        730,\n'
            '        1000\n'
            '      ],\n'
            '      "label_en": "Gohan (teen)",\n'
            '      "label_zh": "\\u609f\\u996d\\uff08\\u5c11\\u5e74\\uff09"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        590,\n'
            '        534,\n'
            '        740,\n'
            '        1000\n'
            '      ],\n'
            '      "label_en": "Goten",\n'
            '      "label_zh": "\\u609f\\u5929"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        730,\n'
            '        156,\n'
            '        970,\n'
            '        1000\n'
            '      ],\n'
            '      "label_en": "Tien",\n'
            '      "label_zh": "\\u5929\\u6d25\\u996d"\n'
            '    },\n'
            '    {\n'
            '      "bbox_2d": [\n'
            '        760,\n'
            '        698,\n'
            '        900,\n'
            '        1000\n'
            '      ],\n'
            '      "label_en": "Chiaotzu",\n'
            '      "label_zh": "\\u5c0f\\u6797"\n'
            '    }\n'
            '  ]\n'
            '}'
        ),
        items=(box("Vegeta", 20, 312, 160, 1000, label_zh="贝吉塔"),
            box("Gohan (child)", 170, 522, 320, 1000),
            box("Piccolo", 73, 12, 430, 1000),
            box("Trunks (future)", 290, 306, 440, 1000),
            box("Goku", 380, 44, 600, 1000, label_zh="孙悟空"),
            box("Gohan (teen)", 550, 228, 730, 1000),
            box("Goten", 590, 534, 740, 1000),
            box("Tien", 730, 156, 970, 1000),
            box("Chiaotzu", 760, 698, 900, 1000)),
    ),
    RealAnswer(
        name='tg-spatial-farthest',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Spatial_Understanding.ipynb, cell 7 '
            "(1. spatial relationship), saved output after 'Answer:'"
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            "The object that holds the farthest placement in the image, relative to the viewer's perspective, "
            'is:\n'
            '\n'
            '**C. window**\n'
            '\n'
            'Explanation:  \n'
            'Looking at the room layout, the window is located at the back wall, directly opposite the viewer’s '
            'vantage point. The chair and table are in front of the window, closer to the viewer. The plant is '
            'on top of the TV stand, which is on the left side of the image and closer to the foreground. The TV '
            'stand itself is also closer than the window. Therefore, the window is the farthest object in the '
            'scene.\n'
            '\n'
            '✅ Correct answer: **C. window**'
        ),
    ),
    RealAnswer(
        name='tg-spatial-free-space-point',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Spatial_Understanding.ipynb, cell 9 '
            "(2. affordance point), saved output after 'Answer:'"
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '```json\n'
            '[\n'
            '    {"point_2d": [907, 607], "label": "point_1"}\n'
            ']\n'
            '```'
        ),
        items=(point("point_1", 907, 607),),
    ),
    RealAnswer(
        name='tg-spatial-speaker',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Spatial_Understanding.ipynb, cell 10 '
            '(2. can the speaker fit; mentions 10–12 inches), saved output'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            'To determine if the speaker can fit behind the guitar, let’s analyze the spatial arrangement and '
            'dimensions based on the image.\n'
            '\n'
            '### Observations:\n'
            '- The **guitar** is a **4-string bass guitar**, standing upright on a **black guitar stand**.\n'
            '- The **speaker** is a **small black rectangular box**, placed on a **white stool** next to the '
            'guitar.\n'
            '- The speaker is currently **to the left and slightly behind** the guitar from the viewer’s '
            'perspective.\n'
            '- The guitar stand has a **T-shaped base** and a **vertical support** that holds the guitar’s body. '
            'The neck of the guitar extends upward and slightly backward, leaning against the wall.\n'
            '\n'
            '### Physical Constraints:\n'
            '- The **guitar stand** is positioned so that the guitar is **leaning against the wall**, meaning '
            'the space **directly behind the guitar’s body** is **occupied by the stand’s vertical support and '
            'the wall**.\n'
            '- The **speaker** is currently on a stool, which is **to the side** of the guitar, not directly '
            'behind it.\n'
            '- The **width** of the guitar body (about 10–12 inches) and the **depth** of the speaker (likely '
            '5–7 inches) suggest that the speaker **could physically fit behind the guitar** if there were '
            'enough clearance.\n'
            '- However, the **guitar stand’s vertical post** is directly behind the guitar’s body, which would '
            '**block** the speaker from being placed directly behind the guitar.\n'
            '\n'
            '### Possible Solutions:\n'
            '- If you **move the speaker to the stool** and **rotate the stool** so that the speaker is **behind '
            'the guitar**, it might work — **but only if the stool can fit** between the guitar stand and the '
            'wall.\n'
            '- Alternatively, **removing the speaker from the stool and placing it directly on the floor** '
            'behind the guitar might work, but again, the **stand’s post** would likely obstruct it.\n'
            '\n'
            '### Conclusion:\n'
            '**No, the speaker cannot fit directly behind the guitar** as currently arranged, because the '
            '**guitar stand’s vertical support** occupies that space. The speaker is already positioned to the '
            'side and slightly behind, which is the most feasible location given the setup.\n'
            '\n'
            '✅ **Final Answer: No, the speaker cannot fit behind the guitar due to the obstruction from the '
            'guitar stand.**'
        ),
    ),
    RealAnswer(
        name='tg-spatial-arrow',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Spatial_Understanding.ipynb, cell 12 '
            '(3. arrow choice), saved output'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            'To determine which arrow the robot should follow to move the apple **between** the green can and '
            'the orange, let’s analyze the positions:\n'
            '\n'
            '- The **green can** is on the **left**.\n'
            '- The **orange** is on the **right**.\n'
            '- The **apple** is currently **to the right of the can** and **to the left of the orange** — '
            'meaning it’s **already between** them.\n'
            '\n'
            'Wait — looking at the arrows:\n'
            '\n'
            '- **Red arrow** points **left** (toward the can).\n'
            '- **Blue arrow** points **down/left** (toward the center, between can and orange).\n'
            '- **Green arrow** points **right** (toward the cup).\n'
            '\n'
            'But if the apple is **already between** the can and the orange, then **no movement is needed** — '
            'unless the question implies the apple is **not yet** between them.\n'
            '\n'
            'Looking at the image again: The apple is **slightly to the right of the can**, and the orange is '
            'further right. So yes — the apple is **already between** the can and the orange.\n'
            '\n'
            'But perhaps the question assumes the apple is **not yet** positioned correctly? Or maybe the robot '
            'is holding the apple and needs to place it between them.\n'
            '\n'
            'The robot’s arm is holding the apple, and the arrows are pointing from the apple’s current '
            'position.\n'
            '\n'
            '- **Red arrow** → left → toward the can → would place it **too close to the can**, possibly even to '
            'the left of it.\n'
            '- **Blue arrow** → down and slightly left → toward the center between can and orange → **correct '
            'position**.\n'
            '- **Green arrow** → right → toward the cup → would place it **to the right of the orange**, not '
            'between.\n'
            '\n'
            'So, to place the apple **between** the green can and the orange, the robot should follow the **blue '
            'arrow**.\n'
            '\n'
            '✅ **Correct answer: B. Blue.**'
        ),
    ),
    RealAnswer(
        name='tg-spatial-coffee-pod',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Spatial_Understanding.ipynb, cell 13 '
            '(3. coffee pod), saved output'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            'To change the coffee pod in an espresso machine like the one shown, you typically need to access '
            'the **portafilter**, which holds the coffee pod or ground coffee. The portafilter is inserted into '
            'the group head (the part where coffee is brewed).\n'
            '\n'
            'Looking at the labeled parts:\n'
            '\n'
            '- **A** points to a metal cup (likely a milk frothing pitcher or a small container), not involved '
            'in pod changing.\n'
            '- **B** points to the **drip tray** at the base — this collects coffee drips, not involved in '
            'changing pods.\n'
            '- **C** points to a plastic bag with coffee beans — not directly involved in changing the pod.\n'
            '- **D** points to the **portafilter holder** or **group head** — this is where the portafilter '
            '(with the coffee pod) is inserted and removed.\n'
            '\n'
            'Therefore, to change the coffee pod, you would **remove the portafilter** from the group head — '
            'which is located at **D**.\n'
            '\n'
            '✅ **Correct answer: D. D**\n'
            '\n'
            'This motion (removing the portafilter from the group head) allows you to replace or change the '
            'coffee pod.'
        ),
    ),
    RealAnswer(
        name='tg-video-chromecast-description',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Video_Understanding.ipynb, cell 7 (1. '
            'video description; scene headings carry (m:ss–m:ss) ranges), saved output'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            'This video is a promotional advertisement for **Google Chromecast**, showcasing its ability to '
            'stream content from personal devices to a TV. The video follows a series of diverse, relatable '
            'scenarios where people use Chromecast to enhance their entertainment experiences.\n'
            '\n'
            '---\n'
            '\n'
            '### **Opening Scene (0:00–0:02)**\n'
            'The video opens with a close-up of a hand plugging a small black device labeled **“chrome”** into '
            'an **HDMI port** on the back of a TV. This is the Chromecast device. The shot emphasizes its '
            'compact size and ease of setup.\n'
            '\n'
            '---\n'
            '\n'
            '### **Scene 1: Family Bonding (0:02–0:05)**\n'
            'A father and daughter are sitting on a couch. The daughter is holding a tablet, and they appear to '
            'be watching something together. The scene transitions to a **tablet screen** showing a cartoon '
            'penguin, which then appears **mirrored on the TV**. This demonstrates Chromecast’s ability to '
            'stream content from a tablet to a larger screen.\n'
            '\n'
            '---\n'
            '\n'
            '### **Scene 2: Roommates Enjoying Media (0:05–0:10)**\n'
            'Two young men are in a bedroom. One is using a laptop to watch a video of a robot or mech '
            'character. The video is then shown playing on the TV, which is placed on a media stand with '
            'speakers. This highlights Chromecast’s compatibility with laptops and its use in shared living '
            'spaces.\n'
            '\n'
            '---\n'
            '\n'
            '### **Scene 3: Sports and Social Viewing (0:10–0:16)**\n'
            'A person is using a laptop to watch a basketball game. The video is then mirrored on a TV in a '
            'living room, where a group of friends are gathered, watching and reacting to the game. This scene '
            'emphasizes Chromecast’s utility for social viewing and sports fans.\n'
            '\n'
            '---\n'
            '\n'
            '### **Scene 4: Family Movie Night (0:16–0:21)**\n'
            'A man and a woman are lying on a bed, watching a movie on a tablet. The scene transitions to the '
            'same movie playing on a TV. The couple is then shown laughing and enjoying the movie together. This '
            'illustrates Chromecast’s role in enhancing family entertainment.\n'
            '\n'
            '---\n'
            '\n'
            '### **Scene 5: Music and Gaming (0:21–0:27)**\n'
            'A man is playing a video game on a laptop, and the game is mirrored on the TV. The scene cuts to a '
            'group of friends watching a car racing game on the TV, cheering and laughing. This showcases '
            'Chromecast’s ability to stream gaming content.\n'
            '\n'
            '---\n'
            '\n'
            '### **Scene 6: Photo Sharing and Nostalgia (0:27–0:32)**\n'
            'A TV displays a photo slideshow of children and babies. The scene cuts to two men sitting on a '
            'couch, one with a laptop, both smiling as they look at the photos. This highlights Chromecast’s use '
            'for sharing personal memories.\n'
            '\n'
            '---\n'
            '\n'
            '### **Scene 7: Music and Fun (0:32–0:38)**\n'
            'A man is playing a drum set, and the performance is shown on a TV. The scene cuts to two young men '
            'in a bedroom, one holding a guitar, the other on a laptop, both smiling and enjoying the music. '
            'This scene shows Chromecast’s use for music streaming and creative expression.\n'
            '\n'
            '---\n'
            '\n'
            '### **Scene 8: Dance Party (0:38–0:43)**\n'
            'A group of people are dancing in a living room, with a TV showing a dance video. The scene cuts to '
            'a dog lying on a couch, seemingly “watching” the TV. This adds humor and shows Chromecast’s ability '
            'to bring entertainment to the whole household.\n'
            '\n'
            '---\n'
            '\n'
            '### **Scene 9: Baby and Parent (0:43–0:48)**\n'
            'A woman is holding a baby while watching a cartoon on a tablet. The cartoon is mirrored on the TV, '
            'where a man and woman are laughing together. This scene emphasizes Chromecast’s family-friendly '
            'use.\n'
            '\n'
            '---\n'
            '\n'
            '### **Scene 10: Creative and Social Use (0:48–0:53)**\n'
            'A man is using a tablet to take a photo of a plate of food. The photo is then displayed on a TV, '
            'where a group of people are gathered, laughing and enjoying the moment. This demonstrates '
            'Chromecast’s use for sharing photos and moments with others.\n'
            '\n'
            '---\n'
            '\n'
            '### **Closing Scene (0:53–0:59)**\n'
            'The video ends with a hand unplugging the Chromecast from the TV. A white screen appears with the '
            'text:  \n'
            '> **“Everything you love, now on your TV.”**  \n'
            '> **“For $35.”**  \n'
            '> **“For everyone.”**  \n'
            '> **“chromecast”**  \n'
            '> **“google.com/chromecast”**\n'
            '\n'
            'This reinforces the product’s affordability, simplicity, and universal appeal.\n'
            '\n'
            '---\n'
            '\n'
            '### **Overall Theme**\n'
            'The video effectively communicates that **Google Chromecast** is a simple, affordable device that '
            'allows users to stream content from their personal devices (tablets, laptops, smartphones) to their '
            'TV, enhancing family time, social gatherings, and personal entertainment. It emphasizes **ease of '
            'use, versatility, and accessibility** for people of all ages and lifestyles.\n'
            '\n'
            'The tone is warm, relatable, and upbeat, focusing on **shared experiences** and **joyful moments** '
            'made possible by technology.'
        ),
        moments=((0.0, 2.0, "Opening Scene"),
            (2.0, 5.0, "Scene 1: Family Bonding"),
            (5.0, 10.0, "Scene 2: Roommates Enjoying Media"),
            (10.0, 16.0, "Scene 3: Sports and Social Viewing"),
            (16.0, 21.0, "Scene 4: Family Movie Night"),
            (21.0, 27.0, "Scene 5: Music and Gaming"),
            (27.0, 32.0, "Scene 6: Photo Sharing and Nostalgia"),
            (32.0, 38.0, "Scene 7: Music and Fun"),
            (38.0, 43.0, "Scene 8: Dance Party"),
            (43.0, 48.0, "Scene 9: Baby and Parent"),
            (48.0, 53.0, "Scene 10: Creative and Social Use"),
            (53.0, 59.0, "Closing Scene")),
    ),
    RealAnswer(
        name='tg-video-events-json',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Video_Understanding.ipynb, cell 9 (2. '
            'temporal event localization), JSON-schema answer re-printed'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '{\n'
            '  "events": [\n'
            '    {\n'
            '      "start_time": "00:00",\n'
            '      "end_time": "00:02",\n'
            '      "description": "A hand plugs a Chromecast device into the HDMI port of a TV."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:02",\n'
            '      "end_time": "00:04",\n'
            '      "description": "A father and daughter are sitting on a couch, with the daughter playfully '
            'jumping on the father\'s lap."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:04",\n'
            '      "end_time": "00:06",\n'
            '      "description": "Two young men are in a bedroom; one is playing a guitar while the other is '
            'using a laptop."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:06",\n'
            '      "end_time": "00:10",\n'
            '      "description": "A person is casting a video of a penguin from a tablet to a TV, with the '
            'video appearing on the TV screen."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:10",\n'
            '      "end_time": "00:12",\n'
            '      "description": "A person is using a laptop to cast a video to a TV, which is shown on the TV '
            'screen."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:12",\n'
            '      "end_time": "00:17",\n'
            '      "description": "A person is casting a video from a laptop to a TV, with the video appearing '
            'on the TV screen."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:17",\n'
            '      "end_time": "00:20",\n'
            '      "description": "A person is casting a video from a laptop to a TV, with the video appearing '
            'on the TV screen."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:20",\n'
            '      "end_time": "00:23",\n'
            '      "description": "A person is casting a video from a tablet to a TV, with the video appearing '
            'on the TV screen."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:23",\n'
            '      "end_time": "00:26",\n'
            '      "description": "A couple is lying on a bed, watching a video on a TV that is casting from a '
            'tablet."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:26",\n'
            '      "end_time": "00:28",\n'
            '      "description": "Three women are sitting on a couch, watching a video on a TV that is casting '
            'from a tablet."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:28",\n'
            '      "end_time": "00:30",\n'
            '      "description": "A group of men are sitting on a couch, watching a video on a TV that is '
            'casting from a tablet."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:30",\n'
            '      "end_time": "00:32",\n'
            '      "description": "A TV is displaying a photo gallery of children, which is being cast from a '
            'laptop."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:32",\n'
            '      "end_time": "00:34",\n'
            '      "description": "Two men are sitting on a couch, watching a video on a TV that is casting from '
            'a laptop."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:34",\n'
            '      "end_time": "00:36",\n'
            '      "description": "Two men are sitting at a table, watching a video on a TV that is casting from '
            'a laptop."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:36",\n'
            '      "end_time": "00:38",\n'
            '      "description": "A TV is displaying a video of a person skydiving, which is being cast from a '
            'tablet."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:38",\n'
            '      "end_time": "00:40",\n'
            '      "description": "Two young men are sitting on a bed, with one playing a guitar and the other '
            'using a laptop."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:40",\n'
            '      "end_time": "00:42",\n'
            '      "description": "A father and daughter are sitting on a couch, watching a video on a TV that '
            'is casting from a tablet."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:42",\n'
            '      "end_time": "00:44",\n'
            '      "description": "A group of people are dancing in a living room, with a TV in the background '
            'displaying a video."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:44",\n'
            '      "end_time": "00:46",\n'
            '      "description": "A TV is displaying a video of a person riding a mechanical bull, which is '
            'being cast from a tablet."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:46",\n'
            '      "end_time": "00:48",\n'
            '      "description": "A TV is displaying a video of a baby playing with toys, which is being cast '
            'from a tablet."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:48",\n'
            '      "end_time": "00:50",\n'
            '      "description": "A couple is sitting on a bed, watching a video on a TV that is casting from a '
            'tablet."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:50",\n'
            '      "end_time": "00:52",\n'
            '      "description": "A girl is playing the piano, with a TV in the background displaying a video."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:52",\n'
            '      "end_time": "00:54",\n'
            '      "description": "A person is using a smartphone to cast a video to a TV, with the video '
            'appearing on the TV screen."\n'
            '    },\n'
            '    {\n'
            '      "start_time": "00:54",\n'
            '      "end_time": "00:59",\n'
            '      "description": "A hand unplugs the Chromecast device from the TV, followed by text on screen '
            'promoting the product and its price."\n'
            '    }\n'
            '  ]\n'
            '}'
        ),
        moment_count=24, some_moments=((0, (0.0, 2.0, "A hand plugs a Chromecast device into the HDMI port of a TV.")),
            (23, (54.0, 59.0, "A hand unplugs the Chromecast device from the TV, followed by text on screen promoting the product and its price."))),
    ),
    RealAnswer(
        name='tg-3d-cars',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/3D_Grounding.ipynb, cell 7 (1. cars), '
            'JSON-schema answer re-printed'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '{\n'
            '  "detections": [\n'
            '    {\n'
            '      "bbox_3d": [\n'
            '        2.62,\n'
            '        0.6,\n'
            '        12.2,\n'
            '        4.06,\n'
            '        1.59,\n'
            '        1.75,\n'
            '        0.89,\n'
            '        0.47,\n'
            '        0.89\n'
            '      ],\n'
            '      "label": "car"\n'
            '    },\n'
            '    {\n'
            '      "bbox_3d": [\n'
            '        2.7,\n'
            '        0.65,\n'
            '        5.43,\n'
            '        4.23,\n'
            '        1.66,\n'
            '        1.78,\n'
            '        0.89,\n'
            '        0.47,\n'
            '        0.89\n'
            '      ],\n'
            '      "label": "car"\n'
            '    }\n'
            '  ]\n'
            '}'
        ),
        notes=("3D boxes",),
    ),
    RealAnswer(
        name='tg-3d-black-chair',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/3D_Grounding.ipynb, cell 9 (2. black '
            'chair), JSON-schema answer re-printed'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '{\n'
            '  "detections": [\n'
            '    {\n'
            '      "bbox_3d": [\n'
            '        -0.45,\n'
            '        0.07,\n'
            '        2.99,\n'
            '        0.77,\n'
            '        1.0,\n'
            '        0.76,\n'
            '        0.08,\n'
            '        0.27,\n'
            '        0.08\n'
            '      ],\n'
            '      "label": "black chair"\n'
            '    }\n'
            '  ]\n'
            '}'
        ),
        notes=("3D boxes",),
    ),
    RealAnswer(
        name='tg-3d-multi',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/3D_Grounding.ipynb, cell 11 (3. '
            'tables, chairs, sofas), JSON-schema answer re-printed'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '{\n'
            '  "detections": [\n'
            '    {\n'
            '      "bbox_3d": [\n'
            '        0.38,\n'
            '        0.3,\n'
            '        2.66,\n'
            '        0.92,\n'
            '        0.76,\n'
            '        1.87,\n'
            '        0.95,\n'
            '        0.14,\n'
            '        0.98\n'
            '      ],\n'
            '      "label": "tables"\n'
            '    },\n'
            '    {\n'
            '      "bbox_3d": [\n'
            '        0.2,\n'
            '        0.39,\n'
            '        2.1,\n'
            '        0.51,\n'
            '        0.75,\n'
            '        0.45,\n'
            '        0.05,\n'
            '        -0.14,\n'
            '        -0.02\n'
            '      ],\n'
            '      "label": "chairs"\n'
            '    },\n'
            '    {\n'
            '      "bbox_3d": [\n'
            '        -0.04,\n'
            '        0.23,\n'
            '        2.63,\n'
            '        0.52,\n'
            '        0.75,\n'
            '        0.42,\n'
            '        0.05,\n'
            '        -0.14,\n'
            '        -0.02\n'
            '      ],\n'
            '      "label": "chairs"\n'
            '    },\n'
            '    {\n'
            '      "bbox_3d": [\n'
            '        -1.1,\n'
            '        -0.19,\n'
            '        3.8,\n'
            '        0.8,\n'
            '        0.81,\n'
            '        2.14,\n'
            '        0.1,\n'
            '        0.35,\n'
            '        0.09\n'
            '      ],\n'
            '      "label": "sofas"\n'
            '    }\n'
            '  ]\n'
            '}'
        ),
        notes=("3D boxes",),
    ),
    RealAnswer(
        name='tg-3d-bottle',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/3D_Grounding.ipynb, cell 13 (4. custom '
            'camera), JSON-schema answer re-printed'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '{\n'
            '  "detections": [\n'
            '    {\n'
            '      "bbox_3d": [\n'
            '        0.04,\n'
            '        -0.01,\n'
            '        0.68,\n'
            '        0.08,\n'
            '        0.24,\n'
            '        0.08,\n'
            '        0.8,\n'
            '        0.37,\n'
            '        0.82\n'
            '      ],\n'
            '      "label": "bottle"\n'
            '    }\n'
            '  ]\n'
            '}'
        ),
        notes=("3D boxes",),
    ),
    RealAnswer(
        name='tg-doc-elements',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Document_Parsing.ipynb, cell 7 (1. '
            'JSON mode; the cookbook prints the first 5 elements)'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '[\n'
            '  {\n'
            '    "tag": "heading",\n'
            '    "text": "Company Background",\n'
            '    "bbox_2d": [\n'
            '      55,\n'
            '      59,\n'
            '      389,\n'
            '      107\n'
            '    ]\n'
            '  },\n'
            '  {\n'
            '    "tag": "paragraph",\n'
            '    "text": "Industry: Specialty pharmaceuticals (Orphan drugs for narcolepsy, leukemia, and '
            'stem-cell complications)",\n'
            '    "bbox_2d": [\n'
            '      74,\n'
            '      174,\n'
            '      877,\n'
            '      205\n'
            '    ]\n'
            '  },\n'
            '  {\n'
            '    "tag": "paragraph",\n'
            '    "text": "LTM Financials: $1.5 billion revenue; $759 million EBITDA",\n'
            '    "bbox_2d": [\n'
            '      74,\n'
            '      223,\n'
            '      536,\n'
            '      255\n'
            '    ]\n'
            '  },\n'
            '  {\n'
            '    "tag": "paragraph",\n'
            '    "text": "Market Cap: $9.1 billion; Enterprise Value: $10.5 billion",\n'
            '    "bbox_2d": [\n'
            '      74,\n'
            '      274,\n'
            '      515,\n'
            '      306\n'
            '    ]\n'
            '  },\n'
            '  {\n'
            '    "tag": "paragraph",\n'
            '    "text": "LTM Multiples: 6.8x EV / Revenue; 13.8x EV / EBITDA",\n'
            '    "bbox_2d": [\n'
            '      74,\n'
            '      325,\n'
            '      510,\n'
            '      357\n'
            '    ]\n'
            '  }\n'
            ']'
        ),
        items=(box("", 55, 59, 389, 107, text="Company Background", tag="heading"),
            box("", 74, 174, 877, 205, tag="paragraph"),
            box("", 74, 223, 536, 255, text="LTM Financials: $1.5 billion revenue; $759 million EBITDA"),
            box("", 74, 274, 515, 306),
            box("", 74, 325, 510, 357)),
    ),
    RealAnswer(
        name='tg-doc-table-json',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Document_Parsing.ipynb, cell 9 (2. '
            'table extraction), JSON-schema answer re-printed'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            '{\n'
            '  "table_name": "Standard Capacitors Ratings & Dimensions",\n'
            '  "rows": [\n'
            '    {\n'
            '      "cells": [\n'
            '        {\n'
            '          "text": "Part No.",\n'
            '          "is_header": true\n'
            '        },\n'
            '        {\n'
            '          "text": "kVAr @ 415VAC",\n'
            '          "is_header": true\n'
            '        },\n'
            '        {\n'
            '          "text": "kVAr @ 525VAC",\n'
            '          "is_header": true\n'
            '        },\n'
            '        {\n'
            '          "text": "Cn (\\u03bcF)",\n'
            '          "is_header": true\n'
            '        },\n'
            '        {\n'
            '          "text": "In",\n'
            '          "is_header": true\n'
            '        },\n'
            '        {\n'
            '          "text": "Imax",\n'
            '          "is_header": true\n'
            '        },\n'
            '        {\n'
            '          "text": "Dimensions D1(D2)xL (mm)",\n'
            '          "is_header": true\n'
            '        },\n'
            '        {\n'
            '          "text": "Weight (kg)",\n'
            '          "is_header": true\n'
            '        },\n'
            '        {\n'
            '          "text": "Resistor Module",\n'
            '          "is_header": true\n'
            '        }\n'
            '      ]\n'
            '    },\n'
            '    {\n'
            '      "cells": [\n'
            '        {\n'
            '          "text": "275.546-703803",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "6.25",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "10",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "3\\u00d736",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "3\\u00d711",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "3\\u00d718",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "75(79.5)\\u00d7230",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "1.0",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "Included with Capacitor",\n'
            '          "is_header": false\n'
            '        }\n'
            '      ]\n'
            '    },\n'
            '    {\n'
            '      "cells": [\n'
            '        {\n'
            '          "text": "275.176-707700",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "12.5",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "20",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "3\\u00d777",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "3\\u00d722",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "3\\u00d736",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "100(104.5)\\u00d7230",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "1.7",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "275.100-10160",\n'
            '          "is_header": false\n'
            '        }\n'
            '      ]\n'
            '    },\n'
            '    {\n'
            '      "cells": [\n'
            '        {\n'
            '          "text": "275.398-715401",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "25",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "40",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "3\\u00d7154",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "3\\u00d744",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "3\\u00d772",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "136(140.5)\\u00d7245",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "3.7",\n'
            '          "is_header": false\n'
            '        },\n'
            '        {\n'
            '          "text": "275.100-10120",\n'
            '          "is_header": false\n'
            '        }\n'
            '      ]\n'
            '    }\n'
            '  ]\n'
            '}'
        ),
    ),
    RealAnswer(
        name='tg-longdoc-contributions',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Long_Document_Understanding.ipynb, '
            'cell 9, saved output'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            'Based on the abstract (image 0) and introduction (image 1), the key contributions of this paper '
            'are:\n'
            '\n'
            '1.  **Proposing the Transformer**: The paper introduces a new neural network architecture called '
            'the Transformer, which is based *entirely* on attention mechanisms, dispensing with recurrence and '
            'convolutions that were dominant in previous models.\n'
            '2.  **Achieving State-of-the-Art Performance**: The Transformer model achieves superior quality in '
            'machine translation tasks, specifically setting a new single-model state-of-the-art BLEU score of '
            '41.8 on the WMT 2014 English-to-French task.\n'
            '3.  **Significant Training Efficiency**: The model is more parallelizable and requires '
            'significantly less time to train. For example, it achieves top results on the English-to-German '
            'task after only 3.5 days of training on eight GPUs, which is a small fraction of the training cost '
            'of previous best models.\n'
            '4.  **Generalization to Other Tasks**: The paper demonstrates that the Transformer generalizes well '
            'to other tasks, such as English constituency parsing, both with large and limited training data.\n'
            '5.  **Motivating Self-Attention**: The paper provides a strong argument for using self-attention by '
            'comparing its computational complexity, parallelizability, and path length for learning long-range '
            'dependencies against recurrent and convolutional layers (discussed in Section 4, image 5).'
        ),
    ),
    RealAnswer(
        name='tg-longdoc-benchmarks',
        source=(
            'togethercomputer/together-cookbook@90687d5 Multimodal/Vision/Long_Document_Understanding.ipynb, '
            'cell 10, saved output'
        ),
        model='Qwen/Qwen3-VL-32B-Instruct (Together AI)',
        answer=(
            'Based on the provided document, the evaluation benchmarks mentioned are:\n'
            '\n'
            '1.  **Machine Translation:**\n'
            '    *   **WMT 2014 English-to-German (EN-DE) translation task:** This is the primary benchmark for '
            'the main Transformer model evaluation, with results presented in Table 2 (image 7) and Table 3 '
            '(image 8).\n'
            '    *   **WMT 2014 English-to-French (EN-FR) translation task:** This is another primary benchmark, '
            'with results also presented in Table 2 (image 7).\n'
            '\n'
            '2.  **English Constituency Parsing:**\n'
            '    *   **Wall Street Journal (WSJ) portion of the Penn Treebank:** This is used for evaluating the '
            "Transformer's generalization to other tasks. Results are presented in Table 4 (image 9) and "
            'discussed in Section 6.3 (image 8). The specific metric used is WSJ 23 F1.\n'
            '\n'
            'The paper also mentions that training data for these tasks came from the WMT 2014 datasets (Section '
            '5.1, image 6).'
        ),
    ),
    # --- GitHub issues ---------------------------------------------------------------------------------------
    RealAnswer(
        name='i-q3-1720-object-name-repeated',
        source=(
            'https://github.com/QwenLM/Qwen3-VL/issues/1720 (description: the output, cut by max_new_tokens=128)'
        ),
        model='qwen3-vl-4b-instruct (local transformers)',
        answer=(
            '{\n'
            '  "object_name": "monitor",\n'
            '  "bbox": [195, 138, 617, 480],\n'
            '  "object_name": "laptop",\n'
            '  "bbox": [663, 399, 917, 657],\n'
            '  "object_name": "keyboard",\n'
            '  "bbox": [254, 584, 569, 657],\n'
            '  "object_name": "mouse",\n'
            '  "bbox": [581, 587, 655, 65'
        ),
        items=(box("monitor", 195, 138, 617, 480, object_name="monitor"),
            box("laptop", 663, 399, 917, 657),
            box("keyboard", 254, 584, 569, 657)),
        notes=("cut off", "kept 3 complete item(s)"),
    ),
    RealAnswer(
        name='i-q3-910-swipe-arguments',
        source=(
            'https://github.com/QwenLM/Qwen3-VL/issues/910 (description: the action the API returned, as the '
            'user printed the arguments dict)'
        ),
        model='Qwen2.5-VL via DashScope API with the mobile_agent cookbook prompt (size not stated)',
        answer="{'action': 'swipe', 'coordinate': [546, 1176], 'coordinate2': [546, 1764]}",
        items=(action("swipe", 546, 1176, 546, 1764, coordinate=[546, 1176], coordinate2=[546, 1764], step=1),),
        notes=("loosely",),
    ),
    RealAnswer(
        name='i-q3-1860-thought-result',
        source='https://github.com/QwenLM/Qwen3-VL/issues/1860 (description: 返回结果)',
        model='qwen3-vl-235b',
        answer=(
            '{"thought": "根据用户描述，需要点击页面右上角小程序胶囊左边部分的\'...\'。通过观察截图，页面右上角确实存在一个胶囊形状的按钮，其左侧部分包含三个点（...）的图标。'
            '这个元素是微信小程序常见的菜单按钮，通常用于展开更多选项。该按钮位于屏幕右上角，其坐标可以通过视觉估算确定。", "result": [769, 70]}'
        ),
    ),
    RealAnswer(
        name='i-mobileagent-182-operator',
        source=(
            "https://github.com/X-PLUG/MobileAgent/issues/182 (description: the Operator step; the user's note "
            '【坐标是错误的】 removed)'
        ),
        model='qwen-vl-max (Mobile-Agent-v3 operator)',
        answer=(
            'Thought: 用户请求打开京东App。根据当前屏幕显示，京东App图标位于“拼多多”和“淘宝”图标之间，具体坐标可以通过观察确定。 因此，下一步操作应该是点击京东App的图标来打开它。\n'
            'Action: {"action": "click", "coordinate": [254, 830]}\n'
            'Action description: 点击京东App的图标以打开该应用程序。'
        ),
        items=(action("click", 254, 830, step=1, 
            summary="点击京东App的图标以打开该应用程序。",
            thought="用户请求打开京东App。根据当前屏幕显示，京东App图标位于“拼多多”和“淘宝”图标之间，具体坐标可以通过观察确定。 因此，下一步操作应该是点击京东App的图标来打开它。"),),
    ),
    RealAnswer(
        name='i-mobileagent-182-reflector',
        source=(
            'https://github.com/X-PLUG/MobileAgent/issues/182 (description: the Action Reflector step, as far as '
            'the excerpt goes)'
        ),
        model='qwen-vl-max (Mobile-Agent-v3 reflector)',
        answer=(
            'Action reflection outcome: C\n'
            'Action reflection error description: The last action was intended to click on the 京东 (JD) app icon '
            'to open the application. However, the screenshot before and after the action shows no change in the '
            'screen content, indicating that the action did not produce the expected behavior. The JD app icon '
            'is visible at coordinates (238, 364), but the click at (254, 830) did not res'
        ),
    ),
    RealAnswer(
        name='i-vllm-26902-thinking-ranges',
        source=(
            'https://github.com/vllm-project/vllm/issues/26902 (description: excerpt of the reasoning text of '
            'the output)'
        ),
        model='Qwen3-VL-8B-Thinking (vLLM)',
        answer=(
            'So the group activity is in the segment from 27.5s to 50.7s.\n'
            '\n'
            'Similarly, for the basketball scene:\n'
            '\n'
            '<208.4 seconds> ... (start of segment)\n'
            '\n'
            '<220.7 seconds> ... (next segment)\n'
            '\n'
            'So the basketball group activity is from 208.4s to 220.7s.\n'
            '\n'
            'For the running track:\n'
            '\n'
            '<220.7 seconds> ... (start of segment)\n'
            '\n'
            '<233.1 seconds> ... (next segment)\n'
            '\n'
            'So the running track group activity is from 220.7s to 233.1s.\n'
            '\n'
            "But the user's input for the basketball scene is at 208.4s, and the next segment is 220.7s. So the "
            'time range for basketball is 208.4s to 220.7s.\n'
            '\n'
            'Similarly, the running track is 220.7s to 233.1s.\n'
            '\n'
            'The morning exercise is 27.5s to 50.7s.'
        ),
        moments=((27.5, 50.7, "So the group activity is in the segment"),
            (27.5, 50.7, "The morning exercise is"),
            (208.4, 220.7, "So the basketball group activity is"),
            (208.4, 220.7, "So the time range for basketball is"),
            (220.7, 233.1, "So the running track group activity is"),
            (220.7, 233.1, "Similarly, the running track is")),
    ),
    RealAnswer(
        name='i-vllm-26902-thinking-time-range',
        source=(
            'https://github.com/vllm-project/vllm/issues/26902 (description: another excerpt of the reasoning '
            'text)'
        ),
        model='Qwen3-VL-8B-Thinking (vLLM)',
        answer=(
            "1. 28.2s: Group doing Tai Chi. That's a group activity. Time range: 28.2s to 35.5s (since the next "
            'scene is 50.7s, but the description says "a group of people in light-colored clothing performing '
            'synchronized movements" at 28.2s. So the segment is from 28.2s to 35.5s.\n'
            '\n'
            '2. 195.2s: Basketball court. The scene is "a group of people playing basketball on an outdoor '
            'court." The time range would be 195.2s to 220.7s (since the next scene is 220.7s).'
        ),
        moments=((28.2, 35.5, "Time range"),
            (28.2, 35.5, "So the segment is"),
            (195.2, 220.7, "The time range would be")),
    ),
    RealAnswer(
        name='i-q3-1606-thinking-scene-times',
        source=(
            'https://github.com/QwenLM/Qwen3-VL/issues/1606 (description: excerpt of the output, scene start '
            'times only)'
        ),
        model='Qwen3-VL-30B-A3B-Thinking',
        answer=(
            '- <5.6秒>：现代建筑外景，行人走动，可能有集体活动？但描述是“行人走动”，可能只是零散行人，不算集体活动。\n'
            '- <28.2秒>：广场上，有人骑电动车，还有穿绿色、粉色衣服的人在做操（“一群人穿着绿色、粉色衣服在做操”），这明显是集体活动，比如广场舞或集体健身操。\n'
            '- <50.7秒>：广场上有推婴儿车的人，可能有集体活动？但描述是“推婴儿车的人”，可能只是零散人群。\n'
            '- <73.2秒>：公园台阶，可能有集体活动？描述是“公园台阶”，可能没有。'
        ),
        moments=(),
    ),
    # --- Alibaba Cloud documentation -------------------------------------------------------------------------
    RealAnswer(
        name='d-guiplus-quickstart-left-click',
        source=(
            "Alibaba Cloud Model Studio docs, 'GUI-Plus' page (help.aliyun.com/zh/model-studio/gui-automation), "
            'as stored in the search index, 快速开始 / OpenAI 兼容 / Python, 返回结果'
        ),
        model='gui-plus-2026-02-26 (Alibaba Cloud Model Studio, Qwen-VL based GUI model)',
        answer=(
            '<tool_call>\n'
            '{"name": "computer_use", "arguments": {"action": "left_click", "coordinate": [2530, 314]}}\n'
            '</tool_call>'
        ),
        items=(action("left_click", 2530, 314, tool="computer_use", step=1, coordinate=[2530, 314]),),
    ),
    RealAnswer(
        name='d-guiplus-history-close-popup',
        source=(
            "Alibaba Cloud Model Studio docs, 'GUI-Plus' page (help.aliyun.com/zh/model-studio/gui-automation), "
            'as stored in the search index, multi-turn messages example (7 rounds), assistant turn 1'
        ),
        model='gui-plus-2026-02-26 (Alibaba Cloud Model Studio, Qwen-VL based GUI model)',
        answer=(
            'Action: 点击应用更新通知弹窗右上角的关闭按钮（X图标）以将其关闭。\n'
            '<tool_call>\n'
            '{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [789, 280]}}\n'
            '</tool_call>'
        ),
        items=(action("click", 789, 280, tool="mobile_use", step=1, summary="点击应用更新通知弹窗右上角的关闭按钮（X图标）以将其关闭。"),),
    ),
    RealAnswer(
        name='d-guiplus-history-search-bar',
        source=(
            "Alibaba Cloud Model Studio docs, 'GUI-Plus' page (help.aliyun.com/zh/model-studio/gui-automation), "
            'as stored in the search index, multi-turn messages example, assistant turn 2'
        ),
        model='gui-plus-2026-02-26 (Alibaba Cloud Model Studio, Qwen-VL based GUI model)',
        answer=(
            'Action: 点击搜索栏中的“济南的酒店”文本区域，以激活搜索输入框并准备修改搜索词。\n'
            '<tool_call>\n'
            '{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [112, 134]}}\n'
            '</tool_call>'
        ),
        items=(action("click", 112, 134, tool="mobile_use", step=1),),
    ),
    RealAnswer(
        name='d-guiplus-history-city-field',
        source=(
            "Alibaba Cloud Model Studio docs, 'GUI-Plus' page (help.aliyun.com/zh/model-studio/gui-automation), "
            'as stored in the search index, multi-turn messages example, assistant turn 3'
        ),
        model='gui-plus-2026-02-26 (Alibaba Cloud Model Studio, Qwen-VL based GUI model)',
        answer=(
            'Action: 点击显示“厦门”的位置字段，将搜索位置从厦门更改为济南。\n'
            '<tool_call>\n'
            '{"name": "mobile_use", "arguments": {"action": "click", "coordinate": [156, 347]}}\n'
            '</tool_call>'
        ),
        items=(action("click", 156, 347, tool="mobile_use", step=1),),
    ),
    RealAnswer(
        name='d-guiplus-history-type-city',
        source=(
            "Alibaba Cloud Model Studio docs, 'GUI-Plus' page (help.aliyun.com/zh/model-studio/gui-automation), "
            'as stored in the search index, multi-turn messages example, assistant turn 4 (type, no coordinate)'
        ),
        model='gui-plus-2026-02-26 (Alibaba Cloud Model Studio, Qwen-VL based GUI model)',
        answer=(
            'Action: 在搜索输入框中键入“济南”，以指定酒店搜索的城市位置。\n'
            '<tool_call>\n'
            '{"name": "mobile_use", "arguments": {"action": "type", "text": "济南"}}\n'
            '</tool_call>'
        ),
        items=(action("type", text="济南", tool="mobile_use", step=1, summary="在搜索输入框中键入“济南”，以指定酒店搜索的城市位置。"),),
    ),
)
