#!/usr/bin/env python3
"""An independent check of tokens from `access-check issue`: verifies a JWS (ES256 or EdDSA)
against a JWKS with Python's `cryptography` (Debian's python3-cryptography), sharing no code
with access-check. Prints the payload and exits 0 when the signature verifies, 1 when not.

    python3 tools/verify-jws.py JWKS_FILE TOKEN
"""
import base64
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def main(jwks_path, token):
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(b64url(header_b64))
    keys = [k for k in json.load(open(jwks_path))["keys"] if k.get("kid") == header.get("kid")]
    if len(keys) != 1:
        print("no key with this kid", file=sys.stderr)
        return 1
    jwk, signed, signature = keys[0], f"{header_b64}.{payload_b64}".encode(), b64url(signature_b64)
    try:
        if header["alg"] == "ES256" and jwk["kty"] == "EC" and jwk["crv"] == "P-256" and len(signature) == 64:
            numbers = ec.EllipticCurvePublicNumbers(
                int.from_bytes(b64url(jwk["x"]), "big"), int.from_bytes(b64url(jwk["y"]), "big"), ec.SECP256R1())
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            numbers.public_key().verify(der, signed, ec.ECDSA(hashes.SHA256()))
        elif header["alg"] == "EdDSA" and jwk["kty"] == "OKP" and jwk["crv"] == "Ed25519":
            ed25519.Ed25519PublicKey.from_public_bytes(b64url(jwk["x"])).verify(signature, signed)
        else:
            print(f"unsupported: {header['alg']}", file=sys.stderr)
            return 1
    except InvalidSignature:
        print("signature invalid", file=sys.stderr)
        return 1
    print(b64url(payload_b64).decode())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
