"""Two-factor sign-in: authenticator app codes, the QR code, recovery codes and sealed secrets."""

import base64
import hashlib
import hmac
import math
import re
import string
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import parse_qs, unquote, urlsplit

import pyotp
import pytest
import segno
from cryptography.fernet import Fernet, InvalidToken

from tracker.auth import two_factor
from tracker.auth.two_factor import (
    ISSUER,
    RECOVERY_CODE_COUNT,
    SecretBox,
    key_for_people,
    matching_step,
    new_recovery_codes,
    new_secret,
    normalise_recovery_code,
    provisioning_uri,
    qr_code_svg,
    recovery_code_hash,
    recovery_code_pepper,
)

# The SHA-1 seed of RFC 6238 appendix B, as base32 for an authenticator app.
RFC_SEED = b"12345678901234567890"
RFC_SECRET = base64.b32encode(RFC_SEED).decode()
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Mid-way through a 30-second step, so one step either side is a whole step away.
NOW = 1_700_000_015.0
STEP = int(NOW) // 30
PEPPER = b"p" * 32


def rfc_6238_code(seed: bytes, unix_time: int, digits: int) -> str:
    """A TOTP code computed as RFC 4226 section 5.3 and RFC 6238 section 4 describe it."""
    counter = (unix_time // 30).to_bytes(8, "big")
    digest = hmac.new(seed, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def code_at_step(secret: str, step: int) -> str:
    return pyotp.TOTP(secret).at(step * 30)


# RFC 6238 appendix B, SHA-1 rows: time and the 8-digit code.
RFC_VECTORS = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("unix_time", "expected"), RFC_VECTORS)
def test_the_hand_written_computation_gives_the_rfc_test_vectors(unix_time, expected):
    assert rfc_6238_code(RFC_SEED, unix_time, digits=8) == expected


@pytest.mark.parametrize(("unix_time", "expected"), RFC_VECTORS[:5])
def test_the_six_digit_form_of_each_rfc_test_vector_is_accepted_at_its_time(unix_time, expected):
    code = expected[-6:]
    assert matching_step(RFC_SECRET, code, last_used_step=None, at=unix_time) == unix_time // 30


def test_the_rfc_vector_at_59_seconds_is_287082():
    assert matching_step(RFC_SECRET, "287082", last_used_step=None, at=59) == 1
    at = datetime.fromtimestamp(59, tz=UTC)
    assert matching_step(RFC_SECRET, "287082", last_used_step=None, at=at) == 1


def test_a_code_from_the_app_matches_both_pyotp_and_the_standard():
    for unix_time in range(1_600_000_000, 1_600_000_000 + 50 * 30, 30):
        code = pyotp.TOTP(SECRET).at(unix_time)
        assert code == rfc_6238_code(base64.b32decode(SECRET), unix_time, digits=6)
        assert matching_step(SECRET, code, last_used_step=None, at=unix_time) == unix_time // 30


def test_a_code_is_checked_against_the_current_time_by_default():
    code = pyotp.TOTP(SECRET).now()
    assert matching_step(SECRET, code, last_used_step=None) is not None


def test_a_wrong_code_is_refused():
    right = code_at_step(SECRET, STEP)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    assert matching_step(SECRET, wrong, last_used_step=None, at=NOW) is None


@pytest.mark.parametrize("typed", ["{} {}", "{}-{}", " {}{}\n", "{} - {}"])
def test_spaces_and_a_dash_typed_into_the_code_are_ignored(typed):
    code = code_at_step(SECRET, STEP)
    entered = typed.format(code[:3], code[3:])
    assert matching_step(SECRET, entered, last_used_step=None, at=NOW) == STEP


@pytest.mark.parametrize("offset", [-1, 1])
def test_a_phone_clock_one_step_out_is_allowed(offset):
    code = code_at_step(SECRET, STEP + offset)
    assert matching_step(SECRET, code, last_used_step=None, at=NOW) == STEP + offset


@pytest.mark.parametrize("offset", [-2, 2])
def test_a_phone_clock_two_steps_out_is_refused(offset):
    code = code_at_step(SECRET, STEP + offset)
    assert code not in {code_at_step(SECRET, STEP + near) for near in (-1, 0, 1)}
    assert matching_step(SECRET, code, last_used_step=None, at=NOW) is None


def test_a_code_cannot_be_used_twice():
    code = code_at_step(SECRET, STEP)
    used = matching_step(SECRET, code, last_used_step=None, at=NOW)
    assert used == STEP
    assert matching_step(SECRET, code, last_used_step=used, at=NOW) is None
    assert matching_step(SECRET, code, last_used_step=used, at=NOW + 10) is None


def test_a_code_older_than_the_last_one_used_is_refused():
    earlier = code_at_step(SECRET, STEP - 1)
    assert matching_step(SECRET, earlier, last_used_step=STEP, at=NOW) is None
    assert matching_step(SECRET, earlier, last_used_step=STEP - 2, at=NOW) == STEP - 1


def test_the_next_code_is_accepted_after_one_is_used():
    later = code_at_step(SECRET, STEP + 1)
    assert matching_step(SECRET, later, last_used_step=STEP, at=NOW) == STEP + 1


def test_a_code_at_the_very_start_of_unix_time_looks_at_no_earlier_step():
    assert matching_step(SECRET, code_at_step(SECRET, 0), last_used_step=None, at=0) == 0


def test_pyotp_alone_would_accept_full_width_digits():
    """Why the module checks for ASCII digits itself before any comparison."""
    code = code_at_step(SECRET, STEP)
    assert pyotp.TOTP(SECRET).verify(full_width(code), for_time=NOW)


def full_width(code: str) -> str:
    # U+FF10 is FULLWIDTH DIGIT ZERO; the other full-width digits follow it.
    return "".join(chr(0xFF10 + int(digit)) for digit in code)


def arabic_indic(code: str) -> str:
    # U+0660 is ARABIC-INDIC DIGIT ZERO; the other Arabic-Indic digits follow it.
    return "".join(chr(0x0660 + int(digit)) for digit in code)


@pytest.mark.parametrize(
    "lookalike",
    [full_width, arabic_indic, lambda code: code[:5] + full_width(code[5])],
    ids=["full-width", "arabic-indic", "one-full-width-digit"],
)
def test_the_right_digits_in_another_script_are_refused(lookalike):
    code = code_at_step(SECRET, STEP)
    assert matching_step(SECRET, lookalike(code), last_used_step=None, at=NOW) is None


JUNK = [
    "",
    " ",
    "abcdef",
    "12345",
    "1234567",
    "12345a",
    "+12345",
    "\u0661\u0662\u0663\u0664\u0665\u0666",  # Arabic-Indic 123456
    "12345\uff16",  # full-width 6
    "1" * 10_000,
    "\x00",
    "123456\x00",
    "12\t3456",
    "123_456",
]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_is_refused_before_any_cryptography(junk):
    # pyotp refuses to build a TOTP from this secret, so reaching pyotp would raise.
    with pytest.raises(ValueError):
        pyotp.TOTP("not base32!")
    assert matching_step("not base32!", junk, last_used_step=None, at=NOW) is None


def test_junk_is_refused_quickly():
    started = time.perf_counter()
    for _ in range(100):
        for junk in JUNK:
            matching_step(SECRET, junk, last_used_step=None, at=NOW)
    assert time.perf_counter() - started < 0.5


def test_a_new_secret_is_160_random_bits_of_base32():
    secret = new_secret()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    assert len(base64.b32decode(secret)) == 20
    assert len({new_secret() for _ in range(20)}) == 20


def test_the_provisioning_uri_names_the_tracker_and_the_user():
    uri = provisioning_uri(SECRET, "jo.bloggs@nelincs.gov.uk")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == f"/{ISSUER}:jo.bloggs@nelincs.gov.uk"
    assert parse_qs(parts.query) == {"secret": [SECRET], "issuer": [ISSUER]}
    assert pyotp.parse_uri(uri).at(NOW) == code_at_step(SECRET, STEP)


def test_the_key_is_grouped_in_fours_for_typing_by_hand():
    assert key_for_people(SECRET) == "JBSW Y3DP EHPK 3PXP JBSW Y3DP EHPK 3PXP"
    assert key_for_people("jbswy3dpeh") == "JBSW Y3DP EH"


def parse_svg(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def drawn_modules(path_data: str) -> set[tuple[int, int]]:
    """The (row, column) of every dark module drawn by segno's line path, in whole modules."""
    dark = set()
    x = y = 0.0
    for move, dx, dy, length in re.findall(r"([Mm])(-?[\d.]+) (-?[\d.]+)h(\d+)", path_data):
        if move == "M":
            x, y = float(dx), float(dy)
        else:
            x, y = x + float(dx), y + float(dy)
        row = int(y - 0.5)
        dark.update((row, column) for column in range(int(x), int(x) + int(length)))
        x += int(length)
    return dark


def test_the_qr_code_draws_the_uri_with_a_quiet_zone():
    uri = provisioning_uri(SECRET, "jo.bloggs@nelincs.gov.uk")
    svg = parse_svg(qr_code_svg(uri))
    matrix = segno.make_qr(uri).matrix
    size = len(matrix)

    background, lines = svg.iter("path")
    assert background.get("fill") == "#fff"
    assert lines.get("stroke") == "#000"
    quiet_zone = 4
    assert background.get("d") == f"M0 0h{size + 8}v{size + 8}h-{size + 8}z"
    expected = {
        (row + quiet_zone, column + quiet_zone)
        for row, modules in enumerate(matrix)
        for column, module in enumerate(modules)
        if module
    }
    assert drawn_modules(lines.get("d")) == expected


def test_the_qr_code_is_an_image_with_a_name_for_screen_readers():
    svg_text = qr_code_svg(provisioning_uri(SECRET, "jo.bloggs@nelincs.gov.uk"))
    assert not svg_text.startswith("<?xml")
    svg = parse_svg(svg_text)
    assert svg.tag == "svg"
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "QR code for your authenticator app"
    assert svg.findtext("title") == "QR code for your authenticator app"
    assert 180 <= int(svg.get("width").removesuffix("px")) <= 260
    assert svg.get("viewBox") == f"0 0 {svg.get('width')[:-2]} {svg.get('height')[:-2]}"


def test_the_qr_code_does_not_write_out_what_it_encodes():
    uri = provisioning_uri(SECRET, "jo.bloggs@nelincs.gov.uk")
    svg_text = qr_code_svg(uri)
    assert SECRET not in svg_text
    assert "jo.bloggs" not in svg_text
    hostile = qr_code_svg('"><script>alert(1)</script>')
    assert "script" not in hostile
    assert {element.tag for element in parse_svg(hostile).iter()} == {
        "svg",
        "title",
        "g",
        "path",
    }


RECOVERY_ALPHABET = "".join(
    character for character in string.ascii_lowercase + string.digits if character not in "0o1li"
)


def test_ten_different_recovery_codes_are_made():
    codes = new_recovery_codes()
    assert len(codes) == RECOVERY_CODE_COUNT == 10
    assert len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", code)
        assert not set(code) & set("0o1li")


def test_recovery_codes_carry_at_least_50_bits():
    codes = [code for _ in range(300) for code in new_recovery_codes()]
    characters = "".join(codes).replace("-", "")
    # Every character of the alphabet is used, so the bound below is not an overestimate.
    assert set(characters) == set(RECOVERY_ALPHABET)
    length = len(codes[0].replace("-", ""))
    bits = length * math.log2(len(RECOVERY_ALPHABET))
    assert bits >= 50
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize(
    "typed",
    ["k7qm-3xwp-9dta", "K7QM-3XWP-9DTA", "k7qm 3xwp 9dta", "k7qm3xwp9dta", " K7qm-3xwp 9dta\n"],
)
def test_a_recovery_code_is_recognised_however_it_is_typed(typed):
    assert normalise_recovery_code(typed) == "k7qm3xwp9dta"
    assert recovery_code_hash(typed, PEPPER) == recovery_code_hash("k7qm-3xwp-9dta", PEPPER)


def test_a_recovery_code_hash_is_hmac_sha256_of_the_code_keyed_by_the_pepper():
    expected = hmac.new(PEPPER, b"k7qm3xwp9dta", hashlib.sha256).hexdigest()
    assert recovery_code_hash("k7qm-3xwp-9dta", PEPPER) == expected


def test_a_different_pepper_gives_a_different_hash():
    assert recovery_code_hash("k7qm-3xwp-9dta", PEPPER) != recovery_code_hash(
        "k7qm-3xwp-9dta", b"q" * 32
    )


def test_different_codes_give_different_hashes():
    hashes = {recovery_code_hash(code, PEPPER) for code in new_recovery_codes()}
    assert len(hashes) == RECOVERY_CODE_COUNT


def test_the_pepper_comes_from_the_secret_key_and_differs_from_it():
    pepper = recovery_code_pepper("app secret key")
    assert len(pepper) == 32
    assert pepper == recovery_code_pepper(b"app secret key")
    assert pepper != recovery_code_pepper("another secret key")


def test_a_short_pepper_is_refused():
    with pytest.raises(ValueError):
        recovery_code_hash("k7qm-3xwp-9dta", b"")


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "k7qm-3xwp-9dt",
        "k7qm-3xwp-9dtaa",
        "k7qm-3xwp-9dt0",
        "k7qm-3xwp-9dto",
        "k7qm-3xwp-9dt1",
        "k7qm-3xwp-9dtl",
        "k7qm-3xwp-9dti",
        "k7qm_3xwp_9dta",
        "k7qm-3xwp-9dtá",
        "k7qm-3xwp-9dt\u212a",  # Kelvin sign, which lowercases to "k"
        "k7qm-3xwp-9dta\x00",
        "k" * 10_000,
        "123456",
    ],
)
def test_what_cannot_be_a_recovery_code_is_refused(junk):
    assert normalise_recovery_code(junk) is None
    with pytest.raises(ValueError):
        recovery_code_hash(junk, PEPPER)


def test_a_sealed_secret_opens_with_the_same_key():
    sealed = SecretBox("app secret key").seal(SECRET)
    assert SecretBox("app secret key").open(sealed) == SECRET
    assert SecretBox(b"app secret key").open(sealed) == SECRET


def test_the_sealed_text_does_not_give_the_secret_away():
    box = SecretBox("app secret key")
    sealed = box.seal(SECRET)
    assert SECRET not in sealed
    assert SECRET.lower() not in sealed.lower()
    assert box.seal(SECRET) != sealed


def test_another_key_cannot_open_a_sealed_secret():
    sealed = SecretBox("app secret key").seal(SECRET)
    assert SecretBox("another secret key").open(sealed) is None


def test_a_tampered_sealed_secret_does_not_open():
    box = SecretBox("app secret key")
    sealed = box.seal(SECRET)
    middle = len(sealed) // 2
    for replacement in "AB":
        if sealed[middle] != replacement:
            tampered = sealed[:middle] + replacement + sealed[middle + 1 :]
            assert box.open(tampered) is None
    assert box.open(sealed[:-4]) is None


@pytest.mark.parametrize("junk", ["", "not a token", "é" * 40, "\x00"])
def test_what_was_never_sealed_does_not_open(junk):
    assert SecretBox("app secret key").open(junk) is None


def test_the_box_key_is_derived_for_its_own_purpose():
    # The same secret key gives the recovery code pepper; sealing must not use that key.
    pepper = recovery_code_pepper("app secret key")
    sealed = SecretBox("app secret key").seal(SECRET)
    with pytest.raises(InvalidToken):
        Fernet(base64.urlsafe_b64encode(pepper)).decrypt(sealed)


def test_an_empty_secret_key_is_refused():
    with pytest.raises(ValueError):
        SecretBox("")
    with pytest.raises(ValueError):
        recovery_code_pepper(b"")


def test_the_module_is_pure():
    source = two_factor.__file__
    with open(source, encoding="utf-8") as module:
        imports = [line for line in module if line.startswith(("import ", "from "))]
    assert not [line for line in imports if "flask" in line.lower() or "sqlite" in line.lower()]
