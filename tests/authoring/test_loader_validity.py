"""The content format's means for a fair test and a city's own curriculum:
question groups, the yearly attempt limit, placeholders and reference cases."""

import pytest

from skillapp.authoring.export import module_files
from skillapp.authoring.loader import content_hash, load_module_dir, load_module_files
from tests.authoring.builders import write_module
from tests.authoring.test_loader_images_settings import _find, _problems


def _tf(key, tag=None, group=None, **extra):
    item = f"{{id: {key}, type: true_false, text: 問{key}, answer: true, explanation: 解説"
    if tag:
        item += f", tags: [{tag}]"
    if group:
        item += f", group: {group}"
    for name, value in extra.items():
        item += f", {name}: {value}"
    return "  - " + item + "}\n"


def test_groups_are_read_exported_and_hashed_only_when_used(content_dir):
    folder = write_module(
        content_dir,
        quiz="draw: 2\nquestions:\n" + _tf("q1", group="kpi") + _tf("q2", group="kpi") + _tf("q3"),
    )
    result = load_module_dir(folder)
    assert result.problems == []
    [spec] = result.modules
    assert [q.group for q in spec.quiz.questions] == ["kpi", "kpi", None]
    files = module_files(spec)
    assert '    group: "kpi"\n' in files["quiz.yaml"].decode()
    # Written out and read back, it is the same module.
    [again] = load_module_files("demo", files).modules
    assert again.content_hash == spec.content_hash
    # Content without groups or a yearly limit keeps the hash it had before they
    # existed (tests/authoring/test_loader_images_settings.py pins that hash).
    assert content_hash(spec) == spec.content_hash


def test_a_group_needs_a_draw(content_dir):
    folder = write_module(
        content_dir, quiz="questions:\n" + _tf("q1", group="g") + _tf("q2", group="g")
    )
    result = load_module_dir(folder)
    _find(result, "quiz.yaml", 'group "g" allows one of its questions per attempt', line=3)


def test_draw_counts_a_group_once(content_dir):
    folder = write_module(
        content_dir,
        quiz="draw: 3\nquestions:\n" + _tf("q1", group="g") + _tf("q2", group="g") + _tf("q3"),
    )
    result = load_module_dir(folder)
    _find(result, "quiz.yaml", '"draw" is 3 but the questions in use make only 2', line=1)


def test_a_group_stays_in_one_stratum_and_counts_once_there(content_dir):
    across = write_module(
        content_dir,
        "across",
        quiz="draw: 2\nstratify_by: [A, B]\nquestions:\n"
        + _tf("a1", "A", "g")
        + _tf("b1", "B", "g")
        + _tf("b2", "B"),
    )
    _find(load_module_dir(across), "quiz.yaml", 'the questions of group "g" must share', line=5)
    short = write_module(
        content_dir,
        "short",
        quiz="draw: 4\nstratify_by: [A, B]\nquestions:\n"
        + _tf("a1", "A", "g")
        + _tf("a2", "A", "g")
        + _tf("b1", "B")
        + _tf("b2", "B"),
    )
    _find(load_module_dir(short), "quiz.yaml", 'tag "A" has 1 questions (a group counts once)')


def test_bad_group_ids_are_reported(content_dir):
    folder = write_module(content_dir, quiz="draw: 1\nquestions:\n" + _tf("q1", group="'a b'"))
    _find(load_module_dir(folder), "quiz.yaml", "\"group\" 'a b' may hold only letters")


def test_the_yearly_attempt_limit(content_dir):
    folder = write_module(
        content_dir,
        quiz="max_attempts_per_year: 5\ncooldown_minutes: 1440\nquestions:\n" + _tf("q1"),
    )
    [spec] = load_module_dir(folder).modules
    assert (spec.quiz.max_attempts_per_year, spec.quiz.cooldown_minutes) == (5, 1440)
    bad = write_module(content_dir, "bad", quiz="max_attempts_per_year: 0\nquestions:\n" + _tf("q"))
    _find(load_module_dir(bad), "quiz.yaml", '"max_attempts_per_year" must be a positive', line=1)


LESSON = """\
<!-- minutes: 3 -->
# {{city}}のDX

{{city}}では「{{guideline}}」と「{{plan}}」に沿って進めます。

{{targets}}

::: 参考事例 千葉県柏市「DX推進ガイドライン」
柏市では、電子決裁が広がりました。

{{principles}}

:::
"""


def test_placeholders_and_reference_cases_pass_in_a_lesson(content_dir):
    folder = write_module(content_dir, lessons={"01-a.md": LESSON})
    assert _problems(load_module_dir(folder)) == []


@pytest.mark.parametrize(
    ("body", "line", "expected"),
    [
        ("{{town}}の話。", 3, "unknown placeholder {{town}}"),
        ("表です。{{targets}}", 3, "{{targets}} shows a table or a box: write it alone"),
        ("前の行\n{{targets}}", 4, "{{targets}} shows a table or a box"),
        ("{{city の話。", 3, '"{{" without "}}"'),
        ("::: 参考事例 柏市\n本文", 3, "the block opened here is not closed"),
        ("本文\n:::", 4, '":::" closes no block'),
        ("::: note 柏市\n本文\n:::", 3, 'unknown block "note"'),
        ("::: 参考事例\n本文\n:::", 3, "name the source after ::: 参考事例"),
        ("::: 参考事例 A\n::: 参考事例 B\n:::", 4, "a block opens inside the block of line 3"),
    ],
)
def test_bad_placeholders_and_blocks_are_reported_with_their_line(
    content_dir, body, line, expected
):
    folder = write_module(content_dir, lessons={"01-a.md": f"# 題\n\n{body}\n"})
    _find(load_module_dir(folder), "01-a.md", expected, line=line)


def test_questions_take_only_inline_placeholders(content_dir):
    good = write_module(
        content_dir,
        "good",
        module="title: t\ncategory: other\nsummary: '{{city}}の教材'\n",
        quiz="""\
            questions:
              - id: q1
                type: single
                text: "{{city}}の「{{guideline}}」で正しいものは？"
                options:
                  - {id: a, text: "{{plan}}", correct: true}
                  - {id: b, text: 別の文書}
                explanation: "{{city}}の計画です。"
            """,
    )
    assert _problems(load_module_dir(good)) == []
    bad = write_module(
        content_dir,
        "bad",
        quiz="""\
            questions:
              - id: q1
                type: single
                text: "{{targets}}"
                options:
                  - {id: a, text: "{{town}}", correct: true}
                  - {id: b, text: 別}
                explanation: 解説
            """,
    )
    result = load_module_dir(bad)
    _find(result, "quiz.yaml", "{{targets}} can stand only in a lesson", line=4)
    _find(result, "quiz.yaml", "unknown placeholder {{town}}", line=6)


def test_stratify_by_may_set_how_many_each_tag_gives(content_dir):
    items = "".join(_tf(f"a{n}", "A") for n in range(4)) + "".join(
        _tf(f"b{n}", "B") for n in range(3)
    )
    folder = write_module(
        content_dir, quiz="draw: 5\nstratify_by: {A: 3, B: 2}\nquestions:\n" + items
    )
    result = load_module_dir(folder)
    assert result.problems == []
    [spec] = result.modules
    assert (spec.quiz.stratify_by, spec.quiz.stratify_counts) == (["A", "B"], {"A": 3, "B": 2})
    files = module_files(spec)
    assert 'stratify_by: {"A": 3, "B": 2}' in files["quiz.yaml"].decode()
    [again] = load_module_files("demo", files).modules
    assert again.content_hash == spec.content_hash and again.quiz.stratify_counts == {
        "A": 3,
        "B": 2,
    }


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("draw: 6\nstratify_by: {A: 3, B: 2}", 'add up to 5, but "draw" is 6'),
        ("stratify_by: {A: 3, B: 2}", 'add up to 5, but "draw" is not set'),
        ("draw: 5\nstratify_by: {A: 4, B: 1}", 'tag "A" has 3 questions'),
        ("draw: 5\nstratify_by: {A: 0, B: 5}", '"stratify_by": tag "A" must draw a positive'),
    ],
)
def test_bad_per_tag_counts_are_reported(content_dir, setting, expected):
    items = "".join(_tf(f"a{n}", "A") for n in range(3)) + "".join(
        _tf(f"b{n}", "B") for n in range(3)
    )
    folder = write_module(content_dir, quiz=f"{setting}\nquestions:\n" + items)
    _find(load_module_dir(folder), "quiz.yaml", expected)
