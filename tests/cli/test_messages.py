"""The messagerie: every rule as a refusal and a success, both ways; history; blocked professionals."""

from __future__ import annotations

from support import files
from support.flows import active_person, last_message

DOCTOR, CARDIO, PHARMACY = "10101234567", "10107654321", "20201234568"


def _directory(mes):
    """The demo professionals (seeding them again is harmless)."""
    import json
    import tempfile

    pros = [{"rpps": DOCTOR, "name": "Dr Claire Dubois", "profession": "Médecin", "specialty": "Médecine générale"},
            {"rpps": CARDIO, "name": "Dr Hugo Lambert", "profession": "Médecin", "specialty": "Cardiologie"},
            {"rpps": PHARMACY, "name": "Pharmacie du Marché", "profession": "Pharmacien", "kind": "pharmacy"}]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"professionals": pros}, handle)
    mes.ok("server", "seed", handle.name)


def _pro_writes(mes, p, rpps=DOCTOR, subject="Vos résultats", body="Bonjour, tout va bien.", *extra):
    return mes.ok("server", "pro", "start", "--rpps", rpps, "--to", p["nir"], "--subject", subject, "--body", body,
                  *extra)


def test_a_doctor_writes_the_person_reads_and_replies_with_an_attachment(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    conversation = _pro_writes(mes, p)
    notice = last_message(mes, p["email"])
    assert notice["kind"] == "new_message" and "Dr Claire Dubois" in notice["body"]
    (listed,) = mes.ok("messages", "list", "--unread")
    assert listed["id"] == conversation["id"] and listed["unread"] == 1
    read = mes.ok("messages", "read", conversation["id"])
    assert read["messages"][0]["body"] == "Bonjour, tout va bien."
    assert mes.ok("messages", "list", "--unread") == []
    scan = files.write(tmp_path, "tension.pdf", files.pdf("tension"))
    sent = mes.ok("messages", "reply", conversation["id"], "--body", "Merci, voici mon relevé.", "--attach", str(scan))
    assert sent["sender"] == "person" and sent["attachments"][0]["filename"] == "tension.pdf"
    table = mes("messages", "read", conversation["id"], "--format", "table").stdout
    assert "Merci, voici mon relevé." in table and "tension.pdf" in table


def test_reply_from_a_file_or_stdin_and_attach_a_document(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    conversation = _pro_writes(mes, p)
    (doc,) = mes.ok("docs", "upload", str(files.write(tmp_path, "bilan.pdf", files.pdf("bilan"))))
    body_file = tmp_path / "reply.txt"
    body_file.write_text("Ci-joint mon bilan.", encoding="utf-8")
    sent = mes.ok("messages", "reply", conversation["id"], "--body-file", str(body_file), "--attach",
                  doc["document_id"])
    assert sent["body"] == "Ci-joint mon bilan." and sent["attachments"][0]["sha256"] == doc["sha256"]
    piped = mes.ok("messages", "reply", conversation["id"], "--body-file", "-", stdin="Par l'entrée standard.")
    assert piped["body"] == "Par l'entrée standard."


def test_the_person_cannot_start_a_conversation_first(mes):
    _directory(mes)
    active_person(mes)
    refused = mes("messages", "send", "--to", DOCTOR, "--subject", "Question", "--body", "Bonjour")
    assert refused.exit_code == 4 and "MESSAGING_NOT_ALLOWED" in refused.stderr


def test_the_person_may_write_again_to_a_professional_who_wrote_until_they_close(mes):
    _directory(mes)
    p = active_person(mes)
    conversation = _pro_writes(mes, p)
    again = mes.ok("messages", "send", "--to", DOCTOR, "--subject", "Autre question", "--body", "Et ceci ?")
    assert again["started_by"] == "person"
    other = mes("messages", "send", "--to", CARDIO, "--subject", "Bonjour", "--body", "?")
    assert other.exit_code == 4, "the cardiologist never wrote"
    mes.ok("server", "pro", "close", conversation["id"], "--rpps", DOCTOR)
    closed = mes("messages", "reply", conversation["id"], "--body", "Encore une chose")
    assert closed.exit_code == 8 and "CONVERSATION_CLOSED" in closed.stderr
    after_close = mes("messages", "send", "--to", DOCTOR, "--subject", "Nouveau", "--body", "?")
    assert after_close.exit_code == 4 and "MESSAGING_NOT_ALLOWED" in after_close.stderr
    pro_after_close = mes("server", "pro", "write", conversation["id"], "--rpps", DOCTOR, "--body", "Un ajout")
    assert pro_after_close.exit_code == 8


def test_save_an_attachment_into_the_documents(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    report = files.write(tmp_path, "compte_rendu.pdf", files.pdf("compte rendu"))
    conversation = _pro_writes(mes, p, DOCTOR, "Compte rendu", "Voici le compte rendu.", "--attach", str(report))
    message = conversation["messages"][0]
    attachment = message["attachments"][0]
    saved = mes.ok("messages", "save-attachment", message["id"], attachment["id"], "--category", "CPT_REND")
    assert saved["category"] == "CPT_REND" and saved["author"] == "Dr Claire Dubois"
    assert saved["sha256"] == files.sha256(files.pdf("compte rendu"))
    again = mes.ok("messages", "save-attachment", message["id"], attachment["id"])
    assert again["id"] == saved["id"], "saving twice files it once"
    assert len(mes.ok("docs", "list")) == 1


def test_attachments_follow_the_document_rules(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    conversation = _pro_writes(mes, p)
    html = files.write(tmp_path, "page.pdf", files.HTML)
    refused = mes("messages", "reply", conversation["id"], "--body", "x", "--attach", str(html))
    assert refused.exit_code == 6 and "UNSUPPORTED_TYPE" in refused.stderr
    big = files.write(tmp_path, "big.pdf", files.pdf(pad_to=5_000_001))
    too_big = mes("messages", "reply", conversation["id"], "--body", "x", "--attach", str(big))
    assert too_big.exit_code == 6 and "DOCUMENT_TOO_LARGE" in too_big.stderr
    empty = mes("messages", "reply", conversation["id"], "--body", "   ")
    assert empty.exit_code == 6


def test_delete_a_conversation_deletes_its_messages(mes):
    _directory(mes)
    p = active_person(mes)
    conversation = _pro_writes(mes, p)
    assert mes("messages", "delete", conversation["id"]).exit_code == 2
    mes.ok("messages", "delete", conversation["id"], "--yes")
    assert mes.ok("messages", "list") == []
    assert mes("messages", "read", conversation["id"]).exit_code == 7


def test_a_blocked_professional_can_neither_write_nor_read(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    conversation = _pro_writes(mes, p)
    mes.ok("docs", "upload", str(files.write(tmp_path, "a.pdf", files.pdf("a"))))
    blocked = mes.ok("pros", "block", DOCTOR)
    assert blocked["blocked"] is True
    writes = mes("server", "pro", "write", conversation["id"], "--rpps", DOCTOR, "--body", "Bonjour")
    assert writes.exit_code == 4 and "PROFESSIONAL_BLOCKED" in writes.stderr
    starts = mes("server", "pro", "start", "--rpps", DOCTOR, "--to", p["nir"], "--subject", "s", "--body", "b")
    assert starts.exit_code == 4
    reads = mes("server", "pro", "docs", "--rpps", DOCTOR, "--of", p["nir"])
    assert reads.exit_code == 4
    assert mes("messages", "send", "--to", DOCTOR, "--subject", "s", "--body", "b").exit_code == 4
    replies = mes("messages", "reply", conversation["id"], "--body", "Merci")
    assert replies.exit_code == 4 and "PROFESSIONAL_BLOCKED" in replies.stderr, "blocking cuts both ways"
    mes.ok("pros", "unblock", DOCTOR)
    assert mes.ok("messages", "reply", conversation["id"], "--body", "Merci")["sender"] == "person"
    assert len(mes.ok("server", "pro", "docs", "--rpps", DOCTOR, "--of", p["nir"])) == 1
    listed = {pro["rpps"]: pro for pro in mes.ok("pros", "list")}
    assert listed[DOCTOR]["has_written"] is True and listed[DOCTOR]["blocked"] is False


def test_history_records_every_professional_access(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    (visible,) = mes.ok("docs", "upload", str(files.write(tmp_path, "visible.pdf", files.pdf("v"))))
    mes.ok("docs", "upload", str(files.write(tmp_path, "secret.pdf", files.pdf("s"))), "--hidden")
    _pro_writes(mes, p)
    seen = mes.ok("server", "pro", "docs", "--rpps", CARDIO, "--of", p["nir"])
    assert [d["title"] for d in seen] == ["visible"], "hidden documents stay hidden from professionals"
    out = tmp_path / "read.pdf"
    mes.ok("server", "pro", "read-doc", visible["document_id"], "--rpps", CARDIO, "--of", p["nir"], "-o", str(out))
    assert out.read_bytes() == files.pdf("v")
    entries = mes.ok("history")
    actions = [(e["rpps"], e["action"]) for e in entries]
    assert (DOCTOR, "message") in actions and (CARDIO, "list_documents") in actions
    assert (CARDIO, "read_document") in actions
    assert {e["rpps"] for e in mes.ok("history", "--pro", CARDIO)} == {CARDIO}
    tomorrow = mes("history", "--since", "01/01/2999")
    assert tomorrow.exit_code == 6, "a future start date is refused"


def test_one_person_never_sees_another_persons_conversations(mes, tmp_path):
    _directory(mes)
    p = active_person(mes)
    conversation = _pro_writes(mes, p)
    other = mes.as_other(tmp_path / "other")
    active_person(other)
    assert other.ok("messages", "list") == []
    for command in (["messages", "read", conversation["id"]], ["messages", "reply", conversation["id"], "--body", "x"],
                    ["messages", "delete", conversation["id"], "--yes"]):
        result = other(*command)
        assert result.exit_code == 7 and "CONVERSATION_NOT_FOUND" in result.stderr, (command, result)
    assert other.ok("history") == []


def test_reply_with_the_medical_profile_attached_as_a_pdf(mes, tmp_path):
    from support import pdf

    _directory(mes)
    p = active_person(mes)
    mes.ok("profile", "add", "allergy", "--substance", "Arachide")
    conversation = _pro_writes(mes, p)
    sent = mes.ok("messages", "reply", conversation["id"], "--body", "Voici mon profil.", "--attach-profile")
    (attachment,) = sent["attachments"]
    assert attachment["media_type"] == "application/pdf" and attachment["filename"] == "medical-profile.pdf"
    copy = tmp_path / "copy.pdf"
    mes.ok("messages", "save-attachment", sent["id"], attachment["id"], "-o", str(copy))
    data = copy.read_bytes()
    pdf.check_structure(data)
    assert "• Arachide" in pdf.text(data).splitlines()
