"""Japanese (translated) texts for the editor: refusals, content problems, history."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from skillapp.authoring.loader import Problem

_EDITOR_ERRORS = {
    "bad_slug": _l("Use lower-case letters a-z, digits and single hyphens, e.g. data-basics."),
    "slug_taken": _l("The address name %(slug)s is already used by another module."),
    "bad_key": _l("Use only letters, digits, - and _."),
    "key_taken": _l("The id %(key)s is already used in this module."),
    "published_key": _l(
        "The question %(key)s has been published: its id cannot change (past attempts and "
        "statistics follow it). Add a new question instead, and retire this one."
    ),
    "published_question": _l(
        "The question %(key)s has been published, so it cannot be deleted: retire it instead. "
        "A retired question is drawn no more, and past attempts keep it."
    ),
    "not_found": _l("It is no longer in the draft."),
    "no_version": _l("This module has no published version to start from."),
}

_IMAGE_ERRORS = {
    "too_large": _l("The image is larger than 2 MB. Make it smaller and upload it again."),
    "svg": _l("SVG images are not accepted (they can carry script). Use PNG, JPEG, GIF or WebP."),
    "not_image": _l("The file is not a PNG, JPEG, GIF or WebP image."),
}

# Keys of the content format, as the editor labels them.
FIELD_LABELS = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "category": _l("Category"),
    "order": _l("Order in the list"),
    "estimated_minutes": _l("Estimated time (minutes)"),
    "tags": _l("Tags"),
    "pass_mark": _l("Pass mark"),
    "draw": _l("Questions per attempt"),
    "stratify_by": _l("Draw evenly from these tags"),
    "time_limit_minutes": _l("Time limit (minutes)"),
    "max_attempts": _l("Maximum attempts"),
    "max_attempts_per_year": _l("Maximum attempts in a fiscal year"),
    "group": _l("Group (questions that answer each other)"),
    "cooldown_minutes": _l("Pause between attempts (minutes)"),
    "review": _l("When the review shows the correct answers and explanations"),
    "questions": _l("Questions"),
    "text": _l("Question"),
    "explanation": _l("Explanation (shown in the review)"),
    "weight": _l("Weight"),
    "options": _l("Options"),
    "answer": _l("Correct answer"),
}


def editor_error(error) -> str:
    message = _EDITOR_ERRORS.get(error.code)
    if message is None:
        return error.code
    return str(message) % error.params if error.params else str(message)


def image_error(error) -> str:
    return str(_IMAGE_ERRORS[error.code])


def problem_text(problem: Problem) -> str:
    """A content problem in the page's language, fields named as the editor names them."""
    if problem.msg is None:
        return problem.message
    return problem.msg.render(gettext, key_label=_key_label)


def _key_label(value):
    label = FIELD_LABELS.get(value)
    return f"{label}" if label is not None else value


CHANGE_LABELS = {
    "module_created": _l("Created the module"),
    "draft_created": _l("Started a draft from version %(version)s"),
    "module_edited": _l("Edited the module settings"),
    "quiz_settings_edited": _l("Edited the quiz settings"),
    "lesson_added": _l("Added lesson %(lesson)s"),
    "lesson_edited": _l("Edited lesson %(lesson)s"),
    "lesson_renamed": _l("Edited lesson %(lesson)s (formerly %(renamed_from)s)"),
    "lesson_deleted": _l("Deleted lesson %(lesson)s"),
    "question_added": _l("Added question %(question)s"),
    "question_edited": _l("Edited question %(question)s"),
    "question_deleted": _l("Deleted question %(question)s"),
    "question_moved": _l("Moved question %(question)s"),
    "order_changed": _l("Changed its place in the list of modules (order %(before)s → %(after)s)"),
    "question_retired": _l("Retired question %(question)s"),
    "question_restored": _l("Put question %(question)s back in use"),
    "image_uploaded": _l("Uploaded image %(image)s"),
    "image_deleted": _l("Removed image %(image)s"),
    "published": _l("Published version %(version)s"),
    "draft_discarded": _l("Discarded the draft"),
    "synced": _l("Loaded version %(version)s from the content files (content sync)"),
    "imported": _l("Imported version %(version)s from %(source)s"),
}


def change_label(change) -> str:
    detail = dict(change.detail or {})
    action = change.action
    if action == "lesson_edited" and detail.get("renamed_from"):
        action = "lesson_renamed"
    label = CHANGE_LABELS.get(action)
    if label is None:
        return action
    try:
        return str(label) % detail if detail else str(label)
    except (KeyError, TypeError, ValueError):
        return str(label)
