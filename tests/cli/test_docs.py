"""`mes docs`: upload, list, download, hide, delete — in-process and over HTTP."""

from __future__ import annotations

import csv

from support import files
from support.flows import active_person


def _upload(mes, *args, **kwargs):
    return mes("docs", "upload", *args, **kwargs)


def test_upload_list_show_download_roundtrip(mes, tmp_path):
    active_person(mes)
    data = files.pdf("ordonnance")
    path = files.write(tmp_path / "scans", "ordonnance_mars.pdf", data)
    (result,) = mes.ok("docs", "upload", str(path), "--category", "ORD_SOIN", "--date", "12/03/2024")
    assert result["status"] == "uploaded" and result["sha256"] == files.sha256(data)
    (listed,) = mes.ok("docs", "list")
    assert listed["id"] == result["document_id"] and listed["title"] == "ordonnance mars"
    assert listed["category"] == "ORD_SOIN" and listed["category_label"] == "Ordonnances et soins"
    assert listed["document_date"] == "2024-03-12" and listed["media_type"] == "application/pdf"
    shown = mes.ok("docs", "show", listed["id"])
    assert shown["sha256"] == files.sha256(data) and shown["uploaded_by"] == "person"
    target = tmp_path / "out" / "copy.pdf"
    target.parent.mkdir()
    mes.ok("docs", "download", listed["id"], "-o", str(target))
    assert target.read_bytes() == data


def test_every_accepted_type_is_judged_from_content(mes, tmp_path):
    active_person(mes)
    folder = tmp_path / "mixed"
    samples = {"a.pdf": (files.pdf(), "application/pdf"), "photo.pdf": (files.JPEG, "image/jpeg"),
               "b.png": (files.PNG, "image/png"), "c.tif": (files.TIFF, "image/tiff"),
               "d.rtf": (files.RTF, "application/rtf"), "e.txt": (files.TXT, "text/plain")}
    for name, (data, _) in samples.items():
        files.write(folder, name, data)
    results = mes.ok("docs", "upload", str(folder), "--recursive")
    assert {r["status"] for r in results} == {"uploaded"}
    types = {d["title"]: d["media_type"] for d in mes.ok("docs", "list")}
    assert types == {name.rsplit(".", 1)[0]: media for name, (_, media) in samples.items()}


def test_refused_files_do_not_stop_the_others(mes, tmp_path):
    active_person(mes)
    folder = tmp_path / "drawer"
    files.write(folder, "good.pdf", files.pdf("good"))
    files.write(folder, "page.pdf", files.HTML)
    files.write(folder, "empty.pdf", b"")
    files.write(folder, "cut.pdf", files.pdf("cut")[:-7])
    files.write(folder, "huge.pdf", files.pdf(pad_to=5_000_001))
    result = _upload(mes, str(folder), "-r")
    assert result.exit_code == 5, result
    by_name = {r["path"].rsplit("/", 1)[1]: r for r in result.json}
    assert by_name["good.pdf"]["status"] == "uploaded"
    assert by_name["page.pdf"]["error_code"] == "UNSUPPORTED_TYPE"
    assert by_name["empty.pdf"]["error_code"] == "EMPTY_DOCUMENT"
    assert by_name["cut.pdf"]["error_code"] == "TRUNCATED_DOCUMENT"
    assert by_name["huge.pdf"]["error_code"] == "DOCUMENT_TOO_LARGE"
    assert "failed 4" in result.stderr
    assert [d["title"] for d in mes.ok("docs", "list")] == ["good"]


def test_exactly_five_million_bytes_is_accepted(mes, tmp_path):
    active_person(mes)
    data = files.pdf(pad_to=5_000_000)
    assert len(data) == 5_000_000
    path = files.write(tmp_path, "limit.pdf", data)
    (result,) = mes.ok("docs", "upload", str(path))
    assert result["status"] == "uploaded" and result["size"] == 5_000_000


def test_rerun_uploads_only_what_is_missing(mes, tmp_path):
    active_person(mes)
    folder = tmp_path / "batch"
    for i in range(5):
        files.write(folder, f"scan{i}.pdf", files.pdf(f"scan {i}"))
    first = mes.ok("docs", "upload", str(folder), "-r")
    files.write(folder, "scan5.pdf", files.pdf("scan 5"))
    second = mes.ok("docs", "upload", str(folder), "-r")
    assert [r["status"] for r in second].count("exists") == 5
    assert [r["status"] for r in second].count("uploaded") == 1
    assert {r["document_id"] for r in first} <= {r["document_id"] for r in second}
    assert len(mes.ok("docs", "list")) == 6


def test_bad_options_are_refused_before_any_upload(mes, tmp_path):
    active_person(mes)
    path = files.write(tmp_path, "a.pdf", files.pdf())
    bad_category = _upload(mes, str(path), "--category", "RADIO")
    assert bad_category.exit_code == 6 and "INVALID_CATEGORY" in bad_category.stderr
    assert "RADIO_SC" in bad_category.stderr and "Radio, écho, scanner, IRM" in bad_category.stderr
    bad_date = _upload(mes, str(path), "--date", "31/02/2024")
    assert bad_date.exit_code == 6 and "INVALID_DATE" in bad_date.stderr
    future = _upload(mes, str(path), "--date", "01/01/2999")
    assert future.exit_code == 6
    directory = _upload(mes, str(tmp_path))
    assert directory.exit_code == 6 and "--recursive" in directory.stderr
    missing = _upload(mes, str(tmp_path / "nope.pdf"))
    assert missing.exit_code == 6 and "no such file" in missing.stderr
    assert mes.ok("docs", "list") == []


def test_dry_run_uploads_nothing(mes, tmp_path):
    active_person(mes)
    files.write(tmp_path / "d", "a.pdf", files.pdf())
    files.write(tmp_path / "d", "b.pdf", files.HTML)
    result = _upload(mes, str(tmp_path / "d"), "-r", "--dry-run")
    assert result.exit_code == 5 and sorted(r["status"] for r in result.json) == ["failed", "valid"]
    assert "nothing sent" in result.stderr
    assert mes.ok("docs", "list") == []


def test_paths_from_stdin_and_a_manifest(mes, tmp_path):
    active_person(mes)
    a = files.write(tmp_path, "a.pdf", files.pdf("a"))
    b = files.write(tmp_path, "b.pdf", files.pdf("b"))
    mes.ok("docs", "upload", "-", stdin=f"{a}\n{b}\n")
    assert len(mes.ok("docs", "list")) == 2
    c = files.write(tmp_path / "m", "c.pdf", files.pdf("c"))
    manifest = tmp_path / "m" / "manifest.csv"
    with manifest.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "category", "title", "date"])
        writer.writerow([c.name, "BIOLOGIE", "Prise de sang", "2023-05-02"])
    mes.ok("docs", "upload", "--manifest", str(manifest))
    (doc,) = mes.ok("docs", "list", "--category", "BIOLOGIE")
    assert (doc["title"], doc["document_date"]) == ("Prise de sang", "2023-05-02")


def test_list_filters_and_pages(mes, tmp_path):
    active_person(mes)
    folder = tmp_path / "many"
    for i in range(12):
        files.write(folder, f"radio {i:02d}.pdf", files.pdf(f"radio {i}"))
    mes.ok("docs", "upload", str(folder), "-r", "--category", "RADIO_SC", "--date", "2024-01-10")
    files.write(tmp_path / "other", "bilan.pdf", files.pdf("bilan"))
    mes.ok("docs", "upload", str(tmp_path / "other" / "bilan.pdf"), "--category", "BIOLOGIE", "--date",
           "2024-06-01")
    assert len(mes.ok("docs", "list", "--limit", "5")) == 5
    assert len(mes.ok("docs", "list", "--all", "--category", "RADIO_SC")) == 12
    assert [d["title"] for d in mes.ok("docs", "list", "--search", "bil")] == ["bilan"]
    assert [d["title"] for d in mes.ok("docs", "list", "--search", "BiL")] == ["bilan"]  # any case, on both stores
    assert mes.ok("docs", "list", "--search", "%") == []  # a character, not a wildcard
    assert [d["title"] for d in mes.ok("docs", "list", "--since", "01/05/2024")] == ["bilan"]
    assert len(mes.ok("docs", "list", "--until", "2024-01-10")) == 12
    everything = mes.ok("docs", "list", "--all")
    assert len(everything) == 13 and len({d["id"] for d in everything}) == 13


def test_listing_formats(mes, tmp_path):
    active_person(mes)
    mes.ok("docs", "upload", str(files.write(tmp_path, "a.pdf", files.pdf())))
    csv_out = mes("docs", "list", "--format", "csv").stdout.splitlines()
    assert csv_out[0].startswith("id,title,category") and len(csv_out) == 2
    assert {"sha256", "created_at", "profile_id", "category_label"} <= set(csv_out[0].split(","))  # every field
    jsonl = mes("docs", "list", "--format", "jsonl").stdout.splitlines()
    assert len(jsonl) == 1 and '"media_type": "application/pdf"' in jsonl[0]
    table = mes("docs", "list", "--format", "table").stdout  # the few columns a person scans
    assert "AUTR_DOC" in table and "application/pdf" not in table
    assert "application/pdf" in mes("docs", "list", "--format", "table", "--wide").stdout


def test_hide_unhide_and_filter(mes, tmp_path):
    active_person(mes)
    mes.ok("docs", "upload", str(files.write(tmp_path, "secret.pdf", files.pdf("s"))), "--hidden")
    mes.ok("docs", "upload", str(files.write(tmp_path, "open.pdf", files.pdf("o"))))
    (hidden,) = mes.ok("docs", "list", "--hidden")
    assert hidden["title"] == "secret"
    mes.ok("docs", "unhide", hidden["id"])
    assert mes.ok("docs", "list", "--hidden") == []
    visible = mes.ok("docs", "list", "--visible")
    mes.ok("docs", "hide", *[d["id"] for d in visible])
    assert len(mes.ok("docs", "list", "--hidden")) == 2


def test_delete_is_permanent_and_asks_first(mes, tmp_path):
    active_person(mes)
    mes.ok("docs", "upload", str(files.write(tmp_path, "a.pdf", files.pdf())))
    (doc,) = mes.ok("docs", "list")
    refused = mes("docs", "delete", doc["id"])
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    mes.ok("docs", "delete", doc["id"], "--yes")
    gone = mes("docs", "show", doc["id"])
    assert gone.exit_code == 7 and "DOCUMENT_NOT_FOUND" in gone.stderr


def test_download_never_overwrites_and_refuses_path_tricks(mes, tmp_path, monkeypatch):
    active_person(mes)
    data = files.pdf("x")
    mes.ok("docs", "upload", str(files.write(tmp_path, "x.pdf", data)), "--title", "../../etc/passwd")
    (doc,) = mes.ok("docs", "list")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    mes.ok("docs", "download", doc["id"])
    (written,) = list(work.iterdir())
    assert written.parent == work and ".." not in written.name and "/" not in written.name
    assert written.read_bytes() == data
    again = mes("docs", "download", doc["id"])
    assert again.exit_code == 8 and "--force" in again.stderr
    written.write_bytes(b"changed")
    mes.ok("docs", "download", doc["id"], "--force")
    assert written.read_bytes() == data
    assert [p.name for p in work.iterdir()] == [written.name]  # no leftover temp file


def test_another_person_never_sees_my_documents(mes, tmp_path):
    active_person(mes)
    mes.ok("docs", "upload", str(files.write(tmp_path, "mine.pdf", files.pdf("mine"))))
    (mine,) = mes.ok("docs", "list")
    other = mes.as_other(tmp_path / "other-home")
    active_person(other)
    assert other.ok("docs", "list") == []
    for command in (["docs", "show", mine["id"]], ["docs", "download", mine["id"], "-o", str(tmp_path / "x")],
                    ["docs", "hide", mine["id"]], ["docs", "delete", mine["id"], "--yes"]):
        result = other(*command)
        assert result.exit_code == 7 and "DOCUMENT_NOT_FOUND" in result.stderr, (command, result)
    assert mes.ok("docs", "show", mine["id"])["hidden"] is False


def test_logged_out_commands_exit_4(mes, tmp_path):
    result = mes("docs", "list")
    assert result.exit_code == 4 and "mes login" in result.stderr


def test_categories_are_the_official_twelve(mes):
    categories = mes.ok("docs", "categories")
    assert len(categories) == 12 and {"code": "DIR_ANT", "label": "Directives anticipées"} in categories
