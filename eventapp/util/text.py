"""Characters XML 1.0 cannot hold, which make an Excel file (XML inside) unreadable."""
import re

# Everything outside XML 1.0's Char production: C0 controls but tab, line feed and carriage
# return; lone surrogates; U+FFFE and U+FFFF. (openpyxl refuses the controls and writes the
# rest into a file Excel then cannot open.)
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def first_xml_forbidden(text: str) -> str | None:
    match = XML_FORBIDDEN.search(text)
    return match.group() if match else None


def xml_safe(text: str) -> str:
    """The text with each such character replaced by U+FFFD, the mark for "a character was here"."""
    return XML_FORBIDDEN.sub("\ufffd", text)


def code_point(char: str) -> str:
    """U+FFFF: how to name a character nobody can see."""
    return f"U+{ord(char):04X}"
