"""ed25519 keys and the detached signature of ``index.json``.

Formats are the Go reference's: a private key is 64 bytes as hex (seed then
public key, ``crypto/ed25519``'s layout), a public key 32 bytes as hex, and
``index.json.sig`` is the 64-byte signature over the exact index bytes as
lowercase hex followed by one newline.

No message raised from here ever contains key material: a malformed key is
described by its length and shape only.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence

from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

from registry.errors import KeyFormatError, SignatureError

PUBLIC_KEY_BYTES = 32
PRIVATE_KEY_BYTES = 64
SIGNATURE_BYTES = 64

_HEX = re.compile(r"[0-9a-fA-F]*")
_SIGNATURE = re.compile(r"([0-9a-fA-F]{128})\n?")


def _decode_hex(text: str, expected_bytes: int, what: str) -> bytes:
    # Never echo `text`: for a private key it is the secret itself.
    if _HEX.fullmatch(text) is None:
        raise KeyFormatError(
            f"{what} must be {expected_bytes * 2} hex characters; it contains other characters"
        )
    if len(text) != expected_bytes * 2:
        raise KeyFormatError(
            f"{what} must be {expected_bytes * 2} hex characters ({expected_bytes} bytes), "
            f"got {len(text)}"
        )
    return bytes.fromhex(text)


def generate_keypair() -> tuple[str, str]:
    """A fresh key pair: (public hex, 64 chars; private hex, 128 chars = seed || public)."""
    signing_key = SigningKey.generate()
    public = signing_key.verify_key.encode()
    return public.hex(), (signing_key.encode() + public).hex()


def load_private_key(hex_text: str) -> SigningKey:
    """Parse a Go-layout private key (hex of seed || public), checking both halves agree.

    Surrounding whitespace (a trailing newline from a secret store) is ignored.
    """
    raw = _decode_hex(hex_text.strip(), PRIVATE_KEY_BYTES, "private key")
    seed, public = raw[:32], raw[32:]
    signing_key = SigningKey(seed)
    if not hmac.compare_digest(signing_key.verify_key.encode(), public):
        raise KeyFormatError(
            "private key is corrupt: its public half does not match its seed "
            "(was it truncated or pasted from two keys?)"
        )
    return signing_key


def public_key_of(private_key_hex: str) -> str:
    """The public key (hex) of a Go-layout private key."""
    return load_private_key(private_key_hex).verify_key.encode().hex()


def load_public_key(hex_text: str, *, what: str = "public key") -> VerifyKey:
    """Parse a 32-byte public key given as 64 hex characters."""
    return VerifyKey(_decode_hex(hex_text.strip(), PUBLIC_KEY_BYTES, what))


def parse_public_keys(text: str) -> list[str]:
    """Split a list of public keys separated by commas and/or whitespace (env var, key file)."""
    return [part for part in re.split(r"[\s,]+", text) if part]


def trusted_keys(text: str, source: str) -> list[str]:
    """The public keys listed in ``text`` (a key file, an env var), each checked.

    Raises :class:`KeyFormatError` naming ``source`` and the key's position
    when one is malformed; an empty list when ``text`` holds none.
    """
    keys = parse_public_keys(text)
    for number, key in enumerate(keys, start=1):
        load_public_key(key, what=f"{source}: key #{number}")
    return keys


def sign_index(raw: bytes, private_key_hex: str) -> str:
    """The content of ``index.json.sig`` for the index bytes ``raw``: hex signature + newline."""
    signing_key = load_private_key(private_key_hex)
    return signing_key.sign(raw).signature.hex() + "\n"


def decode_signature(sig_text: str) -> bytes:
    """The 64 signature bytes of an ``index.json.sig`` text (one trailing newline allowed)."""
    match = _SIGNATURE.fullmatch(sig_text)
    if match is None:
        shape = sig_text.rstrip("\n")
        if _HEX.fullmatch(shape) is None:
            detail = "it contains characters other than hex digits"
        elif len(shape) != SIGNATURE_BYTES * 2:
            detail = f"it has {len(shape)} hex characters"
        else:
            detail = "it has more than one trailing newline"
        raise SignatureError(
            f"malformed signature: expected {SIGNATURE_BYTES * 2} hex characters "
            f"and an optional newline; {detail}"
        )
    return bytes.fromhex(match.group(1))


def verify_index(raw: bytes, sig_text: str, public_keys: Sequence[str]) -> None:
    """Check ``sig_text`` (an ``index.json.sig``) over the exact bytes ``raw``.

    Succeeds when any of ``public_keys`` verifies it, so a key can be rotated by
    trusting the old and the new key for a while. Raises
    :class:`~registry.errors.KeyFormatError` for a malformed or missing key and
    :class:`~registry.errors.SignatureError` when the signature is malformed or
    no trusted key verifies it.
    """
    if isinstance(public_keys, str):
        raise TypeError("public_keys must be a sequence of keys, not one string")
    if not public_keys:
        raise KeyFormatError("no trusted public key given")
    keys = [
        load_public_key(key, what=f"trusted public key #{number}")
        for number, key in enumerate(public_keys, start=1)
    ]
    signature = decode_signature(sig_text)
    for key in keys:
        try:
            key.verify(raw, signature)
        except BadSignatureError:
            continue
        return
    count = len(keys)
    raise SignatureError(
        f"signature does not verify with the {count} trusted key{'s' if count != 1 else ''}: "
        "the index was altered or signed with another key"
    )
