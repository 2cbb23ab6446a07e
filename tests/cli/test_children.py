"""`mes children` and `--for`: linking, sharing, limits, the 18th birthday — in-process and over HTTP."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta

from support import files
from support.cli import Mes
from support.flows import active_person, last_message, login
from support.people import person


def _child(first_name: str = "Léo", birth: dt.date | None = None, **extra) -> dict:
    data = person(first_name=first_name, email=None, mobile=None)
    child = {k: data[k] for k in ("nir", "first_name", "last_name", "card_serial")}
    child["birth_date"] = (birth or dt.date(2019, 9, 14)).isoformat()
    child.update(extra)
    return child


def _parent_with(mes: Mes, *children: dict) -> dict:
    parent = active_person(mes, children=list(children))
    for child in children:
        child["code"] = last_message(mes, child["nir"])["code"]
    return parent


def _link(mes: Mes, child: dict, *extra: str):
    return mes("children", "link", "--code", child["code"], "--birth-date", child["birth_date"], "--certify", *extra)


def test_link_then_act_for_the_child(mes, tmp_path):
    leo = _child()
    _parent_with(mes, leo)
    (before,) = mes.ok("children", "list")
    assert before["status"] == "attachable" and before["first_name"] == "Léo"
    linked = _link(mes, leo)
    assert linked.exit_code == 0, linked
    assert linked.json["status"] == "attached" and linked.json["role"] == "representative"
    mes.ok("--for", "leo", "docs", "upload", str(files.write(tmp_path, "carnet.pdf", files.pdf("carnet"))))
    mes.ok("--for", "Léo Martin", "vaccins", "add", "--vaccine", "HEXA", "--date", "2019-11-14")
    result = mes("--for", "Léo", "docs", "list")
    assert [d["title"] for d in result.json] == ["carnet"] and "Profile of Léo" in result.stderr
    assert mes.ok("docs", "list") == [], "the parent's own documents are separate"
    assert len(mes.ok("vaccins", "list", env={"MES_FOR": leo["first_name"]})) == 1
    assert mes.ok("--for", "Léo", "profile", "show")["first_name"] == "Léo"


def test_link_refusals(mes, tmp_path):
    leo, adult_child = _child(), _child("Anna", dt.date(2000, 1, 1))
    _parent_with(mes, leo, adult_child)
    other_family = mes.as_other(tmp_path / "other")
    zoe = _child("Zoé")
    _parent_with(other_family, zoe)
    not_mine = mes("children", "link", "--code", zoe["code"], "--birth-date", zoe["birth_date"], "--certify")
    assert not_mine.exit_code == 4 and "NOT_REPRESENTATIVE" in not_mine.stderr
    wrong_birth = mes("children", "link", "--code", leo["code"], "--birth-date", "15/09/2019", "--certify")
    assert wrong_birth.exit_code == 4 and "NOT_REPRESENTATIVE" in wrong_birth.stderr
    uncertified = mes("children", "link", "--code", leo["code"], "--birth-date", leo["birth_date"])
    assert uncertified.exit_code == 2 and "--certify" in uncertified.stderr
    adult = _link(mes, adult_child)
    assert adult.exit_code == 4 and "NOT_A_MINOR" in adult.stderr
    assert _link(mes, leo).exit_code == 0
    again = _link(mes, leo)
    assert again.exit_code == 8 and "ALREADY_LINKED" in again.stderr
    stranger = other_family("--for", leo["first_name"], "docs", "list")
    assert stranger.exit_code == 7 and "PROFILE_NOT_FOUND" in stranger.stderr


def test_share_accept_decline_and_expiry(mes, tmp_path):
    leo = _child()
    parent = _parent_with(mes, leo)
    _link(mes, leo)
    mes.ok("--for", "Léo", "docs", "upload", str(files.write(tmp_path, "a.pdf", files.pdf("a"))))
    other = mes.as_other(tmp_path / "other-parent")
    other_parent = active_person(other)
    invitation = mes.ok("children", "share", "Léo", "--with", other_parent["identifier"])
    assert invitation["status"] == "pending" and invitation["direction"] == "sent"
    (received,) = other.ok("children", "invitations")
    assert received["id"] == invitation["id"] and received["direction"] == "received"
    pending = other("--for", "Léo", "docs", "list")
    assert pending.exit_code == 7, "no access before accepting"
    other.ok("children", "accept", invitation["id"])
    assert [d["title"] for d in other.ok("--for", "Léo", "docs", "list")] == ["a"]
    assert other("children", "accept", invitation["id"]).exit_code == 8
    third = mes.as_other(tmp_path / "third")
    third_person = active_person(third)
    declined = mes.ok("children", "share", "Léo", "--with", third_person["identifier"])
    assert third.ok("children", "decline", declined["id"])["status"] == "declined"
    late = mes.ok("children", "share", "Léo", "--with", third_person["identifier"])
    mes.ok("server", "clock", "--advance", "8d")
    login(third, third_person)  # the sessions expired with the clock
    expired = third("children", "accept", late["id"])
    assert expired.exit_code == 6 and "INVITATION_EXPIRED" in expired.stderr
    login(mes, parent)
    unknown = mes("children", "share", "Léo", "--with", "nobody.really")
    assert unknown.exit_code == 7


def test_at_most_three_caregivers_per_profile(mes, tmp_path):
    leo = _child()
    _parent_with(mes, leo)
    _link(mes, leo)
    others = []
    for name in ("b", "c", "d"):
        cli = mes.as_other(tmp_path / name)
        others.append((cli, active_person(cli)))
    for cli, p in others[:2]:
        cli.ok("children", "accept", mes.ok("children", "share", "Léo", "--with", p["identifier"])["id"])
    refused = mes("children", "share", "Léo", "--with", others[2][1]["identifier"])
    assert refused.exit_code == 8 and "TOO_MANY_CAREGIVERS" in refused.stderr


def test_at_most_five_profiles_per_caregiver(mes):
    kids = [_child(f"Enfant{i}") for i in range(6)]
    _parent_with(mes, *kids)
    for kid in kids[:5]:
        assert _link(mes, kid).exit_code == 0
    refused = _link(mes, kids[5])
    assert refused.exit_code == 8 and "TOO_MANY_PROFILES" in refused.stderr


def test_unlink_leaves_the_other_parent(mes, tmp_path):
    leo = _child()
    _parent_with(mes, leo)
    _link(mes, leo)
    other = mes.as_other(tmp_path / "other")
    p = active_person(other)
    other.ok("children", "accept", mes.ok("children", "share", "Léo", "--with", p["identifier"])["id"])
    assert mes("children", "unlink", "Léo").exit_code == 2  # asks first
    mes.ok("children", "unlink", "Léo", "--yes")
    assert mes("--for", "Léo", "docs", "list").exit_code == 7
    assert other.ok("--for", "Léo", "docs", "list") == []


def test_access_ends_at_eighteen_and_the_young_adult_takes_over(mes, tmp_path):
    birth = dt.date.today() - relativedelta(years=18) + dt.timedelta(days=5)
    teen = _child("Inès", birth)
    parent = _parent_with(mes, teen)
    _link(mes, teen)
    data = files.pdf("certificat")
    mes.ok("--for", "Inès", "docs", "upload", str(files.write(tmp_path, "bac.pdf", data)))
    mes.ok("server", "clock", "--advance", "6d")
    login(mes, parent)  # the old session expired with the clock
    ended = mes("--for", "Inès", "docs", "list")
    assert ended.exit_code == 7, "the parents' access ends on the 18th birthday"
    assert all(c["first_name"] != "Inès" for c in mes.ok("children", "list"))
    mes.ok("server", "jobs")
    letter = last_message(mes, teen["nir"])
    assert letter["kind"] == "majority_letter" and letter["channel"] == "letter"
    young = mes.as_other(tmp_path / "ines")
    email = f"ines.{teen['nir'][-6:]}@example.fr"
    identity = ["--nir", teen["nir"], "--serial", teen["card_serial"], "--birth-date", teen["birth_date"]]
    first = young.ok("activate", "--code", letter["code"], *identity, "--email", email, "--identifier",
                     f"ines.{teen['nir'][-6:]}", "--password-stdin", "--accept-terms", stdin="Tr3s-Secret!Pass\n")
    assert first["status"] == "verification_required"
    young.ok("activate", "--email-code", last_message(young, email)["code"], "--identifier", f"ines.{teen['nir'][-6:]}",
             "--password-stdin", "--accept-terms", stdin="Tr3s-Secret!Pass\n")
    login(young, {"identifier": f"ines.{teen['nir'][-6:]}", "password": "Tr3s-Secret!Pass", "email": email})
    (kept,) = young.ok("docs", "list")
    assert kept["title"] == "bac" and kept["sha256"] == files.sha256(data), "her records stay with her"


def test_one_manifest_for_the_whole_family(mes, tmp_path):
    import csv

    leo, zoe = _child(), _child("Zoé", dt.date(2021, 2, 3))
    _parent_with(mes, leo, zoe)
    _link(mes, leo)
    _link(mes, zoe)
    folder = tmp_path / "archive"
    rows = [("mine.pdf", ""), ("leo.pdf", "Léo"), ("zoe.pdf", "zoé")]
    for name, _profile in rows:
        files.write(folder, name, files.pdf(name))
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "category", "profile"])
        writer.writerows([(name, "AUTR_DOC", profile) for name, profile in rows])
    results = mes.ok("docs", "upload", "--manifest", str(manifest))
    assert {r["status"] for r in results} == {"uploaded"}
    assert [d["title"] for d in mes.ok("docs", "list")] == ["mine"]
    assert [d["title"] for d in mes.ok("--for", "Léo", "docs", "list")] == ["leo"]
    assert [d["title"] for d in mes.ok("--for", "Zoé", "docs", "list")] == ["zoe"]
    unknown = folder / "unknown.csv"
    unknown.write_text("path,profile\nmine.pdf,Nobody\n")
    refused = mes("docs", "upload", "--manifest", str(unknown))
    # The whole manifest is checked first: every bad row is listed, then one usage error (issue 16).
    assert refused.exit_code == 6 and "row 2, column profile" in refused.stderr and "PROFILE_NOT_FOUND" in refused.stderr


def test_children_are_listed_oldest_first_whatever_the_store(mes):
    """Attached or not, in the order of birth, on SQLite (local) and PostgreSQL (remote) alike."""
    youngest, eldest, middle = (_child("Zoé", dt.date(2021, 2, 3)), _child("Adam", dt.date(2012, 6, 1)),
                                _child("Lina", dt.date(2016, 11, 30)))
    _parent_with(mes, youngest, eldest, middle)
    assert _link(mes, youngest).exit_code == 0  # attached first, listed last
    assert [c["first_name"] for c in mes.ok("children", "list")] == ["Adam", "Lina", "Zoé"]
