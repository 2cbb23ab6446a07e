"""Reminders as an iCalendar file (RFC 5545) a person imports into their calendar.

Written by hand: all-day events, CRLF line ends, text escaped, lines folded at
75 octets. Each event's UID is stable (profile, rule, date), so importing an
updated file replaces events instead of duplicating them. The reminders may lie
years ahead (`--horizon 10y`, `mes vaccins next --ics`).

Everything a person reads is in the current language, tagged with LANGUAGE=: the
calendar's name, each event's summary (the vaccine's short label and the dose) and
its description (the reminder's sentence, then the calendar text it comes from,
quoted as it is, in French). A child's calendar and events start with the child's
first name, so that a parent who imports several calendars tells them apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from ..i18n import N_, _, current

CALENDAR_NAME = N_("Vaccination reminders")


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


def _calendar_name(child: str | None) -> str:
    """What a calendar application lists the file as: "Vaccination reminders", "… — Hugo" for a child."""
    name = _(CALENDAR_NAME)
    return _("{calendar} — {name}").format(calendar=name, name=child) if child else name


def _vaccine_label(code: str) -> str:
    """The vaccine's short label in the current language (its code when the catalogue does not know it)."""
    from ..domain.vaccination import vaccine_by_code

    known = vaccine_by_code(code)
    return _(known.label) if known else code


def _summary(reminder, child: str | None) -> str:
    """What the calendar shows on the day: e.g. "DTaP-IPV booster at 6 due", or "Hugo: …" for a child.

    The dose is ``dose_label`` (the current language); a server that does not send it gives
    the English ``dose`` only.
    """
    fields = {"vaccine": _vaccine_label(reminder.vaccine), "dose": reminder.dose_label or reminder.dose}
    if child:
        return _("{name}: {vaccine} {dose} due").format(name=child, **fields)
    text = _("{vaccine} {dose} due").format(**fields)
    return text[:1].upper() + text[1:]


def _description(reminder) -> str:
    """The reminder's sentence, then the calendar text it comes from (an official French quotation)."""
    lines = [reminder.reason]
    if reminder.source:
        lines.append(_("Source: {source}").format(source=reminder.source))
    return "\n".join(lines)


def reminders_calendar(reminders, profile_id: str, *, child: str | None = None,
                       now: dt.datetime | None = None) -> bytes:
    """The reminders of ``profile_id`` as an .ics file; ``child`` is the child's first name when they are a child's."""
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%dT%H%M%SZ")
    language = current()
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//mes-cli//{_(CALENDAR_NAME)}//{language.upper()}",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{_escape(_calendar_name(child))}"]
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
            f"SUMMARY;LANGUAGE={language}:{_escape(_summary(reminder, child))}",
            f"DESCRIPTION;LANGUAGE={language}:{_escape(_description(reminder))}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return b"".join(_fold(line) for line in lines)
