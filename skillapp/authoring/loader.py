"""Reading content folders (docs/content-format.md) into validated dataclasses.

Pure: no database and no Flask. Every problem is collected with its file and
line, so an author sees all of them at once; a module with any problem is left
out of ``LoadResult.modules`` and callers must not load anything while
``LoadResult.problems`` is non-empty.

YAML is composed into nodes rather than loaded straight to Python objects, so
that each mapping, key and list item keeps the line it came from.

A module can be read from a folder on disk (``load_module_dir``) or from its
files held in memory (``load_module_files``: a zip upload, or a draft from the
browser editor rendered to files by ``skillapp.authoring.export``). Both go
through the same reader, so there is one set of rules for every way in.
"""

import hashlib
import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from skillapp.util import placeholders, safe_yaml
from skillapp.util.text import control_char_name, find_control_char

# Kept in step with skillapp.learning.models and skillapp.assessment.models
# (imported there from the database layer, which this module must not touch).
KIND_MODULE = "module"
KIND_ASSESSMENT = "assessment"
KINDS = (KIND_MODULE, KIND_ASSESSMENT)
CATEGORIES = ("mindset", "ai_governance", "ebpm", "other")
SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
QUESTION_TYPES = (SINGLE, MULTIPLE, TRUE_FALSE)

TRUE_FALSE_OPTIONS = [("true", "正しい"), ("false", "誤り")]

MODULE_FILE = "module.yaml"
QUIZ_FILE = "quiz.yaml"
LESSONS_DIR = "lessons"
IMAGES_DIR = "images"
LESSON_SUFFIX = ".md"

# When the review of a submitted attempt shows the correct answers and explanations.
REVIEW_ALWAYS = "always"
REVIEW_AFTER_PASS = "after_pass"  # noqa: S105 (not a secret)
REVIEW_NEVER = "never"
REVIEW_CHOICES = (REVIEW_ALWAYS, REVIEW_AFTER_PASS, REVIEW_NEVER)

# The score (of 100) an attempt needs to pass, unless quiz.yaml sets ``pass_mark``
# (kept in step with skillapp.assessment.scoring.PASS_MARK).
DEFAULT_PASS_MARK = 70

# Images a lesson may show: raster formats only, recognised by their first bytes.
# SVG is refused because it can carry script.
IMAGE_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
}
MAX_IMAGE_BYTES = 2 * 1024 * 1024
# A YAML or Markdown file: the largest bundled one (a pool of 113 questions) is
# under 200 KB; a limit keeps the time and memory of reading one bounded.
MAX_TEXT_BYTES = 2 * 1024 * 1024
IMAGE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+\.(png|jpg|jpeg|gif|webp)$")
# How a lesson refers to an image of its module (relative to lessons/, so the
# files also preview correctly in a Git host or an editor).
IMAGE_REF_PREFIX = "../images/"

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KEY_RE = re.compile(r"^[A-Za-z0-9_-]+$")
MINUTES_RE = re.compile(r"^<!--\s*minutes:\s*(\d+)\s*-->$")
HEADING_RE = re.compile(r"^ {0,3}#(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")

# Column sizes in the database.
MAX_SLUG = 100
MAX_KEY = 100
MAX_TITLE = 200
# A quiz cannot outlast the login session (and CSRF token) it is taken in.
MAX_TIME_LIMIT_MINUTES = 12 * 60

_MODULE_KEYS = {"title", "kind", "category", "summary", "order", "estimated_minutes", "tags"}
_QUIZ_KEYS = {
    "pass_mark",
    "draw",
    "stratify_by",
    "time_limit_minutes",
    "max_attempts",
    "max_attempts_per_year",
    "cooldown_minutes",
    "shuffle_questions",
    "shuffle_options",
    "review",
    "questions",
}
_QUESTION_KEYS = {
    "id",
    "type",
    "text",
    "options",
    "answer",
    "explanation",
    "weight",
    "tags",
    "group",
    "retired",
}
_OPTION_KEYS = {"id", "text", "correct"}


def N_(message: str) -> str:
    """Mark an English message for the translation catalog (babel extracts ``N_``).

    The loader stays free of Flask: the command line prints the English text, the
    web pages translate ``Problem.msg`` when they show it.
    """
    return message


@dataclass(frozen=True)
class Msg:
    """A message as its English template (a catalog msgid) and its parameters;
    a parameter may itself be a Msg (a translatable word or phrase)."""

    template: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(
        self,
        translate: Callable[[str], str] | None = None,
        key_label: Callable[[str], str] | None = None,
    ) -> str:
        """The message; ``translate`` maps a template to the page's language and
        ``key_label`` names a format key (the ``key`` parameter) as a page does."""
        translate = translate or (lambda text: text)
        values = {}
        for name, value in self.params.items():
            if isinstance(value, Msg):
                value = value.render(translate, key_label)
            elif name == "key" and key_label is not None:
                value = key_label(value)
            values[name] = value
        return translate(self.template) % values if values else translate(self.template)


def _m(template: str, **params: Any) -> Msg:
    return Msg(template, params)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content, at ``file`` (as given) and ``line`` (1-based).

    Given a Msg, ``message`` is its English text and ``msg`` keeps it for translation.
    """

    file: str
    line: int | None
    message: str
    msg: Msg | None = field(default=None, compare=False)

    def __post_init__(self):
        if isinstance(self.message, Msg):
            object.__setattr__(self, "msg", self.message)
            object.__setattr__(self, "message", self.message.render())

    def text(self, translate: Callable[[str], str] | None = None) -> str:
        """The message, translated with ``translate`` when it has a template."""
        if self.msg is not None and translate is not None:
            return self.msg.render(translate)
        return self.message

    def __str__(self) -> str:
        if self.line is None:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True)
class LessonSpec:
    key: str
    title: str
    body_md: str
    minutes: int | None = None


@dataclass(frozen=True)
class QuestionSpec:
    key: str
    type: str
    text: str
    options: list[tuple[str, str]]
    correct_keys: list[str]
    explanation: str
    weight: int = 1
    tags: list[str] = field(default_factory=list)
    # A retired question is drawn no more; it stays so that old attempts keep it.
    retired: bool = False
    # Questions sharing a group answer each other: at most one of them per attempt.
    group: str | None = None


@dataclass(frozen=True)
class QuizSpec:
    draw: int | None
    stratify_by: list[str]
    time_limit_minutes: int | None
    max_attempts: int | None
    shuffle_questions: bool
    shuffle_options: bool
    questions: list[QuestionSpec]
    cooldown_minutes: int | None = None
    review: str = REVIEW_ALWAYS
    # At most this many attempts a person starts in one fiscal year (None: no limit).
    max_attempts_per_year: int | None = None
    # How many questions each stratify_by tag gives an attempt (None: an even split).
    stratify_counts: dict[str, int] | None = None
    # The score an attempt needs to pass: "passed", completion and certificates.
    pass_mark: int = DEFAULT_PASS_MARK

    @property
    def active_questions(self) -> list[QuestionSpec]:
        """The questions in use: every one that is not retired."""
        return [q for q in self.questions if not q.retired]


@dataclass(frozen=True)
class ImageSpec:
    """An image in the module's images/ folder; ``data`` is left out of comparisons
    and of the content hash (the SHA-256 stands for it)."""

    name: str
    content_type: str
    sha256: str
    data: bytes = field(default=b"", repr=False, compare=False)


@dataclass(frozen=True)
class ModuleSpec:
    slug: str
    kind: str
    title: str
    category: str
    summary: str
    order: int
    estimated_minutes: int | None
    tags: list[str]
    lessons: list[LessonSpec]
    quiz: QuizSpec
    content_hash: str = ""
    images: list[ImageSpec] = field(default_factory=list)


@dataclass
class LoadResult:
    modules: list[ModuleSpec] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def content_hash(spec: ModuleSpec) -> str:
    """SHA-256 over the parsed content, so files that mean the same hash the same.

    Settings added to the format later are left out while they hold their
    default, so content written before them keeps its hash (and a sync after an
    upgrade makes no new versions).
    """
    data = asdict(spec)
    data.pop("content_hash", None)
    images = data.pop("images", [])
    if images:
        data["images"] = [{"name": i["name"], "sha256": i["sha256"]} for i in images]
    quiz = data["quiz"]
    if quiz.get("cooldown_minutes") is None:
        quiz.pop("cooldown_minutes", None)
    if quiz.get("review") == REVIEW_ALWAYS:
        quiz.pop("review", None)
    if quiz.get("max_attempts_per_year") is None:
        quiz.pop("max_attempts_per_year", None)
    if quiz.get("stratify_counts") is None:
        quiz.pop("stratify_counts", None)
    if quiz.get("pass_mark") == DEFAULT_PASS_MARK:
        quiz.pop("pass_mark", None)
    for question in quiz["questions"]:
        if not question.get("retired"):
            question.pop("retired", None)
        if question.get("group") is None:
            question.pop("group", None)
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_content_dir(path: str | Path) -> LoadResult:
    """Load every module folder directly under ``path`` (a ``content/modules`` folder).

    Folders are read in name order; hidden entries and plain files at the top
    level are skipped.
    """
    root = Path(path)
    result = LoadResult()
    if not root.is_dir():
        result.problems.append(Problem(str(root), None, _m(N_("not a folder"))))
        return result
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        one = load_module_dir(entry)
        result.modules.extend(one.modules)
        result.problems.extend(one.problems)
    return result


def load_module_dir(path: str | Path) -> LoadResult:
    """Load one module folder; its name is the slug."""
    folder = Path(path)
    problems: list[Problem] = []
    result = LoadResult(problems=problems)
    if not folder.is_dir():
        problems.append(Problem(str(folder), None, _m(N_("not a folder"))))
        return result
    spec = _ModuleReader(folder, problems).read()
    if spec is not None and not problems:
        result.modules.append(spec)
    return result


def load_module_files(
    slug: str, files: Mapping[str, bytes], *, label: str | None = None
) -> LoadResult:
    """Load one module from its files in memory, by path inside the module folder
    ("module.yaml", "lessons/01-why.md", "images/chart.png").

    Exactly the rules of ``load_module_dir``; problems name the files as
    ``label/path`` (``label`` defaults to the slug).
    """
    problems: list[Problem] = []
    result = LoadResult(problems=problems)
    folder = _MemPath(dict(files), "", label or slug, slug)
    spec = _ModuleReader(folder, problems).read()
    if spec is not None and not problems:
        result.modules.append(spec)
    return result


def sniff_image(data: bytes) -> str | None:
    """The content type of PNG, JPEG, GIF or WebP data by its first bytes, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def lesson_file_name(key: str) -> str:
    """The file of a lesson in lessons/; lessons are read in the order of these names."""
    return key + LESSON_SUFFIX


class _MemPath:
    """The few ``Path`` operations the reader uses, over files held in memory."""

    def __init__(self, files: dict[str, bytes], rel: str, label: str, root_name: str):
        self._files = files
        self._rel = rel
        self._label = label
        self._root_name = root_name

    def __truediv__(self, other: str) -> "_MemPath":
        rel = f"{self._rel}/{other}" if self._rel else other
        return _MemPath(self._files, rel, self._label, self._root_name)

    def __str__(self) -> str:
        return f"{self._label}/{self._rel}" if self._rel else self._label

    @property
    def name(self) -> str:
        return PurePosixPath(self._rel).name if self._rel else self._root_name

    @property
    def stem(self) -> str:
        return PurePosixPath(self.name).stem

    @property
    def suffix(self) -> str:
        return PurePosixPath(self.name).suffix

    def is_file(self) -> bool:
        return self._rel in self._files

    def is_dir(self) -> bool:
        prefix = f"{self._rel}/" if self._rel else ""
        return any(path.startswith(prefix) for path in self._files)

    def iterdir(self) -> Iterator["_MemPath"]:
        prefix = f"{self._rel}/" if self._rel else ""
        names = {
            path[len(prefix) :].split("/", 1)[0] for path in self._files if path.startswith(prefix)
        }
        for name in sorted(names):
            yield self / name

    def read_bytes(self) -> bytes:
        try:
            return self._files[self._rel]
        except KeyError:
            raise FileNotFoundError(str(self)) from None


# --- YAML with line numbers -------------------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]


class _Seq(list):
    """A YAML sequence that remembers its own line and the line of each item."""

    line: int
    item_lines: list[int]


_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"


class _Yaml:
    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems

    def problem(self, line: int | None, message: Msg) -> None:
        self.problems.append(Problem(self.file, line, message))

    def load(self, text: str) -> Any:
        """Parse one YAML document into _Map/_Seq/scalars; None (with a problem) on error."""
        loader = safe_yaml.RestrictedLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                self.problem(None, _m(N_("the file is empty")))
                return None
            return self._convert(loader, node)
        except safe_yaml.RefusedYAML as error:
            self.problem(error.problem_mark.line + 1, _refused_yaml(error))
            return None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = mark.line + 1 if mark is not None else None
            detail = " ".join(str(p) for p in (error.context, error.problem) if p) or str(error)
            started = error.context_mark
            if started is not None and line is not None and started.line + 1 != line:
                # An unclosed quote or bracket is found far from where it began.
                detail = _m(
                    N_("%(detail)s (started on line %(line)d)"),
                    detail=detail,
                    line=started.line + 1,
                )
            if isinstance(error, ConstructorError):
                self.problem(line, _m(N_("unsupported YAML: %(detail)s"), detail=detail))
            else:
                self.problem(line, _m(N_("YAML syntax error: %(detail)s"), detail=detail))
            return None
        except yaml.YAMLError as error:
            self.problem(None, _m(N_("YAML error: %(detail)s"), detail=str(error)))
            return None
        finally:
            loader.dispose()

    def _convert(self, loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP_TAG:
                self.problem(line, _m(N_("unsupported YAML: tag %(tag)s"), tag=node.tag))
            mapping = _Map()
            mapping.line = line
            mapping.key_lines = {}
            for key_node, value_node in node.value:
                key_line = key_node.start_mark.line + 1
                key = self._convert(loader, key_node)
                if not isinstance(key, str):
                    self.problem(key_line, _m(N_("a key must be text, not %(key)s"), key=repr(key)))
                    continue
                if key in mapping:
                    self.problem(
                        key_line,
                        _m(
                            N_('duplicate key "%(key)s" (first on line %(line)d)'),
                            key=key,
                            line=mapping.key_lines[key],
                        ),
                    )
                    continue
                mapping[key] = self._convert(loader, value_node)
                mapping.key_lines[key] = key_line
            return mapping
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                self.problem(line, _m(N_("unsupported YAML: tag %(tag)s"), tag=node.tag))
            seq = _Seq()
            seq.line = line
            seq.item_lines = []
            for item in node.value:
                seq.append(self._convert(loader, item))
                seq.item_lines.append(item.start_mark.line + 1)
            return seq
        return loader.construct_object(node, deep=True)


def _refused_yaml(error: safe_yaml.RefusedYAML) -> Msg:
    if error.reason == safe_yaml.ALIAS:
        return _m(N_("anchors and aliases (& and *) are not allowed: write each value out"))
    if error.reason == safe_yaml.DEPTH:
        return _m(N_("nested more than %(n)d levels deep"), n=safe_yaml.MAX_DEPTH)
    if error.reason == safe_yaml.NODES:
        return _m(N_("too large: more than %(n)d values"), n=safe_yaml.MAX_NODES)
    return _m(N_("a control character (%(char)s) in a value: remove it"), char=error.char)


# --- field checks -----------------------------------------------------------------

_MISSING = object()


def _type_name(value: Any) -> Msg | str:
    if value is None:
        return _m(N_("nothing"))
    if isinstance(value, bool):
        return _m(N_("true/false"))
    if isinstance(value, int):
        return _m(N_("a number"))
    if isinstance(value, float):
        return _m(N_("a decimal number"))
    if isinstance(value, str):
        return _m(N_("text"))
    if isinstance(value, dict):
        return _m(N_("a mapping"))
    if isinstance(value, list):
        return _m(N_("a list"))
    return type(value).__name__


def _not_text(key: str, value: Any) -> Msg:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _m(
            N_('"%(key)s" must be text, not %(type)s (put it in quotes)'),
            key=key,
            type=_type_name(value),
        )
    return _m(N_('"%(key)s" must be text, not %(type)s'), key=key, type=_type_name(value))


class _Fields:
    """Typed access to one mapping's keys; each misuse adds a problem at the key's line."""

    def __init__(self, doc: _Yaml, mapping: _Map, where: Msg | None, allowed: set[str]):
        self.doc = doc
        self.mapping = mapping
        self.where = where
        for key in mapping:
            if key not in allowed:
                self.problem_at(
                    mapping.key_lines[key],
                    _m(
                        N_('unknown key "%(key)s" (allowed: %(allowed)s)'),
                        key=key,
                        allowed=", ".join(sorted(allowed)),
                    ),
                )

    def problem_at(self, line: int | None, message: Msg) -> None:
        """A problem at ``line``, prefixed with where it is (which question)."""
        if self.where is not None:
            message = _m(N_("%(where)s: %(message)s"), where=self.where, message=message)
        self.doc.problem(line, message)

    def line(self, key: str) -> int:
        return self.mapping.key_lines.get(key, self.mapping.line)

    def has(self, key: str) -> bool:
        return key in self.mapping

    def problem(self, key: str | None, message: Msg) -> None:
        self.problem_at(self.line(key) if key else self.mapping.line, message)

    def _get(self, key: str, required: bool) -> Any:
        if key not in self.mapping:
            if required:
                self.problem(None, _m(N_('missing required key "%(key)s"'), key=key))
            return _MISSING
        return self.mapping[key]

    def text(
        self,
        key: str,
        *,
        required: bool = True,
        max_length: int | None = None,
        placeholders: bool = False,
    ) -> str | None:
        """Non-empty text, trimmed. With ``placeholders`` it may hold the inline
        placeholders ({{city}} …), which are checked by name."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self.problem(key, _not_text(key, value))
            return None
        value = value.strip()
        if not value:
            self.problem(key, _m(N_('"%(key)s" must not be empty'), key=key))
            return None
        if max_length is not None and len(value) > max_length:
            self.problem(
                key,
                _m(N_('"%(key)s" is longer than %(n)d characters'), key=key, n=max_length),
            )
            return None
        if placeholders:
            found = placeholder_messages(value, blocks=False)
            for _line, message in found:
                self.problem(key, _m(N_('"%(key)s": %(message)s'), key=key, message=message))
            if found:
                return None
        return value

    def key(self, key: str, *, required: bool = True) -> str | None:
        """A stable id: letters, digits, - and _."""
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str):
            self.problem(key, _not_text(key, value))
            return None
        if not KEY_RE.match(value) or len(value) > MAX_KEY:
            self.problem(
                key,
                _m(
                    N_(
                        '"%(key)s" %(value)s may hold only letters, digits, - and _ '
                        "(at most %(n)d characters)"
                    ),
                    key=key,
                    value=repr(value),
                    n=MAX_KEY,
                ),
            )
            return None
        return value

    def integer(self, key: str, *, minimum: int | None = None) -> int | None:
        value = self._get(key, False)
        if value is _MISSING:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(
                key,
                _m(
                    N_('"%(key)s" must be a whole number, not %(type)s'),
                    key=key,
                    type=_type_name(value),
                ),
            )
            return None
        if minimum is not None and value < minimum:
            if minimum == 1:
                message = _m(
                    N_('"%(key)s" must be a positive whole number, not %(value)d'),
                    key=key,
                    value=value,
                )
            else:
                message = _m(
                    N_('"%(key)s" must be a whole number ≥ %(minimum)d, not %(value)d'),
                    key=key,
                    minimum=minimum,
                    value=value,
                )
            self.problem(key, message)
            return None
        return value

    def boolean(self, key: str, *, required: bool = False) -> bool | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.problem(
                key,
                _m(
                    N_('"%(key)s" must be true or false, not %(type)s'),
                    key=key,
                    type=_type_name(value),
                ),
            )
            return None
        return value

    def choice(self, key: str, choices: tuple[str, ...], *, required: bool = True) -> str | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, str) or value not in choices:
            self.problem(
                key,
                _m(
                    N_('"%(key)s" must be one of %(choices)s, not %(value)s'),
                    key=key,
                    choices=", ".join(choices),
                    value=repr(value),
                ),
            )
            return None
        return value

    def text_list(self, key: str) -> list[str] | None:
        """A list of unique, non-empty strings; [] when absent, None when invalid."""
        value = self._get(key, False)
        if value is _MISSING:
            return []
        if not isinstance(value, _Seq):
            self.problem(key, _not_a_list(key, value))
            return None
        items: list[str] = []
        ok = True
        for item, line in zip(value, value.item_lines, strict=True):
            if not isinstance(item, str) or not item.strip():
                self.problem_at(line, _m(N_('each of "%(key)s" must be non-empty text'), key=key))
                ok = False
            elif item.strip() in items:
                self.problem_at(
                    line, _m(N_('"%(key)s" lists %(item)s twice'), key=key, item=repr(item))
                )
                ok = False
            else:
                items.append(item.strip())
        return items if ok else None

    def mapping_list(self, key: str, *, required: bool) -> _Seq | None:
        value = self._get(key, required)
        if value is _MISSING:
            return None
        if not isinstance(value, _Seq):
            self.problem(key, _not_a_list(key, value))
            return None
        return value


def placeholder_messages(text: str, *, blocks: bool) -> list[tuple[int, Msg]]:
    """(1-based line in ``text``, message) for each faulty placeholder."""
    found = []
    for line, code in placeholders.problems_in(text, blocks=blocks):
        kind, _, name = code.partition(":")
        if kind == "unknown":
            message = _m(
                N_("unknown placeholder {{%(name)s}}: use one of %(names)s"),
                name=name,
                names=", ".join(f"{{{{{n}}}}}" for n in placeholders.NAMES),
            )
        elif kind == "block" and blocks:
            message = _m(
                N_(
                    "{{%(name)s}} shows a table or a box: write it alone on its line, "
                    "with a blank line before and after"
                ),
                name=name,
            )
        elif kind == "block":
            message = _m(
                N_("{{%(name)s}} can stand only in a lesson, alone on its line"), name=name
            )
        else:
            message = _m(N_('"{{" without "}}": a placeholder is written {{city}}'))
        found.append((line, message))
    return found


REFERENCE_OPEN_RE = re.compile(r"^:::\s*(\S+)\s*(.*?)\s*$")
REFERENCE_NAME = "参考事例"


def reference_blocks(text: str) -> list[tuple[int, int]]:
    """(first, last) 0-based line indexes of each well-formed ``::: 参考事例`` block."""
    blocks, start = [], None
    for index, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if start is None and stripped.startswith(":::") and stripped != ":::":
            start = index
        elif start is not None and stripped == ":::":
            blocks.append((start, index))
            start = None
    return blocks


def reference_block_messages(text: str) -> list[tuple[int, Msg]]:
    """(1-based line, message) for each malformed reference-case block.

    A block opens with ``::: 参考事例 <source>`` and closes with ``:::``, each on a
    line of its own; blocks do not nest."""
    found = []
    open_line = None
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped.startswith(":::"):
            continue
        if stripped == ":::":
            if open_line is None:
                found.append((number, _m(N_('":::" closes no block: open one with ::: 参考事例'))))
            open_line = None
            continue
        match = REFERENCE_OPEN_RE.match(stripped)
        name, label = (match.group(1), match.group(2)) if match else ("", "")
        if open_line is not None:
            found.append(
                (number, _m(N_("a block opens inside the block of line %(line)d"), line=open_line))
            )
        elif name != REFERENCE_NAME:
            found.append(
                (
                    number,
                    _m(
                        N_('unknown block "%(name)s": the only block is ::: 参考事例 <source>'),
                        name=name,
                    ),
                )
            )
        elif not label:
            found.append(
                (number, _m(N_("name the source after ::: 参考事例 (which city, which document)")))
            )
        open_line = number
    if open_line is not None:
        found.append((open_line, _m(N_('the block opened here is not closed: end it with ":::"'))))
    return found


def _units(active) -> int:
    """How many questions an attempt can hold at most: each ungrouped question,
    and each group once."""
    groups = {question.group for question, _ in active if question.group is not None}
    return sum(1 for question, _ in active if question.group is None) + len(groups)


def _not_a_list(key: str, value: Any) -> Msg:
    return _m(N_('"%(key)s" must be a list, not %(type)s'), key=key, type=_type_name(value))


# --- the module reader ------------------------------------------------------------


# One message a type, so that the type is named in the page's language too.
_NEEDS_TWO_OPTIONS = {
    "single": N_("a single question needs at least 2 options"),
    "multiple": N_("a multiple question needs at least 2 options"),
}


class _ModuleReader:
    def __init__(self, folder: Path, problems: list[Problem]):
        self.folder = folder
        self.slug = folder.name
        self.problems = problems

    def problem(self, file: Path | str, line: int | None, message: Msg) -> None:
        self.problems.append(Problem(str(file), line, message))

    def read(self) -> ModuleSpec | None:
        before = len(self.problems)
        if not SLUG_RE.match(self.slug) or len(self.slug) > MAX_SLUG:
            self.problem(
                self.folder,
                None,
                _m(
                    N_(
                        'folder name "%(slug)s" is not a valid slug: use lower-case ASCII '
                        "letters, digits and single hyphens (at most %(n)d characters)"
                    ),
                    slug=self.slug,
                    n=MAX_SLUG,
                ),
            )
        self._check_entries()
        kind, meta = self._read_module_yaml()
        images = self._read_images()
        lessons = self._read_lessons(images)
        quiz = self._read_quiz(kind)
        if kind == KIND_MODULE and lessons == []:
            self.problem(
                self.folder / LESSONS_DIR, None, _m(N_("a module needs at least one lesson"))
            )
        elif kind == KIND_ASSESSMENT and lessons:
            self.problem(self.folder / LESSONS_DIR, None, _m(N_("an assessment has no lessons")))
        if images and lessons is not None:
            for image in images.values():
                if image.name not in self.used_images:
                    self.problem(
                        self.folder / IMAGES_DIR / image.name,
                        None,
                        _m(
                            N_(
                                "the image is not used by any lesson: remove it or show it in "
                                "a lesson as %(markdown)s"
                            ),
                            markdown=f"![…]({IMAGE_REF_PREFIX}{image.name})",
                        ),
                    )
        if (
            len(self.problems) > before
            or meta is None
            or lessons is None
            or quiz is None
            or images is None
        ):
            return None
        spec = ModuleSpec(
            slug=self.slug,
            lessons=lessons,
            quiz=quiz,
            images=[images[name] for name in sorted(images)],
            **meta,
        )
        return replace(spec, content_hash=content_hash(spec))

    def _check_entries(self) -> None:
        # A misspelt file name (quiz.yml, lesson/) must not pass silently.
        for entry in sorted(self.folder.iterdir(), key=lambda p: p.name):
            if entry.name.startswith("."):
                continue
            expected_dir = entry.name in (LESSONS_DIR, IMAGES_DIR)
            expected_file = entry.name in (MODULE_FILE, QUIZ_FILE)
            if (expected_dir and entry.is_dir()) or (expected_file and entry.is_file()):
                continue
            if entry.is_dir():
                message = N_(
                    "unexpected folder: a module folder holds module.yaml, quiz.yaml, "
                    "lessons/ and images/"
                )
            else:
                message = N_(
                    "unexpected file: a module folder holds module.yaml, quiz.yaml, "
                    "lessons/ and images/"
                )
            self.problem(entry, None, _m(message))

    # images/*

    def _read_images(self) -> dict[str, ImageSpec] | None:
        """The module's images by file name ({} when there is no images/ folder)."""
        self.used_images: set[str] = set()
        folder = self.folder / IMAGES_DIR
        if not folder.is_dir():
            return {}
        images: dict[str, ImageSpec] = {}
        ok = True
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if path.name.startswith("."):
                continue
            image = self._read_image(path)
            if image is None:
                ok = False
            else:
                images[image.name] = image
        return images if ok else None

    def _read_image(self, path) -> ImageSpec | None:
        if not path.is_file():
            self.problem(path, None, _m(N_("unexpected folder: images/ holds only image files")))
            return None
        suffix = path.suffix.lower()
        if suffix == ".svg":
            self.problem(
                path,
                None,
                _m(
                    N_(
                        "SVG images are not accepted (they can carry script): "
                        "use PNG, JPEG, GIF or WebP"
                    )
                ),
            )
            return None
        if not IMAGE_NAME_RE.match(path.name):
            self.problem(
                path,
                None,
                _m(
                    N_(
                        "an image file name uses letters, digits, - and _ and ends in "
                        ".png, .jpg, .jpeg, .gif or .webp (lower case)"
                    )
                ),
            )
            return None
        try:
            data = path.read_bytes()
        except OSError as error:
            self.problem(path, None, _m(N_("cannot read: %(error)s"), error=str(error.strerror)))
            return None
        if len(data) > MAX_IMAGE_BYTES:
            self.problem(
                path,
                None,
                _m(
                    N_("the image is %(size)s bytes; at most %(limit)s bytes (2 MB) are allowed"),
                    size=f"{len(data):,}",
                    limit=f"{MAX_IMAGE_BYTES:,}",
                ),
            )
            return None
        found = sniff_image(data)
        expected = IMAGE_TYPES[path.suffix[1:]]
        if found is None:
            self.problem(
                path, None, _m(N_("not a PNG, JPEG, GIF or WebP image (checked by its content)"))
            )
            return None
        if found != expected:
            self.problem(
                path,
                None,
                _m(
                    N_(
                        "the file holds a %(found)s image but its name ends in %(suffix)s: "
                        "rename it"
                    ),
                    found=found.split("/")[1].upper(),
                    suffix=path.suffix,
                ),
            )
            return None
        return ImageSpec(
            name=path.name,
            content_type=found,
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
        )

    def _read_text(self, path: Path) -> str | None:
        try:
            data = path.read_bytes()
            if len(data) > MAX_TEXT_BYTES:
                self.problem(
                    path,
                    None,
                    _m(N_("larger than %(n)d MB"), n=MAX_TEXT_BYTES // (1024 * 1024)),
                )
                return None
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            self.problem(
                path,
                None,
                _m(
                    N_("not UTF-8 text (%(reason)s at byte %(byte)d)"),
                    reason=error.reason,
                    byte=error.start,
                ),
            )
            return None
        except OSError as error:
            self.problem(path, None, _m(N_("cannot read: %(error)s"), error=str(error.strerror)))
            return None
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        found = find_control_char(text)
        if found is not None:
            position, char = found
            line = text.count("\n", 0, position) + 1
            column = position - (text.rfind("\n", 0, position) + 1) + 1
            self.problem(
                path,
                line,
                _m(
                    N_("a control character (%(char)s) at column %(column)d: remove it"),
                    char=control_char_name(char),
                    column=column,
                ),
            )
            return None
        return text

    def _read_yaml_mapping(self, path: Path) -> tuple[_Yaml, _Map] | None:
        text = self._read_text(path)
        if text is None:
            return None
        doc = _Yaml(str(path), self.problems)
        data = doc.load(text)
        if data is None:
            return None
        if not isinstance(data, _Map):
            doc.problem(
                1,
                _m(N_("the file must be a mapping of keys, not %(type)s"), type=_type_name(data)),
            )
            return None
        return doc, data

    # module.yaml

    def _read_module_yaml(self) -> tuple[str | None, dict[str, Any] | None]:
        """The module's kind (None when unknown) and its settings (None when invalid)."""
        path = self.folder / MODULE_FILE
        if not path.is_file():
            self.problem(path, None, _m(N_("missing module.yaml")))
            return None, None
        loaded = self._read_yaml_mapping(path)
        if loaded is None:
            return None, None
        doc, data = loaded
        before = len(self.problems)
        f = _Fields(doc, data, None, _MODULE_KEYS)
        kind = f.choice("kind", KINDS) if f.has("kind") else KIND_MODULE
        meta = {
            "kind": kind,
            "title": f.text("title", max_length=MAX_TITLE),
            "category": f.choice("category", CATEGORIES),
            "summary": f.text("summary", placeholders=True),
            "order": f.integer("order") if f.has("order") else 0,
            "estimated_minutes": f.integer("estimated_minutes", minimum=1),
            "tags": f.text_list("tags"),
        }
        # A valid kind is still returned so the lesson and quiz rules can be checked.
        return kind, (meta if len(self.problems) == before else None)

    # lessons/*.md

    def _read_lessons(self, images: dict[str, ImageSpec] | None) -> list[LessonSpec] | None:
        folder = self.folder / LESSONS_DIR
        if not folder.is_dir():
            return []
        lessons: list[LessonSpec] = []
        ok = True
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if path.name.startswith("."):
                continue
            if not path.is_file() or path.suffix != LESSON_SUFFIX:
                self.problem(path, None, _m(N_("unexpected entry: lessons/ holds only .md files")))
                ok = False
                continue
            lesson = self._read_lesson(path, images)
            if lesson is None:
                ok = False
            else:
                lessons.append(lesson)
        return lessons if ok else None

    def _check_image_refs(self, path, text: str, images: dict[str, ImageSpec] | None) -> None:
        # Imported here: the Markdown parser is only needed for lessons.
        from skillapp.util.markdown import image_sources

        for line, src in image_sources(text):
            name = src[len(IMAGE_REF_PREFIX) :] if src.startswith(IMAGE_REF_PREFIX) else None
            if name is None or "/" in name:
                self.problem(
                    path,
                    line,
                    _m(
                        N_(
                            "an image must be a file of this module, written ../images/NAME "
                            "(found %(src)s): add it to images/"
                        ),
                        src=repr(src),
                    ),
                )
            elif images is not None and name not in images:
                self.problem(
                    path, line, _m(N_("the image images/%(name)s does not exist"), name=name)
                )
            else:
                self.used_images.add(name)

    def _read_lesson(
        self, path: Path, images: dict[str, ImageSpec] | None = None
    ) -> LessonSpec | None:
        key = path.stem
        before = len(self.problems)
        if not KEY_RE.match(key) or len(key) > MAX_KEY:
            self.problem(
                path,
                None,
                _m(
                    N_(
                        "the file name %(key)s is the lesson's key: use only letters, digits, "
                        "- and _ (at most %(n)d characters)"
                    ),
                    key=repr(key),
                    n=MAX_KEY,
                ),
            )
        text = self._read_text(path)
        if text is None:
            return None
        lines = text.split("\n")
        index = 0
        minutes = None
        first = lines[0].strip() if lines else ""
        if first.startswith("<!--") and "minutes" in first:
            match = MINUTES_RE.match(first)
            if match is None or int(match.group(1)) < 1:
                self.problem(
                    path,
                    1,
                    _m(
                        N_(
                            "the reading time must read <!-- minutes: N --> with N a positive "
                            "whole number"
                        )
                    ),
                )
            else:
                minutes = int(match.group(1))
            index = 1
        while index < len(lines) and not lines[index].strip():
            index += 1
        heading = HEADING_RE.match(lines[index]) if index < len(lines) else None
        title = (heading.group(1) or "").strip() if heading else ""
        if heading is None:
            self.problem(
                path,
                index + 1 if index < len(lines) else None,
                _m(N_('a lesson must start with its title as a "# heading"')),
            )
        elif not title:
            self.problem(path, index + 1, _m(N_("the lesson title is empty")))
        elif len(title) > MAX_TITLE:
            self.problem(
                path,
                index + 1,
                _m(N_("the lesson title is longer than %(n)d characters"), n=MAX_TITLE),
            )
        body_lines = lines[index + 1 :]
        while body_lines and not body_lines[0].strip():
            body_lines.pop(0)
        body = "\n".join(body_lines).rstrip()
        if heading is not None and not body:
            self.problem(path, index + 1, _m(N_("the lesson has no text after its title")))
        self._check_image_refs(path, text, images)
        for line, message in placeholder_messages(text, blocks=True):
            self.problem(path, line, message)
        for line, message in reference_block_messages(text):
            self.problem(path, line, message)
        if len(self.problems) > before:
            return None
        return LessonSpec(key=key, title=title, body_md=body + "\n", minutes=minutes)

    # quiz.yaml

    def _read_quiz(self, kind: str | None) -> QuizSpec | None:
        path = self.folder / QUIZ_FILE
        if not path.is_file():
            self.problem(
                path,
                None,
                _m(N_("missing quiz.yaml: a module needs a quiz, an assessment a pool")),
            )
            return None
        loaded = self._read_yaml_mapping(path)
        if loaded is None:
            return None
        doc, data = loaded
        before = len(self.problems)
        f = _Fields(doc, data, None, _QUIZ_KEYS)
        pass_mark = f.integer("pass_mark")
        if pass_mark is not None and not 1 <= pass_mark <= 100:
            f.problem(
                "pass_mark",
                _m(
                    N_('"%(key)s" must be between 1 and 100, not %(value)d'),
                    key="pass_mark",
                    value=pass_mark,
                ),
            )
        draw = f.integer("draw", minimum=1)
        stratify_by, stratify_counts = self._read_strata(doc, f)
        time_limit = f.integer("time_limit_minutes", minimum=1)
        if time_limit is not None and time_limit > MAX_TIME_LIMIT_MINUTES:
            f.problem(
                "time_limit_minutes",
                _m(
                    N_(
                        '"time_limit_minutes" is %(value)d but must be at most %(limit)d '
                        "(12 hours, the longest a login session lasts)"
                    ),
                    value=time_limit,
                    limit=MAX_TIME_LIMIT_MINUTES,
                ),
            )
            time_limit = None
        max_attempts = f.integer("max_attempts", minimum=1)
        per_year = f.integer("max_attempts_per_year", minimum=1)
        cooldown = f.integer("cooldown_minutes", minimum=1)
        shuffle_questions = f.boolean("shuffle_questions")
        shuffle_options = f.boolean("shuffle_options")
        review = f.choice("review", REVIEW_CHOICES, required=False)
        items = f.mapping_list("questions", required=True)
        questions: list[QuestionSpec] = []
        if items is not None:
            if not items:
                f.problem("questions", _m(N_('"questions" must list at least one question')))
            seen: dict[str, int] = {}
            for item, line in zip(items, items.item_lines, strict=True):
                question = self._read_question(doc, item, line, seen)
                if question is not None:
                    questions.append(question)
        if len(self.problems) > before:
            return None
        # Retired questions stay in the file for old attempts; only those in use count.
        active = [(q, item) for q, item in zip(questions, items, strict=True) if not q.retired]
        if questions and not active:
            f.problem(
                "questions", _m(N_("every question is retired: a quiz needs at least one in use"))
            )
        elif draw is not None and draw > len(active):
            if len(active) < len(questions):
                message = N_('"draw" is %(draw)d but only %(n)d questions are in use (not retired)')
            else:
                message = N_('"draw" is %(draw)d but there are only %(n)d questions')
            f.problem("draw", _m(message, draw=draw, n=len(active)))
        elif active:
            self._check_groups(doc, f, active, draw)
        if stratify_by and active:
            self._check_strata(doc, f, active, draw, stratify_by, stratify_counts)
        if len(self.problems) > before:
            return None
        if shuffle_questions is None:
            shuffle_questions = kind == KIND_ASSESSMENT
        return QuizSpec(
            draw=draw,
            stratify_by=stratify_by or [],
            time_limit_minutes=time_limit,
            max_attempts=max_attempts,
            shuffle_questions=shuffle_questions,
            shuffle_options=bool(shuffle_options),
            questions=questions,
            cooldown_minutes=cooldown,
            review=review or REVIEW_ALWAYS,
            max_attempts_per_year=per_year,
            stratify_counts=stratify_counts,
            pass_mark=DEFAULT_PASS_MARK if pass_mark is None else pass_mark,
        )

    def _check_groups(self, doc, f, active, draw) -> None:
        """Questions of one group are never in the same attempt, so the quiz
        must draw (not show every question), and draw no more than there are
        units: each ungrouped question, and each group once."""
        members: dict[str, list] = {}
        for question, item in active:
            if question.group is not None:
                members.setdefault(question.group, []).append((question, item))
        if not members:
            return
        if draw is None:
            for group, pairs in members.items():
                if len(pairs) > 1:
                    question, item = pairs[1]
                    doc.problem(
                        item.key_lines.get("group", item.line),
                        _m(
                            N_(
                                'question "%(key)s": group "%(group)s" allows one of its '
                                "questions per attempt, but this quiz shows every question: "
                                'set "draw" or remove the group'
                            ),
                            key=question.key,
                            group=group,
                        ),
                    )
            return
        units = _units(active)
        if draw > units:
            f.problem(
                "draw",
                _m(
                    N_(
                        '"draw" is %(draw)d but the questions in use make only %(n)d '
                        "(a group counts once)"
                    ),
                    draw=draw,
                    n=units,
                ),
            )

    def _read_strata(self, doc, f) -> tuple[list[str] | None, dict[str, int] | None]:
        """``stratify_by``: a list of tags (an even split of ``draw``) or a mapping
        of tag → how many questions each attempt draws from it."""
        value = f.mapping.get("stratify_by")
        if not isinstance(value, _Map):
            return f.text_list("stratify_by"), None
        counts: dict[str, int] = {}
        for tag, number in value.items():
            line = value.key_lines.get(tag, f.line("stratify_by"))
            if not isinstance(tag, str) or not tag.strip():
                doc.problem(line, _m(N_('each tag of "stratify_by" must be non-empty text')))
            elif isinstance(number, bool) or not isinstance(number, int) or number < 1:
                doc.problem(
                    line,
                    _m(
                        N_('"stratify_by": tag "%(tag)s" must draw a positive whole number'),
                        tag=tag,
                    ),
                )
            else:
                counts[tag.strip()] = number
        if len(counts) < len(value):
            return None, None
        return list(counts), counts

    def _check_strata(self, doc, f, active, draw, stratify_by, quotas=None) -> None:
        counts = dict.fromkeys(stratify_by, 0)
        group_tag: dict[str, tuple[str, str]] = {}
        before = len(self.problems)
        for question, item in active:
            mine = [tag for tag in question.tags if tag in counts]
            if len(mine) != 1:
                doc.problem(
                    item.key_lines.get("tags", item.line),
                    _m(
                        N_("%(where)s: %(message)s"),
                        where=_m(N_('question "%(key)s"'), key=question.key),
                        message=_m(
                            N_(
                                "with stratify_by each question carries exactly one of "
                                "%(tags)s (found: %(found)s)"
                            ),
                            tags=", ".join(stratify_by),
                            found=", ".join(mine) if mine else _m(N_("none")),
                        ),
                    ),
                )
            elif question.group is None:
                counts[mine[0]] += 1
            elif question.group not in group_tag:
                group_tag[question.group] = (mine[0], question.key)
                counts[mine[0]] += 1
            elif group_tag[question.group][0] != mine[0]:
                tag, first = group_tag[question.group]
                doc.problem(
                    item.key_lines.get("group", item.line),
                    _m(
                        N_(
                            'question "%(key)s": the questions of group "%(group)s" must share '
                            'one stratify_by tag, but "%(first)s" has %(tag)s and this one '
                            "%(mine)s"
                        ),
                        key=question.key,
                        group=question.group,
                        first=first,
                        tag=tag,
                        mine=mine[0],
                    ),
                )
        if len(self.problems) > before:
            return  # per-tag counts would be wrong and only add noise
        if draw is not None and draw < len(stratify_by):
            f.problem(
                "draw",
                _m(
                    N_(
                        '"draw" (%(draw)d) is smaller than the number of stratify_by tags '
                        "(%(n)d), so an attempt could not cover every tag"
                    ),
                    draw=draw,
                    n=len(stratify_by),
                ),
            )
            return
        if quotas is not None and draw != sum(quotas.values()):
            f.problem(
                "stratify_by",
                _m(
                    N_(
                        'the questions "stratify_by" draws from its tags add up to %(sum)d, '
                        'but "draw" is %(draw)s'
                    ),
                    sum=sum(quotas.values()),
                    draw=str(draw) if draw else _m(N_("not set")),
                ),
            )
            return
        even = math.ceil(draw / len(stratify_by)) if draw is not None else 1
        for tag, count in counts.items():
            need = quotas[tag] if quotas is not None else even
            if count < need:
                f.problem(
                    "stratify_by",
                    _m(
                        N_(
                            'tag "%(tag)s" has %(count)d questions (a group counts once); '
                            "drawing %(draw)s across %(n)d tags needs at least %(need)d per tag"
                        ),
                        tag=tag,
                        count=count,
                        draw=str(draw) if draw else _m(N_("all")),
                        n=len(stratify_by),
                        need=need,
                    ),
                )

    def _read_question(
        self, doc: _Yaml, item: Any, line: int, seen: dict[str, int]
    ) -> QuestionSpec | None:
        if not isinstance(item, _Map):
            doc.problem(
                line,
                _m(
                    N_("each question must be a mapping of keys, not %(type)s"),
                    type=_type_name(item),
                ),
            )
            return None
        before = len(self.problems)
        raw_id = item.get("id")
        if isinstance(raw_id, str):
            label = _m(N_('question "%(key)s"'), key=raw_id)
        else:
            label = _m(N_("question at line %(line)d"), line=line)
        f = _Fields(doc, item, label, _QUESTION_KEYS)
        key = f.key("id")
        if key is not None:
            if key in seen:
                f.problem(
                    "id",
                    _m(
                        N_('duplicate question id "%(key)s" (first on line %(line)d)'),
                        key=key,
                        line=seen[key],
                    ),
                )
            else:
                seen[key] = f.line("id")
        qtype = f.choice("type", QUESTION_TYPES)
        text = f.text("text", placeholders=True)
        explanation = f.text("explanation", placeholders=True)
        weight = f.integer("weight", minimum=1)
        tags = f.text_list("tags")
        group = f.key("group", required=False)
        retired = f.boolean("retired")
        options: list[tuple[str, str]] = []
        correct: list[str] = []
        if qtype == TRUE_FALSE:
            if f.has("options"):
                f.problem(
                    "options",
                    _m(N_("a true_false question has no options; use answer: true/false")),
                )
            answer = f.boolean("answer", required=True)
            if answer is not None:
                options = list(TRUE_FALSE_OPTIONS)
                correct = ["true" if answer else "false"]
        elif qtype in (SINGLE, MULTIPLE):
            if f.has("answer"):
                f.problem(
                    "answer",
                    _m(N_('"answer" is only for true_false questions, not %(type)s'), type=qtype),
                )
            options, correct = self._read_options(doc, f, qtype)
        if len(self.problems) > before:
            return None
        return QuestionSpec(
            key=key,
            type=qtype,
            text=text,
            options=options,
            correct_keys=correct,
            explanation=explanation,
            weight=1 if weight is None else weight,
            tags=tags,
            retired=bool(retired),
            group=group,
        )

    def _read_options(
        self, doc: _Yaml, f: _Fields, qtype: str
    ) -> tuple[list[tuple[str, str]], list[str]]:
        items = f.mapping_list("options", required=True)
        if items is None:
            return [], []
        if len(items) < 2:
            f.problem("options", _m(_NEEDS_TWO_OPTIONS[qtype]))
        options: list[tuple[str, str]] = []
        correct: list[str] = []
        seen: dict[str, int] = {}
        before = len(self.problems)
        for item, line in zip(items, items.item_lines, strict=True):
            if not isinstance(item, _Map):
                f.problem_at(line, _m(N_("each option must be a mapping with id and text")))
                continue
            o = _Fields(doc, item, f.where, _OPTION_KEYS)
            key = o.key("id")
            text = o.text("text", placeholders=True)
            is_correct = o.boolean("correct")
            if key is None or text is None:
                continue
            if key in seen:
                o.problem(
                    "id",
                    _m(
                        N_('duplicate option id "%(key)s" (first on line %(line)d)'),
                        key=key,
                        line=seen[key],
                    ),
                )
                continue
            seen[key] = o.line("id")
            options.append((key, text))
            if is_correct:
                correct.append(key)
        if len(self.problems) > before:
            # Counting correct options among broken ones would only add noise.
            return options, correct
        if qtype == SINGLE and len(correct) != 1:
            f.problem(
                "options",
                _m(
                    N_("a single question needs exactly one correct option (found %(n)d)"),
                    n=len(correct),
                ),
            )
        elif qtype == MULTIPLE and not correct:
            f.problem("options", _m(N_("a multiple question needs at least one correct option")))
        return options, correct
