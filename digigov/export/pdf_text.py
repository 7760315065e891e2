"""Make the text of Chromium's PDFs copy and search as the characters that were written.

Noto Sans CJK maps a Kangxi radical (U+2F00-U+2FDF) and its unified ideograph to one glyph: 示 and ⽰, 水 and
⽔, 日 and ⽇, 月 and ⽉. When Chromium (Skia) writes a PDF it records one character per glyph in the font's
ToUnicode map and picks the radical, so a reader that copies or searches the text gets "发展⽔平" instead of
"发展水平" (poppler's pdftotext hides this by normalising; Acrobat and pdf.js do not). The fix rewrites
those entries to the ideograph that shares the radical's glyph. Needs pypdf; without it the PDF is returned
as it is.
"""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

_RADICALS = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF))  # CJK Radicals Supplement, Kangxi Radicals
# Radical, ideograph pairs that share one glyph in Noto Sans CJK SC 2.004 (Regular and Bold alike), read
# from the fonts' cmap tables. Mostly the NFKC form for Kangxi radicals, but also the CJK Radicals Supplement,
# which has no decomposition (⻓ 长, ⻔ 门, ⻅ 见), and ⼾ 户 where NFKC would give 戶.
_PAIRS = (
    "⺂乛⺃乚⺅亻⺇𠘨⺉刂⺋㔾⺍𭕄⺏尣⺐尢⺒巳⺓幺⺔彑⺕彐⺖忄⺘扌⺙攵⺛旡⺞歺⺟母⺠民⺡氵⺣灬⺤爫⺦丬⺨犭"
    "⺩𤣩⺭礻⺮𥫗⺯糹⺰纟⺱罓⺳㓁⺹耂⺺肀⺽𦥑⺾艹⺿艹⻀艹⻂衤⻅见⻆角⻇𧢲⻈讠⻉贝⻊𧾷⻋车⻌辶⻐钅⻑長⻒镸"
    "⻓长⻔门⻕𨸏⻖阝⻘青⻙韦⻚页⻛风⻜飞⻝食⻞𩙿⻟飠⻠饣⻡𩠐⻢马⻣骨⻤鬼⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻫斉⻬齐"
    "⻮齿⻯竜⻰龙⻱龜⻲亀⻳龟⼀一⼁丨⼂丶⼃丿⼄乙⼅亅⼆二⼇亠⼈人⼉儿⼊入⼋八⼌冂⼍冖⼎冫⼏几⼐凵⼑刀⼒力"
    "⼓勹⼔匕⼕匚⼖匸⼗十⼘卜⼙卩⼚厂⼛厶⼜又⼝口⼞囗⼟土⼠士⼡夂⼢夊⼣夕⼤大⼥女⼦子⼧宀⼨寸⼩小⼪尢⼫尸"
    "⼬屮⼭山⼮巛⼯工⼰己⼱巾⼲干⼳幺⼴广⼵廴⼶廾⼷弋⼸弓⼺彡⼻彳⼼心⼽戈⼾户⼿手⽀支⽁攴⽂文⽃斗⽄斤⽅方"
    "⽆无⽇日⽈曰⽉月⽊木⽋欠⽌止⽍歹⽎殳⽏毋⽐比⽑毛⽒氏⽓气⽔水⽕火⽖爪⽗父⽘爻⽙爿⽚片⽛牙⽜牛⽝犬⽞玄"
    "⽟玉⽠瓜⽡瓦⽢甘⽣生⽤用⽥田⽦疋⽧疒⽨癶⽩白⽪皮⽫皿⽬目⽭矛⽮矢⽯石⽰示⽱禸⽲禾⽳穴⽴立⽵竹⽶米⽷糸"
    "⽸缶⽹网⽺羊⽻羽⽼老⽽而⽿耳⾀聿⾁肉⾂臣⾃自⾄至⾅臼⾆舌⾇舛⾈舟⾉艮⾊色⾋艸⾌虍⾍虫⾎血⾏行⾐衣⾑襾"
    "⾒見⾔言⾕谷⾖豆⾗豕⾘豸⾙貝⾚赤⾛走⾜足⾝身⾞車⾟辛⾠辰⾡辵⾢邑⾣酉⾤釆⾥里⾦金⾧長⾨門⾩阜⾪隶⾫隹"
    "⾬雨⾭靑⾮非⾯面⾰革⾱韋⾲韭⾳音⾴頁⾵風⾶飛⾷食⾸首⾹香⾺馬⾼高⾽髟⾾鬥⾿鬯⿀鬲⿁鬼⿂魚⿃鳥⿄鹵⿅鹿"
    "⿆麥⿇麻⿈黃⿉黍⿊黑⿋黹⿌黽⿍鼎⿎鼓⿏鼠⿑齊⿒齒⿓龍⿕龠"
)
RADICAL_TO_IDEOGRAPH: dict[str, str] = {_PAIRS[i]: _PAIRS[i + 1] for i in range(0, len(_PAIRS), 2)}
_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")
_BFCHAR = re.compile(rb"(\d+)\s+beginbfchar(.*?)endbfchar", re.S)
_BFRANGE = re.compile(rb"(\d+)\s+beginbfrange(.*?)endbfrange", re.S)


def _is_radical(code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in _RADICALS)


def _utf16_hex(text: str) -> bytes:
    return text.encode("utf-16-be").hex().upper().encode("ascii")


def _decode_utf16(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode("ascii")).decode("utf-16-be", errors="replace")


def ideograph(char: str) -> str:
    """The ideograph a radical's glyph stands for; any other character unchanged."""
    if not _is_radical(ord(char)):
        return char
    return RADICAL_TO_IDEOGRAPH.get(char) or unicodedata.normalize("NFKC", char)


def _fixed_target(hex_text: bytes) -> bytes:
    text = _decode_utf16(hex_text)
    if any(_is_radical(ord(c)) for c in text):
        return _utf16_hex("".join(ideograph(c) for c in text))
    return hex_text


def fix_cmap(cmap: bytes) -> bytes:
    """A ToUnicode CMap with radicals replaced by their ideographs (ranges that touch one become chars)."""
    extra: list[bytes] = []

    def fix_ranges(match: re.Match[bytes]) -> bytes:
        if b"[" in match.group(2):
            return match.group(0)  # the array form: Skia does not write it; leave it alone
        kept: list[bytes] = []
        values = _HEX.findall(match.group(2))
        for i in range(0, len(values) - 2, 3):
            lo, hi, dst = values[i], values[i + 1], values[i + 2]
            width = len(lo)
            start, end, target = int(lo, 16), int(hi, 16), _decode_utf16(dst)
            codes = [ord(target[-1]) + k for k in range(end - start + 1)] if target else []
            if codes and any(_is_radical(c) for c in codes):
                for k, code in enumerate(codes):
                    src = f"{start + k:0{width}X}".encode("ascii")
                    extra.append(b"<" + src + b"> <" + _fixed_target(_utf16_hex(target[:-1] + chr(code))) + b">")
            else:
                kept.append(b"<" + lo + b"> <" + hi + b"> <" + dst + b">")
        if not kept:
            return b""
        return str(len(kept)).encode() + b" beginbfrange\n" + b"\n".join(kept) + b"\nendbfrange"

    def fix_chars(match: re.Match[bytes]) -> bytes:
        values = _HEX.findall(match.group(2))
        pairs = [b"<" + values[i] + b"> <" + _fixed_target(values[i + 1]) + b">" for i in range(0, len(values) - 1, 2)]
        return str(len(pairs)).encode() + b" beginbfchar\n" + b"\n".join(pairs) + b"\nendbfchar"

    out = _BFRANGE.sub(fix_ranges, cmap)
    out = _BFCHAR.sub(fix_chars, out)
    if extra:
        block = str(len(extra)).encode() + b" beginbfchar\n" + b"\n".join(extra) + b"\nendbfchar\n"
        out = out.replace(b"endcmap", block + b"endcmap", 1)
    return out


def _to_unicode_streams(resources: Any, seen: set[int], found: list[Any]) -> None:
    if resources is None:
        return
    resources = resources.get_object()
    for ref in (resources.get("/Font") or {}).values():
        font = ref.get_object()
        stream = font.get("/ToUnicode")
        if stream is not None and id(stream.get_object()) not in seen:
            seen.add(id(stream.get_object()))
            found.append(stream.get_object())
    for ref in (resources.get("/XObject") or {}).values():
        xobject = ref.get_object()
        if id(xobject) not in seen:
            seen.add(id(xobject))
            _to_unicode_streams(xobject.get("/Resources"), seen, found)


def fix_cjk_text(pdf: bytes) -> bytes:
    """The PDF with Kangxi radicals in its ToUnicode maps replaced by the ideographs they stand for."""
    if b"/ToUnicode" not in pdf:
        return pdf
    try:
        from pypdf import PdfReader, PdfWriter
    except ImportError:
        return pdf
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    streams: list[Any] = []
    for page in writer.pages:
        _to_unicode_streams(page.get("/Resources"), set(), streams)
    changed = False
    for stream in streams:
        data = stream.get_data()
        fixed = fix_cmap(data)
        if fixed != data:
            stream.set_data(fixed)
            changed = True
    if not changed:
        return pdf
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
