"""Survey answers by band, with small counts hidden (docs/rules.md, Survey privacy)."""

from skillapp.extensions import db
from skillapp.surveys.importing import apply_survey, plan_survey
from skillapp.surveys.queries import survey_distributions

GRADES = {
    "部長・課長級": "management",
    "課長代理・係長・主任級": "supervisor",
    "主査・主事級": "staff",
}


def survey_csv(rows) -> str:
    lines = ["職層,Q1 満足度,Q2 ご意見"]
    lines += [f"{grade},{answer},{comment}" for grade, answer, comment in rows]
    return "\n".join(lines) + "\n"


def small_cells_survey() -> list[tuple[str, str, str]]:
    """management 12 (満足 6, 普通 5, 不満 1), supervisor 3, staff 10 (満足 5,
    普通 3, 不満 2), one unmapped grade; every comment different."""
    rows = []
    for grade, answers in (
        ("部長・課長級", ["満足"] * 6 + ["普通"] * 5 + ["不満"]),
        ("課長代理・係長・主任級", ["満足"] * 3),
        ("主査・主事級", ["満足"] * 5 + ["普通"] * 3 + ["不満"] * 2),
        ("その他", ["満足"]),
    ):
        rows += [(grade, answer, f"ひとこと{len(rows) + i}") for i, answer in enumerate(answers)]
    rows.append(("主査・主事級", "", "空欄の回答"))
    return rows


def load_survey(fiscal_year: int, rows) -> None:
    data = survey_csv(rows).encode("utf-8")
    mapping = {
        "staff_no_column": "",
        "grade_column": "職層",
        "grade_values": GRADES,
        "indicators": {},
    }
    plan = plan_survey(db.session, data, fiscal_year=fiscal_year, mapping=mapping)
    assert not plan.problems, [str(p) for p in plan.problems]
    apply_survey(db.session, plan, file_name="survey.csv", data=data)
    db.session.commit()


def test_small_cells_and_small_bands_are_hidden(app):
    load_survey(2027, small_cells_survey())
    result = survey_distributions(db.session, 2027)
    bands = {b.band: b for b in result.bands}
    assert {band: b.respondents for band, b in bands.items()} == {
        "management": 12,
        "supervisor": 3,
        "staff": 11,
    }
    assert [band for band, b in bands.items() if b.hidden] == ["supervisor"]
    assert result.total.respondents == 26  # the unmapped grade counts in no band

    # The grade column is the band itself; the free-text column has no answer
    # that five people gave, so nothing of it is listed.
    assert [q.header for q in result.questions] == ["Q1 満足度", "Q2 ご意見"]
    satisfaction, comments = result.questions
    assert comments.values == []
    assert satisfaction.answered == {"management": 12, "supervisor": None, "staff": 10}
    # 不満 is fewer than five in every band: left out, wording and all.
    assert satisfaction.values == ["満足", "普通"]
    counts = satisfaction.counts
    # management: 不満 (1) is hidden, and 普通 (5) with it, or 1 = 12 − 6 − 5.
    assert (counts[("満足", "management")], counts[("普通", "management")]) == (6, None)
    assert counts[("不満", "management")] is None
    # staff: 普通 (3) and 不満 (2) are both hidden; 満足 (5) shows.
    assert (counts[("満足", "staff")], counts[("普通", "staff")]) == (5, None)
    assert all(counts[(v, "supervisor")] is None for v in ("満足", "普通", "不満"))
    assert satisfaction.percent("満足", "management") == 50.0
    assert satisfaction.percent("普通", "management") is None


def test_no_survey_no_distributions(app):
    result = survey_distributions(db.session, 2026)
    assert result.survey_id is None and result.questions == [] and result.bands == []
