"""The documents space as the official app keeps it: folders, pins, confidentiality levels, the default
for new documents, deletions in batches — in-process and over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import re

from support import files
from support.flows import active_person, last_message
from support.health_docs import archive, cda_of, retarget_cda
from support.people import person

DOCTOR = "10101234567"


def _upload(mes, tmp_path, *names: str) -> list[str]:
    """Uploads one PDF per name (oldest first); their document ids, in that order."""
    ids = []
    for name in names:
        (result,) = mes.ok("docs", "upload", str(files.write(tmp_path, f"{name}.pdf", files.pdf(name))))
        ids.append(result["document_id"])
    return ids


def test_folders_round_trip_and_documents_move_between_them(mes, tmp_path):
    active_person(mes)
    ordonnance, radio = _upload(mes, tmp_path, "ordonnance", "radio")
    created = mes.ok("docs", "folders", "create", "Santé de l'enfant (2024)")
    assert created["name"] == "Santé de l'enfant (2024)" and created["documents"] == 0
    mes.ok("docs", "folders", "create", "Radiologie")
    (moved,) = mes.ok("docs", "move", ordonnance, "--folder", "santé DE l'enfant (2024)")  # any case
    assert moved["folder"] == "Santé de l'enfant (2024)"
    assert [d["id"] for d in mes.ok("docs", "list", "--folder", "Santé de l'enfant (2024)")] == [ordonnance]
    listed = {f["name"]: f["documents"] for f in mes.ok("docs", "folders", "list")}
    assert listed == {"Radiologie": 0, "Santé de l'enfant (2024)": 1}
    renamed = mes.ok("docs", "folders", "rename", "Santé de l'enfant (2024)", "Enfant")
    assert renamed["name"] == "Enfant" and mes.ok("docs", "show", ordonnance)["folder"] == "Enfant"
    mes.ok("docs", "folders", "rename", "enfant", "ENFANT")  # its own name in another case is no clash
    mes.ok("docs", "move", ordonnance, "--no-folder")
    assert mes.ok("docs", "show", ordonnance)["folder"] is None
    mes.ok("docs", "folders", "delete", "Radiologie", "--yes")
    assert [f["name"] for f in mes.ok("docs", "folders", "list")] == ["ENFANT"]
    assert mes.ok("docs", "show", radio)["folder"] is None


def test_bad_folder_names_and_unknown_folders_are_refused(mes, tmp_path):
    active_person(mes)
    (doc,) = _upload(mes, tmp_path, "bilan")
    mes.ok("docs", "folders", "create", "Analyses")
    too_long = mes("docs", "folders", "create", "x" * 51)
    assert too_long.exit_code == 6 and "INVALID_FOLDER_NAME" in too_long.stderr and "51" in too_long.stderr
    assert mes.ok("docs", "folders", "create", "y" * 50)["name"] == "y" * 50
    special = mes("docs", "folders", "create", "Analyses/2024 *")
    assert special.exit_code == 6 and "INVALID_FOLDER_NAME" in special.stderr and "* /" in special.stderr
    clash = mes("docs", "folders", "create", "ANALYSES")
    assert clash.exit_code == 8 and "FOLDER_EXISTS" in clash.stderr and "Analyses" in clash.stderr
    rename_clash = mes("docs", "folders", "rename", "y" * 50, "analyses")
    assert rename_clash.exit_code == 8 and "FOLDER_EXISTS" in rename_clash.stderr
    nowhere = mes("docs", "move", doc, "--folder", "Radiologie")
    assert nowhere.exit_code == 7 and "FOLDER_NOT_FOUND" in nowhere.stderr and "folders create" in nowhere.stderr
    assert mes.ok("docs", "show", doc)["folder"] is None
    unknown_filter = mes("docs", "list", "--folder", "Radiologie")
    assert unknown_filter.exit_code == 7 and "FOLDER_NOT_FOUND" in unknown_filter.stderr
    assert mes("docs", "move", doc).exit_code != 0  # nowhere to go: --folder or --no-folder


def test_a_folder_holding_documents_is_deleted_only_moving_them_out(mes, tmp_path):
    active_person(mes)
    (doc,) = _upload(mes, tmp_path, "bilan")
    mes.ok("docs", "folders", "create", "Analyses")
    mes.ok("docs", "move", doc, "--folder", "Analyses")
    refused = mes("docs", "folders", "delete", "Analyses", "--yes")
    assert refused.exit_code == 8 and "FOLDER_NOT_EMPTY" in refused.stderr
    assert "--move-documents-out" in refused.stderr
    assert mes.ok("docs", "show", doc)["folder"] == "Analyses"
    mes.ok("docs", "folders", "delete", "Analyses", "--move-documents-out", "--yes")
    assert mes.ok("docs", "folders", "list") == []
    shown = mes.ok("docs", "show", doc)
    assert shown["folder"] is None, "the documents are never deleted with their folder"


def test_pinned_documents_list_first(mes, tmp_path):
    active_person(mes)
    oldest, middle, newest = _upload(mes, tmp_path, "oldest", "middle", "newest")
    assert [d["id"] for d in mes.ok("docs", "list")] == [newest, middle, oldest]
    (pinned,) = mes.ok("docs", "pin", oldest)
    assert pinned["pinned"] is True
    assert [d["id"] for d in mes.ok("docs", "list")] == [oldest, newest, middle]
    assert [d["id"] for d in mes.ok("docs", "list", "--pinned")] == [oldest]
    first_page = mes.ok("docs", "list", "--limit", "1")
    assert [d["id"] for d in first_page] == [oldest]
    mes.ok("docs", "unpin", oldest)
    assert [d["id"] for d in mes.ok("docs", "list")] == [newest, middle, oldest]
    assert mes.ok("docs", "list", "--pinned") == []


def test_confidentiality_levels_set_by_the_person(mes, tmp_path):
    active_person(mes)
    (doc,) = _upload(mes, tmp_path, "bilan")
    both = mes.ok("docs", "confidentiality", doc, "--hide-from", "professionals",
                  "--hide-from", "legal-representatives")
    assert both["hidden"] is True and both["hidden_from_representatives"] is True
    only_reps = mes.ok("docs", "confidentiality", doc, "--hide-from", "legal-representatives")
    assert only_reps["hidden"] is False and only_reps["hidden_from_representatives"] is True
    mes.ok("docs", "hide", doc)  # the MASQUE_PS shortcut keeps the other level
    assert mes.ok("docs", "show", doc)["hidden_from_representatives"] is True
    nobody = mes.ok("docs", "confidentiality", doc, "--hide-from", "nobody")
    assert nobody["hidden"] is False and nobody["hidden_from_representatives"] is False
    wrong = mes("docs", "confidentiality", doc, "--hide-from", "everyone")
    assert wrong.exit_code == 6 and "--hide-from" in wrong.stderr
    mixed = mes("docs", "confidentiality", doc, "--hide-from", "nobody", "--hide-from", "professionals")
    assert mixed.exit_code == 6


def _without_request_id(text: str) -> str:
    return re.sub(r"request [0-9a-f]{16}", "request …", text)


def _teenager_with_parent(mes) -> tuple[dict, dict]:
    """A parent with an attached 15-year-old, and the professional who writes to both."""
    import json
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"professionals": [{"rpps": DOCTOR, "name": "Dr Claire Dubois", "profession": "Médecin"}]},
                  handle)
    mes.ok("server", "seed", handle.name)
    data = person(first_name="Inès", email=None, mobile=None)
    teen = {k: data[k] for k in ("nir", "first_name", "last_name", "card_serial")}
    teen["birth_date"] = (dt.date.today().replace(day=1) - dt.timedelta(days=15 * 366)).isoformat()
    parent = active_person(mes, children=[teen])
    teen["code"] = last_message(mes, teen["nir"])["code"]
    mes.ok("children", "link", "--code", teen["code"], "--birth-date", teen["birth_date"], "--certify")
    return parent, teen


def test_a_parent_learns_nothing_of_a_document_invisible_to_legal_representatives(mes, tmp_path):
    _parent, teen = _teenager_with_parent(mes)
    very_restricted = retarget_cda(cda_of(archive("VAC_2023")), teen).replace(
        b'<confidentialityCode code="N"', b'<confidentialityCode code="V"')
    path = files.write(tmp_path, "secret.xml", very_restricted)
    (filed,) = mes.ok("server", "pro", "send-doc", str(path), "--rpps", DOCTOR, "--to", teen["nir"])
    secret = filed["document"]["id"]
    assert filed["document"]["hidden_from_representatives"] is True and filed["document"]["hidden"] is True
    (own,) = mes.ok("--for", "Inès", "docs", "upload", str(files.write(tmp_path, "carnet.pdf", files.pdf("c"))))
    assert [d["id"] for d in mes.ok("--for", "Inès", "docs", "list")] == [own["document_id"]]
    unknown = "d_0123456789abcdef"
    for command in (["docs", "show"], ["docs", "download", "-o", str(tmp_path / "out.xml")], ["docs", "pin"],
                    ["docs", "hide"], ["docs", "move", "--no-folder"], ["docs", "delete", "--yes"],
                    ["docs", "confidentiality", "--hide-from", "nobody"]):
        hidden = mes("--for", "Inès", *command, secret)
        missing = mes("--for", "Inès", *command, unknown)
        assert hidden.exit_code == missing.exit_code == 7, (command, hidden, missing)
        assert _without_request_id(hidden.stderr.replace(secret, unknown)) == _without_request_id(missing.stderr)
    assert not (tmp_path / "out.xml").exists()
    refused = mes("--for", "Inès", "docs", "confidentiality", own["document_id"], "--hide-from",
                  "legal-representatives")
    assert refused.exit_code == 4 and "NOT_FOR_REPRESENTATIVES" in refused.stderr
    assert mes.ok("--for", "Inès", "docs", "show", own["document_id"])["hidden_from_representatives"] is False


def test_a_restricted_cda_is_hidden_from_professionals_only(mes, tmp_path):
    _parent, teen = _teenager_with_parent(mes)
    restricted = retarget_cda(cda_of(archive("VAC_2023")), teen).replace(
        b'<confidentialityCode code="N"', b'<confidentialityCode code="R"')
    path = files.write(tmp_path, "restricted.xml", restricted)
    (filed,) = mes.ok("server", "pro", "send-doc", str(path), "--rpps", DOCTOR, "--to", teen["nir"])
    assert (filed["document"]["confidentiality"], filed["document"]["hidden"],
            filed["document"]["hidden_from_representatives"]) == ("R", True, False)
    assert [d["id"] for d in mes.ok("--for", "Inès", "docs", "list")] == [filed["document"]["id"]]


def test_new_documents_follow_the_default_of_the_profile(mes, tmp_path):
    active_person(mes)
    assert mes.ok("settings", "documents") == {"hide_new_from_professionals": False}
    assert mes.ok("settings", "documents", "--hide-new-from-professionals", "yes") == {
        "hide_new_from_professionals": True}
    (hidden,) = _upload(mes, tmp_path, "hidden")
    assert mes.ok("docs", "show", hidden)["hidden"] is True
    mes.ok("docs", "unhide", hidden)  # documents already there keep the level they were given
    mes.ok("settings", "documents", "--hide-new-from-professionals", "no")
    (visible,) = _upload(mes, tmp_path, "visible")
    assert mes.ok("docs", "show", visible)["hidden"] is False
    assert mes.ok("docs", "show", hidden)["hidden"] is False
    wrong = mes("settings", "documents", "--hide-new-from-professionals", "maybe")
    assert wrong.exit_code == 6


def test_a_professionals_document_follows_the_default_too(mes, tmp_path):
    _parent, teen = _teenager_with_parent(mes)
    mes.ok("--for", "Inès", "settings", "documents", "--hide-new-from-professionals", "yes")
    path = files.write(tmp_path, "vac.xml", retarget_cda(cda_of(archive("VAC_2023")), teen))
    (filed,) = mes.ok("server", "pro", "send-doc", str(path), "--rpps", DOCTOR, "--to", teen["nir"])
    assert filed["document"]["hidden"] is True and filed["document"]["hidden_from_representatives"] is False
    assert mes.ok("docs", "list") == [], "the parent's own space keeps its own default"


def test_delete_many_in_batches_of_ten_reporting_each(mes, tmp_path):
    active_person(mes)
    ids = _upload(mes, tmp_path, *(f"scan{i}" for i in range(12)))
    unknown = "d_0123456789abcdef"
    result = mes("docs", "delete", *ids[:6], unknown, *ids[6:], "--yes")
    assert result.exit_code == 5, result
    outcomes = {o["id"]: (o["status"], o["error_code"]) for o in result.json}
    assert outcomes.pop(unknown) == ("failed", "DOCUMENT_NOT_FOUND")
    assert set(outcomes) == set(ids) and {v for v in outcomes.values()} == {("deleted", None)}
    assert "failed 1" in result.stderr
    assert mes.ok("docs", "list") == []
    missing = mes("docs", "delete", unknown, "--yes")
    assert missing.exit_code == 7 and missing.stderr.count("DOCUMENT_NOT_FOUND") == 1


def test_the_server_deletes_at_most_ten_per_request(mes, tmp_path):
    active_person(mes)
    ids = _upload(mes, tmp_path, *(f"scan{i}" for i in range(11)))
    refused = mes("api", "POST", "/v1/profiles/me/documents/delete", "-F", f"ids:={json.dumps(ids)}")
    assert refused.exit_code == 6 and "At most 10" in refused.stderr
    assert len(mes.ok("docs", "list")) == 11


def test_manifest_files_into_folders_with_confidentiality(mes, tmp_path):
    active_person(mes)
    mes.ok("docs", "folders", "create", "Analyses")
    for name in ("a", "b", "c"):
        files.write(tmp_path, f"{name}.pdf", files.pdf(name))
    manifest = tmp_path / "manifest.csv"
    manifest.write_text("path,folder,confidentiality\n"
                        "a.pdf,analyses,professionals+legal-representatives\n"
                        "b.pdf,,legal-representatives\n"
                        "c.pdf,Radiologie,\n", encoding="utf-8")
    result = mes("docs", "upload", "--manifest", str(manifest))
    assert result.exit_code == 5, result
    by_name = {r["path"].rsplit("/", 1)[1]: r for r in result.json}
    assert by_name["c.pdf"]["error_code"] == "FOLDER_NOT_FOUND"
    listed = {d["title"]: d for d in mes.ok("docs", "list")}
    assert set(listed) == {"a", "b"}
    assert (listed["a"]["folder"], listed["a"]["hidden"], listed["a"]["hidden_from_representatives"]) == (
        "Analyses", True, True)
    assert (listed["b"]["folder"], listed["b"]["hidden"], listed["b"]["hidden_from_representatives"]) == (
        None, False, True)
    manifest.write_text("path,confidentiality\na.pdf,everyone\n", encoding="utf-8")
    refused = mes("docs", "upload", "--manifest", str(manifest))
    assert refused.exit_code == 6 and "confidentiality" in refused.stderr


def test_an_archives_dmp_marks_give_the_levels_of_its_documents(mes, tmp_path):
    """A professional's IHE XDM archive whose metadata marks a file MASQUE_PS and INVISIBLE_REPRESENTANTS_LEGAUX."""
    import io

    from mes_cli.client.portability.export import patient_cx
    from mes_cli.domain import xds_codes
    from mes_cli.domain.xdm import DocumentEntryOut, SubmissionOut, XdmWriter

    _parent, teen = _teenager_with_parent(mes)
    buffer = io.BytesIO()
    writer = XdmWriter(buffer, SubmissionOut(title="Envoi", author=None, patient_id=patient_cx(teen["nir"]),
                                             source_id="1.2.250.1.999"))
    type_code = xds_codes.own_file_type_code("CPT_REND")
    writer.add_document("secret.pdf", files.pdf("consultation"), DocumentEntryOut(
        title="Consultation", mime_type="application/pdf", type_code=type_code,
        class_code=xds_codes.class_code(type_code.code, "CPT_REND"), format_code=xds_codes.own_file_format_code(),
        confidentiality=xds_codes.confidentiality("N", True, True), unique_id="2.25.1234567"))
    writer.close()
    path = files.write(tmp_path, "IHE_XDM.ZIP", buffer.getvalue())
    (filed,) = mes.ok("server", "pro", "send-doc", str(path), "--rpps", DOCTOR, "--to", teen["nir"])
    assert filed["document"]["hidden"] is True and filed["document"]["hidden_from_representatives"] is True
    assert mes.ok("--for", "Inès", "docs", "list") == []
