"""itsdangerous's URL-safe serializers, writing the same tokens at a fraction of the cost.

Session cookies, CSRF tokens and manage links are short signed JSON values. For each one
itsdangerous (1) tried zlib on the payload, whose set-up (a quarter of a megabyte of state)
cost more than the rest of the signing, to save a few dozen bytes at best on a short value;
(2) built a new Signer; (3) derived the HMAC key from the secret key and salt again. Here
zlib is tried only from COMPRESS_FROM bytes of JSON on (a big session still shrinks as
before), and each serializer keeps its signers, each signer its derived keys. Reading takes
every form itsdangerous writes, compressed payloads included.
"""
import zlib

from itsdangerous import Serializer, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, want_bytes
from itsdangerous.signer import Signer
from itsdangerous.timed import TimestampSigner

# A session holding a CSRF token (55 bytes of JSON) is sent 25 bytes longer uncompressed.
COMPRESS_FROM = 128


class _KeyOnce:
    """For a Signer: its key derived from each secret key once, not on every signature."""

    def derive_key(self, secret_key=None):
        keys = self.__dict__.setdefault("_derived", {})
        wanted = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        key = keys.get(wanted)
        if key is None:
            key = keys[wanted] = super().derive_key(wanted)
        return key


class KeyOnceSigner(_KeyOnce, Signer):
    pass


class KeyOnceTimestampSigner(_KeyOnce, TimestampSigner):
    pass


class _LeanPayload:
    """For URLSafeSerializer and URLSafeTimedSerializer: see the module's docstring."""

    def dump_payload(self, obj):
        json = Serializer.dump_payload(self, obj)  # compact JSON, as the URL-safe mixin makes
        if len(json) >= COMPRESS_FROM:
            compressed = zlib.compress(json)
            if len(compressed) < len(json) - 1:  # the URL-safe mixin's own rule
                return b"." + base64_encode(compressed)
        return base64_encode(json)

    def make_signer(self, salt=None):
        salt = self.salt if salt is None else salt
        signers = self.__dict__.setdefault("_signers", {})
        signer = signers.get(salt)
        if signer is None:
            signer = signers[salt] = super().make_signer(salt)
        return signer


class LeanURLSafeSerializer(_LeanPayload, URLSafeSerializer):
    default_signer = KeyOnceSigner


class LeanURLSafeTimedSerializer(_LeanPayload, URLSafeTimedSerializer):
    default_signer = KeyOnceTimestampSigner


_made = {}


def serializer_for(cls, secret_key, salt):
    """cls(secret_key, salt=salt), made once per process for each key (not once per token)."""
    key = (cls, secret_key, salt)
    serializer = _made.get(key)
    if serializer is None:
        if len(_made) > 16:  # tests make many apps, each with its own key
            _made.clear()
        serializer = _made[key] = cls(secret_key, salt=salt)
    return serializer
