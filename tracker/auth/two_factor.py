"""Two-factor sign-in: codes from an authenticator app (TOTP, RFC 6238) and one-off recovery codes.

Pure: no Flask and no database. The web layer stores what these functions return and passes it
back in.

Secrets are kept out of reach of a stolen database in two ways:

- A user's TOTP secret is stored sealed by `SecretBox`, whose key is derived from the app's
  secret key. That key lives in configuration, not in the database.
- Recovery codes are stored only as keyed hashes (`recovery_code_hash`), peppered with a value
  derived from the same secret key, so the hashes alone give nothing to try offline.

Changing the app's secret key therefore makes every stored TOTP secret and recovery code hash
useless: every user with two-factor sign-in must set it up again, or be reset by an administrator.
"""

import base64
import hashlib
import hmac
import re
import secrets
import time
from datetime import datetime

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ISSUER = "Improvement plan tracker"
RECOVERY_CODE_COUNT = 10
QR_CODE_LABEL = "QR code for your authenticator app"

# Authenticator apps show 6 digits changing every 30 seconds; these are pyotp's defaults and the
# only values every app supports, so they are never changed.
_CODE = re.compile(r"[0-9]{6}")
# One step either side allows for a phone clock up to about 30 seconds out, and for a code typed
# just as it changed, while keeping the number of codes accepted at any moment to three.
_DRIFT_STEPS = 1

# Lowercase letters and digits, leaving out those easily confused when read from paper:
# 0 and o, 1, l and i. 31 characters, about 4.95 bits each.
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
# 12 characters give about 59 bits, shown as three groups of four: "k7qm-3xwp-9dta".
RECOVERY_CODE_LENGTH = 12
_RECOVERY_GROUP = 4

_SECRETS_INFO = b"tracker two-factor secrets"
_PEPPER_INFO = b"tracker two-factor recovery codes"


def new_secret() -> str:
    """A new random TOTP secret: 32 base32 characters, 160 bits, as RFC 4226 recommends."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code, labelled with our name
    and the user's email so they can tell their accounts apart."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_code_svg(uri: str) -> str:
    """An inline <svg> of the QR code for `uri`, labelled for screen readers.

    Safe to mark `|safe` in a template: the uri is only encoded into the drawn modules, never
    written out as text, and everything else is fixed here.
    """
    qr = segno.make_qr(uri)
    # 4px modules keep a typical otpauth URI (a version 6 to 8 symbol) at about 200-230px with
    # its quiet zone, big enough for a phone camera at arm's length. The px unit also adds a
    # viewBox, so CSS can shrink it on a narrow screen without losing the drawing.
    svg = qr.svg_inline(
        scale=4,
        border=4,
        unit="px",
        dark="#000",
        light="#fff",
        title=QR_CODE_LABEL,
        svgclass="app-qr-code",
        lineclass=None,
    )
    # segno has no option for ARIA attributes; its output always starts with "<svg ".
    return svg.replace("<svg ", f'<svg role="img" aria-label="{QR_CODE_LABEL}" ', 1)


def key_for_people(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand: "ABCD EFGH ..."."""
    secret = secret.upper()
    return " ".join(secret[start : start + 4] for start in range(0, len(secret), 4))


def matching_step(
    secret: str,
    code: str,
    *,
    last_used_step: int | None,
    at: datetime | float | None = None,
) -> int | None:
    """The TOTP time step that `code` belongs to, or None if it matches none that may be used.

    Spaces and dashes typed into the code are ignored; anything else that is not exactly six
    ASCII digits is refused before any cryptography is done. A code from the step before or
    after the current one is accepted, for clock drift. A step at or before `last_used_step` is
    refused, so each code signs in once only: store the returned step as the new
    `last_used_step`. `at` (a Unix time or a timezone-aware datetime) defaults to now.
    """
    code = _typed_code(code)
    if code is None:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if at is None else at)
    matched = None
    for step in range(current - _DRIFT_STEPS, current + _DRIFT_STEPS + 1):
        if step < 0 or (last_used_step is not None and step <= last_used_step):
            continue
        # compare_digest, so the time taken does not reveal how many leading digits were right.
        if hmac.compare_digest(totp.generate_otp(step).encode(), code.encode()):
            matched = step
    return matched


def _typed_code(code: str) -> str | None:
    """The six ASCII digits of a typed code, or None if it is not one.

    Stricter than pyotp's own `verify`, which compares after NFKC normalisation and so would
    accept full-width digits, and would spend time normalising very long input.
    """
    if len(code) > 20:
        return None
    code = code.strip().replace(" ", "").replace("-", "")
    return code if _CODE.fullmatch(code) else None


def new_recovery_codes() -> list[str]:
    """`RECOVERY_CODE_COUNT` new random recovery codes, written like "k7qm-3xwp-9dta"."""
    codes: set[str] = set()
    # A repeat is vanishingly unlikely, but two equal codes would be one code in the database.
    while len(codes) < RECOVERY_CODE_COUNT:
        characters = "".join(
            secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH)
        )
        codes.add(
            "-".join(
                characters[start : start + _RECOVERY_GROUP]
                for start in range(0, RECOVERY_CODE_LENGTH, _RECOVERY_GROUP)
            )
        )
    return sorted(codes)


def normalise_recovery_code(code: str) -> str | None:
    """A recovery code as it is hashed (lowercase, no spaces or dashes), or None if what was
    typed cannot be a recovery code, so junk needs no database look-up."""
    if len(code) > 40 or not code.isascii():
        return None
    code = code.strip().lower().replace(" ", "").replace("-", "")
    if len(code) != RECOVERY_CODE_LENGTH or not set(code) <= set(RECOVERY_CODE_ALPHABET):
        return None
    return code


def recovery_code_pepper(secret_key: str | bytes) -> bytes:
    """The pepper for `recovery_code_hash`, derived from the app's secret key.

    Derived rather than the secret key itself, so the key used for recovery codes differs from
    the ones used for sessions and for sealing TOTP secrets.
    """
    return _derive_key(secret_key, _PEPPER_INFO)


def recovery_code_hash(code: str, pepper: bytes) -> str:
    """The stored form of a recovery code: HMAC-SHA256 of the normalised code, as hex.

    Recovery codes carry about 59 random bits, too many to guess one at a time even against a
    fast hash, so no slow password hash is needed; the pepper means the database alone is not
    enough to try any guesses offline. Raises ValueError if `code` cannot be a recovery code
    (check with `normalise_recovery_code` first) or if the pepper is too short to be secret.
    """
    if len(pepper) < 16:
        raise ValueError("The pepper must be at least 16 bytes")
    normalised = normalise_recovery_code(code)
    if normalised is None:
        raise ValueError("Not a recovery code")
    return hmac.new(pepper, normalised.encode(), hashlib.sha256).hexdigest()


class SecretBox:
    """Seals TOTP secrets for storage, with a key derived from the app's secret key.

    A stolen database then holds only sealed secrets, which cannot be opened without the app's
    configuration. Sealing uses Fernet (AES-128-CBC with HMAC-SHA256), so a changed token is
    detected rather than opened into a wrong secret.
    """

    def __init__(self, secret_key: str | bytes) -> None:
        """A box for the app whose secret key is `secret_key`."""
        self._fernet = Fernet(base64.urlsafe_b64encode(_derive_key(secret_key, _SECRETS_INFO)))

    def seal(self, secret: str) -> str:
        """`secret` encrypted and authenticated, as text to store."""
        return self._fernet.encrypt(secret.encode()).decode("ascii")

    def open(self, sealed: str) -> str | None:
        """The secret inside `sealed`, or None if it was sealed with another key or altered."""
        # Fernet raises ValueError, not InvalidToken, for text that is not ASCII.
        if not sealed.isascii():
            return None
        try:
            return self._fernet.decrypt(sealed).decode()
        except (InvalidToken, UnicodeDecodeError):
            return None


def _derive_key(secret_key: str | bytes, info: bytes) -> bytes:
    """32 bytes for one purpose (`info`), derived from the app's secret key with HKDF-SHA256."""
    if isinstance(secret_key, str):
        secret_key = secret_key.encode()
    if not secret_key:
        raise ValueError("The app's secret key is empty")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret_key)
