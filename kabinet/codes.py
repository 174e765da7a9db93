"""Short one-time codes typed by hand (confirmation codes, control strings) and how they are stored."""

import hashlib
import hmac
import secrets

# No 0/O, 1/I/L: a code read from a phone screen is typed without guessing.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(length: int) -> str:
    """A random code of the unambiguous alphabet."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize(typed: str) -> str:
    """What the user meant: case, spaces and dashes do not matter."""
    return "".join(ch for ch in typed.upper() if ch not in " -\t")


def digest(code: str) -> str:
    """The form a code is stored in: random codes need a fast hash, not a password hash."""
    return hashlib.sha256(normalize(code).encode()).hexdigest()


def matches(typed: str, stored_digest: str | None) -> bool:
    return bool(stored_digest) and hmac.compare_digest(digest(typed), stored_digest)
