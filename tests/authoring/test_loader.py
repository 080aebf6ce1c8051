import pytest

from skillapp.authoring.loader import (
    CATEGORIES,
    QUESTION_TYPES,
    LoadResult,
    Problem,
    load_content_dir,
    load_module_dir,
)
from tests.authoring.builders import LESSON_MD, MODULE_YAML, QUIZ_YAML, write_module


def _find(result: LoadResult, file: str, line: int | None, text: str) -> Problem:
    for problem in result.problems:
        if problem.file.endswith(file) and problem.line == line and text in problem.message:
            return problem
    listed = "\n".join(str(p) for p in result.problems) or "(none)"
    raise AssertionError(f"no problem {file}:{line}: …{text}… among:\n{listed}")


def test_problem_reads_as_file_line_message():
    assert str(Problem("m/quiz.yaml", 12, "bad")) == "m/quiz.yaml:12: bad"
    assert str(Problem("m/module.yaml", None, "missing")) == "m/module.yaml: missing"


def test_constants_match_the_models():
    from skillapp.assessment.models import QUESTION_TYPES as MODEL_TYPES
    from skillapp.learning.models import CATEGORIES as MODEL_CATEGORIES

    assert CATEGORIES == MODEL_CATEGORIES
    assert QUESTION_TYPES == MODEL_TYPES


def test_a_valid_module_loads_with_defaults(content_dir):
    write_module(content_dir)
    result = load_content_dir(content_dir)

    assert result.problems == []
    [spec] = result.modules
    assert (spec.slug, spec.kind, spec.title, spec.category) == (
        "demo",
        "module",
        "テスト教材",
        "other",
    )
    assert (spec.order, spec.estimated_minutes, spec.tags) == (0, None, [])
    [lesson] = spec.lessons
    assert (lesson.key, lesson.title, lesson.minutes) == ("01-first", "最初のレッスン", 3)
    assert lesson.body_md == "本文です。\n"
    quiz = spec.quiz
    assert (quiz.draw, quiz.stratify_by, quiz.time_limit_minutes, quiz.max_attempts) == (
        None,
        [],
        None,
        None,
    )
    assert quiz.shuffle_questions is False
    assert quiz.shuffle_options is False
    [question] = quiz.questions
    assert question.options == [("a", "正しい選択肢"), ("b", "誤った選択肢")]
    assert question.correct_keys == ["a"]
    assert (question.weight, question.tags) == (1, [])
    assert len(spec.content_hash) == 64


def test_every_format_feature(content_dir):
    write_module(
        content_dir,
        module="""\
            title: 全部入り
            kind: module
            category: ebpm
            summary: すべての項目
            order: -5
            estimated_minutes: 20
            tags: [EBPM, データ]
        """,
        lessons={
            "02-second.md": "# 二つ目 #\n\n| a | b |\n| - | - |\n| 1 | 2 |\n",
            "01-first.md": "\n# 一つ目\n\n本文  \n続き\n\n\n",
        },
        quiz="""\
            draw: 2
            stratify_by: [A, B]
            time_limit_minutes: 15
            max_attempts: 2
            shuffle_questions: true
            shuffle_options: true
            questions:
              - id: q-1
                type: multiple
                text: 選ぶ
                options:
                  - {id: x, text: X, correct: true}
                  - {id: y, text: Y, correct: true}
                  - {id: z, text: Z, correct: false}
                explanation: 解説
                weight: 3
                tags: [A, その他]
              - id: q_2
                type: true_false
                text: 正しい？
                answer: false
                explanation: 解説
                tags: [B]
        """,
    )
    result = load_content_dir(content_dir)

    assert result.problems == []
    [spec] = result.modules
    assert (spec.order, spec.estimated_minutes, spec.tags) == (-5, 20, ["EBPM", "データ"])
    assert [lesson.key for lesson in spec.lessons] == ["01-first", "02-second"]
    assert [lesson.title for lesson in spec.lessons] == ["一つ目", "二つ目"]
    assert spec.lessons[0].minutes is None
    # Hard line breaks (two trailing spaces) are Markdown and survive.
    assert spec.lessons[0].body_md == "本文  \n続き\n"
    quiz = spec.quiz
    assert (quiz.draw, quiz.stratify_by, quiz.time_limit_minutes, quiz.max_attempts) == (
        2,
        ["A", "B"],
        15,
        2,
    )
    assert quiz.shuffle_questions is True
    assert quiz.shuffle_options is True
    multiple, true_false = quiz.questions
    assert multiple.correct_keys == ["x", "y"]
    assert (multiple.weight, multiple.tags) == (3, ["A", "その他"])
    assert true_false.options == [("true", "正しい"), ("false", "誤り")]
    assert true_false.correct_keys == ["false"]


def test_an_assessment_shuffles_questions_by_default(content_dir):
    write_module(content_dir, module=MODULE_YAML + "kind: assessment\n", lessons={})
    [spec] = load_content_dir(content_dir).modules
    assert spec.kind == "assessment"
    assert spec.lessons == []
    assert spec.quiz.shuffle_questions is True


def test_an_assessment_may_turn_question_shuffling_off(content_dir):
    write_module(
        content_dir,
        module=MODULE_YAML + "kind: assessment\n",
        lessons={},
        quiz="shuffle_questions: false\n" + QUIZ_YAML,
    )
    [spec] = load_content_dir(content_dir).modules
    assert spec.quiz.shuffle_questions is False


def test_same_meaning_same_hash_and_any_change_a_new_hash(tmp_path):
    write_module(tmp_path / "a")
    write_module(
        tmp_path / "b",
        # Other YAML style, comments, key order and defaults written out.
        module="""\
            # 教材
            summary: "テスト用の教材です。"
            category: other
            kind: module
            title: テスト教材
            order: 0
            tags: []
        """,
        quiz="""\
            shuffle_options: false
            questions:
            - explanation: 解説です。
              id: q1
              weight: 1
              type: single
              text: |
                正しいものはどれですか。
              options:
              - id: a
                text: 正しい選択肢
                correct: true
              - id: b
                text: 誤った選択肢
                correct: false
        """,
        lessons={"01-first.md": "<!-- minutes: 3 -->\r\n# 最初のレッスン\r\n\r\n本文です。"},
    )
    write_module(tmp_path / "c", lessons={"01-first.md": LESSON_MD.replace("本文", "本編")})
    write_module(tmp_path / "d", quiz=QUIZ_YAML.replace("解説です。", "解説。"))

    hashes = [load_module_dir(tmp_path / x / "demo").modules[0].content_hash for x in "abcd"]
    assert hashes[0] == hashes[1]
    assert len(set(hashes)) == 3


def test_a_valid_dir_skips_hidden_entries_and_top_level_files(content_dir):
    write_module(content_dir, "one")
    write_module(content_dir, "two")
    (content_dir / "README.md").write_text("about\n")
    (content_dir / ".git").mkdir()
    (content_dir / "one" / ".DS_Store").write_bytes(b"\0")
    result = load_content_dir(content_dir)
    assert result.problems == []
    assert [spec.slug for spec in result.modules] == ["one", "two"]


def test_a_missing_dir_is_a_problem(tmp_path):
    result = load_content_dir(tmp_path / "nowhere")
    assert result.modules == []
    _find(result, "nowhere", None, "not a folder")


def test_problems_from_every_module_and_no_broken_module_loaded(content_dir):
    write_module(content_dir, "good")
    write_module(content_dir, "bad-one", module="title: x\n")
    write_module(content_dir, "bad-two", quiz="questions: []\n")
    result = load_content_dir(content_dir)
    assert [spec.slug for spec in result.modules] == ["good"]
    _find(result, "bad-one/module.yaml", 1, 'missing required key "category"')
    _find(result, "bad-one/module.yaml", 1, 'missing required key "summary"')
    _find(result, "bad-two/quiz.yaml", 1, "at least one question")


def test_problem_files_are_named_from_the_path_as_given(content_dir):
    write_module(content_dir, module="title: x\n")
    result = load_content_dir(content_dir)
    assert result.problems[0].file == str(content_dir / "demo" / "module.yaml")


# --- one case per rule: (module folder, expected file, line, message) ----------------

Q_HEAD = "questions:\n  - id: q1\n    type: single\n    text: 問題\n"
OPTIONS_OK = "    options:\n      - {id: a, text: A, correct: true}\n      - {id: b, text: B}\n"
EXPLAIN = "    explanation: 解説\n"


def _tf(extra: str = "    answer: true\n", qid: str = "q1", tags: str = "") -> str:
    return f"  - id: {qid}\n    type: true_false\n    text: 問題\n{extra}{EXPLAIN}{tags}"


CASES = {
    # module.yaml
    "module.yaml missing": ({"module": None}, "module.yaml", None, "missing module.yaml"),
    "title missing": (
        {"module": "category: other\nsummary: s\n"},
        "module.yaml",
        1,
        'missing required key "title"',
    ),
    "module unknown key": (
        {"module": MODULE_YAML + "titel: x\n"},
        "module.yaml",
        4,
        'unknown key "titel"',
    ),
    "duplicate yaml key": (
        {"module": MODULE_YAML + "title: again\n"},
        "module.yaml",
        4,
        'duplicate key "title" (first on line 1)',
    ),
    "bad category": (
        {"module": "title: t\ncategory: dx\nsummary: s\n"},
        "module.yaml",
        2,
        '"category" must be one of',
    ),
    "bad kind": ({"module": MODULE_YAML + "kind: course\n"}, "module.yaml", 4, '"kind"'),
    "empty summary": (
        {"module": "title: t\ncategory: other\nsummary: '  '\n"},
        "module.yaml",
        3,
        '"summary" must not be empty',
    ),
    "title not text": (
        {"module": "title: 2026\ncategory: other\nsummary: s\n"},
        "module.yaml",
        1,
        "put it in quotes",
    ),
    "order not a number": (
        {"module": MODULE_YAML + "order: first\n"},
        "module.yaml",
        4,
        '"order" must be a whole number',
    ),
    "order is boolean": (
        {"module": MODULE_YAML + "order: true\n"},
        "module.yaml",
        4,
        '"order" must be a whole number',
    ),
    "estimated_minutes zero": (
        {"module": MODULE_YAML + "estimated_minutes: 0\n"},
        "module.yaml",
        4,
        "positive whole number",
    ),
    "tags not a list": (
        {"module": MODULE_YAML + "tags: EBPM\n"},
        "module.yaml",
        4,
        '"tags" must be a list',
    ),
    "tag not text": (
        {"module": MODULE_YAML + "tags:\n  - ok\n  - 3\n"},
        "module.yaml",
        6,
        'each of "tags" must be non-empty text',
    ),
    "module.yaml a list": ({"module": "- a\n- b\n"}, "module.yaml", 1, "must be a mapping"),
    "module.yaml empty": ({"module": "# nothing\n"}, "module.yaml", None, "empty"),
    "module.yaml syntax": (
        {"module": "title: [t\ncategory: other\n"},
        "module.yaml",
        2,
        "YAML syntax error",
    ),
    "unclosed quote": (
        {"quiz": Q_HEAD + '    explanation: "open\n'},
        "quiz.yaml",
        6,
        "started on line 5",
    ),
    "unsafe tag": (
        {"module": MODULE_YAML + "order: !!python/object/apply:os.system [ls]\n"},
        "module.yaml",
        4,
        "unsupported YAML",
    ),
    # folder and files
    "unsafe scalar tag": (
        {"module": MODULE_YAML + "order: !!python/name:os.system ''\n"},
        "module.yaml",
        4,
        "unsupported YAML",
    ),
    "unexpected file": ({"files": {"quiz.yml": "x: 1\n"}}, "quiz.yml", None, "unexpected file"),
    "not utf-8": (
        {"files": {"lessons/02-sjis.md": "# 題名\n\n本文\n".encode("cp932")}},
        "lessons/02-sjis.md",
        None,
        "not UTF-8",
    ),
    # lessons
    "lesson without title": (
        {"lessons": {"01-a.md": "本文だけ\n"}},
        "lessons/01-a.md",
        1,
        'title as a "# heading"',
    ),
    "lesson title after minutes": (
        {"lessons": {"01-a.md": "<!-- minutes: 2 -->\n\n## 小見出し\n"}},
        "lessons/01-a.md",
        3,
        'title as a "# heading"',
    ),
    "lesson empty title": (
        {"lessons": {"01-a.md": "#\n\n本文\n"}},
        "lessons/01-a.md",
        1,
        "title is empty",
    ),
    "lesson without body": (
        {"lessons": {"01-a.md": "# 題名\n\n"}},
        "lessons/01-a.md",
        1,
        "no text after its title",
    ),
    "lesson bad minutes": (
        {"lessons": {"01-a.md": "<!-- minutes: five -->\n# 題名\n\n本文\n"}},
        "lessons/01-a.md",
        1,
        "<!-- minutes: N -->",
    ),
    "lesson bad key": (
        {"lessons": {"01 はじめに.md": "# 題名\n\n本文\n"}},
        "lessons/01 はじめに.md",
        None,
        "lesson's key",
    ),
    "lesson not markdown": (
        {"lessons": {"01-a.md": LESSON_MD, "02-b.txt": "# 題名\n"}},
        "lessons/02-b.txt",
        None,
        "only .md files",
    ),
    "module without lessons": ({"lessons": {}}, "lessons", None, "at least one lesson"),
    "module without quiz": ({"quiz": None}, "quiz.yaml", None, "missing quiz.yaml"),
    "assessment with lessons": (
        {"module": MODULE_YAML + "kind: assessment\n"},
        "lessons",
        None,
        "an assessment has no lessons",
    ),
    "assessment without pool": (
        {"module": MODULE_YAML + "kind: assessment\n", "lessons": {}, "quiz": None},
        "quiz.yaml",
        None,
        "missing quiz.yaml",
    ),
    # quiz settings
    "questions missing": (
        {"quiz": "draw: 1\n"},
        "quiz.yaml",
        1,
        'missing required key "questions"',
    ),
    "questions empty": ({"quiz": "questions: []\n"}, "quiz.yaml", 1, "at least one question"),
    "questions not a list": ({"quiz": "questions: 3\n"}, "quiz.yaml", 1, "must be a list"),
    "quiz unknown key": (
        {"quiz": "shuffle: true\n" + QUIZ_YAML},
        "quiz.yaml",
        1,
        'unknown key "shuffle"',
    ),
    "draw zero": ({"quiz": "draw: 0\n" + QUIZ_YAML}, "quiz.yaml", 1, "positive whole number"),
    "draw too many": (
        {"quiz": "draw: 2\n" + QUIZ_YAML},
        "quiz.yaml",
        1,
        '"draw" is 2 but there are only 1 questions',
    ),
    "time limit not positive": (
        {"quiz": "time_limit_minutes: 0\n" + QUIZ_YAML},
        "quiz.yaml",
        1,
        '"time_limit_minutes" must be a positive whole number',
    ),
    "time limit decimal": (
        {"quiz": "time_limit_minutes: 1.5\n" + QUIZ_YAML},
        "quiz.yaml",
        1,
        '"time_limit_minutes" must be a whole number',
    ),
    "time limit longer than a login session": (
        {"quiz": "time_limit_minutes: 721\n" + QUIZ_YAML},
        "quiz.yaml",
        1,
        '"time_limit_minutes" is 721 but must be at most 720',
    ),
    "max attempts negative": (
        {"quiz": "max_attempts: -1\n" + QUIZ_YAML},
        "quiz.yaml",
        1,
        '"max_attempts" must be a positive whole number',
    ),
    "shuffle not boolean": (
        {"quiz": "shuffle_options: sometimes\n" + QUIZ_YAML},
        "quiz.yaml",
        1,
        '"shuffle_options" must be true or false',
    ),
    # questions
    "question not a mapping": (
        {"quiz": "questions:\n  - just text\n"},
        "quiz.yaml",
        2,
        "each question must be a mapping",
    ),
    "question unknown key": (
        {"quiz": QUIZ_YAML + "    hint: ヒント\n"},
        "quiz.yaml",
        9,
        'question "q1": unknown key "hint"',
    ),
    "explanation missing": (
        {"quiz": Q_HEAD + OPTIONS_OK},
        "quiz.yaml",
        2,
        'question "q1": missing required key "explanation"',
    ),
    "explanation empty": (
        {"quiz": Q_HEAD + OPTIONS_OK + '    explanation: ""\n'},
        "quiz.yaml",
        8,
        '"explanation" must not be empty',
    ),
    "text missing": (
        {"quiz": "questions:\n  - id: q1\n    type: single\n" + OPTIONS_OK + EXPLAIN},
        "quiz.yaml",
        2,
        'missing required key "text"',
    ),
    "id missing": (
        {"quiz": "questions:\n  - type: true_false\n    text: t\n    answer: true\n" + EXPLAIN},
        "quiz.yaml",
        2,
        'missing required key "id"',
    ),
    "bad question id": (
        {"quiz": QUIZ_YAML.replace("id: q1", "id: q 1")},
        "quiz.yaml",
        2,
        "letters, digits, - and _",
    ),
    "numeric question id": (
        {"quiz": QUIZ_YAML.replace("id: q1", "id: 1")},
        "quiz.yaml",
        2,
        "put it in quotes",
    ),
    "bad type": (
        {"quiz": QUIZ_YAML.replace("type: single", "type: choice")},
        "quiz.yaml",
        3,
        '"type" must be one of single, multiple, true_false',
    ),
    "type missing": (
        {"quiz": "questions:\n  - id: q1\n    text: t\n" + OPTIONS_OK + EXPLAIN},
        "quiz.yaml",
        2,
        'missing required key "type"',
    ),
    "duplicate question id": (
        {"quiz": "questions:\n" + _tf() + _tf(qid="q2") + _tf()},
        "quiz.yaml",
        12,
        'duplicate question id "q1" (first on line 2)',
    ),
    "weight zero": (
        {"quiz": QUIZ_YAML + "    weight: 0\n"},
        "quiz.yaml",
        9,
        '"weight" must be a positive whole number',
    ),
    "weight text": (
        {"quiz": QUIZ_YAML + '    weight: "2"\n'},
        "quiz.yaml",
        9,
        '"weight" must be a whole number',
    ),
    "question tags not a list": (
        {"quiz": QUIZ_YAML + "    tags: 用語\n"},
        "quiz.yaml",
        9,
        '"tags" must be a list',
    ),
    # options
    "options missing": (
        {"quiz": Q_HEAD + EXPLAIN},
        "quiz.yaml",
        2,
        'missing required key "options"',
    ),
    "one option": (
        {"quiz": Q_HEAD + "    options:\n      - {id: a, text: A, correct: true}\n" + EXPLAIN},
        "quiz.yaml",
        5,
        "at least 2 options",
    ),
    "duplicate option id": (
        {"quiz": Q_HEAD + OPTIONS_OK + "      - {id: a, text: C}\n" + EXPLAIN},
        "quiz.yaml",
        8,
        'duplicate option id "a" (first on line 6)',
    ),
    "option unknown key": (
        {
            "quiz": Q_HEAD
            + "    options:\n      - {id: a, text: A, corect: true}\n      - {id: b, text: B}\n"
            + EXPLAIN
        },
        "quiz.yaml",
        6,
        'unknown key "corect"',
    ),
    "option text missing": (
        {"quiz": Q_HEAD + OPTIONS_OK + "      - {id: c}\n" + EXPLAIN},
        "quiz.yaml",
        8,
        'missing required key "text"',
    ),
    "option correct not boolean": (
        {"quiz": QUIZ_YAML.replace("correct: true", "correct: 正解")},
        "quiz.yaml",
        6,
        '"correct" must be true or false',
    ),
    "option not a mapping": (
        {"quiz": Q_HEAD + OPTIONS_OK + "      - C\n" + EXPLAIN},
        "quiz.yaml",
        8,
        "each option must be a mapping",
    ),
    "single with two correct": (
        {
            "quiz": QUIZ_YAML.replace(
                "{id: b, text: 誤った選択肢}", "{id: b, text: B, correct: true}"
            )
        },
        "quiz.yaml",
        5,
        "exactly one correct option (found 2)",
    ),
    "single with none correct": (
        {"quiz": QUIZ_YAML.replace(", correct: true", "")},
        "quiz.yaml",
        5,
        "exactly one correct option (found 0)",
    ),
    "multiple with none correct": (
        {"quiz": QUIZ_YAML.replace(", correct: true", "").replace("single", "multiple")},
        "quiz.yaml",
        5,
        "at least one correct option",
    ),
    "single with answer": (
        {"quiz": QUIZ_YAML + "    answer: true\n"},
        "quiz.yaml",
        9,
        '"answer" is only for true_false',
    ),
    # true_false
    "true_false without answer": (
        {"quiz": "questions:\n" + _tf(extra="")},
        "quiz.yaml",
        2,
        'missing required key "answer"',
    ),
    "true_false answer not boolean": (
        {"quiz": "questions:\n" + _tf(extra="    answer: 正しい\n")},
        "quiz.yaml",
        5,
        '"answer" must be true or false',
    ),
    "true_false with options": (
        {"quiz": "questions:\n" + _tf(extra="    answer: true\n" + OPTIONS_OK)},
        "quiz.yaml",
        6,
        "a true_false question has no options",
    ),
    # stratification
    "stratify tag missing on a question": (
        {
            "quiz": "draw: 2\nstratify_by: [A, B]\nquestions:\n"
            + _tf(qid="q1", tags="    tags: [A]\n")
            + _tf(qid="q2", tags="    tags: [B]\n")
            + _tf(qid="q3", tags="    tags: [C]\n")
        },
        "quiz.yaml",
        21,
        'question "q3": with stratify_by each question carries exactly one of A, B',
    ),
    "stratify two tags on a question": (
        {
            "quiz": "stratify_by: [A, B]\nquestions:\n"
            + _tf(qid="q1", tags="    tags: [A, B]\n")
            + _tf(qid="q2", tags="    tags: [B]\n")
        },
        "quiz.yaml",
        8,
        "(found: A, B)",
    ),
    "stratify tag too small": (
        {
            "quiz": "draw: 4\nstratify_by: [A, B]\nquestions:\n"
            + _tf(qid="q1", tags="    tags: [A]\n")
            + _tf(qid="q2", tags="    tags: [A]\n")
            + _tf(qid="q3", tags="    tags: [A]\n")
            + _tf(qid="q4", tags="    tags: [B]\n")
        },
        "quiz.yaml",
        2,
        'tag "B" has 1 questions',
    ),
    "stratify draw rounds up": (
        {
            "quiz": "draw: 3\nstratify_by: [A, B]\nquestions:\n"
            + _tf(qid="q1", tags="    tags: [A]\n")
            + _tf(qid="q2", tags="    tags: [A]\n")
            + _tf(qid="q3", tags="    tags: [B]\n")
        },
        "quiz.yaml",
        2,
        "needs at least 2 per tag",
    ),
    "stratify draw below tag count": (
        {
            "quiz": "draw: 1\nstratify_by: [A, B]\nquestions:\n"
            + _tf(qid="q1", tags="    tags: [A]\n")
            + _tf(qid="q2", tags="    tags: [B]\n")
        },
        "quiz.yaml",
        1,
        "smaller than the number of stratify_by tags",
    ),
    "stratify tag never used": (
        {"quiz": "stratify_by: [A, B]\nquestions:\n" + _tf(qid="q1", tags="    tags: [A]\n")},
        "quiz.yaml",
        1,
        'tag "B" has 0 questions',
    ),
    "stratify repeated tag": (
        {"quiz": "stratify_by: [A, A]\n" + QUIZ_YAML},
        "quiz.yaml",
        1,
        "lists 'A' twice",
    ),
}


@pytest.mark.parametrize(("kwargs", "file", "line", "text"), CASES.values(), ids=CASES.keys())
def test_each_rule_reports_file_and_line(content_dir, kwargs, file, line, text):
    write_module(content_dir, **kwargs)
    result = load_content_dir(content_dir)
    assert result.modules == []
    _find(result, f"demo/{file}", line, text)


def test_a_bad_slug(content_dir):
    write_module(content_dir, "Bad_Slug")
    result = load_content_dir(content_dir)
    assert result.modules == []
    _find(result, "Bad_Slug", None, "not a valid slug")


def test_a_good_stratified_pool_loads(content_dir):
    quiz = "draw: 3\nstratify_by: [A, B]\nquestions:\n" + "".join(
        _tf(qid=f"q{n}", tags=f"    tags: [{tag}, other]\n")
        for n, tag in enumerate("AABB", start=1)
    )
    write_module(content_dir, quiz=quiz)
    result = load_content_dir(content_dir)
    assert result.problems == []


def test_every_problem_in_a_file_is_reported(content_dir):
    write_module(
        content_dir,
        quiz="""\
            draw: many
            questions:
              - id: q1
                type: single
                text: t
                options:
                  - {id: a, text: A}
                  - {id: b, text: B}
                explanation: e
              - id: q1
                type: true_false
                text: t
                explanation: e
        """,
    )
    result = load_content_dir(content_dir)
    assert [(p.line, p.message) for p in result.problems] == [
        (1, '"draw" must be a whole number, not text'),
        (6, 'question "q1": a single question needs exactly one correct option (found 0)'),
        (10, 'question "q1": duplicate question id "q1" (first on line 3)'),
        (10, 'question "q1": missing required key "answer"'),
    ]
