"""Validated screening scales, scored exactly as published: PHQ-9, GAD-7, the Barthel index (with the
self-care grades of China's WS/T 431), K10 and the Washington Group Short Set.

Item wording (Chinese and English), option points, bands, safety flags and the source of each scale
are data (``resources/scales/<key>.json``); the scoring rules are here. A scale file::

    {"key": "phq9", "version": 1, "title": {…}, "instruction": {…}, "source": {…},
     "missing": "refuse" | "prorate_one",
     "rule": {"any_at_least": 3}?,            # WG-SS: a band by cut-off instead of by total
     "bands": [{"key", "min", "max", "label"}],
     "flags": [{"key", "item", "above", "label"}],
     "items": [{"id", "text", "options": [{"points", "label"}]}]}

Answers are given in item order as the published item scores (PHQ-9 0–3, Barthel 0/5/10…), ``None``
for a missing item. A scale without a published rule for missing items refuses an incomplete answer
set; K10 replaces one missing item by the mean of the other nine (and refuses two or more).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from outreach.domain.errors import OutreachError
from outreach.i18n import LANGUAGES, current_language
from outreach.resources import resource_path

SCALE_KEYS = ("phq9", "gad7", "barthel", "k10", "wgss")

Text = dict[str, str]


class ScaleError(OutreachError):
    """An answer set a scale cannot score (wrong count, out of range, missing items)."""


@dataclass(frozen=True)
class ScaleOption:
    points: int
    label: Text


@dataclass(frozen=True)
class ScaleItem:
    id: str
    number: int          # 1-based, as printed on the form
    text: Text
    options: tuple[ScaleOption, ...]

    @property
    def points(self) -> tuple[int, ...]:
        return tuple(o.points for o in self.options)

    def option(self, points: int) -> ScaleOption | None:
        return next((o for o in self.options if o.points == points), None)


@dataclass(frozen=True)
class ScaleBand:
    key: str
    label: Text
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class ScaleFlag:
    key: str
    item: str
    above: int
    label: Text


@dataclass(frozen=True)
class Scale:
    key: str
    version: int
    title: Text
    instruction: Text
    source: Text
    missing: str                 # "refuse" | "prorate_one"
    any_at_least: int | None     # WG-SS style cut-off rule (None: bands by total)
    bands: tuple[ScaleBand, ...]
    flags: tuple[ScaleFlag, ...]
    items: tuple[ScaleItem, ...]

    def band(self, key: str) -> ScaleBand:
        return next(b for b in self.bands if b.key == key)

    @property
    def min_total(self) -> int:
        return sum(min(i.points) for i in self.items)

    @property
    def max_total(self) -> int:
        return sum(max(i.points) for i in self.items)


@dataclass(frozen=True)
class ScaleResult:
    scale: str
    score: int
    band: str
    flags: tuple[str, ...]
    prorated: bool                  # a missing item was replaced by the mean of the others (K10)
    answers: tuple[int | None, ...]

    def band_label(self, lang: str | None = None) -> str:
        return load_scale(self.scale).band(self.band).label[lang or current_language()]

    def flag_labels(self, lang: str | None = None) -> list[str]:
        scale = load_scale(self.scale)
        lang = lang or current_language()
        return [next(f for f in scale.flags if f.key == k).label[lang] for k in self.flags]

    def as_json(self) -> dict[str, Any]:
        return {"scale": self.scale, "score": self.score, "band": self.band, "flags": list(self.flags),
                "prorated": self.prorated, "answers": list(self.answers)}


# ---------------------------------------------------------------------------- loading
def _text(raw: Any, where: str) -> Text:
    if not isinstance(raw, dict) or any(not isinstance(raw.get(lang), str) or not raw[lang] for lang in LANGUAGES):
        raise ValueError(f"{where}: a text in every language is required")
    return {lang: raw[lang] for lang in LANGUAGES}


def parse_scale(raw: dict[str, Any]) -> Scale:
    """A scale from its JSON description; ValueError on a malformed file (a shipped-resource bug)."""
    key = raw["key"]
    items = tuple(
        ScaleItem(it["id"], n, _text(it["text"], it["id"]),
                  tuple(ScaleOption(int(o["points"]), _text(o["label"], it["id"])) for o in it["options"]))
        for n, it in enumerate(raw["items"], start=1))
    if len({i.id for i in items}) != len(items) or not items:
        raise ValueError(f"{key}: item ids must be unique")
    bands = tuple(ScaleBand(b["key"], _text(b["label"], b["key"]), b.get("min"), b.get("max")) for b in raw["bands"])
    flags = tuple(ScaleFlag(f["key"], f["item"], int(f["above"]), _text(f["label"], f["key"]))
                  for f in raw.get("flags", []))
    if any(f.item not in {i.id for i in items} for f in flags):
        raise ValueError(f"{key}: a flag names an unknown item")
    if raw.get("missing") not in ("refuse", "prorate_one"):
        raise ValueError(f"{key}: unknown missing-item rule")
    rule = raw.get("rule") or {}
    scale = Scale(key, int(raw["version"]), _text(raw["title"], "title"), _text(raw["instruction"], "instruction"),
                  _text(raw["source"], "source"), raw["missing"], rule.get("any_at_least"), bands, flags, items)
    if scale.any_at_least is None:
        # The bands must tile the possible totals exactly: no gap, no overlap.
        covered = sorted(v for b in bands for v in range(b.min, b.max + 1))  # type: ignore[arg-type]
        if covered != list(range(scale.min_total, scale.max_total + 1)):
            raise ValueError(f"{key}: bands do not cover {scale.min_total}–{scale.max_total} exactly once")
    return scale


@cache
def load_scale(key: str) -> Scale:
    if key not in SCALE_KEYS:
        raise ScaleError("scale.error.unknown", name=key, known=", ".join(SCALE_KEYS))
    path = resource_path("scales", f"{key}.json")
    return parse_scale(json.loads(path.read_text(encoding="utf-8")))


def all_scales() -> list[Scale]:
    return [load_scale(k) for k in SCALE_KEYS]


# ---------------------------------------------------------------------------- scoring
def _item_params(item: ScaleItem) -> dict[str, Any]:
    # The item is named in each language, since the message's language is chosen when it is shown.
    return {"item": item.number, **{f"text_{lang}": item.text[lang] for lang in LANGUAGES}}


def parse_answers(text: str) -> list[int | None]:
    """``"1,0,,3"`` → ``[1, 0, None, 3]`` (an empty answer is missing). A non-number is refused."""
    out: list[int | None] = []
    for n, part in enumerate(text.split(","), start=1):
        part = part.strip()
        if not part:
            out.append(None)
            continue
        try:
            out.append(int(part))
        except ValueError:
            raise ScaleError("scale.error.not_number", item=n, value=part) from None
    return out


def check_answers(scale: Scale, answers: list[int | None] | tuple[int | None, ...]) -> None:
    """Raise ScaleError for a wrong number of answers or an answer that is not one of the item's points."""
    if len(answers) != len(scale.items):
        raise ScaleError("scale.error.count", name=scale.key, expected=len(scale.items), count=len(answers))
    for item, value in zip(scale.items, answers, strict=True):
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value not in item.points:
            raise ScaleError("scale.error.out_of_range", **_item_params(item), value=value,
                             allowed="/".join(str(p) for p in item.points))


def score_scale(key: str | Scale, answers: list[int | None] | tuple[int | None, ...]) -> ScaleResult:
    """Score one answer set as published. Raises ScaleError (with the item named) when it cannot."""
    scale = key if isinstance(key, Scale) else load_scale(key)
    answers = tuple(answers)
    check_answers(scale, answers)
    missing = [item for item, v in zip(scale.items, answers, strict=True) if v is None]
    given = [v for v in answers if v is not None]
    prorated = False
    if missing:
        if scale.missing == "prorate_one" and len(missing) == 1:
            # K10: the missing item takes the mean of the other nine. Half rounds up (no banker's rounding).
            total = sum(given) * len(scale.items) / len(given)
            score = int(total + 0.5)
            prorated = True
        elif scale.missing == "prorate_one":
            raise ScaleError("scale.error.too_many_missing", name=scale.key, count=len(missing))
        else:
            raise ScaleError("scale.error.missing", name=scale.key, **_item_params(missing[0]))
    else:
        score = sum(given)
    if scale.any_at_least is not None:
        score = sum(1 for v in given if v >= scale.any_at_least)
        band = "disability" if score > 0 else "no_disability"
    else:
        band = next(b.key for b in scale.bands if b.min <= score <= b.max)  # type: ignore[operator]
    by_id = dict(zip((i.id for i in scale.items), answers, strict=True))
    flags = tuple(f.key for f in scale.flags if (by_id.get(f.item) or 0) > f.above)
    return ScaleResult(scale.key, score, band, flags, prorated, answers)
