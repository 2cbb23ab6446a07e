"""`mes vaccins`: booklet, catalogue, reminders (and .ics), the reminder job — in-process and over HTTP."""

from __future__ import annotations

from support.flows import active_person, last_message

SEVENTY = "1956-03-10"  # 70 on the dates used below


def test_catalogue_search(mes):
    hpv = mes.ok("vaccins", "catalogue", "gardasil")
    assert [v["code"] for v in hpv] == ["HPV"]
    measles = {v["code"] for v in mes.ok("vaccins", "catalogue", "rougeole")}
    assert "ROR" in measles
    assert len(mes.ok("vaccins", "catalogue")) >= 15


def test_add_list_remove(mes):
    active_person(mes)
    added = mes.ok("vaccins", "add", "--vaccine", "Repevax", "--date", "12/03/2021", "--dose", "booster",
                   "--lot", "X123", "--performer", "Dr Martin")
    assert added["vaccine"] == "DTCAPOLIO_RAPPEL" and added["date"] == "2021-03-12" and added["lot"] == "X123"
    (listed,) = mes.ok("vaccins", "list")
    assert listed["id"] == added["id"] and "coqueluche" in listed["diseases"]
    mes.ok("vaccins", "remove", added["id"])
    assert mes.ok("vaccins", "list") == []
    assert mes("vaccins", "remove", added["id"]).exit_code == 7


def test_bad_vaccinations_are_refused_with_their_own_error(mes):
    p = active_person(mes)
    unknown = mes("vaccins", "add", "--vaccine", "Vaxofantasy", "--date", "01/01/2020")
    assert unknown.exit_code == 6 and "UNKNOWN_VACCINE" in unknown.stderr
    before_birth = mes("vaccins", "add", "--vaccine", "ROR", "--date", "01/01/1940")
    assert before_birth.exit_code == 6 and "INVALID_DATE" in before_birth.stderr and "birth" in before_birth.stderr
    future = mes("vaccins", "add", "--vaccine", "ROR", "--date", "01/01/2999")
    assert future.exit_code == 6 and "INVALID_DATE" in future.stderr
    garbage = mes("vaccins", "add", "--vaccine", "ROR", "--date", "hier")
    assert garbage.exit_code == 6 and "INVALID_DATE" in garbage.stderr
    assert mes.ok("vaccins", "list") == [] and p


def test_reminders_for_a_person_of_seventy_who_never_had_any(mes, tmp_path):
    import icalendar

    active_person(mes, birth_date=SEVENTY)
    reminders = mes.ok("vaccins", "reminders", "--at", "15/11/2026")
    by_vaccine = {r["vaccine"]: r for r in reminders}
    assert by_vaccine["DTPOLIO"]["status"] == "overdue"
    assert by_vaccine["GRIPPE"]["status"] in ("due", "overdue") and "COVID19" in by_vaccine
    assert {"PNEUMO_ADULTE", "ZONA"} <= set(by_vaccine)
    assert all(r["reason"] for r in reminders)
    target = tmp_path / "rappels.ics"
    mes.ok("vaccins", "reminders", "--at", "15/11/2026", "--ics", str(target))
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == len(reminders)
    assert all(e.get("UID") and e.get("DTSTART") and e.get("SUMMARY").endswith(" due") for e in events)


def test_a_recorded_booster_clears_its_reminder(mes):
    active_person(mes, birth_date=SEVENTY)
    mes.ok("vaccins", "add", "--vaccine", "DTPOLIO", "--date", "01/06/2026", "--dose", "booster")
    reminders = mes.ok("vaccins", "reminders", "--at", "15/11/2026")
    assert "DTPOLIO" not in {r["vaccine"] for r in reminders if r["status"] != "upcoming"}


def test_reminder_email_is_sent_once_per_due_dose(mes):
    p = active_person(mes, birth_date=SEVENTY)
    first = {r["job"]: r["sent"] for r in mes.ok("server", "jobs")}
    assert first["vaccination-reminders"] >= 1
    reminder = last_message(mes, p["email"])
    assert reminder["kind"] == "vaccination_reminder" and "Rappel" in reminder["subject"]
    mine = [m for m in mes.ok("outbox", "--to", p["email"], "--limit", "100") if m["kind"] == "vaccination_reminder"]
    mes.ok("server", "jobs")
    again = [m for m in mes.ok("outbox", "--to", p["email"], "--limit", "100") if m["kind"] == "vaccination_reminder"]
    assert len(again) == len(mine), "never twice for the same dose"


def test_nobody_reads_another_booklet(mes, tmp_path):
    active_person(mes)
    added = mes.ok("vaccins", "add", "--vaccine", "ROR", "--date", "01/06/2020")
    other = mes.as_other(tmp_path / "other")
    active_person(other)
    assert other.ok("vaccins", "list") == []
    assert other("vaccins", "remove", added["id"]).exit_code == 7
    assert len(mes.ok("vaccins", "list")) == 1


def test_the_job_mails_a_dose_when_it_becomes_due_and_never_twice(mes):
    import datetime as dt

    from dateutil.relativedelta import relativedelta

    birth = dt.date.today() - relativedelta(years=65) + dt.timedelta(days=10)  # 65 in ten days
    p = active_person(mes, birth_date=birth.isoformat())
    booster_at_45 = birth + relativedelta(years=45, months=1)
    mes.ok("vaccins", "add", "--vaccine", "DTPOLIO", "--date", booster_at_45.isoformat(), "--dose", "booster")

    def mailed():
        messages = mes.ok("outbox", "--to", p["email"], "--limit", "200")
        return [m for m in messages if m["kind"] == "vaccination_reminder"]

    mes.ok("server", "jobs")
    assert mailed() == [], "nothing is due before the 65th birthday"
    mes.ok("server", "clock", "--advance", "11d")
    mes.ok("server", "jobs")
    first_round = mailed()
    # At 65: the dTPolio booster, pneumococcal, shingles dose 1, and (in autumn) influenza and COVID-19.
    assert any("(dTPolio)" in m["body"] for m in first_round), "the 65-year booster became due"
    assert any("zona" in m["body"] for m in first_round) and any("pneumococcique" in m["body"] for m in first_round)
    mes.ok("server", "clock", "--advance", "1d")
    mes.ok("server", "jobs")
    assert len(mailed()) == len(first_round) >= 1


def test_next_doses_however_far_and_a_longer_horizon(mes, tmp_path):
    """An adult of 40 who had the 25-year booster: nothing within 12 months, the booster at 45 with
    --horizon 10y and in `mes vaccins next` (calendrier 2025: boosters at 25, 45, 65)."""
    import icalendar

    active_person(mes, birth_date="1985-06-01")
    for vaccine, day in [("ROR", "01/06/1986"), ("ROR", "01/10/1986"), ("Repevax", "01/06/2010")]:
        mes.ok("vaccins", "add", "--vaccine", vaccine, "--date", day)
    assert mes.ok("vaccins", "reminders", "--at", "01/07/2025") == []
    ten_years = mes.ok("vaccins", "reminders", "--at", "01/07/2025", "--horizon", "10y")
    assert [(r["vaccine"], r["dose"], r["status"], r["due_from"]) for r in ten_years] == [
        ("DTPOLIO", "booster at 45", "upcoming", "2030-06-01")]
    assert ten_years[0]["series"] == "dtp-adult" and ten_years[0]["product"] == "DTCAPOLIO_RAPPEL"
    assert "rattrapage des rappels dTP" in ten_years[0]["source"]
    nexts = mes.ok("vaccins", "next", "--at", "01/07/2025")
    assert nexts[0]["vaccine"] == "DTPOLIO" and nexts[0]["due_from"] == "2030-06-01"
    assert {"PNEUMO_ADULTE", "ZONA", "GRIPPE", "VRS"} <= {n["vaccine"] for n in nexts}
    assert [n["due_from"] for n in nexts] == sorted(n["due_from"] for n in nexts)
    target = tmp_path / "rappels.ics"
    mes.ok("vaccins", "reminders", "--at", "01/07/2025", "--horizon", "30y", "--ics", str(target))
    events = [c for c in icalendar.Calendar.from_ical(target.read_bytes()).walk() if c.name == "VEVENT"]
    # The booster at 45, then pneumococcal, shingles, influenza and COVID-19 at 65 (RSV at 75 is beyond).
    assert len(events) == 5 and str(events[0].get("DTSTART").dt) == "2030-06-01"
    refused = mes("vaccins", "reminders", "--horizon", "10")
    assert refused.exit_code == 6 and "10y" in refused.stderr and "horizon" in refused.stderr
