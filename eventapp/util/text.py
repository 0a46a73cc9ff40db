"""Pure text helpers: characters XML 1.0 cannot hold (which make an Excel file unreadable),
text as typed split into paragraphs and lines, ASCII slugs for file names, and names that
mail programs will not turn into links."""
import re
import unicodedata

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


_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def paragraphs(text):
    """Text as typed in a browser (CRLF, CR or LF) as paragraphs, each a list of its lines:
    a blank line starts a new paragraph, a single line break stays a line break."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    return [block.split("\n") for block in _BLANK_LINE.split(text) if block.strip()]


def ascii_slug(text, max_length=60):
    """"E-arkivhantering & bevarande" -> "e-arkivhantering-bevarande": safe in any file name."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:max_length].strip("-")


# Mail programs turn "www.example.se", "http://..." and "a@b.se" into links, in plain text
# too. A zero-width space on both sides of a dot before a letter, a colon before a slash and
# an at sign keeps a name looking the same while no link can be read out of it ("1.1" and
# "J. Berg" stay as they are).
_LINK_PARTS = re.compile(r"(\.(?=[^\W\d_])|:(?=/)|@)")


def unlinked(text):
    """A person's name (or other typed text) as plain words in an email: never a link."""
    return _LINK_PARTS.sub("\u200b\\1\u200b", text or "")
