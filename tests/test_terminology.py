"""The Swedish catalogue keeps to docs/terminology.md: no msgstr uses an avoided word."""
import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TERMS = ROOT / "docs" / "terminology.md"
SWEDISH = ROOT / "translations" / "sv" / "LC_MESSAGES" / "messages.po"


def avoided_words(markdown):
    """The avoid column of the table: "radera" (matches words starting so), "kö=" (whole
    word only)."""
    words = []
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[1] in ("avoid", "---"):
            continue
        words += [word.strip() for word in cells[1].split(",") if word.strip()]
    return words


def pattern_for(word):
    whole = word.endswith("=")
    word = word.rstrip("=")
    return re.compile(r"(?<!\w)" + re.escape(word) + (r"(?!\w)" if whole else ""), re.IGNORECASE)


# What the program fills in ("%(session)s", "{session}") is not a word of the text.
CODES = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def violations(entries, words):
    """[(msgid, avoided word)] for every (msgid, msgstr) that uses an avoided word."""
    patterns = [(word, pattern_for(word)) for word in words]
    found = []
    for msgid, msgstr in entries:
        texts = [CODES.sub("", text or "")
                 for text in (msgstr if isinstance(msgstr, (tuple, list)) else (msgstr,))]
        for word, pattern in patterns:
            if any(pattern.search(text) for text in texts):
                found.append((msgid, word.rstrip("=")))
    return found


def catalogue_entries(path):
    with path.open("rb") as f:
        return [(m.id, m.string) for m in read_po(f) if m.id]


def test_the_table_lists_the_words_to_avoid():
    words = avoided_words(TERMS.read_text(encoding="utf-8"))
    assert {"organisatör", "platshållare", "radera", "kö="} <= set(words)


def test_the_check_finds_an_avoided_word_and_leaves_the_right_one_alone():
    words = ["radera", "ledare", "kö="]
    sample = [
        ("Delete", "Radera"),
        ("Deleted.", "Raderat."),
        ("Lead:", ("Ledare:", "Ledare:")),
        ("Queued", "i kö"),
        ("Leads", "Mötesledare"),
        ("Kitchen", "Kök"),
        ("Remove", "Ta bort"),
        ("Moved to %(session)s", "Flyttad till %(session)s"),
    ]
    assert violations(sample, words) == [
        ("Delete", "radera"), ("Deleted.", "radera"), ("Lead:", "ledare"), ("Queued", "kö")]


def test_the_swedish_catalogue_uses_the_agreed_terms():
    words = avoided_words(TERMS.read_text(encoding="utf-8"))
    found = violations(catalogue_entries(SWEDISH), words)
    assert found == [], "\n".join(f"{word!r} in the msgstr of {msgid!r}" for msgid, word in found)
