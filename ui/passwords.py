"""Password hashes for the chat UI's login (`REVIEWQA_CHAT_USERS`) and `reviewqa password`.

A hash reads `scrypt$N$r$p$salt$hash` (salt and hash in base64): hashlib.scrypt over the
password's UTF-8 (NFC) bytes with a random salt. Settings hold hashes, never passwords.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import getpass
import hashlib
import hmac
import secrets
import sys
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from index.errors import ConfigError

SCHEME = "scrypt"
N, R, P = 2**14, 8, 1  # 16 MiB and ~50 ms a check: the scrypt paper's interactive login
SALT_BYTES, HASH_BYTES = 16, 32
MIN_N = 2**14  # a cheaper hash is guessed too fast once stolen
MAX_MEMORY = 256 * 1024 * 1024  # a dearer one would let a few logins exhaust the server
MIN_PASSWORD_CHARS = 12
FORMAT = "scrypt$N$r$p$salt$hash"


@dataclass(frozen=True)
class PasswordHash:
    """A parsed `scrypt$N$r$p$salt$hash`."""

    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes = field(repr=False)

    def matches(self, password: str) -> bool:
        """Is `password` the one this hash was made from? (constant-time compare)"""
        derived = _scrypt(password, self.salt, self.n, self.r, self.p, len(self.digest))
        return hmac.compare_digest(derived, self.digest)

    def __str__(self) -> str:
        salt, digest = (base64.b64encode(b).decode() for b in (self.salt, self.digest))
        return f"{SCHEME}${self.n}${self.r}${self.p}${salt}${digest}"


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, size: int) -> bytes:
    secret = unicodedata.normalize("NFC", password).encode("utf-8")
    memory = 128 * r * (n + p + 2) + 1024 * 1024  # OpenSSL's own need, plus slack
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=memory, dklen=size)


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash` of `password`, with a random salt unless one is given."""
    salt = salt or secrets.token_bytes(SALT_BYTES)
    return str(PasswordHash(N, R, P, salt, _scrypt(password, salt, N, R, P, HASH_BYTES)))


def parse_hash(text: str) -> PasswordHash:
    """The parts of a hash string; ValueError saying what is wrong (never echoing `text`)."""
    parts = text.strip().split("$")
    if len(parts) != 6 or parts[0] != SCHEME:
        raise ValueError(f"it is not of the form {FORMAT}")
    try:
        n, r, p = (int(x) for x in parts[1:4])
    except ValueError:
        raise ValueError("N, r and p must be whole numbers") from None
    if n < MIN_N or n & (n - 1):
        raise ValueError(f"N must be a power of two, at least {MIN_N}")
    if not (1 <= r <= 64 and 1 <= p <= 16) or 128 * n * r > MAX_MEMORY:
        raise ValueError("r and p are out of bounds (scrypt would need too much memory)")
    try:
        salt, digest = (base64.b64decode(x, validate=True) for x in parts[4:6])
    except (binascii.Error, ValueError):
        raise ValueError("the salt and the hash must be base64") from None
    if len(salt) < 8 or len(digest) < 16:
        raise ValueError("the salt or the hash is too short")
    return PasswordHash(n, r, p, salt, digest)


def check_password(password: str, stored: str | PasswordHash) -> bool:
    """Is `password` the one `stored` was made from? Compared in constant time; a malformed
    `stored` is a ValueError."""
    return (parse_hash(stored) if isinstance(stored, str) else stored).matches(password)


# -- reviewqa password --------------------------------------------------------------------
def read_password() -> str:
    """The new password: typed twice at a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        password = getpass.getpass("New chat password: ")
        if getpass.getpass("Same password again: ") != password:
            raise ConfigError("the two passwords differ: run 'reviewqa password' again")
    else:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if len(password) < MIN_PASSWORD_CHARS:
        raise ConfigError(
            f"a chat password must be at least {MIN_PASSWORD_CHARS} characters: choose a longer "
            "one (a few random words make a good one)"
        )
    return password


def cmd_password(args: argparse.Namespace) -> int:
    print(hash_password(read_password()))
    if sys.stdin.isatty():
        print('put it in REVIEWQA_CHAT_USERS as {"NAME": "<the line above>"}', file=sys.stderr)
    return 0


def add_password_command(sub: Any) -> None:
    """Register `reviewqa password` on the CLI's subparsers."""
    p = sub.add_parser(
        "password",
        help="hash a chat UI password for REVIEWQA_CHAT_USERS (typed twice, or read from stdin)",
    )
    p.set_defaults(handler=cmd_password)
