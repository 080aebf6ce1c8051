"""Password hashing and policy (OWASP ASVS 4.0 level 2, V2.1 and V2.4).

Hashes are argon2id (argon2-cffi's RFC 9106 low-memory profile). Policy: a length
of at least 8 and at most 128 characters, not on the list of common passwords,
not the staff number, and no composition rules.
"""

import contextlib
import gzip
import hashlib
import hmac
import secrets
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


# First passwords issued in bulk (the roster import) are random, about 80 bits,
# and must be changed at first login. A slow hash protects guessable human
# passwords; for a random secret of that strength a salted SHA-256 is as safe
# and lets an import issue thousands in a second.
_ONE_TIME_PREFIX = "$skillapp-onetime-sha256$"


def hash_one_time_passwords(passwords: list[str]) -> list[str]:
    """Each password with its own random 128-bit salt; the salts drawn at once."""
    salts = secrets.token_hex(16 * len(passwords))
    hashed = []
    for i, password in enumerate(passwords):
        salt = salts[32 * i : 32 * i + 32]
        digest = hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()
        hashed.append(f"{_ONE_TIME_PREFIX}{salt}${digest}")
    return hashed


def _verify_one_time(password_hash: str, password: str) -> bool:
    salt, digest = password_hash[len(_ONE_TIME_PREFIX) :].split("$", 1)
    expected = hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()
    return hmac.compare_digest(expected, digest)


def verify_password(password_hash: str | None, password: str) -> bool:
    if password_hash and password_hash.startswith(_ONE_TIME_PREFIX):
        return _verify_one_time(password_hash, password.strip())
    if not password_hash:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, _normalise(password) + "x")
        return False
    try:
        return _hasher.verify(password_hash, _normalise(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    if password_hash.startswith(_ONE_TIME_PREFIX):
        return True
    return _hasher.check_needs_rehash(password_hash)


@cache
def common_passwords() -> frozenset[str]:
    """Refused passwords (ASVS 2.1.7): our own list of obvious local choices, and
    the 8,000-odd breached passwords long enough to pass the length rule from
    the 20,000 most common (the list Django ships)."""
    folder = resources.files("skillapp.auth")
    text = folder.joinpath("common_passwords.txt").read_text("utf-8")
    text += (
        "\n" + gzip.decompress(folder.joinpath("breached_passwords.txt.gz").read_bytes()).decode()
    )
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
