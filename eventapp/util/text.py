"""Pure text helpers: text as typed split into paragraphs and lines, and ASCII slugs for
file names."""
import re
import unicodedata

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
