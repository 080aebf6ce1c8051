"""Writing a module as files in the content format, and reading a zip of one.

Pure: no database and no Flask. ``module_files`` is the inverse of the loader:
for every valid spec, loading its files gives the same content (and hash), and
the files of a spec are always the same bytes — stable key order, every text
double-quoted, one trailing newline — so a module exported, imported elsewhere
and exported again is byte-identical and reviews well in Git.
"""

import io
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path, PurePosixPath
from typing import Any

from skillapp.authoring.loader import (
    DEFAULT_PASS_MARK,
    IMAGES_DIR,
    KIND_MODULE,
    LESSONS_DIR,
    MODULE_FILE,
    N_,
    QUIZ_FILE,
    TRUE_FALSE,
    ImageSpec,
    LessonSpec,
    ModuleSpec,
    Msg,
    Problem,
    QuestionSpec,
    QuizSpec,
    lesson_file_name,
)

# A zip upload is read into memory: bound what it may unpack to.
MAX_ZIP_ENTRIES = 1000
MAX_ZIP_UNPACKED = 64 * 1024 * 1024
# One file of a module: an image is at most 2 MB, a lesson or YAML file 2 MB.
MAX_ZIP_MEMBER = 8 * 1024 * 1024
# Fixed timestamp so that the same module always zips to the same bytes.
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


# --- YAML, written by hand for a stable, explicit form -------------------------------

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _quote(text: str) -> str:
    """A YAML double-quoted scalar: always read back as exactly this text."""
    out = []
    for char in text:
        code = ord(char)
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif code < 0x20 or 0x7F <= code <= 0x9F or char in "\u2028\u2029\ufeff":
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _quote(value)
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_quote(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r}")


def _lines(pairs: list[tuple[str, Any]], indent: str = "") -> list[str]:
    return [f"{indent}{key}: {_scalar(value)}" for key, value in pairs if value is not None]


def module_yaml(spec: ModuleSpec) -> str:
    pairs = [
        ("title", spec.title),
        ("kind", spec.kind),
        ("category", spec.category),
        ("summary", spec.summary),
        ("order", spec.order),
        ("estimated_minutes", spec.estimated_minutes),
        ("tags", list(spec.tags) or None),
    ]
    return "\n".join(_lines(pairs)) + "\n"


def quiz_yaml(quiz: QuizSpec) -> str:
    return quiz_yaml_with_lines(quiz)[0]


def quiz_yaml_with_lines(quiz: QuizSpec) -> tuple[str, dict[str, tuple[int, int]]]:
    """quiz.yaml, and the first and last line (1-based) of each question by key,
    so that a problem the loader finds can be traced back to its question."""
    pairs = [
        # Written only when it is not the default, as content from before it had none.
        ("pass_mark", None if quiz.pass_mark == DEFAULT_PASS_MARK else quiz.pass_mark),
        ("draw", quiz.draw),
        (
            "stratify_by",
            dict(quiz.stratify_counts)
            if quiz.stratify_counts
            else (list(quiz.stratify_by) or None),
        ),
        ("time_limit_minutes", quiz.time_limit_minutes),
        ("max_attempts", quiz.max_attempts),
        ("max_attempts_per_year", quiz.max_attempts_per_year),
        ("cooldown_minutes", quiz.cooldown_minutes),
        ("shuffle_questions", quiz.shuffle_questions),
        ("shuffle_options", quiz.shuffle_options),
        ("review", quiz.review),
    ]
    lines = _lines(pairs)
    # An empty list reads as one (so a new draft's problem is "no questions yet").
    lines.append("questions:" if quiz.questions else "questions: []")
    ranges: dict[str, tuple[int, int]] = {}
    for number, question in enumerate(quiz.questions):
        if number:
            lines.append("")
        first = len(lines) + 1
        lines.extend(_question_lines(question))
        ranges.setdefault(question.key, (first, len(lines)))
    return "\n".join(lines) + "\n", ranges


def _question_lines(question: QuestionSpec) -> list[str]:
    lines = [f"  - id: {_quote(question.key)}"]
    lines += _lines([("type", question.type), ("text", question.text)], "    ")
    if question.type == TRUE_FALSE:
        lines.append(f"    answer: {_scalar(question.correct_keys == ['true'])}")
    else:
        # An editor's question may have no options yet: an empty list, not an empty value.
        lines.append("    options:" if question.options else "    options: []")
        for key, text in question.options:
            lines.append(f"      - id: {_quote(key)}")
            lines.append(f"        text: {_quote(text)}")
            if key in question.correct_keys:
                lines.append("        correct: true")
    pairs = [
        ("explanation", question.explanation),
        ("weight", question.weight),
        ("tags", list(question.tags) or None),
        ("group", question.group),
        ("retired", True if question.retired else None),
    ]
    return lines + _lines(pairs, "    ")


def lesson_markdown(lesson: LessonSpec) -> str:
    body = lesson.body_md.replace("\r\n", "\n").replace("\r", "\n")
    lines = body.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    body = "\n".join(lines).rstrip()
    head = f"<!-- minutes: {lesson.minutes} -->\n" if lesson.minutes else ""
    title = " ".join(lesson.title.split())
    return f"{head}# {title}\n\n{body}\n"


def module_files(spec: ModuleSpec) -> dict[str, bytes]:
    """Every file of the module folder, by path inside it, in a stable order."""
    files = {
        MODULE_FILE: module_yaml(spec).encode("utf-8"),
        QUIZ_FILE: quiz_yaml(spec.quiz).encode("utf-8"),
    }
    for lesson in spec.lessons:
        files[f"{LESSONS_DIR}/{lesson_file_name(lesson.key)}"] = lesson_markdown(lesson).encode(
            "utf-8"
        )
    for image in spec.images:
        files[f"{IMAGES_DIR}/{image.name}"] = image.data
    return dict(sorted(files.items()))


def module_zip(spec: ModuleSpec) -> bytes:
    """The module folder as a zip holding ``<slug>/…``, the same bytes for the same spec."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in module_files(spec).items():
            info = zipfile.ZipInfo(f"{spec.slug}/{path}", date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def write_module_dir(spec: ModuleSpec, parent: str | Path) -> Path:
    """Write the module as ``parent/<slug>/``, replacing the files an earlier export
    wrote there (a lesson or image removed since is removed from the folder too).

    Raises FileExistsError when ``parent/<slug>`` exists and is not a module folder.
    """
    folder = Path(parent) / spec.slug
    if folder.exists():
        if not folder.is_dir() or (any(folder.iterdir()) and not (folder / MODULE_FILE).is_file()):
            raise FileExistsError(f"{folder} exists and is not a module folder")
        for sub in (LESSONS_DIR, IMAGES_DIR):
            if (folder / sub).is_dir():
                for entry in (folder / sub).iterdir():
                    if entry.is_file() and not entry.name.startswith("."):
                        entry.unlink()
    for path, data in module_files(spec).items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for sub in (LESSONS_DIR, IMAGES_DIR):
        if (folder / sub).is_dir() and not any((folder / sub).iterdir()):
            (folder / sub).rmdir()
    return folder


def read_zip(data: bytes, label: str) -> tuple[str | None, dict[str, bytes], list[Problem]]:
    """(slug, files, problems) of a zip holding one module folder.

    The zip holds ``<slug>/module.yaml`` … (as ``module_zip`` writes it); a zip
    made of the folder's contents without the folder is refused, because the
    folder name is the slug. Paths that climb out (``..``, absolute), links and
    oversized archives are refused; names starting with ``.`` and macOS
    ``__MACOSX/`` entries are skipped.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None, {}, [Problem(label, None, Msg(N_("not a zip file")))]
    except _DAMAGED as error:
        return None, {}, [_damaged(label, "", error)]
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_ZIP_ENTRIES:
            message = Msg(N_("more than %(n)d files"), {"n": MAX_ZIP_ENTRIES})
            return None, {}, [Problem(label, None, message)]
        if sum(info.file_size for info in infos) > MAX_ZIP_UNPACKED:
            message = Msg(N_("the files unpack to more than 64 MB"))
            return None, {}, [Problem(label, None, message)]
        problems: list[Problem] = []
        tops: set[str] = set()
        members: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
        for info in infos:
            name = info.filename.replace("\\", "/")
            path = PurePosixPath(name)
            if name.startswith("/") or ".." in path.parts or ":" in path.parts[0]:
                message = Msg(N_("unsafe path in the zip: %(name)s"), {"name": info.filename})
                problems.append(Problem(label, None, message))
                continue
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                message = Msg(N_("links are not allowed: %(name)s"), {"name": info.filename})
                problems.append(Problem(label, None, message))
                continue
            if path.parts[0] == "__MACOSX" or any(p.startswith(".") for p in path.parts):
                continue
            members.append((info, path))
            tops.add(path.parts[0] if len(path.parts) > 1 else "")
        if problems:
            return None, {}, problems
        if len(tops) != 1 or "" in tops:
            return (
                None,
                {},
                [
                    Problem(
                        label,
                        None,
                        Msg(
                            N_(
                                "the zip must hold exactly one module folder (named by its slug) "
                                "with module.yaml inside"
                            )
                        ),
                    )
                ],
            )
        slug = tops.pop()
        files = {}
        for info, path in members:
            if info.file_size > MAX_ZIP_MEMBER:
                return None, {}, [_too_large(label, info.filename)]
            try:
                # zipfile unpacks no more than a member declares (checked
                # above), and a member whose data unpacks to more or less fails
                # its CRC: the bound holds whatever the data.
                with archive.open(info) as member:
                    content = member.read(MAX_ZIP_MEMBER + 1)
                if len(content) > MAX_ZIP_MEMBER:
                    return None, {}, [_too_large(label, info.filename)]
            except (zipfile.BadZipFile, *_DAMAGED) as error:
                return None, {}, [_damaged(label, info.filename, error)]
            files[str(PurePosixPath(*path.parts[1:]))] = content
    return slug, files, []


# What zipfile raises for a damaged or unsupported archive: a bad CRC or
# unpacked size (BadZipFile), encryption (RuntimeError), an unknown
# compression method (NotImplementedError), damaged compressed data
# (zlib.error, EOFError), and the rest it may meet reading odd headers.
_DAMAGED = (
    zipfile.LargeZipFile,
    RuntimeError,
    NotImplementedError,
    zlib.error,
    EOFError,
    ValueError,
    OSError,
    UnicodeDecodeError,
)


def _damaged(label: str, name: str, error: Exception) -> Problem:
    return Problem(
        label,
        None,
        Msg(
            N_("the zip file is damaged or of an unsupported kind (%(name)s: %(reason)s)"),
            {"name": name or "-", "reason": str(error)[:200]},
        ),
    )


def _too_large(label: str, name: str) -> Problem:
    return Problem(
        label,
        None,
        Msg(
            N_("a file in the zip is larger than %(n)d MB: %(name)s"),
            {"n": MAX_ZIP_MEMBER // (1024 * 1024), "name": name},
        ),
    )


# --- the spec as JSON data (the editor's drafts) -------------------------------------


def spec_to_data(spec: ModuleSpec) -> dict[str, Any]:
    """The spec as JSON-ready data; images keep their name, type and SHA-256 only."""
    data = asdict(spec)
    data.pop("content_hash", None)
    data["images"] = [
        {"name": i.name, "content_type": i.content_type, "sha256": i.sha256} for i in spec.images
    ]
    return data


def spec_from_data(
    data: Mapping[str, Any], image_data: Mapping[str, bytes] | None = None
) -> ModuleSpec:
    """The spec back from ``spec_to_data``; ``image_data`` gives bytes by SHA-256."""
    image_data = image_data or {}
    quiz = dict(data["quiz"])
    questions = [
        QuestionSpec(
            **{
                **q,
                "options": [tuple(option) for option in q["options"]],
                "correct_keys": list(q["correct_keys"]),
                "tags": list(q.get("tags") or []),
            }
        )
        for q in quiz.pop("questions")
    ]
    return ModuleSpec(
        slug=data["slug"],
        kind=data.get("kind", KIND_MODULE),
        title=data["title"],
        category=data["category"],
        summary=data["summary"],
        order=data.get("order", 0),
        estimated_minutes=data.get("estimated_minutes"),
        tags=list(data.get("tags") or []),
        lessons=[LessonSpec(**lesson) for lesson in data["lessons"]],
        quiz=QuizSpec(questions=questions, **quiz),
        images=[
            ImageSpec(
                name=i["name"],
                content_type=i["content_type"],
                sha256=i["sha256"],
                data=image_data.get(i["sha256"], b""),
            )
            for i in data.get("images", [])
        ],
    )
