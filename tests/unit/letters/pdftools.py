"""Helpers the letter tests share: text, fonts, word boxes and QR codes of a rendered PDF."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

_SAMPLE = ("samples", "social-work-notes-zh.txt")
# shared/ sits beside the repository (a developer's tree and CI alike)
_SAMPLE_PLACES = [Path(__file__).resolve().parents[3].parent / "shared", Path("/work/shared")]


def long_chinese_text(chars: int = 2000) -> str:
    """Realistic Chinese text from the shared samples (or a repeated note when they are absent)."""
    source = next((p.joinpath(*_SAMPLE) for p in _SAMPLE_PLACES if p.joinpath(*_SAMPLE).exists()), None)
    if source is not None:
        text = "".join(source.read_text(encoding="utf-8").split())
    else:
        text = "老人独居，儿子在东莞务工，无法爬楼梯，洗澡需要协助，降压药即将用完，情绪低落。"
    while len(text) < chars:
        text += text
    return text[:chars]


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(str(path)).pages]


def all_text(path: Path) -> str:
    """The whole text, whitespace removed (so wrapped lines join up again)."""
    return re.sub(r"\s+", "", "".join(page_texts(path)))


def fonts(path: Path) -> list[dict]:
    """Every font the pages use: base name and whether its file is embedded."""
    out = []
    for page in PdfReader(str(path)).pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            desc = font.get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            embedded = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            out.append({"name": str(font.get("/BaseFont")), "subtype": str(font.get("/Subtype")),
                        "embedded": embedded})
    return out


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float  # from the top of the page
    x1: float
    y1: float


def require_tool(command: str, package: str) -> None:
    """Skip the calling test, saying why, when an optional command-line tool is not installed."""
    if shutil.which(command) is None:
        pytest.skip(f"{command} is not installed (Debian/Ubuntu package {package})")


def qr_decoder():
    """pyzbar's ``decode``, or skip the calling test. pyzbar itself imports fine without the zbar
    library but fails loading libzbar (ImportError, or OSError from ctypes) when it is missing."""
    try:
        from pyzbar.pyzbar import decode
    except (ImportError, OSError) as exc:
        pytest.skip(f"QR decoding needs the zbar library (Debian/Ubuntu package libzbar0): {exc}")
    return decode


def words(path: Path) -> tuple[list[Word], tuple[float, float]]:
    """Word boxes from pdftotext -bbox (points, origin at the top left) and the page size."""
    require_tool("pdftotext", "poppler-utils")
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True,
                         text=True).stdout
    size = (0.0, 0.0)
    found = []
    page = -1
    for line in out.splitlines():
        m = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', line)
        if m:
            page += 1
            size = (float(m.group(1)), float(m.group(2)))
            continue
        m = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if m:
            found.append(Word(page, html.unescape(m.group(5)), *(float(m.group(i)) for i in range(1, 5))))
    return found, size


def render_png(path: Path, out_dir: Path, dpi: int = 150) -> list[Path]:
    require_tool("pdftoppm", "poppler-utils")
    prefix = out_dir / path.stem
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(path), str(prefix)], check=True)
    return sorted(out_dir.glob(f"{path.stem}-*.png"))


def qr_codes(png: Path) -> list[str]:
    decode = qr_decoder()
    with Image.open(png) as img:
        return [d.data.decode("utf-8") for d in decode(img) if d.type == "QRCODE"]
