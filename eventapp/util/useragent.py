"""A browser's User-Agent header in a few words ("Firefox, Windows"), for a person to
recognise their own browsers in a list. Product names only: the same in every language."""

# Checked in order: Edge and Opera also say Chrome, and Chrome also says Safari.
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))
# iPhones and Android phones also say "like Mac OS X" and Linux.
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
            ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))


def summary(header: str | None) -> str:
    """"<browser>, <system>", leaving out what the header does not say ("" for nothing)."""
    header = header or ""
    found = [next((name for token, name in known if token in header), None)
             for known in (_BROWSERS, _SYSTEMS)]
    return ", ".join(name for name in found if name)
