"""Reminders as an iCalendar file (RFC 5545) a person imports into their calendar.

Written by hand: all-day events, CRLF line ends, text escaped, lines folded at
75 octets. Each event's UID is stable (profile, rule, date), so importing an
updated file replaces events instead of duplicating them. An event's description
is the reminder's sentence, then the calendar text it comes from. The reminders
may lie years ahead (`--horizon 10y`, `mes vaccins next --ics`).
"""

from __future__ import annotations

import datetime as dt
import hashlib

PRODID = "-//mes-cli//Rappels de vaccination//FR"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> bytes:
    raw = line.encode("utf-8")
    out, start = [], 0
    while len(raw) - start > 75:
        end = start + (75 if not out else 74)
        while end > start and (raw[end] & 0xC0) == 0x80:  # never split a UTF-8 sequence
            end -= 1
        out.append(raw[start:end])
        start = end
    out.append(raw[start:])
    return b"\r\n ".join(out) + b"\r\n"


def _description(reminder) -> str:
    source = getattr(reminder, "source", "")
    return f"{reminder.reason}\n{source}" if source else reminder.reason


def reminders_calendar(reminders, profile_id: str, now: dt.datetime | None = None) -> bytes:
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    for reminder in reminders:
        key = f"{profile_id}|{reminder.rule_id}|{reminder.due_from.isoformat()}"
        uid = hashlib.sha256(key.encode()).hexdigest()[:32] + "@mes-cli"
        start = reminder.due_from
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{start + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(f'Vaccin : {reminder.vaccine_name} ({reminder.dose})')}",
            f"DESCRIPTION:{_escape(_description(reminder))}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return b"".join(_fold(line) for line in lines)
