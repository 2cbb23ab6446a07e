"""`mes docs download` of many documents: several ids, ids on stdin, --all with the list filters; into a
directory, in parallel, resumable, checksum-verified, never over a file without --force."""

from __future__ import annotations

import hashlib

from support import files
from support.flows import active_person


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _upload(mes, tmp_path, name, title, category, text):
    path = files.write(tmp_path / "in", name, files.pdf(text))
    (row,) = mes.ok("docs", "upload", str(path), "--title", title, "--category", category)
    return row


def test_all_documents_into_a_directory_then_only_what_is_missing(mes, tmp_path):
    active_person(mes)
    one = _upload(mes, tmp_path, "b1.pdf", "Bilan", "BIOLOGIE", "bilan 1")
    two = _upload(mes, tmp_path, "b2.pdf", "bilan", "BIOLOGIE", "bilan 2")  # same name but for the case
    radio = _upload(mes, tmp_path, "r.pdf", "Radio genou", "RADIO_SC", "radio")
    out = tmp_path / "out"
    rows = mes.ok("docs", "download", "--all", "-o", str(out), "--jobs", "3")
    assert sorted(r["status"] for r in rows) == ["downloaded"] * 3
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"Bilan ({one['document_id']}).pdf", f"bilan ({two['document_id']}).pdf",
                            "Radio genou.pdf"])
    for row in rows:
        assert _sha(out / row["path"].rsplit("/", 1)[1]) == row["sha256"]

    (out / "Radio genou.pdf").unlink()
    again = mes("docs", "download", "--all", "-o", str(out))
    assert again.exit_code == 0, again
    assert sorted(r["status"] for r in again.json) == ["downloaded", "exists", "exists"]
    assert "Downloaded 1, already there 2, failed 0" in again.stderr

    biology = mes.ok("docs", "download", "--all", "--category", "BIOLOGIE", "-o", str(tmp_path / "bio"))
    assert {r["id"] for r in biology} == {one["document_id"], two["document_id"]}
    assert radio["document_id"] not in {r["id"] for r in biology}


def test_ids_from_arguments_and_stdin_and_files_never_overwritten(local_mes, tmp_path):
    mes = local_mes
    active_person(mes)
    first = _upload(mes, tmp_path, "a.pdf", "Ordonnance", "ORD_SOIN", "a")
    second = _upload(mes, tmp_path, "b.pdf", "Certificat", "CERT_MED", "b")
    out = tmp_path / "out"
    out.mkdir()
    (out / "Ordonnance.pdf").write_bytes(b"my own file")
    rows = mes.ok("docs", "download", first["document_id"], second["document_id"], "-o", str(out))
    assert (out / "Ordonnance.pdf").read_bytes() == b"my own file", "never overwritten without --force"
    by_id = {r["id"]: r for r in rows}
    assert by_id[first["document_id"]]["path"] == str(out / f"Ordonnance ({first['document_id']}).pdf")
    assert _sha(out / "Certificat.pdf") == second["sha256"]
    result = mes("docs", "download", "-", "-o", str(out), "--force",
                 stdin=f"{first['document_id']}\n\nd_0000000000000000\n")
    assert result.exit_code == 5, result
    statuses = {r["id"]: r["status"] for r in result.json}
    assert statuses == {first["document_id"]: "downloaded", "d_0000000000000000": "failed"}
    assert _sha(out / "Ordonnance.pdf") == first["sha256"], "--force replaces it"
    assert "DOCUMENT_NOT_FOUND" in result.stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "no leftover temp file"

    for args, flag in ((["--category", "ORD_SOIN", first["document_id"]], "--all"),
                       (["--all", first["document_id"]], "--all"),
                       ([first["document_id"], second["document_id"], "-o", "-"], "-o DIR"),
                       ([first["document_id"], second["document_id"], "--pdf"], "single id")):
        refused = mes("docs", "download", *args)
        assert refused.exit_code == 6 and flag in refused.stderr, (args, refused)
