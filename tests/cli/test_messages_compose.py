"""Writing and keeping messages as a new user would: the text in $EDITOR (or typed) on a terminal, a
document attached under a file name that opens, an attachment written to a local file as it is, the
directory of professionals searched — and a blocked professional cut off both ways (test_messages.py)."""

from __future__ import annotations

import json
import secrets
import tempfile

from support import files
from support.flows import active_person
from support.health_docs import archive, retarget_archive

DOCTOR = "10101234567"


def _doctor_writes(mes, p, *attach):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"professionals": [{"rpps": DOCTOR, "name": "Dr Claire Dubois", "profession": "Médecin",
                                      "specialty": "Médecine générale"}]}, handle)
    mes.ok("server", "seed", handle.name)
    extra = [arg for path in attach for arg in ("--attach", str(path))]
    return mes.ok("server", "pro", "start", "--rpps", DOCTOR, "--to", p["nir"], "--subject", "Vos résultats",
                  "--body", "Bonjour, voici vos résultats.", *extra)


def test_on_a_terminal_the_text_comes_from_the_editor_or_is_typed(mes, tmp_path):
    p = active_person(mes)
    conversation = _doctor_writes(mes, p)
    editor = tmp_path / "editor.sh"  # writes above what mes put in the file (the scissors line and below)
    editor.write_text('{ printf "Merci docteur,\\nà jeudi.\\n"; cat "$1"; } > "$1.new" && mv "$1.new" "$1"\n')
    sent = mes.ok("messages", "reply", conversation["id"], tty=True, env={"EDITOR": f"sh {editor}"})
    assert sent["body"] == "Merci docteur,\nà jeudi.", "the scissors line and the hint below it are not sent"
    typed = mes.ok("messages", "reply", conversation["id"], tty=True, stdin="Tapé au clavier.\n")
    assert typed["body"] == "Tapé au clavier."
    untouched = mes("messages", "reply", conversation["id"], tty=True, env={"EDITOR": "true"})
    assert untouched.exit_code == 6 and "nothing was sent" in untouched.stderr
    broken = mes("messages", "reply", conversation["id"], tty=True, env={"EDITOR": "false"})
    assert broken.exit_code == 2 and "--body" in broken.stderr
    script = mes("messages", "reply", conversation["id"], env={"EDITOR": f"sh {editor}"})
    assert script.exit_code == 2 and "--body" in script.stderr, "without a terminal nothing opens"
    assert len(mes.ok("messages", "read", conversation["id"])["messages"]) == 3


def test_a_document_attached_keeps_an_extension_and_an_attachment_is_written_to_a_file_as_it_is(mes, tmp_path):
    p = active_person(mes)
    zipped = files.write(tmp_path, "IHE_XDM.ZIP", retarget_archive(archive("TSH"), p))
    report = files.write(tmp_path, "compte rendu.pdf", files.pdf("compte rendu"))
    conversation = _doctor_writes(mes, p, zipped, report)
    message = conversation["messages"][0]
    archive_id, pdf_id = (a["id"] for a in message["attachments"])
    (doc,) = mes.ok("docs", "upload", str(report), "--title", "Bilan sanguin été")
    sent = mes.ok("messages", "reply", conversation["id"], "--body", "Le voici.", "--attach", doc["document_id"])
    assert sent["attachments"][0]["filename"] == "Bilan sanguin été.pdf", "a document attached gets its extension"

    out = tmp_path / "out"
    out.mkdir()
    written = mes("messages", "save-attachment", message["id"], archive_id, "--output", str(out / "bilan.zip"))
    assert written.exit_code == 0 and "SHA-256 verified" in written.stderr, written
    assert (out / "bilan.zip").read_bytes() == zipped.read_bytes(), "a zip stays a zip"
    again = mes("messages", "save-attachment", message["id"], archive_id, "-o", str(out / "bilan.zip"))
    assert again.exit_code == 8 and "--force" in again.stderr
    mes.ok("messages", "save-attachment", message["id"], pdf_id, "-o", str(out / "bilan.zip"), "--force")
    assert (out / "bilan.zip").read_bytes() == report.read_bytes()
    mes.ok("messages", "save-attachment", message["id"], pdf_id, "-o", str(out))
    assert (out / "compte rendu.pdf").read_bytes() == report.read_bytes(), "a directory: the attachment's name"
    both = mes("messages", "save-attachment", message["id"], pdf_id, "-o", str(out / "x.pdf"), "--title", "x")
    assert both.exit_code == 6
    assert [d["id"] for d in mes.ok("docs", "list")] == [doc["document_id"]], "--output files nothing"
    mes.ok("messages", "save-attachment", sent["id"], sent["attachments"][0]["id"], "-o", str(out))
    assert (out / "Bilan sanguin été.pdf").read_bytes() == report.read_bytes()


def test_the_directory_is_searched_by_name_profession_city_or_rpps(mes):
    active_person(mes)
    tag = "".join(secrets.choice("bcdfghjklmnpqrstvwxz") for _ in range(10))  # other tests share the server
    rpps = "1" + "".join(secrets.choice("0123456789") for _ in range(10))
    pros = [{"rpps": rpps, "name": f"Dr Hélène Zéphir {tag}", "profession": "Médecin", "specialty": "Pédiatrie",
             "city": "Saint-Étienne"},
            {"rpps": rpps[:-1] + str((int(rpps[-1]) + 1) % 10), "name": f"Pharmacie {tag}",
             "profession": "Pharmacien", "city": "Lyon", "kind": "pharmacy"}]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"professionals": pros}, handle)
    mes.ok("server", "seed", handle.name)
    (found,) = mes.ok("pros", "search", "helene", tag.upper(), "saint-etienne")
    assert found["rpps"] == rpps and found["blocked"] is False and found["has_written"] is False
    assert [f["name"] for f in mes.ok("pros", "search", tag)] == [pros[0]["name"], pros[1]["name"]]
    assert [f["rpps"] for f in mes.ok("pros", "search", rpps)] == [rpps]
    limited = mes("pros", "search", tag, "--limit", "1")
    assert len(limited.json) == 1 and "--limit" in limited.stderr
    assert mes.ok("pros", "search", tag, "dentiste") == []
    mes.ok("pros", "block", rpps)  # one who never wrote can be blocked
    assert mes.ok("pros", "search", rpps)[0]["blocked"] is True
    assert len(mes.ok("pros", "search", "--limit", "2")) == 2, "no words: the directory from the start"
