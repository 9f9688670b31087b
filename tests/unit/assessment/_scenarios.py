"""Answer sets from the field week (shared/SCENARIOS.md), for the needs_v1 / needs_v2 templates."""

from __future__ import annotations

# A household where nothing is wrong: every required question answered, nothing scores.
FINE: dict = {
    "bl_income_source": "work", "bl_food": "enough", "bl_winter_warm": True,
    "he_chronic": False, "he_untreated": False, "he_insured": True, "he_self_rated": 4, "he_emergency": False,
    "ho_tenure": "own_brick", "ho_condition": "sound", "ho_safe_water": True, "ho_fire_risk": False,
    "ca_long_term": False, "ca_lives_alone": False,
    "ed_school_age": False,
    "ps_lonely": "never", "ps_low_mood": "not_at_all", "ps_sleep": False, "ps_self_harm": False,
    "ss_family_contact": "weekly", "ss_help_nearby": True, "ss_activities": True,
    "ri_unclaimed": False, "ri_documents": True, "ri_dispute": False,
    "em_jobless": False,
    "pr_violence": False, "pr_unsafe_now": False, "pr_neglect": False, "pr_exploitation": False,
}

# Monday step 3: 王秀英, 82, lives alone since her son left for Dongguan; cannot climb stairs, needs
# help bathing; blood-pressure medicine running out; lonely.
WANG_XIUYING: dict = {
    **FINE,
    "bl_income_source": "remittance", "ho_tenure": "own_earth_wood",
    "he_chronic": True, "he_medicine_left": "under_week", "he_self_rated": 3,
    "ca_long_term": True, "ca_lives_alone": True, "ca_bathe": False, "ca_stairs": False,
    "ca_dress_eat": True, "ca_carer": "family_sometimes", "ca_carer_strain": 1,
    "ps_lonely": "often",
    "ss_activities": False,
}

# Tuesday step 3: the roof collapsed in the storm; the family needs temporary shelter.
ROOF_COLLAPSED: dict = {**FINE, "ho_condition": "collapsed", "ho_shelter": False}


def v2_answers(answers: dict) -> dict:
    """The same situation answered on the v2 form (ss_activities removed, he_aids added)."""
    out = {k: v for k, v in answers.items() if k != "ss_activities"}
    out["he_aids"] = False
    return out
