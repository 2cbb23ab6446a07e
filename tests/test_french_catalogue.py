"""The French catalogue reads as French: "e-mail" and "SMS" in sentences (the option values email,
sms stay as they are typed), no raw state code inside a sentence, and the agreements that slipped once."""

from __future__ import annotations

import re

import pytest

from mes_cli import i18n
from mes_cli.i18n import extract

# What a French sentence may quote as it is typed or read by a program: placeholders, `code`, an
# option with its value (--channel sms), and a value glossed in French right after it ("email (e-mail)").
_QUOTED = re.compile(r"\{[^}]*\}|`[^`]*`|--[\w-]+(?: (?:email|sms|totp)\b)?|\b(?:email|sms|totp) \(")
# Messages that list the JSON fields of a file, where "email" is a key, not a word.
_FIELD_LISTS = ("Add insured persons to the registry",)
# The states of a space that are no French word ("active" is one: "elle active son espace").
_STATE_CODES = re.compile(r"\b(?:pending|open|opposed|closed)\b")


def _french_texts() -> list[tuple[str, str]]:
    """(message id, French text) for every translated message."""
    found = []
    for entry in extract.read():
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        found += [(ids[0], text) for text in strings if text]
    return found


def _french_prose() -> list[tuple[str, str]]:
    """(message id, French text without what it quotes)."""
    return [(message, _QUOTED.sub(" ", text)) for message, text in _french_texts()]


def test_french_says_e_mail_and_sms_outside_option_values():
    slips = [(message, text) for message, text in _french_prose()
             if re.search(r"\b(?:email|sms)\b", text) and not message.startswith(_FIELD_LISTS)]
    assert not slips, slips[:10]


def test_french_sentences_carry_no_raw_state_code():
    filled_with_a_code = [(message, text) for message, text in _french_texts() if "l'état {" in text]
    assert not filled_with_a_code, filled_with_a_code[:10]
    written = [(message, text) for message, text in _french_prose() if _STATE_CODES.search(text)]
    assert not written, written[:10]


@pytest.mark.parametrize("message, expected", [
    ("The {section} section has entries; remove them before marking it 'not concerned'.", "non concernée"),
    ("This space has entries in {section}; it is not marked 'not concerned'.", "non concernée"),
    ("not recorded", "pas encore dans le carnet"),  # said of a dose (feminine) and of a booster (masculine) alike
])
def test_agreements_that_once_slipped(message, expected):
    token = i18n.use("fr")
    try:
        assert expected in i18n._(message)
    finally:
        i18n.restore(token)
