"""The city profile: lessons and questions speak of the reader's own city, with
the names and targets its administrator and HR keep."""

from sqlalchemy import select

from skillapp.audit.models import AuditEvent
from skillapp.city.services import configured_profile
from skillapp.extensions import db
from skillapp.metrics.services import ensure_default_indicators
from skillapp.util import placeholders

LESSON = """\
<!-- minutes: 3 -->
# {{city}}の目標

{{city}}は「{{guideline}}」と「{{plan}}」で進めます。

{{principles}}

{{targets}}

::: 参考事例 千葉県柏市
柏市の例です。
:::
"""

QUESTION = {
    "id": "q1",
    "type": "single",
    "text": "{{city}}の計画はどれですか。",
    "options": [
        {"id": "a", "text": "「{{plan}}」", "correct": True},
        {"id": "b", "text": "ほかの計画"},
    ],
    "explanation": "{{city}}の計画は「{{plan}}」です。",
}


def test_the_defaults_read_naturally_without_settings():
    profile = configured_profile({"CITY_NAME": "みなと市"})
    assert (profile.name, profile.guideline, profile.plan, profile.principles) == (
        "みなと市",
        "みなと市のDX推進方針",
        "みなと市のDX推進計画",
        None,
    )
    configured = configured_profile(
        {"CITY_NAME": "みなと市", "CITY_GUIDELINE": "みなと市DX指針", "CITY_PRINCIPLES": " "}
    )
    assert configured.guideline == "みなと市DX指針" and configured.principles is None


def test_values_are_escaped_as_they_go_in():
    values = {"city": "<b>市</b>", "guideline": "A&B", "plan": "計画"}
    assert str(placeholders.fill_text("{{city}}の<i>", values)) == (
        "&lt;b&gt;市&lt;/b&gt;の&lt;i&gt;"
    )
    html = placeholders.fill_html("<p>{{guideline}}</p>\n<p>{{targets}}</p>", values, {})
    assert str(html) == "<p>A&amp;B</p>\n"
    assert placeholders.fill_plain("{{city}}と{{targets}}", values) == "<b>市</b>と{{targets}}"


def _lesson_module(tmp_path, runner):
    from tests.conftest import write_module

    root = tmp_path / "city-content"
    folder = write_module(root, "intro", questions=[QUESTION], lessons=0)
    (folder / "lessons").mkdir(exist_ok=True)
    (folder / "lessons" / "01-goal.md").write_text(LESSON, "utf-8")
    result = runner.invoke(args=["content", "sync", str(root)])
    assert result.exit_code == 0, result.output


def test_an_admin_sets_the_profile_and_lessons_follow(
    app, client, login, make_user, runner, tmp_path
):
    _lesson_module(tmp_path, runner)
    ensure_default_indicators(db.session)
    db.session.commit()
    admin = make_user(roles=["admin"])
    login(admin)
    page = client.get("/modules/intro/lessons/01-goal").get_data(as_text=True)
    assert "テスト市は「テスト市のDX推進方針」と「テスト市のDX推進計画」で進めます" in page
    assert "{{" not in page and "city-principles" not in page  # no statement: nothing shown
    # The targets HR keeps, live. Still the shipped starting values (another city's
    # plan), they are shown as a labelled reference case, not as the city's own.
    block = page.split('class="city-targets"')[1]
    assert "DXリテラシー" in block and "20%" in block
    assert 'id="starting-values"' in block and "柏崎市" in block
    assert '<aside class="reference-case">' in page and "参考事例" in page

    response = client.post(
        "/admin/city/",
        data={
            "name": "みなと市",
            "guideline": "みなと市DX推進指針<script>",
            "plan": "",
            "principles": "市民の困りごとから考えます。\n\nデータで確かめます。",
        },
        follow_redirects=True,
    )
    assert "保存しました" in response.get_data(as_text=True)
    page = client.get("/modules/intro/lessons/01-goal").get_data(as_text=True)
    assert "みなと市は「みなと市DX推進指針&lt;script&gt;」と「みなと市のDX推進計画」" in page
    assert "<script>" not in page.split("<main")[1].split("</main>")[0]
    assert "みなと市の行動原則" in page and "<p>データで確かめます。</p>" in page
    # Questions, options and explanations too, on the page and in the JSON.
    start = client.post("/modules/intro/attempts")
    attempt_id = int(start.location.rsplit("/", 1)[1])
    take = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "みなと市の計画はどれですか。" in take and "「みなと市のDX推進計画」" in take
    data = client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert data["questions"][0]["text"] == "みなと市の計画はどれですか。"
    # The brand and the audit log follow, with old and new values.
    assert "みなと市 DX研修" in take
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "city_profile_changed"))
    assert event.actor_user_id == admin.id
    assert event.detail["name_before"] is None and event.detail["name"] == "みなと市"
    assert "plan" not in event.detail  # unchanged (empty before and after)


def test_the_targets_in_a_lesson_are_the_ones_hr_enters(
    app, client, login, make_user, runner, tmp_path
):
    from skillapp.metrics.models import Indicator, IndicatorTarget

    _lesson_module(tmp_path, runner)
    ensure_default_indicators(db.session)
    indicator = db.session.scalar(select(Indicator).where(Indicator.code == "assessment_pass_rate"))
    target = db.session.scalar(
        select(IndicatorTarget).where(
            IndicatorTarget.indicator_id == indicator.id,
            IndicatorTarget.fiscal_year == 2026,
            IndicatorTarget.band == "management",
        )
    )
    target.target = 42.5
    db.session.commit()
    login(make_user())
    page = client.get("/modules/intro/lessons/01-goal").get_data(as_text=True)
    block = page.split('class="city-targets"')[1]
    own, starting = block.split('id="starting-values"')
    # The indicator HR changed is the city's own; the three untouched ones stay
    # labelled as another city's starting values.
    assert "42.5%" in own and "DXリテラシー" in own
    assert "42.5%" not in starting and "DXリテラシー" not in starting
    assert starting.count("<table>") == 3


def test_only_admins_change_the_profile(client, login, make_user):
    for roles, status in (([], 403), (["hr"], 403), (["author"], 403), (["admin"], 200)):
        client.post("/logout")
        login(make_user(roles=roles))
        assert client.get("/admin/city/").status_code == status, roles
        post = client.post("/admin/city/", data={"name": "乗っ取り市"})
        assert post.status_code == (302 if status == 200 else 403), roles
    client.post("/logout")
    login(make_user(roles=["admin"]))
    too_long = client.post("/admin/city/", data={"name": "長" * 101})
    assert too_long.status_code == 422 and "100文字以内" in too_long.get_data(as_text=True)
