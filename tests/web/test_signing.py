"""web/signing.py writes what itsdangerous reads and reads what it writes (no database)."""
import pytest
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from eventapp.web.signing import (
    LeanURLSafeSerializer, LeanURLSafeTimedSerializer, serializer_for,
)

VALUES = (["v2", "0f8e4c1a-uid", 3], {"csrf_token": "ab12" * 10}, {"_flashes": ["x" * 500]})


@pytest.mark.parametrize("lean, plain", [(LeanURLSafeSerializer, URLSafeSerializer),
                                         (LeanURLSafeTimedSerializer, URLSafeTimedSerializer)])
def test_tokens_read_both_ways_and_refuse_a_changed_byte(lean, plain):
    ours, theirs = lean(["old-key", "new-key"], salt="s"), plain(["old-key", "new-key"], salt="s")
    for value in VALUES:
        for token in (ours.dumps(value), ours.dumps(value)):  # the second on cached signers
            assert theirs.loads(token) == value
        assert ours.loads(theirs.dumps(value)) == value
        assert ours.loads(plain("old-key", salt="s").dumps(value)) == value  # a fallback key
        token = ours.dumps(value)
        with pytest.raises(BadSignature):
            ours.loads(token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"))
        with pytest.raises(BadSignature):
            lean("new-key", salt="other").loads(token)


def test_only_a_big_payload_is_compressed():
    ours = LeanURLSafeTimedSerializer("key", salt="s")
    assert not ours.dumps({"csrf_token": "ab12" * 10}).startswith(".")
    assert ours.dumps({"_flashes": ["x" * 500]}).startswith(".")  # zlib as before


def test_one_serializer_per_key():
    assert serializer_for(LeanURLSafeSerializer, "a", "s") is serializer_for(
        LeanURLSafeSerializer, "a", "s")
    assert serializer_for(LeanURLSafeSerializer, "a", "s") is not serializer_for(
        LeanURLSafeSerializer, "b", "s")
