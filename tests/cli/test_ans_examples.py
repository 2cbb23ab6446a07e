"""Every ANS example archive imported for its own patient, checked against its header as read here
with plain XPath (not with the code under test): title, date, type code, category, the original
kept byte for byte, and `docs show` printing its text. Embedded server only: the examples' test
patient can be registered once per server."""

from __future__ import annotations

import datetime as dt
import zipfile

import pytest
from lxml import etree

from mes_cli.demo_data import card_serial_for
from mes_cli.domain.doctypes import category_for
from support.ans import ans_archives
from support.flows import active_person
from support.health_docs import ANS_PATIENT

NS = {"h": "urn:hl7-org:v3"}


def _header(cda: bytes) -> dict:
    root = etree.fromstring(cda, etree.XMLParser(resolve_entities=False, no_network=True))
    root = root.xpath("descendant-or-self::h:ClinicalDocument", namespaces=NS)[0]  # one example wraps it in XSLT
    ins = root.xpath("h:recordTarget/h:patientRole/h:id[starts-with(@root, '1.2.250.1.213.1.4.')]/@extension",
                     namespaces=NS)
    sections = root.xpath("//h:section/h:title/text()", namespaces=NS)
    return {"title": " ".join("".join(root.xpath("h:title//text()", namespaces=NS)).split()),
            "code": root.xpath("string(h:code/@code)", namespaces=NS),
            "date": root.xpath("string(h:effectiveTime/@value)", namespaces=NS)[:8],
            "ins": ins[0] if ins else None,
            "birth": root.xpath("string(h:recordTarget/h:patientRole/h:patient/h:birthTime/@value)", namespaces=NS),
            "section": next((" ".join(s.split()) for s in sections if s.strip()), None)}


def _original(path) -> bytes:
    with zipfile.ZipFile(path) as z:
        (name,) = [n for n in z.namelist() if n.upper().endswith("DOC0001.XML")]
        return z.read(name)


@pytest.fixture
def ans_patient(local_mes):
    return active_person(local_mes, **ANS_PATIENT, card_serial=card_serial_for(ANS_PATIENT["nir"]),
                         email="dominique.ans.patient@example.fr")


def test_every_ans_example_imports_for_its_patient_or_is_refused_for_the_right_reason(local_mes, ans_patient,
                                                                                       tmp_path):
    from stdnum.fr import nir as stdnum_nir

    mes = local_mes
    outcomes = {}
    for path in ans_archives():
        (item,) = mes("docs", "import", str(path)).json
        outcomes[path.stem] = item
        header = _header(_original(path))
        if header["ins"] != ANS_PATIENT["nir"] or header["birth"] != "19790328":  # identity vigilance
            expected = "INVALID_INS" if not stdnum_nir.is_valid(header["ins"] or "") else "PATIENT_MISMATCH"
            assert item["status"] == "failed" and item["error_code"] == expected, (path.stem, item)
            continue
        assert item["status"] in ("created", "replaced", "deleted"), (path.stem, item)
        if item["status"] == "deleted":
            continue
        shown = mes.ok("docs", "show", item["document_id"])["document"]
        title = header["title"]
        assert shown["title"] == (title if len(title) <= 50 else title[:49].rstrip() + "…"), path.stem
        assert shown["type_code"] == header["code"] and shown["category"] == category_for(header["code"])
        assert shown["document_date"] == dt.datetime.strptime(header["date"], "%Y%m%d").date().isoformat()
        target = tmp_path / f"{path.stem}.xml"
        mes.ok("docs", "download", item["document_id"], "-o", str(target))
        assert target.read_bytes() == _original(path), "the original is stored unchanged"
        text = mes("docs", "show", item["document_id"], "--format", "table").stdout
        assert shown["title"].rstrip("…")[:30] in text
        if header["section"]:
            assert header["section"][:30] in " ".join(text.split()), path.stem
    assert outcomes["BIO-CR-BIO_2024.01_Microbiologie_V2"]["status"] == "replaced"
    assert outcomes["BIO-CR-BIO_2024.01_Microbiologie_V2_Delete"]["status"] == "deleted"
    listed = {d["type_code"] for d in mes.ok("docs", "list", "--all")}
    assert "11502-2" in listed  # the TSH report stays; the microbiology one was deleted with its versions
    # The two vaccination examples fill the booklet: the history's four administrations but the BCG of
    # "1975" (no day, and before the birth), the note's one repeating a dose of the history.
    booklet = mes.ok("vaccins", "list")
    assert sorted((d["date"], d["product_code"], d["lot"]) for d in booklet) == [
        ("2009-09-28", "68747507", "4456668"), ("2009-09-28", "68747507", "4456672"),
        ("2021-04-09", "61920725", "357904636")]
    assert {d["recorded_by"] for d in booklet} == {"professional"}
    again = {item["archive"].rsplit("/", 1)[-1][:-4]: item["status"]
             for item in mes("docs", "import", *[str(p) for p in ans_archives()]).json}
    for name, item in outcomes.items():
        if item["status"] == "created" and "Microbiologie" not in name:
            assert again[name] == "unchanged", name
