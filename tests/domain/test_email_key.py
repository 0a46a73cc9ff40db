"""Who counts as the same person: one key per address, whatever form it was typed in."""
import pytest

from eventapp.domain.signup import email_key, normalised_email


@pytest.mark.parametrize("variant, plain", [
    ("dup@ｅxample.se", "dup@example.se"),                  # a full-width e in the domain
    ("ｄup@example.se", "dup@example.se"),                  # a full-width d in the local part
    ("a@ｅｘａｍｐｌｅ．ｓｅ", "a@example.se"),                 # a full-width domain, dot and all
    ("anna@xn--bjrred-cua.se", "anna@bjärred.se"),          # punycode and its Unicode domain
    ("anna@BJÄRRED.SE", "anna@bjärred.se"),
    ("Anna.Lindqvist@Example.ORG", "anna.lindqvist@example.org"),
    ("ÅSA@example.se", "åsa@example.se"),
    ("Straße@example.se", "strasse@example.se"),            # case-folded, not just lower-cased
    ("e\u0301va@example.se", "\u00e9va@example.se"),        # a combining accent, composed
    ("  anna@example.se ", "anna@example.se"),
])
def test_variants_of_one_address_have_one_key(variant, plain):
    assert email_key(variant) == email_key(plain)


def test_different_addresses_keep_different_keys():
    assert email_key("anna@bjärred.se") != email_key("anna@bjarred.se")
    assert email_key("anna@xn--bjrred-fua.se") != email_key("anna@xn--bjrred-cua.se")


def test_the_key_names_the_domain_in_unicode_and_everything_in_lower_case():
    assert email_key("Anna@XN--BJRRED-CUA.SE") == "anna@bjärred.se"


def test_the_normalised_address_keeps_the_local_part_as_typed_and_folds_the_domain():
    assert normalised_email(" Dup@ＥXAMPLE.se ") == "Dup@example.se"
    assert normalised_email("anna@xn--bjrred-cua.se") == "anna@bjärred.se"


def test_something_that_is_not_an_address_still_gets_a_key():
    # Login and rate limits see whatever was typed; the key must never raise.
    assert normalised_email(" inte en adress ") == "inte en adress"
    assert email_key("Inte@En@Adress") == "inte@en@adress"
    assert email_key("x" * 5000 + "@example.se") == ("x" * 254)
