"""Building content folders for the authoring tests."""

import textwrap
from pathlib import Path

MODULE_YAML = """\
title: テスト教材
category: other
summary: テスト用の教材です。
"""

LESSON_MD = """\
<!-- minutes: 3 -->
# 最初のレッスン

本文です。
"""

QUIZ_YAML = """\
questions:
  - id: q1
    type: single
    text: 正しいものはどれですか。
    options:
      - {id: a, text: 正しい選択肢, correct: true}
      - {id: b, text: 誤った選択肢}
    explanation: 解説です。
"""


def write_module(
    root: Path,
    slug: str = "demo",
    *,
    module: str | None = MODULE_YAML,
    quiz: str | None = QUIZ_YAML,
    lessons: dict[str, str] | None = None,
    files: dict[str, str | bytes] | None = None,
) -> Path:
    """Write a module folder under ``root``; ``None`` leaves a file out.

    Texts are dedented, so tests can indent them with the code.
    """
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    if module is not None:
        (folder / "module.yaml").write_text(textwrap.dedent(module), encoding="utf-8")
    if quiz is not None:
        (folder / "quiz.yaml").write_text(textwrap.dedent(quiz), encoding="utf-8")
    lessons = {"01-first.md": LESSON_MD} if lessons is None else lessons
    if lessons:
        (folder / "lessons").mkdir(exist_ok=True)
    for name, text in lessons.items():
        (folder / "lessons" / name).write_text(textwrap.dedent(text), encoding="utf-8")
    for name, data in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
    return folder
