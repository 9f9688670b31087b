"""XLSForms written for the tests (openpyxl / pyxform markdown), modelled on public household needs
assessments: a household roster repeat, food security, income sources, the Washington Group
questions for each member, a consent acknowledgement; bilingual labels as Kobo exports them."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

SURVEY_HEADER = ["type", "name", "label::Chinese (zh)", "label::English (en)", "hint::English (en)", "required",
                 "relevant", "constraint", "constraint_message::Chinese (zh)", "constraint_message::English (en)",
                 "calculation", "repeat_count", "default", "read_only", "outreach_score", "outreach_prefill"]

NEEDS_SURVEY = [
    ["acknowledge", "consent", "户主同意接受访问", "The household head agrees to the interview", "", "yes"],
    ["date", "visit_date", "走访日期", "Date of visit", "", "yes", "", ". <= today()", "日期不能晚于今天",
     "The date cannot be in the future"],
    ["begin group", "head", "户主情况", "Household head"],
    ["integer", "head_age", "户主年龄", "Age of household head", "years", "yes", "", ". >= 15 and . <= 110",
     "年龄应在15到110岁之间", "Age must be between 15 and 110"],
    ["select_one sex", "head_sex", "户主性别", "Sex of household head", "", "yes"],
    ["end group"],
    ["select_one yn", "food_enough", "过去30天家里的食物够吃吗？", "In the past 30 days, was there enough food?", "",
     "yes"],
    ["integer", "food_days", "有几天没有足够的食物？", "On how many days was there not enough food?", "", "yes",
     "${food_enough} = 'no'", ". >= 1 and . <= 30", "应在1到30天之间", "Between 1 and 30 days"],
    ["select_multiple income or_other", "income", "家庭收入来源", "Sources of income"],
    ["integer", "members_n", "家里还有几位成员？", "How many other household members?", "", "yes", "",
     ". >= 0 and . <= 15", "", "", "", "", "0"],
    ["begin repeat", "members", "家庭成员", "Household member", "", "", "", "", "", "", "", "${members_n}"],
    ["text", "m_name", "姓名", "Name", "", "yes"],
    ["integer", "m_age", "年龄", "Age", "", "yes", "", ". >= 0 and . <= 120"],
    ["select_one difficulty", "m_walk", "走路或爬台阶有困难吗？", "Difficulty walking or climbing steps?", "", "yes",
     "${m_age} >= 5"],
    ["end repeat"],
    ["calculate", "food_score", "", "", "", "", "", "", "", "",
     "if(${food_enough} = 'no', 5, 0) + if(${food_days} > 10, 5, 0)", "", "", "", "basic_living medium=5 high=10"],
    ["calculate", "walk_count", "", "", "", "", "", "", "", "", "count(${members}[m_walk = 'a_lot' or m_walk = 'cannot'])"],
    ["note", "summary", "食物得分：${food_score}", "Food score: ${food_score}"],
]
PREFILL = {"members": "members", "m_name": "name", "m_age": "age"}
for _row in NEEDS_SURVEY:
    if len(_row) > 1 and _row[1] in PREFILL:
        _row.extend([""] * (15 - len(_row)))
        _row.append(PREFILL[_row[1]])

CHOICES = [
    ["list_name", "name", "label::Chinese (zh)", "label::English (en)"],
    ["yn", "yes", "是", "Yes"], ["yn", "no", "否", "No"],
    ["sex", "female", "女", "Female"], ["sex", "male", "男", "Male"],
    ["income", "farming", "务农", "Farming"], ["income", "wages", "务工", "Wages"],
    ["income", "dibao", "低保", "Dibao (minimum living guarantee)"],
    ["difficulty", "none", "没有困难", "No difficulty"], ["difficulty", "some", "有些困难", "Some difficulty"],
    ["difficulty", "a_lot", "很困难", "A lot of difficulty"], ["difficulty", "cannot", "完全做不到", "Cannot do at all"],
]


def write_xlsx(path: Path, survey: list[list], choices: list[list] = CHOICES, *, form_id: str = "hh_needs",
               title: str = "入户需求评估（测试）", version: str = "2024061001") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(SURVEY_HEADER)
    for row in survey:
        ws.append(row)
    ch = wb.create_sheet("choices")
    for row in choices:
        ch.append(row)
    st = wb.create_sheet("settings")
    st.append(["form_title", "form_id", "version", "default_language"])
    st.append([title, form_id, version, "Chinese (zh)"])
    wb.save(path)
    return path


def needs_form(tmp_path: Path, **kw) -> Path:
    return write_xlsx(tmp_path / "hh_needs.xlsx", NEEDS_SURVEY, **kw)


# A cascading select with choice_filter, labels in "label::chinese"/"label::english" style, as a
# pyxform markdown form.
CASCADE_MD = """
| survey |
|        | type              | name     | label::chinese | label::english | choice_filter        | relevant               |
|        | select_one town   | town     | 乡镇           | Township       |                      |                        |
|        | select_one village| village  | 村             | Village        | town=${town}         |                        |
|        | select_one yn     | dibao    | 是否低保户？   | On dibao?      |                      | ${village} != ''       |
|        | text              | why_not  | 为什么没有？   | Why not?       |                      | selected(${dibao}, 'no') |
| choices |
|         | list_name | name  | label::chinese | label::english | town  |
|         | town      | t1    | 东坪镇         | Dongping       |       |
|         | town      | t2    | 西山镇         | Xishan         |       |
|         | village   | v1    | 东坪村         | Dongping vil.  | t1    |
|         | village   | v2    | 河口村         | Hekou          | t1    |
|         | village   | v3    | 西山村         | Xishan vil.    | t2    |
|         | yn        | yes   | 是             | Yes            |       |
|         | yn        | no    | 否             | No             |       |
| settings |
|          | form_title | form_id    |
|          | 低保核查    | dibao_check |
"""

UNSUPPORTED_SURVEY = [
    ["text", "name", "姓名", "Name"],
    ["geotrace", "route", "路线", "Route walked"],
    ["image", "photo", "照片", "Photo"],
    ["calculate", "district", "", "", "", "", "", "", "", "", "pulldata('districts', 'name', 'code', ${name})"],
]
