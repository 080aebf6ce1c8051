"""The steps of ``skillapp jobs run``.

Each is work the app also does when someone happens to ask (the first request
of the day, a learner opening an expired attempt, HR opening a dashboard, the
next upload), so that nothing waits for that someone. Every step is idempotent:
a second run finds nothing left to do.
"""

from collections.abc import Callable
from functools import partial

from sqlalchemy.orm import Session

from skillapp.assessment.services import close_expired_attempts
from skillapp.auth.sessions import end_expired_sessions
from skillapp.roster.services import apply_due_states
from skillapp.uploads.services import purge_expired_files

Step = tuple[str, Callable[[Session], int]]


def scheduled_steps(config) -> list[Step]:
    """(what is counted, the step) in the order they run; each step flushes
    and returns its count, the caller commits."""
    return [
        ("roster states brought into force", apply_due_states),
        ("attempts past their deadline closed", close_expired_attempts),
        ("expired pending files deleted", purge_expired_files),
        (
            "expired login sessions ended",
            partial(
                end_expired_sessions,
                idle_timeout=config["SESSION_IDLE_TIMEOUT"],
                absolute_timeout=config["SESSION_ABSOLUTE_TIMEOUT"],
            ),
        ),
    ]
