"""Writing modules as files (the exporter) and reading zips: pure, no database."""

import io
import zipfile
from dataclasses import replace

import pytest
import yaml

from skillapp import PROJECT_ROOT
from skillapp.authoring.export import (
    module_files,
    module_zip,
    quiz_yaml_with_lines,
    read_zip,
    spec_from_data,
    spec_to_data,
    write_module_dir,
)
from skillapp.authoring.loader import load_content_dir, load_module_dir, load_module_files
from tests.authoring.builders import write_module
from tests.authoring.images import PNG

CONTENT = PROJECT_ROOT / "content" / "modules"


@pytest.fixture(scope="module")
def bundled():
    result = load_content_dir(CONTENT)
    assert result.problems == []
    return result.modules


def test_every_bundled_module_round_trips(bundled):
    for spec in bundled:
        files = module_files(spec)
        loaded = load_module_files(spec.slug, files)
        assert loaded.problems == [], spec.slug
        [again] = loaded.modules
        assert again.content_hash == spec.content_hash, spec.slug
        assert again == spec
        # Writing what was read gives the same bytes: the format is a fixed point.
        assert module_files(again) == files
        assert module_zip(again) == module_zip(spec)


def test_files_are_stable_and_explicit(bundled):
    spec = next(s for s in bundled if s.slug == "mindset-1-empathy")
    files = module_files(spec)
    assert list(files) == sorted(files)
    assert set(files) == {
        "module.yaml",
        "quiz.yaml",
        *(f"lessons/{lesson.key}.md" for lesson in spec.lessons),
    }
    module_yaml = files["module.yaml"].decode()
    assert module_yaml.splitlines()[0] == 'title: "顧客・ユーザーへの共感（デザイン思考）"'
    assert [line.split(":")[0] for line in module_yaml.splitlines()] == [
        "title",
        "kind",
        "category",
        "summary",
        "order",
        "estimated_minutes",
        "tags",
    ]
    for data in files.values():
        text = data.decode("utf-8")
        assert text.endswith("\n") and not text.endswith("\n\n")
    quiz = files["quiz.yaml"].decode()
    assert '  - id: "emp-01"\n    type: "single"\n' in quiz


@pytest.mark.parametrize(
    "text",
    [
        "1",
        "true",
        "null",
        "yes",
        "~",
        "- a list?",
        "key: value # not a comment",
        '"quoted" and \\backslash\\',
        "tab\there",
        "two\nlines",
        "  leading spaces kept inside",
        "line\u2028separator",
        "\u3000全角スペース",
        "emoji 🎉 and 𠮷",
        "@at {brace} [bracket] &anchor *alias !tag %percent `tick`",
    ],
)
def test_any_text_survives_the_yaml(text, tmp_path):
    folder = write_module(tmp_path)
    [spec] = load_module_dir(folder).modules
    question = replace(spec.quiz.questions[0], text=text.strip() or "x", explanation=text)
    spec = replace(
        spec,
        summary=text,
        quiz=replace(spec.quiz, questions=[question]),
    )
    files = module_files(spec)
    loaded = load_module_files(spec.slug, files)
    assert loaded.problems == []
    [again] = loaded.modules
    assert again.quiz.questions[0].text == text.strip()
    assert again.summary == text.strip()  # texts are trimmed, as the format says
    assert load_module_files(spec.slug, module_files(again)).modules == [again]


def test_ids_that_yaml_would_read_as_numbers_stay_text(tmp_path):
    folder = write_module(tmp_path)
    [spec] = load_module_dir(folder).modules
    question = replace(
        spec.quiz.questions[0],
        key="1",
        options=[("1", "いち"), ("2", "に")],
        correct_keys=["1"],
    )
    spec = replace(spec, quiz=replace(spec.quiz, questions=[question]))
    [again] = load_module_files(spec.slug, module_files(spec)).modules
    assert again.quiz.questions[0].key == "1"
    assert again.quiz.questions[0].options == [("1", "いち"), ("2", "に")]


def test_new_settings_images_and_retired_questions_round_trip(tmp_path):
    folder = write_module(
        tmp_path,
        quiz="""\
            draw: 1
            cooldown_minutes: 30
            review: after_pass
            questions:
              - id: q1
                type: true_false
                text: 問い
                answer: false
                explanation: 解説
              - id: q2
                type: true_false
                text: 古い問い
                answer: true
                explanation: 解説
                retired: true
            """,
        lessons={"01-first.md": "# 図\n\n![グラフ](../images/chart.png)\n"},
        files={"images/chart.png": PNG},
    )
    [spec] = load_module_dir(folder).modules
    assert (spec.quiz.cooldown_minutes, spec.quiz.review) == (30, "after_pass")
    assert [q.retired for q in spec.quiz.questions] == [False, True]
    assert [i.name for i in spec.images] == ["chart.png"]
    files = module_files(spec)
    assert files["images/chart.png"] == PNG
    assert "    retired: true\n" in files["quiz.yaml"].decode()
    [again] = load_module_files(spec.slug, files).modules
    assert again == spec and again.content_hash == spec.content_hash


def test_spec_data_round_trip_keeps_everything_but_image_bytes(tmp_path):
    folder = write_module(
        tmp_path,
        lessons={"01-first.md": "# 図\n\n![グラフ](../images/chart.png)\n"},
        files={"images/chart.png": PNG},
    )
    [spec] = load_module_dir(folder).modules
    data = spec_to_data(spec)
    assert "data" not in data["images"][0]
    back = spec_from_data(data, {spec.images[0].sha256: PNG})
    assert module_files(back) == module_files(spec)


def test_question_lines_point_at_each_question(tmp_path):
    folder = write_module(
        tmp_path,
        quiz="""\
            questions:
              - {id: a1, type: true_false, text: 一, answer: true, explanation: 解}
              - {id: a2, type: true_false, text: 二, answer: true, explanation: 解}
            """,
    )
    [spec] = load_module_dir(folder).modules
    text, ranges = quiz_yaml_with_lines(spec.quiz)
    lines = text.splitlines()
    for key, (first, last) in ranges.items():
        assert lines[first - 1] == f'  - id: "{key}"'
        assert lines[last - 1].startswith("    weight:")


def test_write_module_dir_replaces_an_earlier_export(tmp_path):
    source = write_module(
        tmp_path / "src",
        lessons={"01-first.md": "# 一\n\n本文\n", "02-second.md": "# 二\n\n本文\n"},
    )
    [spec] = load_module_dir(source).modules
    out = tmp_path / "out"
    write_module_dir(spec, out)
    assert (out / "demo" / "lessons" / "02-second.md").is_file()
    (out / "demo" / ".gitkeep").write_text("")
    fewer = replace(spec, lessons=spec.lessons[:1])
    folder = write_module_dir(fewer, out)
    assert sorted(p.name for p in (folder / "lessons").iterdir()) == ["01-first.md"]
    assert (folder / ".gitkeep").exists()  # not ours: left alone
    [again] = load_module_dir(folder).modules
    assert (
        again.content_hash == load_module_files("demo", module_files(fewer)).modules[0].content_hash
    )


def test_write_module_dir_refuses_a_folder_that_is_not_a_module(tmp_path):
    source = write_module(tmp_path / "src")
    [spec] = load_module_dir(source).modules
    (tmp_path / "out" / "demo").mkdir(parents=True)
    (tmp_path / "out" / "demo" / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        write_module_dir(spec, tmp_path / "out")
    assert (tmp_path / "out" / "demo" / "notes.txt").read_text() == "mine"


def _zip(entries: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def test_read_zip_takes_one_module_folder_and_skips_clutter(tmp_path):
    folder = write_module(tmp_path)
    files = {
        f"demo/{p.relative_to(folder).as_posix()}": p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file()
    }
    files["__MACOSX/demo/._quiz.yaml"] = b"junk"
    files["demo/.DS_Store"] = b"junk"
    slug, read, problems = read_zip(_zip(files), "demo.zip")
    assert (slug, problems) == ("demo", [])
    assert sorted(read) == ["lessons/01-first.md", "module.yaml", "quiz.yaml"]
    assert load_module_files(slug, read).ok


@pytest.mark.parametrize(
    ("entries", "symlink", "expected"),
    [
        ({"module.yaml": b"x", "quiz.yaml": b"x"}, None, "exactly one module folder"),
        ({"a/module.yaml": b"x", "b/module.yaml": b"x"}, None, "exactly one module folder"),
        ({"demo/../../etc/evil": b"x"}, None, "unsafe path"),
        ({"/abs/module.yaml": b"x"}, None, "unsafe path"),
        ({"demo/module.yaml": b"x"}, "demo/lessons/link.md", "links are not allowed"),
    ],
)
def test_read_zip_refuses_unsafe_or_ambiguous_archives(entries, symlink, expected):
    slug, files, problems = read_zip(_zip(entries, symlink=symlink), "up.zip")
    assert slug is None and files == {}
    assert expected in problems[0].message and problems[0].file == "up.zip"


def test_read_zip_refuses_what_is_not_a_zip():
    _slug, _files, problems = read_zip(b"PK but not really", "up.zip")
    assert problems[0].message == "not a zip file"


def test_exported_yaml_reads_back_with_any_yaml_reader(bundled):
    # Reviewers and other tools read the files with a plain YAML parser too.
    for spec in bundled:
        data = yaml.safe_load(module_files(spec)["quiz.yaml"])
        assert [q["id"] for q in data["questions"]] == [q.key for q in spec.quiz.questions]
