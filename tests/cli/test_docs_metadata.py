"""What a document is called, filed and dated: re-uploading known content says what is stored and where
it differs (`--update` applies the new metadata), `mes docs edit`, and a manifest checked whole."""

from __future__ import annotations

import csv

from support import files
from support.flows import active_person
from support.health_docs import archive, retarget_archive


def _manifest(path, rows, header=("path", "category", "title", "date")):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_known_content_says_what_is_stored_and_update_applies_the_new_metadata(mes, tmp_path):
    active_person(mes)
    data = files.pdf("bilan")
    stored = files.write(tmp_path / "old", "cr.pdf", data)
    (first,) = mes.ok("docs", "upload", str(stored), "--category", "CPT_REND", "--title", "Compte rendu",
                      "--date", "05/01/2023")
    bilan = files.write(tmp_path / "new", "bilan.pdf", data)
    new_metadata = ("--category", "BIOLOGIE", "--title", "Bilan sanguin", "--date", "01/02/2024")

    kept = mes("docs", "upload", str(bilan), *new_metadata)
    assert kept.exit_code == 0, kept
    (row,) = kept.json
    assert row["status"] == "exists" and row["document_id"] == first["document_id"]
    assert (row["title"], row["category"], row["document_date"]) == ("Compte rendu", "CPT_REND", "2023-01-05")
    assert row["differs"] == ["title", "category", "date"]
    assert f"already there as “Compte rendu” in CPT_REND, dated 2023-01-05" in kept.stderr
    assert "not applied: title “Bilan sanguin”, category BIOLOGIE, date 2024-02-01" in kept.stderr
    assert "--update" in kept.stderr
    assert mes.ok("docs", "show", first["document_id"])["category"] == "CPT_REND"

    manifest = _manifest(tmp_path / "new" / "m.csv", [["bilan.pdf", "BIOLOGIE", "Bilan sanguin", "01/02/2024"]])
    (row,) = mes.ok("docs", "upload", "--manifest", str(manifest))
    assert row["status"] == "exists" and row["differs"] == ["title", "category", "date"]
    (row,) = mes.ok("docs", "upload", "--manifest", str(manifest), "--update")
    assert row["status"] == "updated" and row["differs"] == ["title", "category", "date"]
    shown = mes.ok("docs", "show", first["document_id"])
    assert (shown["title"], shown["category"], shown["document_date"]) == ("Bilan sanguin", "BIOLOGIE", "2024-02-01")
    (again,) = mes.ok("docs", "upload", str(bilan), *new_metadata)
    assert again["status"] == "exists" and again["differs"] == []  # nothing left to say
    assert len(mes.ok("docs", "list")) == 1


def test_two_files_with_the_same_bytes_are_said_to_be_merged(local_mes, tmp_path):
    mes = local_mes
    active_person(mes)
    data = files.pdf("same")
    folder = tmp_path / "scans"
    files.write(folder, "a.pdf", data)
    files.write(folder, "b.pdf", data)
    result = mes("docs", "upload", str(folder), "-r")
    assert result.exit_code == 0, result
    rows = {r["path"].rsplit("/", 1)[1]: r for r in result.json}
    assert rows["a.pdf"]["status"] == "uploaded" and rows["b.pdf"]["status"] == "merged"
    assert rows["b.pdf"]["document_id"] == rows["a.pdf"]["document_id"]
    assert rows["b.pdf"]["merged_with"] == str(folder / "a.pdf")
    assert f"same content as {folder / 'a.pdf'}: merged into one document" in result.stderr
    assert "1 file(s) had the same content as another file and were merged" in result.stderr
    assert len(mes.ok("docs", "list")) == 1


def test_edit_refiles_a_document_and_a_health_document_keeps_its_date(mes, tmp_path):
    p = active_person(mes)
    (uploaded,) = mes.ok("docs", "upload", str(files.write(tmp_path, "scan.pdf", files.pdf("scan"))))
    edited = mes.ok("docs", "edit", uploaded["document_id"], "--title", "Radio du genou", "--category", "radio_sc",
                    "--date", "12/03/2024")
    assert (edited["title"], edited["category"], edited["document_date"]) == ("Radio du genou", "RADIO_SC",
                                                                              "2024-03-12")
    nothing = mes("docs", "edit", uploaded["document_id"])
    assert nothing.exit_code == 2 and "--title" in nothing.stderr
    too_long = mes("docs", "edit", uploaded["document_id"], "--title", "x" * 51)
    assert too_long.exit_code == 6 and "51 characters; at most 50" in too_long.stderr

    zipped = tmp_path / "IHE_XDM.ZIP"
    zipped.write_bytes(retarget_archive(archive("Microbiologie_V1"), p))
    (imported,) = mes.ok("docs", "import", str(zipped))
    cda = imported["document_id"]
    refiled = mes.ok("docs", "edit", cda, "--title", "Analyse d'urine", "--category", "CPT_REND")
    assert (refiled["title"], refiled["category"], refiled["format"]) == ("Analyse d'urine", "CPT_REND", "cda")
    dated = mes("docs", "edit", cda, "--date", "01/01/2020")
    assert dated.exit_code == 6 and "cannot be changed" in dated.stderr
    assert mes.ok("docs", "show", cda, "--format", "json")["document"]["document_date"] != "2020-01-01"


def test_a_manifest_is_checked_whole_and_every_bad_row_is_reported_at_once(local_mes, tmp_path):
    mes = local_mes
    active_person(mes)
    folder = tmp_path / "m"
    for name in ("a.pdf", "b.pdf", "c.pdf", "d.pdf"):
        files.write(folder, name, files.pdf(name))
    manifest = _manifest(folder / "manifest.csv", [
        ["a.pdf", "BIOLOGIE", "Prise de sang", "02/05/2023"],
        ["b.pdf", "RADIO", "Radio", "02/05/2023"],
        ["c.pdf", "CPT_REND", "x" * 63, "31/02/2023"],
        ["absent.pdf", "CPT_REND", "", ""],
        ["d.pdf", "", "", "", "Personne"],
    ], header=("path", "category", "title", "date", "profile"))
    result = mes("docs", "upload", "--manifest", str(manifest))
    assert result.exit_code == 6, result
    lines = result.stderr.splitlines()
    assert any(line.startswith("  ✗ row 3, column category: unknown category 'RADIO'") for line in lines)
    assert any(line.startswith("  ✗ row 4, column date:") for line in lines)
    assert any(line.startswith("  ✗ row 4, column title: The title has 63 characters; at most 50") for line in lines)
    assert any(line.startswith("  ✗ row 5, column path:") and "no such file" in line for line in lines)
    assert any(line.startswith("  ✗ row 6, column profile:") for line in lines)
    assert "5 problem(s) in the manifest" in result.stderr and "nothing was sent" in result.stderr
    assert mes.ok("docs", "list") == []


def test_a_long_file_name_used_as_title_says_it_was_shortened(local_mes, tmp_path):
    mes = local_mes
    active_person(mes)
    name = "Compte_rendu_de_consultation_de_cardiologie_du_docteur_Martin_2024.pdf"
    path = files.write(tmp_path, name, files.pdf("cr"))
    dry = mes("docs", "upload", str(path), "--dry-run")
    assert "title shortened to 50 characters: “Compte rendu de consultation de cardiologie du doc”" in dry.stderr
    result = mes("docs", "upload", str(path))
    (row,) = result.json
    shortened = "Compte rendu de consultation de cardiologie du doc"
    assert row["title"] == shortened and row["notes"] == [f"title shortened to 50 characters: “{shortened}”"]
    assert "(uploaded; title shortened to 50 characters" in result.stderr
