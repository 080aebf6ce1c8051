"""Password hashing and policy (OWASP ASVS 4.0 level 2, V2.1 and V2.4).

Hashes are argon2id (argon2-cffi's RFC 9106 low-memory profile). Policy: a length
of at least 8 and at most 128 characters, not on the list of common passwords,
not the staff number, and no composition rules.
"""

import contextlib
import unicodedata
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.profiles import RFC_9106_LOW_MEMORY
from flask_babel import lazy_gettext as _l

_hasher = PasswordHasher.from_parameters(RFC_9106_LOW_MEMORY)

# Verified against when the account does not exist, so that the time taken
# does not tell which staff numbers have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password-for-timing")


def _normalise(password: str) -> str:
    # ASVS 2.1.x: Unicode is allowed; normalise so that the same password typed
    # with a different IME composition still matches.
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    return _hasher.hash(_normalise(password))


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, _normalise(password) + "x")
        return False
    try:
        return _hasher.verify(password_hash, _normalise(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    text = resources.files("skillapp.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def password_problems(
    password: str, *, staff_no: str = "", min_length: int = 8, max_length: int = 128
) -> list[str]:
    """Every reason the password is refused, as translatable messages; empty if fine."""
    problems = []
    normalised = _normalise(password)
    if len(normalised) < min_length:
        problems.append(_l("Use at least %(n)d characters.", n=min_length))
    if len(normalised) > max_length:
        problems.append(_l("Use at most %(n)d characters.", n=max_length))
    lowered = normalised.lower()
    if lowered in common_passwords():
        problems.append(_l("This password is too common. Choose another."))
    elif staff_no and staff_no.lower() in lowered:
        problems.append(_l("Do not use your staff number in your password."))
    return problems
