"""The content format's images/, cool-down, review and retired questions, and the
problems' translatable messages."""

import pytest

from skillapp.authoring.loader import (
    MAX_IMAGE_BYTES,
    Msg,
    Problem,
    load_module_dir,
    load_module_files,
    sniff_image,
)
from tests.authoring.builders import write_module
from tests.authoring.images import GIF, JPEG, PNG, SVG, WEBP

IMAGE_LESSON = {"01-first.md": "# 図\n\n説明です。\n\n![グラフ](../images/chart.png)\n"}


def _problems(result) -> list[str]:
    return [f"{p.file.split('/', 1)[-1]}:{p.line}:{p.message}" for p in result.problems]


def _find(result, file_end: str, text: str, line=None) -> Problem:
    for problem in result.problems:
        found = problem.file.endswith(file_end) and text in problem.message
        if found and (line is None or problem.line == line):
            return problem
    raise AssertionError(f"no {file_end}: …{text}… in {_problems(result)}")


def test_the_hash_of_content_without_new_settings_is_unchanged(content_dir):
    # Computed before images, cooldown_minutes, review and retired existed: an
    # upgrade must not turn every bundled module into a new version.
    folder = write_module(content_dir)
    [spec] = load_module_dir(folder).modules
    assert spec.content_hash == "fc77059614fa1cf57b7ded0872507ce583ab1507a73523723df7597065062b42"


@pytest.mark.parametrize(
    ("data", "expected"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"), (WEBP, "image/webp")],
)
def test_images_are_recognised_by_their_bytes(data, expected):
    assert sniff_image(data) == expected


@pytest.mark.parametrize("data", [SVG, b"<html>", b"GIF8", b"RIFF1234WAVE", b""])
def test_other_bytes_are_not_images(data):
    assert sniff_image(data) is None


def test_a_lesson_shows_an_image_of_its_module(content_dir):
    folder = write_module(content_dir, lessons=IMAGE_LESSON, files={"images/chart.png": PNG})
    result = load_module_dir(folder)
    assert result.problems == []
    [image] = result.modules[0].images
    assert (image.name, image.content_type, image.data) == ("chart.png", "image/png", PNG)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("chart.svg", SVG, "SVG images are not accepted"),
        ("chart.png", b"not an image at all", "not a PNG, JPEG, GIF or WebP image"),
        ("chart.png", JPEG, "holds a JPEG image but its name ends in .png"),
        ("chart.png", PNG + b"\x00" * MAX_IMAGE_BYTES, "at most 2,097,152 bytes"),
        ("グラフ.png", PNG, "an image file name uses letters"),
        ("chart.PNG", PNG, "an image file name uses letters"),
    ],
)
def test_bad_images_are_reported(content_dir, name, data, expected):
    lessons = {"01-first.md": f"# 図\n\n![グラフ](../images/{name})\n"}
    folder = write_module(content_dir, lessons=lessons, files={f"images/{name}": data})
    result = load_module_dir(folder)
    assert result.modules == []
    _find(result, f"images/{name}", expected)


def test_image_references_must_name_an_image_of_the_module(content_dir):
    lessons = {
        "01-first.md": (
            "# 図\n\n本文\n\n![a](../images/missing.png)\n"
            "![b](https://example.com/x.png) と ![c](data:image/png;base64,AAAA)\n"
        )
    }
    folder = write_module(content_dir, lessons=lessons)
    result = load_module_dir(folder)
    _find(result, "lessons/01-first.md", "the image images/missing.png does not exist", line=5)
    _find(result, "lessons/01-first.md", "'https://example.com/x.png'", line=6)
    _find(result, "lessons/01-first.md", "'data:image/png;base64,AAAA'", line=6)


def test_an_image_no_lesson_shows_is_reported(content_dir):
    folder = write_module(content_dir, files={"images/chart.png": PNG})
    result = load_module_dir(folder)
    _find(result, "images/chart.png", "not used by any lesson")


def test_images_holds_only_files(content_dir):
    folder = write_module(content_dir, lessons=IMAGE_LESSON, files={"images/chart.png": PNG})
    (folder / "images" / "sub").mkdir()
    result = load_module_dir(folder)
    _find(result, "images/sub", "images/ holds only image files")


def test_cooldown_and_review(content_dir):
    folder = write_module(
        content_dir,
        quiz="""\
            cooldown_minutes: 60
            review: never
            questions:
              - {id: q1, type: true_false, text: 問い, answer: true, explanation: 解説}
            """,
    )
    [spec] = load_module_dir(folder).modules
    assert (spec.quiz.cooldown_minutes, spec.quiz.review) == (60, "never")


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("cooldown_minutes: 0", '"cooldown_minutes" must be a positive whole number, not 0'),
        ("cooldown_minutes: soon", '"cooldown_minutes" must be a whole number, not text'),
        ("review: sometimes", '"review" must be one of always, after_pass, never'),
    ],
)
def test_bad_settings_are_reported(content_dir, setting, expected):
    quiz = (
        setting
        + "\nquestions:\n  - {id: q1, type: true_false, text: 問, answer: true, explanation: 解}\n"
    )
    folder = write_module(content_dir, quiz=quiz)
    result = load_module_dir(folder)
    _find(result, "quiz.yaml", expected, line=1)


def test_retired_questions_stay_but_do_not_count(content_dir):
    folder = write_module(
        content_dir,
        quiz="""\
            draw: 2
            stratify_by: [A, B]
            questions:
              - {id: a1, type: true_false, text: 問, answer: true, explanation: 解, tags: [A]}
              - {id: b1, type: true_false, text: 問, answer: true, explanation: 解, tags: [B]}
              - {id: old, type: true_false, text: 問, answer: true, explanation: 解, retired: true}
            """,
    )
    [spec] = load_module_dir(folder).modules  # the retired one carries no stratum tag: fine
    assert [q.key for q in spec.quiz.active_questions] == ["a1", "b1"]
    assert [q.key for q in spec.quiz.questions] == ["a1", "b1", "old"]


def test_draw_counts_only_questions_in_use(content_dir):
    folder = write_module(
        content_dir,
        quiz="""\
            draw: 2
            questions:
              - {id: a1, type: true_false, text: 問, answer: true, explanation: 解}
              - {id: a2, type: true_false, text: 問, answer: true, explanation: 解, retired: true}
            """,
    )
    result = load_module_dir(folder)
    _find(result, "quiz.yaml", '"draw" is 2 but only 1 questions are in use (not retired)', line=1)


def test_a_quiz_needs_a_question_in_use(content_dir):
    folder = write_module(
        content_dir,
        quiz="""\
            questions:
              - {id: a1, type: true_false, text: 問, answer: true, explanation: 解, retired: true}
            """,
    )
    result = load_module_dir(folder)
    _find(result, "quiz.yaml", "every question is retired")


def test_strata_are_checked_on_questions_in_use(content_dir):
    folder = write_module(
        content_dir,
        quiz="""\
            draw: 2
            stratify_by: [A, B]
            questions:
              - {id: a1, type: true_false, text: 問, answer: true, explanation: 解, tags: [A]}
              - {id: b1, type: true_false, text: 問, answer: true, explanation: 解, tags: [B],
                 retired: true}
            """,
    )
    result = load_module_dir(folder)
    _find(result, "quiz.yaml", 'tag "B" has 0 questions')


def test_files_in_memory_follow_the_same_rules(content_dir):
    folder = write_module(content_dir, lessons=IMAGE_LESSON, files={"images/chart.png": PNG})
    files = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    from_disk = load_module_dir(folder).modules[0]
    from_memory = load_module_files("demo", files).modules[0]
    assert from_memory == from_disk and from_memory.content_hash == from_disk.content_hash
    files["quiz.yml"] = b"x"
    del files["images/chart.png"]
    result = load_module_files("demo", files, label="upload.zip:demo")
    _find(result, "upload.zip:demo/quiz.yml", "unexpected file")
    _find(result, "upload.zip:demo/lessons/01-first.md", "images/chart.png does not exist")


def test_problems_keep_their_template_for_translation(content_dir):
    folder = write_module(
        content_dir,
        quiz="""\
            questions:
              - id: q1
                type: single
                text: 問
                explanation: 解
                options: [{id: a, text: 一}, {id: b, text: 二}]
            """,
    )
    [problem] = load_module_dir(folder).problems
    assert problem.message == (
        'question "q1": a single question needs exactly one correct option (found 0)'
    )
    catalog = {
        "%(where)s: %(message)s": "%(where)s：%(message)s",
        'question "%(key)s"': "問題「%(key)s」",
        "a single question needs exactly one correct option (found %(n)d)": "正解は1つ（%(n)d個）",
    }
    assert problem.text(lambda s: catalog.get(s, s)) == "問題「q1」：正解は1つ（0個）"
    assert Msg("plain").render() == "plain"
