"""Sorting names the Swedish way: å, ä, ö come after z (in that order); é sorts as e."""
import unicodedata

_AFTER_Z = {"å": "z\u0001", "ä": "z\u0002", "æ": "z\u0002", "ö": "z\u0003", "ø": "z\u0003"}


def swedish_key(value):
    text = (value or "").casefold()
    out = []
    for char in text:
        if char in _AFTER_Z:
            out.append(_AFTER_Z[char])
        else:
            base = unicodedata.normalize("NFKD", char)[0]
            out.append(base)
    return "".join(out)
