"""Independent check of tests/vectors/ against SECURITY.md's construction.

Written from the spec with PyNaCl (X25519, XChaCha20-Poly1305) and
`cryptography` (HKDF-SHA256), not from envsafe's code: every vector must
open to its plaintext, every fail_* vector must fail.
"""
import base64
import json
import pathlib
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nacl import bindings

CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_decode(text):
    text = text.lower()
    hrp, data = text[: text.rfind("1")], text[text.rfind("1") + 1 :]
    values = [CHARSET.index(c) for c in data]
    chk = 1
    for v in [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp] + values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i, g in enumerate([0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3]):
            chk ^= g if (top >> i) & 1 else 0
    assert chk == 1, "bad bech32 checksum"
    acc, bits, out = 0, 0, []
    for v in values[:-6]:
        acc, bits = (acc << 5) | v, bits + 5
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return hrp, bytes(out)


def open_value(secret_key, name, sealed):
    prefix = "envsafe:v1:"
    if not sealed.startswith(prefix):
        raise ValueError("unknown version")
    body = sealed[len(prefix) :]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    if not set(body) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"):
        raise ValueError("bad base64")
    if len(raw) < 32 + 24 + 16:
        raise ValueError("too short")
    eph, nonce, ct = raw[:32], raw[32:56], raw[56:]
    recipient = bindings.crypto_scalarmult_base(secret_key)
    shared = bindings.crypto_scalarmult(secret_key, eph)  # raises on an all-zero result
    k = HKDF(hashes.SHA256(), 32, eph + recipient, b"envsafe v1 value").derive(shared)
    aad = b"envsafe:v1:" + name.encode()
    return bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(ct, aad, nonce, k).decode()


def main():
    ok = failed = 0
    for path in sorted(pathlib.Path(__file__).parent.glob("*.json")):
        v = json.loads(path.read_text())
        hrp, sk = bech32_decode(v["private_key"])
        assert hrp == "age-secret-key-", path.name
        try:
            plain = open_value(sk, v["name"], v["sealed"])
        except Exception:  # any failure counts as "did not open"
            plain = None
        if path.name.startswith("fail_"):
            assert plain is None, f"{path.name}: opened but must fail"
        else:
            assert plain == v["plaintext"], f"{path.name}: wrong plaintext"
            pub_hrp, pub = bech32_decode(v["public_key"])
            assert pub_hrp == "age" and pub == bindings.crypto_scalarmult_base(sk), path.name
        ok += 1
    print(f"{ok} vectors checked independently")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
