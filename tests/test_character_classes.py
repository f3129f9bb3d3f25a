"""Character classes written out for a cheap compile (or as tests of a
character) must mean what the rule says: every code point is checked against
the rule, not a sample."""

import re

from feedpub import config_values, urls

EVERY_CHARACTER = "".join(map(chr, range(0x110000)))
URL_CHARACTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%")


def test_a_url_character_is_refused_exactly_when_it_is_ascii_outside_rfc_3986():
    refused = set(urls._NOT_ALLOWED_ASCII.findall(EVERY_CHARACTER))
    assert refused == {c for c in map(chr, range(0x80)) if c not in URL_CHARACTERS}
    assert all(urls._ASCII_ALLOWED.fullmatch(c) for c in URL_CHARACTERS)


def test_setting_text_refuses_exactly_what_xml_cannot_hold_and_the_controls():
    refused = set(filter(config_values.is_not_text, EVERY_CHARACTER))
    xml_char = re.compile("[\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # XML 1.0, section 2.2
    expected = {c for c in EVERY_CHARACTER if not xml_char.match(c) or "\x7f" <= c <= "\x9f"} - set("\t\n\r")
    assert refused == expected
