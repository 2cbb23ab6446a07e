"""`mes export` and `mes import`: a whole space out as one archive and back on a second server — documents
(same bytes, title, category, hidden flag, versions), profile and vaccinations — both ways between the
embedded server and a real one; the archive is IHE XDM (read by the same reader as any, and by
`mes docs import`); a re-run adds nothing; another person's space refuses the professional's document."""

from __future__ import annotations

import json
import os
import stat
import tempfile

from mes_cli.domain.xdm import XdmArchive
from support import files
from support.cli import Mes
from support.flows import activate, active_person, login, seed
from support.health_docs import archive, retarget_archive

DOCTOR = "10101234567"
INS_NIR = "1.2.250.1.213.1.4.8"


def _directory(mes: Mes) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"professionals": [{"rpps": DOCTOR, "name": "Dr Claire Dubois", "profession": "Médecin"}]},
                  handle)
    mes.ok("server", "seed", handle.name)


def _fill(mes: Mes, tmp_path) -> dict:
    """A person's space with a bit of everything: an own PDF (hidden from professionals and legal
    representatives, pinned, in a folder; an empty folder too), a professional's
    CDA in two versions, a vaccination history (its doses recorded by a professional), profile entries of each kind, a blood group, a section not concerned, vaccinations
    and a professional's message with an attachment."""
    _directory(mes)
    p = active_person(mes)
    scan = files.write(tmp_path / "in", "ordonnance.pdf", files.pdf("ordonnance du Dr Dubois"))
    (own,) = mes.ok("docs", "upload", str(scan), "--title", "Mon ordonnance", "--category", "ORD_SOIN")
    mes.ok("docs", "hide", own["document_id"])
    mes.ok("docs", "folders", "create", "Ordonnances")
    mes.ok("docs", "folders", "create", "Vide (à remplir)")
    mes.ok("docs", "move", own["document_id"], "--folder", "Ordonnances")
    mes.ok("docs", "pin", own["document_id"])
    mes.ok("docs", "confidentiality", own["document_id"], "--hide-from", "professionals",
           "--hide-from", "legal-representatives")
    for name in ("Microbiologie_V1", "Microbiologie_V2", "VAC_2023"):  # the last records 3 vaccinations
        zipped = files.write(tmp_path / "in", f"{name}.zip", retarget_archive(archive(name), p))
        mes.ok("server", "pro", "send-doc", str(zipped), "--rpps", DOCTOR, "--to", p["nir"])
    mes.ok("profile", "add", "disease", "--name", "Asthme", "--since", "12/03/2019")
    mes.ok("profile", "add", "treatment", "--name", "Ventoline", "--dosage", "2 bouffées", "--start", "2021-04-01")
    mes.ok("profile", "add", "allergy", "--substance", "Pénicilline", "--severity", "severe")
    mes.ok("profile", "add", "measure", "--kind", "blood-pressure", "--systolic", "125", "--diastolic", "82",
           "--date", "2024-05-02")
    mes.ok("profile", "not-concerned", "family-history")
    mes.ok("profile", "blood-group", "AB-")
    mes.ok("vaccins", "add", "--vaccine", "Repevax", "--date", "12/03/2021", "--dose", "booster", "--lot", "X42")
    mes.ok("vaccins", "add", "--vaccine", "ROR", "--date", "01/06/2022")
    mes.ok("server", "pro", "start", "--rpps", DOCTOR, "--to", p["nir"], "--subject", "Résultats",
           "--body", "Voici vos résultats.", "--attach", str(scan))
    return p


def _same_person_on(other: Mes, p: dict) -> dict:
    """The same person (same NIR, same registry data) registered and activated on another server."""
    q = seed(other, **{k: v for k, v in p.items() if k not in ("code", "identifier", "password")})
    activate(other, q)
    login(other, q)
    return q


def _documents(mes: Mes) -> dict:
    return {d["sha256"]: (d["title"], d["category"], d["hidden"], d["format"], d["folder"], d["pinned"],
                          d["hidden_from_representatives"]) for d in mes.ok("docs", "list")}


def _folders(mes: Mes) -> list:
    return [(f["name"], f["documents"]) for f in mes.ok("docs", "folders", "list")]


def _profile(mes: Mes) -> tuple:
    shown = mes.ok("profile", "show")
    sections = sorted((s["section"], s["not_concerned"], sorted(json.dumps(e["fields"], sort_keys=True)
                                                                 for e in s["entries"]))
                      for s in shown["sections"])
    return shown["blood_group"], sections


def _vaccinations(mes: Mes) -> list:
    return sorted((v["vaccine"], v["date"], v["dose"], v["lot"], v["performer"], v["recorded_by"], v["product_code"])
                  for v in mes.ok("vaccins", "list"))


def _export(mes: Mes, target, *extra: str):
    return mes("export", str(target), *extra)


def test_a_space_exported_and_imported_on_another_server_comes_back_whole(mes, tmp_path):
    p = _fill(mes, tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "mon-espace.zip"
    done = _export(mes, target)
    assert done.exit_code == 0, done
    assert done.json["documents"] == 3 and done.json["earlier_versions"] == 1 and done.json["conversations"] == 1
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and os.listdir(out) == ["mon-espace.zip"]

    # The archive is IHE XDM: every document passes the reader's size and hash checks and names the INS.
    with XdmArchive(target) as xdm:
        entries = {}
        for document in xdm.documents():
            data = xdm.read(document, 5_000_000)
            entries[files.sha256(data)] = document.entry
        assert xdm.readme and xdm.index and xdm.submissions[0].patient_id.startswith(p["nir"])
        names = set(xdm.zip.names())
    assert {"FHIR/bundle.json", "MES/space.json", "MES/messages.json"} <= names
    assert len(entries) == 4 and all(e.patient == (p["nir"], INS_NIR) for e in entries.values())
    pdf, *cdas = sorted(entries.values(), key=lambda e: e.mime_type)
    assert pdf.mime_type == "application/pdf" and pdf.type_code.code == "DOCPAT02" and pdf.class_code.code == "42"
    assert [c.code for c in pdf.confidentiality] == ["N", "MASQUE_PS", "INVISIBLE_REPRESENTANTS_LEGAUX"]
    assert pdf.extra_slots["urn:mes-cli:category"] == ("ORD_SOIN",)
    assert pdf.extra_slots["urn:mes-cli:folder"] == ("Ordonnances",)
    assert pdf.extra_slots["urn:mes-cli:pinned"] == ("true",)
    lab = [c for c in cdas if c.type_code.code == "11502-2"]
    assert len(lab) == 2 and all(c.class_code.code == "10" for c in lab)
    assert all(c.format_code.code == "urn:ihe:lab:xd-lab:2008" for c in lab)

    refused = _export(mes, target)
    assert refused.exit_code == 8 and "--force" in refused.stderr and os.listdir(out) == ["mon-espace.zip"]
    assert _export(mes, target, "--force").exit_code == 0 and os.listdir(out) == ["mon-espace.zip"]

    # A second server (always an embedded one: for the remote run, real server → embedded).
    second = Mes(home=tmp_path / "second")
    _same_person_on(second, p)
    restored = second("import", str(target))
    assert restored.exit_code == 0, restored
    assert "not restored" in restored.stderr  # the conversation
    assert _documents(second) == _documents(mes)
    assert _folders(second) == _folders(mes) == [("Ordonnances", 1), ("Vide (à remplir)", 0)]
    (cda,) = [d for d in second.ok("docs", "list") if d["type_code"] == "11502-2"]
    assert len(second.ok("docs", "show", cda["id"])["versions"]) == 2
    assert _profile(second) == _profile(mes)
    assert _vaccinations(second) == _vaccinations(mes)

    again = second("import", str(target))
    assert again.exit_code == 0, again
    assert {i["status"] for i in again.json} <= {"unchanged", "outdated"}
    assert _documents(second) == _documents(mes) and _profile(second) == _profile(mes)
    assert _folders(second) == _folders(mes)
    assert _vaccinations(second) == _vaccinations(mes)


def test_an_export_is_read_by_docs_import_and_import_checks_whose_space_it_is(mes, tmp_path, monkeypatch):
    # The other way round: the space is on an embedded server, the import lands on `mes`. Two documents per
    # XDM subset (1,000 really): the archive has two submission sets, the earlier version of the CDA in the
    # first and its new version in the second, and both ways of importing read them all, in order.
    monkeypatch.setattr("mes_cli.domain.xdm.writer.DOCUMENTS_PER_SUBSET", 2)
    source = Mes(home=tmp_path / "source")
    p = _fill(source, tmp_path)
    target = tmp_path / "espace.zip"
    exported = _export(source, target)
    assert exported.exit_code == 0 and exported.json["readback_problems"] == []
    with XdmArchive(target) as xdm:
        assert [len(s.documents) for s in xdm.submissions] == [2, 2]
        assert all(xdm.read(d, 5_000_000) for d in xdm.documents())

    _same_person_on(mes, p)
    filed = mes.ok("docs", "import", str(target))
    assert sorted(i["status"] for i in filed) == ["created", "created", "created", "replaced"]
    assert {sha: (title, category) for sha, (title, category, *_rest) in _documents(mes).items()} == \
        {sha: (title, category) for sha, (title, category, *_rest) in _documents(source).items()}
    dry = mes("import", str(target), "--dry-run")
    assert dry.exit_code == 0 and {i["status"] for i in dry.json if i["kind"] != "document"} == {"valid"}
    restored = mes("import", str(target))
    assert restored.exit_code == 0, restored
    assert {i["status"] for i in restored.json if i["kind"] == "document"} <= {"unchanged", "outdated"}
    assert _profile(mes) == _profile(source) and _vaccinations(mes) == _vaccinations(source)

    someone = mes.as_other(tmp_path / "someone")
    active_person(someone)
    refused = someone("import", str(target))
    assert refused.exit_code == 5, refused
    failed = {i["path"]: i["error_code"] for i in refused.json if i["status"] == "failed"}
    assert sorted(failed.values()) == ["PATIENT_MISMATCH"] * 4  # the three CDA documents, and the profile
    assert "PATIENT_MISMATCH" in refused.stderr and p["nir"] in refused.stderr
    assert not someone.ok("profile", "show")["blood_group"] and someone.ok("vaccins", "list") == []
