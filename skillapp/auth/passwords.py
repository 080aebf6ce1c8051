"""Password hashing and policy (OWASP ASVS 4.0 level 2, V2.1 and V2.4).

Hashes are argon2id (argon2-cffi's RFC 9106 low-memory profile). Policy: at
least 8 characters that show (invisible ones left out, a run of spaces counted
once) and at most 128, no control characters, not on the list of common
passwords, not the staff number, and no composition rules.
"""

import contextlib
import gzip
import hashlib
import hmac
import re
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


def _one_time_input(password: str) -> str:
    # A first password is copied from a list: spaces pasted around it are not
    # part of it. Every check of a one-time hash reads the input this way.
    return password.strip()


def _spend(password: str) -> None:
    """The slow check every failed login pays for, whatever the account: an
    argon2 verification against a hash nobody's password matches."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, _normalise(password) + "x")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Does ``password`` match the hash? Each call computes exactly one argon2
    verification, so that the time taken tells nothing about the account:
    whether it exists, has a password, holds an unused first password (a fast
    salted SHA-256) or a damaged hash."""
    if password_hash and password_hash.startswith(_ONE_TIME_PREFIX):
        ok = _verify_one_time(password_hash, _one_time_input(password))
        _spend(password)
        return ok
    if password_hash:
        try:
            return _hasher.verify(password_hash, _normalise(password))
        except VerificationError:
            return False
        except InvalidHashError:
            pass  # refused before any work: spend it below, as for no hash
    _spend(password)
    return False


def needs_rehash(password_hash: str) -> bool:
    # A first password keeps its one-time hash until its owner chooses their
    # own (which they must, at once): rehashing it at the first login would
    # store the input as typed, spaces and all, while every check of a first
    # password ignores them, and lock the person out (issue 14, item 5).
    if password_hash.startswith(_ONE_TIME_PREFIX):
        return False
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


# Characters that show nothing (Unicode's Default_Ignorable_Code_Point: zero
# widths, joiners, direction marks, Hangul fillers, variation selectors, tags)
# and the blank braille pattern.
_INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x2800, 0x2800),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


def _is_invisible(char: str) -> bool:
    code = ord(char)
    return unicodedata.category(char) in ("Cc", "Cf") or any(
        low <= code <= high for low, high in _INVISIBLE_RANGES
    )


def _shown(password: str) -> str:
    """What a person sees of a password: invisible characters left out, and
    each run of spaces as one (ASVS 2.1.1 counts the length so)."""
    kept = "".join(" " if c.isspace() else c for c in password if not _is_invisible(c))
    return re.sub(" +", " ", kept)


def password_problems(
    password: str, *, staff_no: str = "", min_length: int = 8, max_length: int = 128
) -> list[str]:
    """Every reason the password is refused, as translatable messages; empty if fine.

    The same on every path that sets a password (the change form, the
    administrator's, the command line): no control characters, something that
    shows, and the minimum length counted in characters that show.
    """
    problems = []
    normalised = _normalise(password)
    if any(unicodedata.category(c) == "Cc" for c in normalised):
        problems.append(_l("Do not use control characters (such as NUL or tab) in a password."))
    shown = _shown(normalised)
    if not shown.strip():
        problems.append(_l("A password cannot be made only of spaces or invisible characters."))
    elif len(normalised) < min_length:
        problems.append(_l("Use at least %(n)d characters.", n=min_length))
    elif len(shown) < min_length:
        problems.append(
            _l(
                "Use at least %(n)d characters that show: invisible characters and "
                "repeated spaces do not count.",
                n=min_length,
            )
        )
    if len(normalised) > max_length:
        problems.append(_l("Use at most %(n)d characters.", n=max_length))
    lowered = normalised.lower()
    if lowered in common_passwords():
        problems.append(_l("This password is too common. Choose another."))
    elif staff_no and staff_no.lower() in lowered:
        problems.append(_l("Do not use your staff number in your password."))
    return problems
