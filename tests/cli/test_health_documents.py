"""Documents from the health system (HL7 CDA R2, IHE XDM), both ways: a professional sends them, a
person imports, reads and downloads them; versions, deletions, identity vigilance, hostile archives."""

from __future__ import annotations

import io
import zipfile

from support import files
from support.flows import active_person
from support.health_docs import archive, cda_of, retarget_archive, retarget_cda

DOCTOR = "10101234567"


def _directory(mes):
    import json
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"professionals": [{"rpps": DOCTOR, "name": "Dr Claire Dubois", "profession": "Médecin"}]},
                  handle)
    mes.ok("server", "seed", handle.name)


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _send(mes, p, path, *extra):
    return mes("server", "pro", "send-doc", str(path), "--rpps", DOCTOR, "--to", p["nir"], *extra)


def test_a_professional_sends_an_xdm_archive_and_the_person_reads_it(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    zipped = _write(tmp_path, "IHE_XDM.ZIP", retarget_archive(archive("Microbiologie_V1"), p))
    (filed,) = mes.ok("server", "pro", "send-doc", str(zipped), "--rpps", DOCTOR, "--to", p["nir"])
    assert filed["status"] == "created"
    (listed,) = mes.ok("docs", "list")
    assert listed["uploaded_by"] == "professional" and listed["category"] == "BIOLOGIE"
    assert listed["format"] == "cda" and listed["type_code"] == "11502-2" and listed["media_type"] == "text/xml"
    assert listed["title"] and listed["author"] and listed["document_date"]
    details = mes.ok("docs", "show", listed["id"])
    assert details["header"]["type"]["code"] == "11502-2" and details["header"]["patient"]["identifiers"]
    readable = mes("docs", "show", listed["id"], "--format", "table")
    assert readable.exit_code == 0 and listed["title"][:20] in readable.stdout
    original = tmp_path / "original.xml"
    mes.ok("docs", "download", listed["id"], "-o", str(original))
    assert original.read_bytes() == retarget_cda(cda_of(archive("Microbiologie_V1")), p)
    history = mes.ok("history")
    assert any(e["action"] == "add_document" and e["document_id"] == listed["id"] for e in history)


def test_a_new_version_replaces_the_listed_one_and_a_deletion_request_removes_it(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    for name, expected in (("Microbiologie_V1", "created"), ("Microbiologie_V2", "replaced")):
        (filed,) = mes.ok("server", "pro", "send-doc", str(_write(tmp_path, f"{name}.zip",
                          retarget_archive(archive(name), p))), "--rpps", DOCTOR, "--to", p["nir"])
        assert filed["status"] == expected
    (listed,) = mes.ok("docs", "list")
    versions = mes.ok("docs", "show", listed["id"])["versions"]
    assert [v["version"] for v in versions][0] > versions[-1]["version"] and len(versions) == 2
    again = _send(mes, p, tmp_path / "Microbiologie_V2.zip")
    assert again.exit_code == 0 and again.json[0]["status"] == "unchanged"
    deletion = _write(tmp_path, "delete.zip", retarget_archive(archive("Microbiologie_V2_Delete"), p))
    (removed,) = mes.ok("server", "pro", "send-doc", str(deletion), "--rpps", DOCTOR, "--to", p["nir"])
    assert removed["status"] == "deleted"
    assert mes.ok("docs", "list") == []
    actions = [e["action"] for e in mes.ok("history")]
    assert {"add_document", "replace_document", "delete_document"} <= set(actions)


def test_a_document_for_another_patient_is_refused_naming_both_and_nothing_is_stored(mes, tmp_path):
    _directory(mes)
    someone = active_person(mes)
    other = mes.as_other(tmp_path / "other")
    p = active_person(other)
    theirs = _write(tmp_path, "doc.xml", retarget_cda(cda_of(archive("VAC_2023")), someone))
    refused = _send(other, p, theirs)
    assert refused.exit_code == 6 and "PATIENT_MISMATCH" in refused.stderr
    assert someone["nir"] in refused.stderr and p["nir"] in refused.stderr
    wrong_birth = _write(tmp_path, "born.xml", retarget_cda(cda_of(archive("VAC_2023")), {**p, "birth_date": "1931-01-02"}))
    inconsistent = _send(other, p, wrong_birth)
    assert inconsistent.exit_code == 6 and "PATIENT_MISMATCH" in inconsistent.stderr
    assert "02/01/1931" in inconsistent.stderr and "another birth date" in inconsistent.stderr
    assert other.ok("docs", "list") == []
    for bad, code in ((b"hello", "NOT_CDA"), (b"<?xml version='1.0'?><foo/>", "NOT_CDA"),
                      (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>",
                       "UNSAFE_XML")):
        result = _send(other, p, _write(tmp_path, "bad.xml", bad))
        assert result.exit_code == 6 and code in result.stderr, result
        assert "root:" not in result.stderr + result.stdout
    assert other.ok("docs", "list") == []


def test_the_pdf_of_a_level_1_document_and_refusals_for_the_others(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    mes.ok("server", "pro", "send-doc", str(_write(tmp_path, "n1.zip", retarget_archive(
        archive("DOC_NON_STRUCTURE"), p))), "--rpps", DOCTOR, "--to", p["nir"])
    mes.ok("server", "pro", "send-doc", str(_write(tmp_path, "vac.xml", retarget_cda(cda_of(archive("VAC_2023")), p))),
           "--rpps", DOCTOR, "--to", p["nir"])
    (scan,) = mes.ok("docs", "upload", str(files.write(tmp_path, "scan.pdf", files.pdf("scan"))))
    level1, structured = sorted((d for d in mes.ok("docs", "list") if d["format"] == "cda"),
                                key=lambda d: d["type_code"] == "11369-6")
    target = tmp_path / "out.pdf"
    mes.ok("docs", "download", level1["id"], "--pdf", "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF-")
    for document_id in (structured["id"], scan["document_id"]):
        refused = mes("docs", "download", document_id, "--pdf", "-o", str(tmp_path / "x.pdf"))
        assert refused.exit_code == 6 and "NO_EMBEDDED_PDF" in refused.stderr
    assert not (tmp_path / "x.pdf").exists()
    again = mes("docs", "download", level1["id"], "--pdf", "-o", str(target))
    assert again.exit_code == 8, "an existing file is never overwritten without --force"


def test_a_person_imports_archives_and_a_rerun_imports_nothing_new(mes, tmp_path):
    p = active_person(mes)
    paths = [str(_write(tmp_path, f"{name}.zip", retarget_archive(archive(name), p)))
             for name in ("VAC_2023", "Microbiologie_V1")]
    dry = mes.ok("docs", "import", *paths, "--dry-run")
    assert [i["status"] for i in dry] == ["valid", "valid"] and mes.ok("docs", "list") == []
    first = mes.ok("docs", "import", *paths)
    assert [i["status"] for i in first] == ["created", "created"]
    assert {d["category"] for d in mes.ok("docs", "list")} == {"BIOLOGIE", first[0]["category"]}
    again = mes.ok("docs", "import", *paths)
    assert [i["status"] for i in again] == ["unchanged", "unchanged"]
    assert len(mes.ok("docs", "list")) == 2


def test_an_archive_of_another_patient_or_a_broken_one_is_refused_and_a_partial_import_exits_5(mes, tmp_path):
    p = active_person(mes)
    good = _write(tmp_path, "good.zip", retarget_archive(archive("VAC_2023"), p))
    theirs = _write(tmp_path, "theirs.zip", archive("VAC_2023"))  # the ANS test patient, not this person
    refused = mes("docs", "import", str(theirs))
    assert refused.exit_code == 6 and "PATIENT_MISMATCH" in refused.stderr
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good.read_bytes())) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, data + b"<!-- x -->" if info.filename.endswith("DOC0001.XML") else data)
    bad_hash = _write(tmp_path, "tampered.zip", tampered.getvalue())
    slip = io.BytesIO()
    with zipfile.ZipFile(slip, "w") as z:
        z.writestr("../evil.txt", b"x")
    unsafe = _write(tmp_path, "slip.zip", slip.getvalue())
    truncated = _write(tmp_path, "cut.zip", good.read_bytes()[: len(good.read_bytes()) // 2])
    result = mes("docs", "import", str(good), str(bad_hash), str(unsafe), str(truncated), str(tmp_path / "none.zip"))
    assert result.exit_code == 5, result
    statuses = {(i["archive"].rsplit("/", 1)[-1], i["status"], i["error_code"]) for i in result.json}
    assert ("good.zip", "created", None) in statuses
    assert ("tampered.zip", "failed", "XDM_SIZE_MISMATCH") in statuses or \
        ("tampered.zip", "failed", "XDM_HASH_MISMATCH") in statuses
    assert ("slip.zip", "failed", "UNSAFE_ARCHIVE") in statuses
    assert ("cut.zip", "failed", "INVALID_ARCHIVE") in statuses
    assert ("none.zip", "failed", "INVALID_ARCHIVE") in statuses
    assert len(mes.ok("docs", "list")) == 1


def test_an_xdm_archive_attached_to_a_message_files_each_document(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    zipped = _write(tmp_path, "IHE_XDM.ZIP", retarget_archive(archive("TSH"), p))
    conversation = mes.ok("server", "pro", "start", "--rpps", DOCTOR, "--to", p["nir"], "--subject", "Résultats",
                          "--body", "Ci-joint votre bilan.", "--attach", str(zipped))
    message = conversation["messages"][0]
    (attachment,) = message["attachments"]
    assert attachment["media_type"] == "application/zip"
    (filed,) = mes.ok("messages", "save-attachment", message["id"], attachment["id"])
    assert filed["status"] == "created" and filed["document"]["category"] == "BIOLOGIE"
    assert filed["document"]["uploaded_by"] == "professional"
    (again,) = mes.ok("messages", "save-attachment", message["id"], attachment["id"])
    assert again["status"] == "unchanged"
    not_xdm = io.BytesIO()
    with zipfile.ZipFile(not_xdm, "w") as z:
        z.writestr("hello.txt", b"hello")
    refused = mes("server", "pro", "start", "--rpps", DOCTOR, "--to", p["nir"], "--subject", "x", "--body", "x",
                  "--attach", str(_write(tmp_path, "plain.zip", not_xdm.getvalue())))
    assert refused.exit_code == 6 and "XDM_NO_METADATA" in refused.stderr


def _vaccination_history(p, version: int = 1, lot: str = "357904636", atc: str | None = None) -> bytes:
    """The ANS vaccination history made out for ``p``: another version, another lot, another ATC code."""
    cda = retarget_cda(cda_of(archive("VAC_2023")), p)
    if version != 1:
        cda = cda.replace(b'<versionNumber value="1" />', f'<versionNumber value="{version}" />'.encode())
        cda = cda.replace(b'<id root="1.2.250.1.213.1.1.1.37.2023.1.1"/>',
                          f'<id root="1.2.250.1.213.1.1.1.37.2023.1.{version}"/>'.encode())
    cda = cda.replace(b"357904636", lot.encode())
    if atc:
        cda = cda.replace(b'code="J07AM"', f'code="{atc}"'.encode())
    return cda


def test_a_vaccination_history_fills_the_booklet_and_a_new_version_replaces_its_doses(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    (filed,) = mes.ok("server", "pro", "send-doc", str(_write(tmp_path, "vac.xml", _vaccination_history(p))),
                      "--rpps", DOCTOR, "--to", p["nir"])
    assert filed["vaccinations"] == 3, filed  # the BCG of "1975" gives no day: reported, left out
    assert any("1975" in note for note in filed["notes"])
    booklet = mes.ok("vaccins", "list")
    assert len(booklet) == 3 and {d["recorded_by"] for d in booklet} == {"professional"}
    assert {d["product_code"] for d in booklet} == {"68747507", "61920725"}
    assert {d["dose_rank"] for d in booklet} == {1, 2} and {d["lot"] for d in booklet} >= {"4456668", "357904636"}
    assert all(d["document_id"] == filed["document"]["id"] and d["vaccine_name"] for d in booklet)
    refused = mes("vaccins", "remove", booklet[0]["id"])
    assert refused.exit_code == 4 and "NOT_DELETABLE" in refused.stderr
    note = _write(tmp_path, "note.zip", retarget_archive(archive("VAC-NOTE"), p))
    (repeated,) = mes.ok("server", "pro", "send-doc", str(note), "--rpps", DOCTOR, "--to", p["nir"])
    assert repeated["status"] == "created" and repeated["vaccinations"] == 0, "the note repeats a dose already there"
    (again,) = mes.ok("server", "pro", "send-doc", str(tmp_path / "vac.xml"), "--rpps", DOCTOR, "--to", p["nir"])
    assert again["status"] == "unchanged" and len(mes.ok("vaccins", "list")) == 3
    (newer,) = mes.ok("server", "pro", "send-doc", str(_write(tmp_path, "vac2.xml", _vaccination_history(
        p, version=2, lot="LOT-CORRIGE"))), "--rpps", DOCTOR, "--to", p["nir"])
    assert newer["status"] == "replaced" and newer["previous_id"] == filed["document"]["id"]
    lots = {d["lot"] for d in mes.ok("vaccins", "list")}
    assert "LOT-CORRIGE" in lots and "357904636" not in lots
    fhir = mes.ok("profile", "export", "--format", "fhir")
    codes = [c for e in fhir["entry"] if e["resource"]["resourceType"] == "Immunization"
             for c in e["resource"]["vaccineCode"]["coding"]]
    assert {"system": "urn:oid:1.2.250.1.213.2.3.1", "code": "61920725"} in [
        {"system": c["system"], "code": c["code"]} for c in codes]


def test_a_dose_of_a_vaccine_the_catalogue_knows_counts_for_reminders(mes, tmp_path):
    from mes_cli.demo_data import card_serial_for
    from mes_cli.domain.nir import make_nir

    nir = make_nir(2, 1990, 5, "75", "120", 7)
    p = active_person(mes, nir=nir, birth_date="1990-05-12", card_serial=card_serial_for(nir))
    before = [r for r in mes.ok("vaccins", "next") if r["vaccine"] == "ROR"]
    as_mmr = retarget_archive(archive("VAC-NOTE"), p, edit=lambda cda: cda.replace(b'code="J07AM"', b'code="J07BD52"'))
    mes.ok("docs", "import", str(_write(tmp_path, "ror.zip", as_mmr)))
    recorded = [d for d in mes.ok("vaccins", "list") if d["vaccine"] == "ROR"]
    assert len(recorded) == 1 and recorded[0]["recorded_by"] == "professional"
    after = [r for r in mes.ok("vaccins", "next") if r["vaccine"] == "ROR"]
    assert before != after, "the recorded MMR dose moves the next MMR dose"


def _pdf_archive(patient_nir: str) -> bytes:
    """An IHE XDM archive holding a PDF (no CDA header): only its XDS metadata says whose it is."""
    from mes_cli.domain.xdm.metadata import CodedValue
    from mes_cli.domain.xdm.writer import DocumentEntryOut, SubmissionOut, XdmWriter

    out = io.BytesIO()
    cx = f"{patient_nir}^^^&1.2.250.1.213.1.4.8&ISO^NH"
    writer = XdmWriter(out)
    writer.add_document("radio.pdf", files.pdf("radio du genou"), DocumentEntryOut(
        title="Radio du genou", mime_type="application/pdf",
        type_code=CodedValue("18748-4", "2.16.840.1.113883.6.1", "CR d'imagerie médicale"), patient_id=cx))
    writer.close(SubmissionOut(title="Envoi", author=None, patient_id=cx, source_id="2.25.1"))
    return out.getvalue()


def test_a_file_of_an_archive_without_a_cda_header_is_filed_by_its_metadata_for_its_patient_only(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    (filed,) = mes.ok("server", "pro", "send-doc", str(_write(tmp_path, "pdf.zip", _pdf_archive(p["nir"]))),
                      "--rpps", DOCTOR, "--to", p["nir"])
    assert filed["status"] == "created" and filed["document"]["category"] == "RADIO_SC"
    assert filed["document"]["media_type"] == "application/pdf" and filed["document"]["title"] == "Radio du genou"
    other = active_person(mes.as_other(tmp_path / "other"))
    refused = _send(mes, p, _write(tmp_path, "theirs.zip", _pdf_archive(other["nir"])))
    assert refused.exit_code == 6 and "PATIENT_MISMATCH" in refused.stderr and other["nir"] in refused.stderr
    assert len(mes.ok("docs", "list")) == 1


def test_an_import_without_a_session_stops_at_once_saying_so(mes, tmp_path):
    p = active_person(mes)
    mes.ok("logout")
    paths = [str(_write(tmp_path, f"{name}.zip", retarget_archive(archive(name), p)))
             for name in ("VAC_2023", "Microbiologie_V1")]
    result = mes("docs", "import", *paths)
    assert result.exit_code == 4 and "NOT_LOGGED_IN" in result.stderr and result.stderr.count("NOT_LOGGED_IN") == 1
