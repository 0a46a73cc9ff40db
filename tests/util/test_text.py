"""Text as typed, split for pages and mail; ASCII slugs for file names."""
from eventapp.util.text import ascii_slug, paragraphs


def test_a_blank_line_starts_a_paragraph_and_a_line_break_stays_a_line_break():
    typed = "Hej Karin!\r\nVälkommen.\r\n\r\nHälsningar\r\nAnna"
    assert paragraphs(typed) == [["Hej Karin!", "Välkommen."], ["Hälsningar", "Anna"]]


def test_several_blank_lines_and_stray_spaces_make_one_paragraph_break():
    assert paragraphs("Ett\n\n \n\nTvå\n") == [["Ett"], ["Två"]]
    assert paragraphs("") == [] and paragraphs(None) == []


def test_a_slug_keeps_swedish_words_readable_in_ascii():
    assert ascii_slug("E-arkivhantering & bevarande") == "e-arkivhantering-bevarande"
    assert ascii_slug("Närvarolista") == "narvarolista"
    assert ascii_slug("Öppna data – Åsele") == "oppna-data-asele"
    assert ascii_slug("???") == ""
