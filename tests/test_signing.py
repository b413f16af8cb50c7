"""ed25519 signing of index.json: formats, RFC 8032 vectors, OpenSSL interop, refusals."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.errors import KeyFormatError, RegistryError, SignatureError
from registry.signing import (
    decode_signature,
    generate_keypair,
    load_private_key,
    parse_public_keys,
    public_key_of,
    sign_index,
    verify_index,
)
from tests.factory import REFERENCE_CATALOG, needs_reference_catalog
from tests.regen_golden import INDEX, PUBLIC_KEY, SIGNATURE, SIGNING_KEY

# RFC 8032 section 7.1, TEST 1-3: (secret key = seed, public key, message, signature).
RFC8032 = [
    (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
        "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    ),
    (
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
        "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
    ),
    (
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
        "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
    ),
]

PUBLIC, PRIVATE = generate_keypair()
OTHER_PUBLIC, OTHER_PRIVATE = generate_keypair()
MESSAGE = b'{"schemaVersion":1,"generated":"2026-01-01T00:00:00Z","servers":{}}'


@pytest.mark.parametrize(("seed", "public", "message", "signature"), RFC8032)
def test_rfc8032_vectors(seed: str, public: str, message: str, signature: str) -> None:
    private = seed + public
    assert public_key_of(private) == public
    assert sign_index(bytes.fromhex(message), private) == signature + "\n"
    verify_index(bytes.fromhex(message), signature + "\n", [public])
    verify_index(bytes.fromhex(message), signature, [public])
    with pytest.raises(SignatureError):
        verify_index(bytes.fromhex(message) + b"x", signature, [public])


def test_golden_signature_with_the_test_only_key() -> None:
    raw = INDEX.read_bytes()
    assert sign_index(raw, SIGNING_KEY.read_text()) == SIGNATURE.read_text()
    verify_index(raw, SIGNATURE.read_text(), [PUBLIC_KEY.read_text().strip()])
    assert public_key_of(SIGNING_KEY.read_text()) == PUBLIC_KEY.read_text().strip()


@needs_reference_catalog
def test_reference_signature_is_reproduced_and_verified() -> None:
    raw = (REFERENCE_CATALOG / "index.golden.json").read_bytes()
    expected = (REFERENCE_CATALOG / "index.golden.json.sig").read_text()
    signing_key = (REFERENCE_CATALOG / "TEST-ONLY-signing-key.hex").read_text()
    assert sign_index(raw, signing_key) == expected
    verify_index(raw, expected, [(REFERENCE_CATALOG / "TEST-ONLY-public-key.hex").read_text()])


def test_generated_keypair_has_go_layout() -> None:
    assert len(PUBLIC) == 64 and len(PRIVATE) == 128
    assert PUBLIC.lower() == PUBLIC and PRIVATE.lower() == PRIVATE
    assert PRIVATE[64:] == PUBLIC
    assert public_key_of(PRIVATE) == PUBLIC
    assert (PUBLIC, PRIVATE) != (OTHER_PUBLIC, OTHER_PRIVATE)


def test_signature_file_format() -> None:
    sig = sign_index(MESSAGE, PRIVATE)
    assert len(sig) == 129 and sig.endswith("\n") and sig[:-1] == sig[:-1].lower()
    int(sig, 16)


def test_private_key_whitespace_from_a_file_or_secret_is_ignored() -> None:
    assert sign_index(MESSAGE, PRIVATE + "\n") == sign_index(MESSAGE, PRIVATE)
    assert sign_index(MESSAGE, PRIVATE.upper()) == sign_index(MESSAGE, PRIVATE)


# --- refusals ---------------------------------------------------------------


@pytest.mark.parametrize("position", [0, 1, len(MESSAGE) // 2, len(MESSAGE) - 1])
def test_one_flipped_byte_is_refused(position: int) -> None:
    sig = sign_index(MESSAGE, PRIVATE)
    tampered = bytearray(MESSAGE)
    tampered[position] ^= 0x01
    with pytest.raises(SignatureError, match="does not verify"):
        verify_index(bytes(tampered), sig, [PUBLIC])


def test_appended_or_truncated_index_is_refused() -> None:
    sig = sign_index(MESSAGE, PRIVATE)
    for raw in (MESSAGE + b"\n", MESSAGE[:-1], b""):
        with pytest.raises(SignatureError):
            verify_index(raw, sig, [PUBLIC])


def test_wrong_key_is_refused_and_any_trusted_key_is_enough() -> None:
    sig = sign_index(MESSAGE, PRIVATE)
    with pytest.raises(SignatureError, match="1 trusted key:"):
        verify_index(MESSAGE, sig, [OTHER_PUBLIC])
    # Key rotation: old and new key trusted side by side, in either order.
    verify_index(MESSAGE, sig, [OTHER_PUBLIC, PUBLIC])
    verify_index(MESSAGE, sig, [PUBLIC, OTHER_PUBLIC])
    with pytest.raises(SignatureError, match="2 trusted keys"):
        verify_index(MESSAGE, sign_index(MESSAGE, OTHER_PRIVATE), [PUBLIC, PUBLIC])


def test_signature_by_one_key_checked_with_the_private_half_of_another_fails() -> None:
    # A private key passed where a public key belongs is a format error, not a pass.
    sig = sign_index(MESSAGE, PRIVATE)
    with pytest.raises(KeyFormatError, match="64 hex characters"):
        verify_index(MESSAGE, sig, [PRIVATE])


@pytest.mark.parametrize(
    ("mangle", "detail"),
    [
        (lambda s: s[:-2], "127 hex characters"),
        (lambda s: s[:64], "64 hex characters"),
        (lambda s: "", "0 hex characters"),
        (lambda s: s.rstrip("\n") + "00", "130 hex characters"),
        (lambda s: s + "\n", "more than one trailing newline"),
        (lambda s: s + "junk", "other than hex digits"),
        (lambda s: s + "\nextra\n", "other than hex digits"),
        (lambda s: " " + s, "other than hex digits"),
        (lambda s: s.rstrip("\n") + "\r\n", "other than hex digits"),
        (lambda s: "zz" + s[2:], "other than hex digits"),
        (lambda s: s.rstrip("\n") + "\x00", "other than hex digits"),
    ],
)
def test_malformed_signature_is_refused(mangle: object, detail: str) -> None:
    sig = sign_index(MESSAGE, PRIVATE)
    assert callable(mangle)
    with pytest.raises(SignatureError, match="malformed signature") as caught:
        verify_index(MESSAGE, mangle(sig), [PUBLIC])
    assert detail in str(caught.value)


def test_uppercase_signature_hex_is_the_same_signature() -> None:
    sig = sign_index(MESSAGE, PRIVATE)
    verify_index(MESSAGE, sig.upper(), [PUBLIC])
    assert decode_signature(sig.upper()) == decode_signature(sig)


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([], "no trusted public key"),
        (["abc"], "trusted public key #1 must be 64 hex characters (32 bytes), got 3"),
        (["xy" * 32], "trusted public key #1 must be 64 hex characters; it contains other"),
        ([PUBLIC, PUBLIC + "00"], "trusted public key #2 must be 64 hex characters"),
    ],
)
def test_malformed_public_keys_are_refused(keys: list[str], message: str) -> None:
    with pytest.raises(KeyFormatError) as caught:
        verify_index(MESSAGE, sign_index(MESSAGE, PRIVATE), keys)
    assert message in str(caught.value)


def test_public_keys_must_be_a_list() -> None:
    with pytest.raises(TypeError):
        verify_index(MESSAGE, sign_index(MESSAGE, PRIVATE), PUBLIC)


def _bad_private_keys() -> list[tuple[str, str]]:
    mismatched = PRIVATE[:64] + OTHER_PUBLIC
    return [
        (PRIVATE[:-1] + "g", "contains other characters"),
        (PRIVATE[:64], "got 64"),
        (PRIVATE + "00", "got 130"),
        ("", "got 0"),
        (PRIVATE[:100] + "\n" + PRIVATE[100:], "contains other characters"),
        (mismatched, "public half does not match its seed"),
        (PRIVATE[:64] + "00" * 32, "public half does not match its seed"),
    ]


@pytest.mark.parametrize("index", range(len(_bad_private_keys())))
def test_malformed_private_keys_are_refused_without_leaking_them(index: int) -> None:
    key, message = _bad_private_keys()[index]
    for attempt in (lambda: load_private_key(key), lambda: sign_index(MESSAGE, key)):
        with pytest.raises(KeyFormatError) as caught:
            attempt()
        text = str(caught.value) + repr(caught.value)
        assert message in text
        for secret in (key, PRIVATE, PRIVATE[:64], PRIVATE[:16], key[:16]):
            if secret:
                assert secret not in text
                assert secret.upper() not in text
        assert caught.value.__cause__ is None


def test_parse_public_keys_splits_commas_and_whitespace() -> None:
    assert parse_public_keys(f" {PUBLIC}, {OTHER_PUBLIC}\n") == [PUBLIC, OTHER_PUBLIC]
    assert parse_public_keys(f"{PUBLIC}\n{OTHER_PUBLIC},,") == [PUBLIC, OTHER_PUBLIC]
    assert parse_public_keys("") == []


def test_errors_are_registry_errors() -> None:
    assert issubclass(KeyFormatError, RegistryError)
    assert issubclass(SignatureError, RegistryError)


@settings(max_examples=60)
@given(st.binary(max_size=300), st.data())
def test_sign_verify_round_trip_and_any_bit_flip_fails(raw: bytes, data: st.DataObject) -> None:
    sig = sign_index(raw, PRIVATE)
    verify_index(raw, sig, [PUBLIC])
    if raw:
        position = data.draw(st.integers(0, len(raw) - 1))
        bit = data.draw(st.integers(0, 7))
        tampered = bytearray(raw)
        tampered[position] ^= 1 << bit
        with pytest.raises(SignatureError):
            verify_index(bytes(tampered), sig, [PUBLIC])
    flipped = bytearray(bytes.fromhex(sig))
    flipped[data.draw(st.integers(0, 63))] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(SignatureError):
        verify_index(raw, flipped.hex(), [PUBLIC])


# --- OpenSSL interop ----------------------------------------------------------

OPENSSL = shutil.which("openssl")
# DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 private key (RFC 8410).
SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")


def _pem(label: str, der: bytes) -> bytes:
    body = base64.encodebytes(der).decode().replace("\n", "")
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    text = "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])
    return (text + "\n").encode()


def _openssl(*args: str) -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], capture_output=True, check=False)


@pytest.mark.skipif(OPENSSL is None, reason="openssl not installed")
def test_openssl_verifies_our_signature(tmp_path: Path) -> None:
    (tmp_path / "pub.pem").write_bytes(_pem("PUBLIC KEY", SPKI_PREFIX + bytes.fromhex(PUBLIC)))
    (tmp_path / "index.json").write_bytes(MESSAGE)
    sig = sign_index(MESSAGE, PRIVATE)
    (tmp_path / "sig.bin").write_bytes(bytes.fromhex(sig))
    args = ["pkeyutl", "-verify", "-pubin", "-inkey", str(tmp_path / "pub.pem"), "-rawin"]
    args += ["-in", str(tmp_path / "index.json"), "-sigfile", str(tmp_path / "sig.bin")]
    result = _openssl(*args)
    assert result.returncode == 0, result.stderr
    assert b"Signature Verified Successfully" in result.stdout
    (tmp_path / "index.json").write_bytes(MESSAGE + b" ")
    assert _openssl(*args).returncode != 0


@pytest.mark.skipif(OPENSSL is None, reason="openssl not installed")
def test_we_verify_an_openssl_signature(tmp_path: Path) -> None:
    seed = bytes.fromhex(PRIVATE[:64])
    (tmp_path / "key.pem").write_bytes(_pem("PRIVATE KEY", PKCS8_PREFIX + seed))
    (tmp_path / "index.json").write_bytes(MESSAGE)
    result = _openssl(
        "pkeyutl", "-sign", "-inkey", str(tmp_path / "key.pem"), "-rawin",
        "-in", str(tmp_path / "index.json"), "-out", str(tmp_path / "sig.bin"),
    )
    assert result.returncode == 0, result.stderr
    openssl_sig = (tmp_path / "sig.bin").read_bytes().hex() + "\n"
    verify_index(MESSAGE, openssl_sig, [PUBLIC])
    # ed25519 is deterministic: OpenSSL and PyNaCl produce the same bytes.
    assert openssl_sig == sign_index(MESSAGE, PRIVATE)
    public = _openssl("pkey", "-in", str(tmp_path / "key.pem"), "-pubout", "-outform", "DER")
    assert public.stdout == SPKI_PREFIX + bytes.fromhex(PUBLIC)


# --- registryctl keygen / sign / verify ---------------------------------------


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    from registry.cli import main

    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def no_key_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("GIG_INDEX_SIGNING_KEY", "GIG_SIGNING_KEY", "GIG_REGISTRY_PUBKEY"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_cli_keygen(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["keygen"], capsys)
    assert code == 0
    public_line, private_line = out.splitlines()
    public = public_line.removeprefix("public: ")
    private = private_line.removeprefix("private: ")
    assert len(public) == 64 and len(private) == 128
    assert public_key_of(private) == public


@pytest.mark.parametrize("env_name", ["GIG_INDEX_SIGNING_KEY", "GIG_SIGNING_KEY"])
def test_cli_sign_then_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_key_env: pytest.MonkeyPatch,
    env_name: str,
) -> None:
    index, sig = tmp_path / "index.json", tmp_path / "index.json.sig"
    index.write_bytes(MESSAGE)
    no_key_env.setenv(env_name, PRIVATE)
    code, out, err = _run(["sign", "--in", str(index), "--out", str(sig)], capsys)
    assert code == 0, err
    assert sig.read_text() == sign_index(MESSAGE, PRIVATE)
    assert PRIVATE not in out + err and PRIVATE[:64] not in out + err
    assert PUBLIC in out

    code, out, _ = _run(["verify", "--in", str(index), "--sig", str(sig), "--pub", PUBLIC], capsys)
    assert code == 0 and out.startswith("ok: ")
    # Default signature location, keys from a file and from the environment.
    (tmp_path / "keys.txt").write_text(f"{OTHER_PUBLIC}\n{PUBLIC}\n")
    assert _run(["verify", "--in", str(index), "--pub", str(tmp_path / "keys.txt")], capsys)[0] == 0
    no_key_env.setenv("GIG_REGISTRY_PUBKEY", f"{OTHER_PUBLIC},{PUBLIC}")
    assert _run(["verify", "--in", str(index)], capsys)[0] == 0


def test_cli_verify_fails_on_mismatch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_key_env: pytest.MonkeyPatch
) -> None:
    index, sig = tmp_path / "index.json", tmp_path / "index.json.sig"
    index.write_bytes(MESSAGE)
    sig.write_text(sign_index(MESSAGE, PRIVATE))
    code, _, err = _run(["verify", "--in", str(index), "--pub", OTHER_PUBLIC], capsys)
    assert code == 1 and "does not verify" in err
    index.write_bytes(MESSAGE.replace(b"2026", b"2027"))
    code, _, err = _run(["verify", "--in", str(index), "--pub", PUBLIC], capsys)
    assert code == 1 and "does not verify" in err
    code, _, err = _run(["verify", "--in", str(index)], capsys)
    assert code == 1 and "no trusted public key" in err
    code, _, err = _run(["verify", "--in", str(index), "--pub", PRIVATE], capsys)
    assert code == 1 and "--pub #1 is neither" in err and PRIVATE not in err
    code, _, err = _run(["verify", "--in", str(index), "--pub", "missing.pub"], capsys)
    assert code == 1 and "'missing.pub'" in err


def test_cli_sign_refuses_without_or_with_a_bad_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], no_key_env: pytest.MonkeyPatch
) -> None:
    index, sig = tmp_path / "index.json", tmp_path / "index.json.sig"
    index.write_bytes(MESSAGE)
    code, _, err = _run(["sign", "--in", str(index), "--out", str(sig)], capsys)
    assert code == 1 and "set GIG_INDEX_SIGNING_KEY" in err
    bad = PRIVATE[:64] + OTHER_PUBLIC
    no_key_env.setenv("GIG_INDEX_SIGNING_KEY", bad)
    code, out, err = _run(["sign", "--in", str(index), "--out", str(sig)], capsys)
    assert code == 1 and "does not match its seed" in err
    assert bad[:64] not in out + err and OTHER_PUBLIC not in out + err
    assert not sig.exists()
