"""Secret tokens carried in links: share links, invitations and password resets.

A link carries a long random token; only the token's SHA-256 is stored, so neither the
database, its backups nor the audit log can give a working link away. A presented token is
looked up by its hash: someone guessing cannot choose what the hash of their guess begins
with, so how long a failed lookup takes tells them nothing about any real token.

Pure: no Flask, no database.
"""

import hashlib
import re
import secrets

TOKEN_BYTES = 32  # 256 bits: 43 characters of URL-safe base64
# What a token can look like; anything else is refused without touching the database.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43,128}")


def new_token() -> str:
    """A new random token for a link."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """The SHA-256 of a token, as stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_a_token(token: str) -> bool:
    """Whether `token` has the shape of one `new_token` makes."""
    return TOKEN_SHAPE.fullmatch(token) is not None
