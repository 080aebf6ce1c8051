"""The browser editor: drafts, their validation, publishing, import and export.

A draft holds a ModuleSpec (the loader's dataclasses) as JSON. It is validated
by writing it out as the module's files (authoring.export) and loading those
with the loader, so the editor, ``content sync`` and ``content import`` share
one set of rules; publishing goes through ``sync_modules`` like a sync does.

Services flush and never commit; views and commands commit once.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from sqlalchemy import delete, exists, false, select, update
from sqlalchemy.orm import Session

from skillapp.assessment.models import Question
from skillapp.audit.services import record_event
from skillapp.authoring.export import module_files, quiz_yaml_with_lines, spec_from_data
from skillapp.authoring.export import spec_to_data as _spec_to_data
from skillapp.authoring.images import ImageRejected, check_upload, extension_for, image_bytes
from skillapp.authoring.loader import (
    DEFAULT_PASS_MARK,
    IMAGES_DIR,
    KEY_RE,
    KIND_ASSESSMENT,
    LESSONS_DIR,
    MAX_KEY,
    MAX_SLUG,
    QUIZ_FILE,
    REVIEW_ALWAYS,
    SLUG_RE,
    ImageSpec,
    LessonSpec,
    LoadResult,
    ModuleSpec,
    Problem,
    QuestionSpec,
    QuizSpec,
    lesson_file_name,
    load_module_files,
)
from skillapp.authoring.models import ContentImage, ModuleChange, ModuleDraft
from skillapp.authoring.sync import SyncConflict, SyncReport, spec_from_version, sync_modules
from skillapp.db import utcnow
from skillapp.learning.models import Module, ModuleVersion
from skillapp.util.ordering import moved_positions

__all__ = ["ImageRejected"]


class EditorError(Exception):
    """A request the editor refuses; ``code`` names the reason, ``params`` fill its message."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


# --- history ------------------------------------------------------------------------


def record_change(session: Session, module_id: int, user_id: int | None, action: str, **detail):
    session.add(ModuleChange(module_id=module_id, user_id=user_id, action=action, detail=detail))


def module_history(session: Session, module_id: int) -> list[ModuleChange]:
    """The module's changes, newest first."""
    return list(
        session.scalars(
            select(ModuleChange)
            .where(ModuleChange.module_id == module_id)
            .order_by(ModuleChange.at.desc(), ModuleChange.id.desc())
        )
    )


# --- modules and drafts -------------------------------------------------------------


def _empty_spec(
    slug: str, kind: str, title: str, category: str, summary: str, order: int = 0
) -> ModuleSpec:
    return ModuleSpec(
        slug=slug,
        kind=kind,
        title=title,
        category=category,
        summary=summary,
        order=order,
        estimated_minutes=None,
        tags=[],
        lessons=[],
        quiz=QuizSpec(
            draw=None,
            stratify_by=[],
            time_limit_minutes=None,
            max_attempts=None,
            shuffle_questions=kind == KIND_ASSESSMENT,
            shuffle_options=False,
            questions=[],
            review=REVIEW_ALWAYS,
        ),
    )


def module_order(module: Module, draft: ModuleDraft | None) -> int:
    """Where a module stands in the lists (``order`` in module.yaml): its
    published version's, or for a module never published its draft's."""
    if module.current_version is not None:
        return module.current_version.sort_order
    return int((draft.spec if draft else {}).get("order") or 0)


def authoring_modules(session: Session) -> list[tuple[Module, ModuleDraft | None]]:
    """Every module, published or not, with its draft, in the learners' order
    (``order``, then slug); a module never published where its draft puts it."""
    drafts = {d.module_id: d for d in session.scalars(select(ModuleDraft))}
    modules = list(session.scalars(select(Module)))
    rows = [(m, drafts.get(m.id)) for m in modules]
    rows.sort(key=lambda row: (module_order(*row), row[0].slug))
    return rows


# How far apart new modules are placed, so that a content folder can slot one in between.
ORDER_STEP = 10


def next_module_order(session: Session) -> int:
    """The ``order`` that puts a new module after every other one."""
    rows = authoring_modules(session)
    return max((module_order(*row) for row in rows), default=0) + ORDER_STEP


def move_module(session: Session, module: Module, step: int, user_id: int, *, ip: str = "") -> bool:
    """Move a module one place up (-1) or down (+1) in the list of modules, for
    learners, HR's dashboards and the editor alike. Returns False when it is
    already first or last.

    This sets ``order`` (module.yaml) on the modules that trade places. Where
    the module stands is not part of what learners study: the published
    version takes its new order in place, with the content hash of its files
    as they now export (so exporting and syncing them makes no new version),
    and an open draft takes it too (so publishing it keeps the new place)."""
    # Two moves at once take turns (PostgreSQL), the second reading the first's
    # result; FOR NO KEY UPDATE does not hold up attempts that refer to a module.
    session.flush()
    if session.get_bind().dialect.name == "sqlite":
        # SQLite: its write lock before the reads (an update that changes nothing).
        session.execute(
            update(Module)
            .where(false())
            .values(kind=Module.kind)
            .execution_options(synchronize_session=False)
        )
    session.execute(select(Module.id).order_by(Module.id).with_for_update(key_share=True)).all()
    session.expire_all()
    rows = authoring_modules(session)
    index = next(i for i, (m, _draft) in enumerate(rows) if m.id == module.id)
    orders = moved_positions([module_order(*row) for row in rows], index, step)
    if orders is None:
        return False
    for (other, draft), order in zip(rows, orders, strict=True):
        before = module_order(other, draft)
        if order == before:
            continue
        _set_order(session, other, draft, order)
        record_change(session, other.id, user_id, "order_changed", before=before, after=order)
    record_event(
        session,
        "order_changed",
        actor_id=user_id,
        object_type="module",
        object_id=module.slug,
        ip=ip,
        before=index + 1,
        after=index + 1 + step,
    )
    session.flush()
    return True


def _set_order(session: Session, module: Module, draft: ModuleDraft | None, order: int) -> None:
    version = module.current_version
    if version is not None:
        version.sort_order = order
        session.flush()
        version.content_hash = spec_from_version(session, version).content_hash
    if draft is not None:
        draft.spec = {**draft.spec, "order": order}


def module_for_editing(session: Session, slug: str) -> Module | None:
    return session.scalar(select(Module).where(Module.slug == slug))


def get_draft(session: Session, module: Module, *, for_update: bool = False) -> ModuleDraft | None:
    """The module's draft; ``for_update`` locks its row (PostgreSQL) so that two
    authors saving at the same moment cannot lose one another's change."""
    query = select(ModuleDraft).where(ModuleDraft.module_id == module.id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


# --- names made from titles ----------------------------------------------------------

# Generated slugs and keys keep to this many characters of words.
_WORDS_MAX = 60


def slug_from_title(title: str) -> str | None:
    """A readable slug from a title written in Latin letters and digits
    ("Data Basics" → "data-basics", full-width letters read as such); None for
    a title with any other letters (a Japanese one).

    Japanese titles are not romanised: a reading needs a dictionary and
    morphological analysis (kanji have several readings), and the libraries
    that do it well bring a large dictionary (cutlet with MeCab and UniDic) or
    a GPL licence (pykakasi) into an app that must install on a closed network;
    a wrong reading would also be worse than a plain number."""
    text = unicodedata.normalize("NFKC", title or "")
    if any(ord(char) > 127 and char.isalnum() for char in text):
        return None
    words = re.findall(r"[a-z0-9]+", text.lower())
    while words and len("-".join(words)) > _WORDS_MAX:
        words.pop()
    return "-".join(words) or None


def generated_slug(session: Session, title: str) -> str:
    """A free slug for a new module: from its title when it is written in Latin
    letters (data-basics, data-basics-2 …), else module-N."""
    taken = set(session.scalars(select(Module.slug)))
    base = slug_from_title(title)
    if base is not None:
        slug, number = base, 2
        while slug in taken:
            slug, number = f"{base}-{number}", number + 1
        return slug
    number = len(taken) + 1
    while f"module-{number}" in taken:
        number += 1
    return f"module-{number}"


_NUMBERED = re.compile(r"^(\d+)")


def generated_lesson_key(spec: ModuleSpec, title: str) -> str:
    """A key for a new lesson that puts it last (lessons are read in key order):
    the next number, then the title's words (02-check-the-figures) or
    「lesson」 for a title in other letters (02-lesson)."""
    used = {lesson.key for lesson in spec.lessons}
    numbers = [int(m.group(1)) for key in used if (m := _NUMBERED.match(key))]
    number = max(numbers, default=0) + 1
    words = slug_from_title(title) or "lesson"
    while f"{number:02d}-{words}" in used:
        number += 1
    return f"{number:02d}-{words}"


def generated_question_key(spec: ModuleSpec) -> str:
    """A free id for a new question: q-01, q-02 …"""
    used = {q.key for q in spec.quiz.questions}
    number = len(used) + 1
    while f"q-{number:02d}" in used:
        number += 1
    return f"q-{number:02d}"


def create_module(
    session: Session,
    *,
    slug: str,
    kind: str,
    title: str,
    category: str,
    summary: str,
    user_id: int,
) -> ModuleDraft:
    """A new module, unpublished, with an empty draft. Learners see nothing until
    it is published. Without a slug one is made from the title. Raises
    EditorError("bad_slug" | "slug_taken")."""
    slug = (slug or "").strip() or generated_slug(session, title)
    if not SLUG_RE.match(slug) or len(slug) > MAX_SLUG:
        raise EditorError("bad_slug")
    if session.scalar(select(exists().where(Module.slug == slug))):
        raise EditorError("slug_taken", slug=slug)
    order = next_module_order(session)  # a new module goes last
    module = Module(slug=slug, kind=kind)
    session.add(module)
    session.flush()
    spec = _empty_spec(slug, kind, title.strip(), category, summary.strip(), order)
    draft = ModuleDraft(
        module=module, spec=spec_to_data(spec), created_by_id=user_id, updated_by_id=user_id
    )
    session.add(draft)
    record_change(session, module.id, user_id, "module_created")
    session.flush()
    return draft


def start_draft(session: Session, module: Module, user_id: int) -> ModuleDraft:
    """The module's draft; a published module without one gets a copy of its current
    version. Learners keep seeing that version until the draft is published."""
    draft = get_draft(session, module)
    if draft is not None:
        return draft
    version = module.current_version
    if version is None:
        raise EditorError("no_version")
    draft = ModuleDraft(
        module=module,
        base_version_id=version.id,
        spec=spec_to_data(spec_from_version(session, version)),
        created_by_id=user_id,
        updated_by_id=user_id,
    )
    session.add(draft)
    record_change(session, module.id, user_id, "draft_created", version=version.number)
    session.flush()
    return draft


def spec_to_data(spec: ModuleSpec) -> dict:
    # Lessons are read in file-name order: keep the draft in that order too.
    lessons = sorted(spec.lessons, key=lambda lesson: lesson_file_name(lesson.key))
    return _spec_to_data(replace(spec, lessons=lessons))


def draft_spec(session: Session, draft: ModuleDraft, *, with_images: bool = False) -> ModuleSpec:
    data = draft.spec
    images = {}
    if with_images:
        images = image_bytes(session, [i["sha256"] for i in data.get("images", [])])
    return spec_from_data(data, images)


def save_draft(
    session: Session, draft: ModuleDraft, spec: ModuleSpec, user_id: int, action: str, **detail
) -> None:
    draft.spec = spec_to_data(spec)
    draft.updated_at = utcnow()
    draft.updated_by_id = user_id
    record_change(session, draft.module_id, user_id, action, **detail)
    session.flush()


def is_stale(draft: ModuleDraft) -> bool:
    """True when a version was published (from files or an import) after the draft began."""
    current = draft.module.current_version_id
    return current is not None and current != draft.base_version_id


# --- validation ---------------------------------------------------------------------


@dataclass
class Located:
    """A problem and the part of the draft it belongs to."""

    problem: Problem
    section: str  # module | quiz | lesson | question | image
    key: str | None = None


@dataclass
class Validation:
    spec: ModuleSpec | None  # the draft as the loader reads it, when valid
    problems: list[Located] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def for_item(self, section: str, key: str | None = None) -> list[Problem]:
        return [p.problem for p in self.problems if p.section == section and p.key == key]


def validate_draft(session: Session, draft: ModuleDraft) -> Validation:
    """Every problem of the draft, exactly as ``content sync`` would report its files."""
    spec = draft_spec(session, draft, with_images=True)
    loaded = load_module_files(spec.slug, module_files(spec), label=spec.slug)
    _text, ranges = quiz_yaml_with_lines(spec.quiz)
    located = [_locate(problem, spec.slug, ranges) for problem in loaded.problems]
    return Validation(spec=loaded.modules[0] if loaded.ok else None, problems=located)


def _locate(problem: Problem, slug: str, ranges: dict[str, tuple[int, int]]) -> Located:
    path = problem.file[len(slug) + 1 :] if problem.file.startswith(slug + "/") else ""
    parts = PurePosixPath(path).parts
    if path == QUIZ_FILE:
        for key, (first, last) in ranges.items():
            if problem.line is not None and first <= problem.line <= last:
                return Located(problem, "question", key)
        return Located(problem, "quiz")
    if len(parts) == 2 and parts[0] == LESSONS_DIR:
        return Located(problem, "lesson", PurePosixPath(parts[1]).stem)
    if len(parts) == 2 and parts[0] == IMAGES_DIR:
        return Located(problem, "image", parts[1])
    if parts == (LESSONS_DIR,):
        return Located(problem, "lessons")
    return Located(problem, "module")


# --- editing ------------------------------------------------------------------------


def _check_key(key: str) -> None:
    if not KEY_RE.match(key) or len(key) > MAX_KEY:
        raise EditorError("bad_key")


def update_module_settings(
    session: Session,
    draft: ModuleDraft,
    user_id: int,
    *,
    title: str,
    category: str,
    summary: str,
    estimated_minutes: int | None,
    tags: list[str],
) -> None:
    """The module's texts and settings; its place in the list is ``move_module``'s."""
    spec = draft_spec(session, draft)
    spec = replace(
        spec,
        title=title.strip(),
        category=category,
        summary=summary.strip(),
        estimated_minutes=estimated_minutes,
        tags=tags,
    )
    save_draft(session, draft, spec, user_id, "module_edited")


def update_quiz_settings(
    session: Session,
    draft: ModuleDraft,
    user_id: int,
    *,
    draw: int | None,
    stratify_by: list[str],
    time_limit_minutes: int | None,
    max_attempts: int | None,
    cooldown_minutes: int | None,
    shuffle_questions: bool,
    shuffle_options: bool,
    review: str,
    max_attempts_per_year: int | None = None,
    stratify_counts: dict[str, int] | None = None,
    pass_mark: int | None = None,
) -> None:
    """The quiz settings; an empty pass mark is the default (70)."""
    spec = draft_spec(session, draft)
    quiz = replace(
        spec.quiz,
        pass_mark=DEFAULT_PASS_MARK if pass_mark is None else pass_mark,
        draw=draw,
        stratify_by=stratify_by,
        stratify_counts=stratify_counts,
        time_limit_minutes=time_limit_minutes,
        max_attempts=max_attempts,
        max_attempts_per_year=max_attempts_per_year,
        cooldown_minutes=cooldown_minutes,
        shuffle_questions=shuffle_questions,
        shuffle_options=shuffle_options,
        review=review,
    )
    save_draft(session, draft, replace(spec, quiz=quiz), user_id, "quiz_settings_edited")


def find_lesson(spec: ModuleSpec, key: str) -> LessonSpec | None:
    return next((lesson for lesson in spec.lessons if lesson.key == key), None)


def save_lesson(
    session: Session,
    draft: ModuleDraft,
    user_id: int,
    *,
    old_key: str | None,
    key: str,
    title: str,
    minutes: int | None,
    body_md: str,
) -> LessonSpec:
    """Add a lesson (``old_key`` None) or replace one; a changed key renames it.
    Without a key a new lesson gets one made from its title (and an existing
    one keeps its own). Raises EditorError("bad_key" | "key_taken" | "not_found")."""
    spec = draft_spec(session, draft)
    key = (key or "").strip() or old_key or generated_lesson_key(spec, title)
    _check_key(key)
    lessons = list(spec.lessons)
    index = None
    if old_key is not None:
        index = next((i for i, lesson in enumerate(lessons) if lesson.key == old_key), None)
        if index is None:
            raise EditorError("not_found")
    if key != old_key and any(lesson.key == key for lesson in lessons):
        raise EditorError("key_taken", key=key)
    lesson = LessonSpec(
        key=key,
        title=" ".join(title.split()),
        body_md=_normalise_text(body_md),
        minutes=minutes,
    )
    if index is None:
        lessons.append(lesson)
        action, detail = "lesson_added", {"lesson": key}
    else:
        lessons[index] = lesson
        action, detail = "lesson_edited", {"lesson": key}
        if key != old_key:
            detail["renamed_from"] = old_key
    save_draft(session, draft, replace(spec, lessons=lessons), user_id, action, **detail)
    return lesson


def delete_lesson(session: Session, draft: ModuleDraft, user_id: int, key: str) -> None:
    spec = draft_spec(session, draft)
    if find_lesson(spec, key) is None:
        raise EditorError("not_found")
    lessons = [lesson for lesson in spec.lessons if lesson.key != key]
    save_draft(
        session, draft, replace(spec, lessons=lessons), user_id, "lesson_deleted", lesson=key
    )


def _normalise_text(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return text.strip("\n").rstrip() + "\n" if text.strip() else ""


def find_question(spec: ModuleSpec, key: str) -> QuestionSpec | None:
    return next((q for q in spec.quiz.questions if q.key == key), None)


def published_question_keys(session: Session, module_id: int) -> set[str]:
    """Keys of questions that some published version holds (attempts may show them)."""
    return set(
        session.scalars(
            select(Question.key)
            .join(ModuleVersion, ModuleVersion.id == Question.version_id)
            .where(ModuleVersion.module_id == module_id)
            .distinct()
        )
    )


def save_question(
    session: Session,
    draft: ModuleDraft,
    user_id: int,
    *,
    old_key: str | None,
    question: QuestionSpec,
) -> QuestionSpec:
    """Add a question (``old_key`` None) or replace one. A published question keeps
    its key (attempts and statistics follow it); whether it is retired is kept.
    Without a key a new question gets the next free q-NN (an existing one keeps
    its own). Raises EditorError("bad_key" | "key_taken" | "not_found" |
    "published_key")."""
    spec = draft_spec(session, draft)
    if not question.key.strip():
        question = replace(question, key=old_key or generated_question_key(spec))
    _check_key(question.key)
    questions = list(spec.quiz.questions)
    index = None
    if old_key is not None:
        index = next((i for i, q in enumerate(questions) if q.key == old_key), None)
        if index is None:
            raise EditorError("not_found")
        if question.key != old_key and old_key in published_question_keys(session, draft.module_id):
            raise EditorError("published_key", key=old_key)
        question = replace(question, retired=questions[index].retired)
    if question.key != old_key and any(q.key == question.key for q in questions):
        raise EditorError("key_taken", key=question.key)
    if index is None:
        questions.append(question)
        action = "question_added"
    else:
        questions[index] = question
        action = "question_edited"
    quiz = replace(spec.quiz, questions=questions)
    save_draft(session, draft, replace(spec, quiz=quiz), user_id, action, question=question.key)
    return question


def delete_question(session: Session, draft: ModuleDraft, user_id: int, key: str) -> None:
    """Remove a question that was never published; a published one can only be retired."""
    spec = draft_spec(session, draft)
    if find_question(spec, key) is None:
        raise EditorError("not_found")
    if key in published_question_keys(session, draft.module_id):
        raise EditorError("published_question", key=key)
    quiz = replace(spec.quiz, questions=[q for q in spec.quiz.questions if q.key != key])
    save_draft(session, draft, replace(spec, quiz=quiz), user_id, "question_deleted", question=key)


def set_question_retired(
    session: Session, draft: ModuleDraft, user_id: int, key: str, retired: bool, *, ip: str = ""
) -> None:
    """Retire a question (drawn no more once published) or bring it back."""
    spec = draft_spec(session, draft)
    question = find_question(spec, key)
    if question is None:
        raise EditorError("not_found")
    if question.retired == retired:
        return
    questions = [replace(q, retired=retired) if q.key == key else q for q in spec.quiz.questions]
    action = "question_retired" if retired else "question_restored"
    quiz = replace(spec.quiz, questions=questions)
    save_draft(session, draft, replace(spec, quiz=quiz), user_id, action, question=key)
    record_event(
        session,
        action,
        actor_id=user_id,
        object_type="module",
        object_id=draft.module.slug,
        ip=ip,
        question=key,
    )


def move_question(session: Session, draft: ModuleDraft, user_id: int, key: str, step: int) -> None:
    """Move a question one place up (step -1) or down (+1) in the quiz."""
    spec = draft_spec(session, draft)
    questions = list(spec.quiz.questions)
    index = next((i for i, q in enumerate(questions) if q.key == key), None)
    if index is None:
        raise EditorError("not_found")
    target = index + step
    if not 0 <= target < len(questions):
        return
    questions[index], questions[target] = questions[target], questions[index]
    quiz = replace(spec.quiz, questions=questions)
    save_draft(session, draft, replace(spec, quiz=quiz), user_id, "question_moved", question=key)


# --- images -------------------------------------------------------------------------


def _image_name(file_name: str, content_type: str, taken: set[str]) -> str:
    stem = PurePosixPath((file_name or "").replace("\\", "/")).stem
    stem = unicodedata.normalize("NFKC", stem)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-_")[:60] or "image"
    ext = extension_for(content_type)
    name = f"{stem}.{ext}"
    number = 2
    while name in taken:
        name = f"{stem}-{number}.{ext}"
        number += 1
    return name


def add_image(
    session: Session, draft: ModuleDraft, user_id: int, *, file_name: str, data: bytes
) -> ImageSpec:
    """Keep an uploaded image for the draft and return it (with the name lessons use).

    The type is read from the bytes (PNG, JPEG, GIF, WebP; SVG refused), the size
    is limited; raises ImageRejected. The same picture uploaded twice is one image.
    """
    content_type = check_upload(data)
    sha = hashlib.sha256(data).hexdigest()
    spec = draft_spec(session, draft)
    for image in spec.images:
        if image.sha256 == sha:
            return image
    image = ImageSpec(
        name=_image_name(file_name, content_type, {i.name for i in spec.images}),
        content_type=content_type,
        sha256=sha,
        data=data,
    )
    if session.get(ContentImage, sha) is None:
        session.add(
            ContentImage(
                sha256=sha,
                content_type=content_type,
                size=len(data),
                data=data,
                created_by_id=user_id,
            )
        )
    images = sorted([*spec.images, image], key=lambda i: i.name)
    save_draft(
        session, draft, replace(spec, images=images), user_id, "image_uploaded", image=image.name
    )
    return image


def delete_image(session: Session, draft: ModuleDraft, user_id: int, name: str) -> None:
    """Remove an image from the draft (published versions keep theirs)."""
    spec = draft_spec(session, draft)
    if not any(image.name == name for image in spec.images):
        raise EditorError("not_found")
    images = [image for image in spec.images if image.name != name]
    save_draft(session, draft, replace(spec, images=images), user_id, "image_deleted", image=name)


# --- publish, discard ---------------------------------------------------------------


@dataclass
class PublishResult:
    version: int | None = None
    validation: Validation | None = None
    unchanged: bool = False


def publish_draft(
    session: Session, draft: ModuleDraft, user_id: int, *, ip: str = ""
) -> PublishResult:
    """Publish a valid draft as the module's next version, which learners see from
    then on; attempts keep the version they were taken on. The draft is closed.

    With problems nothing changes (``validation`` lists them). A draft that equals
    the current version publishes nothing (``unchanged``) and stays.
    """
    validation = validate_draft(session, draft)
    if not validation.ok:
        return PublishResult(validation=validation)
    spec = validation.spec
    module = draft.module
    current = module.current_version
    if current is not None and current.content_hash == spec.content_hash:
        return PublishResult(validation=validation, unchanged=True)
    session.delete(draft)
    session.flush()
    report = sync_modules(session, [spec], by_user_id=user_id, action="published")
    number = report.versions[module.slug]
    record_event(
        session,
        "module_published",
        actor_id=user_id,
        object_type="module",
        object_id=module.slug,
        ip=ip,
        version=number,
    )
    return PublishResult(version=number, validation=validation)


def discard_draft(session: Session, draft: ModuleDraft, user_id: int, *, ip: str = "") -> bool:
    """Throw the draft away. A module never published goes with it (it has no
    attempts, progress or versions). Returns True when the module was removed."""
    module = draft.module
    slug = module.slug
    session.delete(draft)
    removed = module.current_version_id is None
    if removed:
        session.flush()
        session.execute(delete(ModuleChange).where(ModuleChange.module_id == module.id))
        session.delete(module)
    else:
        record_change(session, module.id, user_id, "draft_discarded")
    record_event(
        session,
        "draft_discarded",
        actor_id=user_id,
        object_type="module",
        object_id=slug,
        ip=ip,
        module_removed=removed,
    )
    session.flush()
    return removed


# --- export and import --------------------------------------------------------------


def published_spec(session: Session, module: Module) -> ModuleSpec | None:
    """The module's latest published version as a spec (with its images), or None."""
    if module.current_version is None:
        return None
    return spec_from_version(session, module.current_version)


@dataclass
class ImportPlan:
    """What importing a valid module would do: ``outcome`` new | update | unchanged."""

    spec: ModuleSpec
    outcome: str
    version: int | None = None
    has_draft: bool = False
    kind_conflict: bool = False


def plan_import(session: Session, spec: ModuleSpec) -> ImportPlan:
    module = module_for_editing(session, spec.slug)
    if module is None:
        return ImportPlan(spec, "new", 1)
    has_draft = get_draft(session, module) is not None
    if module.kind != spec.kind:
        return ImportPlan(spec, "update", None, has_draft, kind_conflict=True)
    current = module.current_version
    if current is not None and current.content_hash == spec.content_hash:
        return ImportPlan(spec, "unchanged", current.number, has_draft)
    latest = max(
        (
            v
            for v in session.scalars(
                select(ModuleVersion.number).where(ModuleVersion.module_id == module.id)
            )
        ),
        default=0,
    )
    return ImportPlan(spec, "update" if latest else "new", latest + 1, has_draft)


def import_loaded(
    session: Session,
    loaded: LoadResult,
    *,
    user_id: int | None,
    source: str,
    via: str,
    ip: str = "",
) -> SyncReport:
    """Load one validated module (a folder or a zip) like ``content sync`` does;
    recorded as "imported" in its history and in the audit log."""
    if loaded.problems:
        return SyncReport(problems=loaded.problems)
    try:
        report = sync_modules(
            session,
            loaded.modules,
            by_user_id=user_id,
            action="imported",
            detail={"source": source},
        )
    except SyncConflict as conflict:
        return SyncReport(problems=conflict.problems)
    [spec] = loaded.modules
    record_event(
        session,
        "content_import",
        actor_id=user_id,
        object_type="module",
        object_id=spec.slug,
        ip=ip,
        source=source,
        via=via,
        version=report.versions.get(spec.slug),
        unchanged=not report.changed,
    )
    return report
