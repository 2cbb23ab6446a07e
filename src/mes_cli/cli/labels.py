"""The words a table shows a person: column headers and the codes of known fields, in their language.

Only tables use them. JSON, JSONL and CSV keep the wire format's English keys and codes, which
scripts match on (docs/scripting.md, "Output"); a table is read by a person, so it speaks their
language. English headers are the field names themselves, so that what a table shows is what
``--columns`` takes; French ones are the catalogue's.
"""

from __future__ import annotations

from ..i18n import DEFAULT, N_, _, current

# Column headers: a field name (the last part of a flattened key such as ``professional.name``) → its label.
HEADERS: dict[str, str] = {
    "id": N_("id"), "title": N_("title"), "category": N_("category"), "category_label": N_("category_label"),
    "document_date": N_("document_date"), "date": N_("date"), "media_type": N_("media_type"), "size": N_("size"),
    "hidden": N_("hidden"), "uploaded_by": N_("uploaded_by"), "created_at": N_("created_at"),
    "status": N_("status"), "path": N_("path"), "document_id": N_("document_id"), "error": N_("error"),
    "error_code": N_("error_code"), "differs": N_("differs"), "kind": N_("kind"), "name": N_("name"),
    "subject": N_("subject"), "unread": N_("unread"), "closed_at": N_("closed_at"),
    "last_message_at": N_("last_message_at"), "professional": N_("professional"), "first_name": N_("first_name"),
    "last_name": N_("last_name"), "birth_date": N_("birth_date"), "role": N_("role"), "caregivers": N_("caregivers"),
    "direction": N_("direction"), "child": N_("child"), "from_name": N_("from_name"), "to_name": N_("to_name"),
    "expires_at": N_("expires_at"), "vaccine": N_("vaccine"), "vaccine_name": N_("vaccine_name"), "dose": N_("dose"),
    "dose_label": N_("dose_label"), "lot": N_("lot"), "performer": N_("performer"), "recorded_by": N_("recorded_by"),
    "due_from": N_("due_from"), "due_until": N_("due_until"), "reason": N_("reason"), "diseases": N_("diseases"),
    "code": N_("code"), "label": N_("label"), "channel": N_("channel"), "to": N_("to"), "sent_at": N_("sent_at"),
    "profession": N_("profession"), "specialty": N_("specialty"), "city": N_("city"), "blocked": N_("blocked"),
    "rpps": N_("rpps"), "has_written": N_("has_written"), "recipient": N_("recipient"), "access_ends_on": N_("access_ends_on"), "at": N_("at"), "action": N_("action"), "detail": N_("detail"), "value": N_("value"),
    "section": N_("section"), "severity": N_("severity"), "type_code": N_("type_code"), "profile_id": N_("profile_id"),
}

# Codes of known fields → their words in other languages (English tables show the codes themselves, which are
# English words already; the message ids say what a code means where one word has several meanings).
VALUES: dict[str, dict[str, str]] = {
    "status": {
        "overdue": N_("overdue"), "due": N_("due"), "upcoming": N_("upcoming"),
        "uploaded": N_("uploaded"), "exists": N_("exists"), "updated": N_("updated"), "merged": N_("merged"),
        "failed": N_("failed"), "skipped": N_("skipped"), "not_sent": N_("not_sent"), "duplicate": N_("duplicate"),
        "pending": N_("pending"), "ready": N_("ready"), "downloaded": N_("downloaded"), "kept": N_("kept"),
        "created": N_("created"), "replaced": N_("replaced"), "deleted": N_("deleted"), "unchanged": N_("unchanged"),
        "outdated": N_("outdated"), "absent": N_("absent"), "valid": N_("valid"),
        "attachable": N_("attachable"), "attached": N_("attached"), "accepted": N_("accepted"),
        "declined": N_("declined"), "expired": N_("expired"), "open": N_("open"), "opposed": N_("opposed"),
        "active": N_("active"), "closed": N_("closed"), "sent": N_("sent"),
    },
    "severity": {"mild": N_("mild"), "moderate": N_("moderate"), "severe": N_("severe")},
    "kind": {"weight": N_("weight"), "height": N_("height"), "blood_pressure": N_("blood_pressure"),
             "person": N_("practitioner"), "pharmacy": N_("pharmacy")},
    "uploaded_by": {"person": N_("the person"), "professional": N_("professional"), "system": N_("system")},
    "recorded_by": {"person": N_("the person"), "professional": N_("professional")},
    "direction": {"received": N_("received"), "sent": N_("sent")},
    "dose": {"first": N_("first"), "booster": N_("booster")},
    "role": {"representative": N_("representative"), "shared": N_("shared")},
    "channel": {"email": N_("email"), "sms": N_("sms"), "letter": N_("letter"), "totp": N_("totp")},
    "section": {"diseases": N_("diseases"), "treatments": N_("treatments"), "allergies": N_("allergies"),
                "measures": N_("measures"), "family_history": N_("family_history")},
}


def header(key: str) -> str:
    """The header of a column: English keeps the key (``professional.name``); others translate its last part."""
    if current() == DEFAULT:
        return key
    *_parents, field = key.split(".")
    return _(HEADERS[field]) if field in HEADERS else key


def value_word(key: str, value: str) -> str:
    """A known code of ``key``'s field in the current language; anything else as it is."""
    if current() == DEFAULT:
        return value
    field = key.rsplit(".", 1)[-1]
    known = VALUES.get(field, {}).get(value)
    return _(known) if known else value
