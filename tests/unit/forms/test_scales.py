"""Validated scales score as published: totals, every band boundary, flags, missing-item rules, CLI."""

import json

import pytest

from outreach.cli.main import main
from outreach.domain.scales import SCALE_KEYS, ScaleError, load_scale, score_scale
from outreach.i18n import LANGUAGES


def answers_totalling(key: str, total: int) -> list[int]:
    """A valid answer set with the given total: fill items from the first, each with its largest
    score that still fits (works for every scale here: each item's points include 0 or its minimum)."""
    scale = load_scale(key)
    out = [min(i.points) for i in scale.items]
    left = total - sum(out)
    for n, item in enumerate(scale.items):
        best = max((p for p in item.points if p - out[n] <= left), default=out[n])
        left -= best - out[n]
        out[n] = best
    assert left == 0, f"cannot make {total} for {key}"
    return out


# ---------------------------------------------------------------------------- published structure
def test_every_scale_has_wording_and_source_in_both_languages():
    for key in SCALE_KEYS:
        scale = load_scale(key)
        for lang in LANGUAGES:
            assert scale.title[lang] and scale.source[lang] and scale.instruction[lang]
            for item in scale.items:
                assert item.text[lang] and all(o.label[lang] for o in item.options)
    assert "WS/T 431" in load_scale("barthel").source["zh_CN"]
    assert "Kroenke" in load_scale("phq9").source["en"]


def test_item_counts_and_point_sets_are_the_published_ones():
    assert len(load_scale("phq9").items) == 9 and len(load_scale("gad7").items) == 7
    assert all(i.points == (0, 1, 2, 3) for i in load_scale("phq9").items + load_scale("gad7").items)
    assert all(i.points == (1, 2, 3, 4, 5) for i in load_scale("k10").items)
    assert all(i.points == (1, 2, 3, 4) for i in load_scale("wgss").items) and len(load_scale("wgss").items) == 6
    barthel = {i.id: i.points for i in load_scale("barthel").items}
    assert barthel == {
        "feeding": (0, 5, 10), "bathing": (0, 5), "grooming": (0, 5), "dressing": (0, 5, 10),
        "bowels": (0, 5, 10), "bladder": (0, 5, 10), "toilet_use": (0, 5, 10), "transfers": (0, 5, 10, 15),
        "mobility": (0, 5, 10, 15), "stairs": (0, 5, 10)}
    assert load_scale("barthel").max_total == 100 and load_scale("k10").min_total == 10


# ---------------------------------------------------------------------------- bands at every boundary
BOUNDARIES = {
    "phq9": [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
             (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe")],
    "gad7": [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
             (15, "severe"), (21, "severe")],
    "barthel": [(0, "severe"), (40, "severe"), (45, "moderate"), (60, "moderate"), (65, "mild"),
                (95, "mild"), (100, "independent")],
    "k10": [(10, "low"), (15, "low"), (16, "moderate"), (21, "moderate"), (22, "high"), (29, "high"),
            (30, "very_high"), (50, "very_high")],
}


@pytest.mark.parametrize(("key", "total", "band"), [(k, t, b) for k, v in BOUNDARIES.items() for t, b in v])
def test_band_boundaries(key, total, band):
    answers = answers_totalling(key, total)
    result = score_scale(key, answers)
    assert (result.score, result.band) == (total, band)


def test_barthel_worked_examples():
    # Independent in everything but needs some help on stairs: 95, mild dependence (WS/T 431 61–99).
    assert score_scale("barthel", [10, 5, 5, 10, 10, 10, 10, 15, 15, 5]).band == "mild"
    # Bed-bound, catheterised, fed by others: 0 → severe.
    assert score_scale("barthel", [0] * 10).band == "severe"
    # Help with feeding, dressing, toilet, transfers and walking; continent: 5+0+0+5+10+10+5+10+10+5 = 60
    r = score_scale("barthel", [5, 0, 0, 5, 10, 10, 5, 10, 10, 5])
    assert (r.score, r.band) == (60, "moderate")


def test_barthel_refuses_points_not_on_the_item():
    with pytest.raises(ScaleError) as exc:
        score_scale("barthel", [10, 10, 5, 10, 10, 10, 10, 15, 15, 10])  # bathing is 0/5 only
    assert exc.value.params["item"] == 2
    assert "洗澡" in exc.value.message("zh_CN") and "Bathing" in exc.value.message("en")


# ---------------------------------------------------------------------------- flags
def test_phq9_item9_above_zero_raises_the_safety_flag_whatever_the_total():
    low = score_scale("phq9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert low.band == "minimal" and low.flags == ("suicidal_ideation",)
    assert "伤害自己" in low.flag_labels("zh_CN")[0]
    assert score_scale("phq9", [3, 3, 3, 3, 3, 3, 3, 3, 0]).flags == ()


def test_phq9_worked_example():
    # 2,2,1,2,1,1,1,0,0 → 10, moderate, no flag
    r = score_scale("phq9", [2, 2, 1, 2, 1, 1, 1, 0, 0])
    assert (r.score, r.band, r.flags) == (10, "moderate", ())


# ---------------------------------------------------------------------------- WG-SS cut-off
@pytest.mark.parametrize(("answers", "band", "score"), [
    ([1, 1, 1, 1, 1, 1], "no_disability", 0),
    ([2, 2, 2, 2, 2, 2], "no_disability", 0),   # "some difficulty" everywhere is below the cut-off
    ([1, 1, 3, 1, 1, 1], "disability", 1),       # a lot of difficulty walking
    ([4, 1, 1, 1, 1, 3], "disability", 2),
])
def test_wgss_cut_off(answers, band, score):
    r = score_scale("wgss", answers)
    assert (r.band, r.score) == (band, score)


# ---------------------------------------------------------------------------- missing items
def test_k10_one_missing_item_is_prorated_from_the_others():
    r = score_scale("k10", [2, 2, 2, 2, 2, None, 2, 2, 2, 2])
    assert (r.score, r.prorated, r.band) == (20, True, "moderate")
    # 9 answered summing 19 → 19 × 10/9 = 21.1 → 21 (moderate), not 19 (which a plain sum would give)
    r = score_scale("k10", [3, 2, 2, 2, 2, 2, 2, 2, 2, None])
    assert (r.score, r.band) == (21, "moderate")


def test_k10_two_missing_items_refused():
    with pytest.raises(ScaleError) as exc:
        score_scale("k10", [2, None, 2, 2, 2, None, 2, 2, 2, 2])
    assert exc.value.key == "scale.error.too_many_missing"


@pytest.mark.parametrize("key", ["phq9", "gad7", "barthel", "wgss"])
def test_scales_without_a_missing_rule_refuse_a_missing_item(key):
    answers: list = answers_totalling(key, load_scale(key).min_total)
    answers[1] = None
    with pytest.raises(ScaleError) as exc:
        score_scale(key, answers)
    assert exc.value.key == "scale.error.missing" and exc.value.params["item"] == 2


def test_wrong_number_of_answers_refused():
    with pytest.raises(ScaleError):
        score_scale("gad7", [0] * 6)


# ---------------------------------------------------------------------------- CLI
def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_scores_as_json(capsys):
    code, out, _ = run(capsys, "scales", "score", "phq9", "--answers", "3,3,3,3,3,2,2,1,1", "--json")
    data = json.loads(out)
    assert code == 0
    assert (data["score"], data["band"], data["flags"]) == (21, "severe", ["suicidal_ideation"])


def test_cli_k10_empty_answer_is_missing(capsys):
    code, out, _ = run(capsys, "scales", "score", "k10", "--answers", "5,5,5,5,5,5,5,5,5,", "--json")
    assert code == 0 and json.loads(out)["score"] == 50 and json.loads(out)["prorated"] is True


def test_cli_out_of_range_names_the_item_and_writes_one_line(capsys):
    code, out, err = run(capsys, "--lang", "en", "scales", "score", "gad7", "--answers", "0,0,0,0,0,0,4")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "item 7" in err and "Feeling afraid" in err


def test_cli_missing_without_rule_refused_in_chinese(capsys):
    code, _, err = run(capsys, "--lang", "zh_CN", "scales", "score", "wgss", "--answers", "1,1,,1,1,1")
    assert code == 2 and "第3题" in err and "不能计分" in err
