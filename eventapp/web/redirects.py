"""Where a `next=` parameter may send a person: only to a path on this site."""
import re
from urllib.parse import urlsplit

# Control characters (CR and LF among them) have no place in a Location header.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def safe_next(target, default=None):
    """`target` if it is a plain path on this site, else `default`: never an open redirect
    (`//host`, `/\\host`, `https://host`), never a header split by CR/LF."""
    if (not isinstance(target, str) or not target.startswith("/") or target.startswith("//")
            or "\\" in target or _CONTROL.search(target)):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
