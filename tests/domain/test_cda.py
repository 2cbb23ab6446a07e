"""HL7 CDA R2 reading: the ANS examples, the narrative, timestamps, and hostile or broken XML."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from mes_cli.contract.errors import MesError
from mes_cli.domain.cda import (
    CdaDocument,
    ListBlock,
    Paragraph,
    Table,
    parse_cda,
    parse_ts,
    parse_xml,
    render_text,
)
from support.ans import ans_archives, ans_cda

PLUS_ONE = timezone(timedelta(hours=1))
VAC = "VAC_2023.01"


def error_of(call, *args, **kwargs) -> MesError:
    with pytest.raises(MesError) as caught:
        call(*args, **kwargs)
    return caught.value


def collapsed(text: str) -> str:
    return " ".join(text.split())


def cda(body: str = "", *, header: str | None = None, type_id: str | None = None,
        record_target: str | None = None, code: str | None = None, effective_time: str | None = None) -> bytes:
    """A small CDA R2 document; each part can be replaced (or removed with "")."""
    parts = [
        '<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000040"/>' if type_id is None else type_id,
        '<id root="1.2.3.4" extension="doc-1"/>',
        '<code code="11488-4" codeSystem="2.16.840.1.113883.6.1" displayName="Consultation note"/>'
        if code is None else code,
        "<title>Consultation</title>",
        '<effectiveTime value="20240105103000+0100"/>' if effective_time is None else effective_time,
        '<confidentialityCode code="N"/>',
        header or "",
        '<recordTarget><patientRole><id root="1.2.250.1.213.1.4.10" extension="279035121518989"/>'
        '<patient><name><family>PAT-TROIS</family><given>DOMINIQUE</given></name>'
        '<administrativeGenderCode code="F"/><birthTime value="19790328"/></patient></patientRole></recordTarget>'
        if record_target is None else record_target,
        body,
    ]
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<ClinicalDocument xmlns="urn:hl7-org:v3">'
            + "".join(parts) + "</ClinicalDocument>").encode()


def structured(*sections: str) -> str:
    return "<component><structuredBody>" + "".join(f"<component>{s}</component>" for s in sections) \
        + "</structuredBody></component>"


def section(title: str, text: str, *subsections: str) -> str:
    return (f"<section><title>{title}</title><text>{text}</text>"
            + "".join(f"<component>{s}</component>" for s in subsections) + "</section>")


# -- every ANS example ----------------------------------------------------------------------------

ARCHIVES = ans_archives()


def test_the_ans_examples_are_there():
    assert len(ARCHIVES) >= 20, "the ANS fixtures are missing: see tests/support/ans.py"


def _narrative_texts(sections) -> list[str]:
    texts = []
    for sec in sections:
        for block in sec.blocks:
            if isinstance(block, Paragraph):
                texts.append(block.text)
            elif isinstance(block, ListBlock):
                texts.extend(block.items)
        texts.extend(_narrative_texts(sec.sections))
    return texts


@pytest.mark.parametrize("archive", ARCHIVES, ids=[path.stem for path in ARCHIVES])
def test_every_ans_example_parses_and_renders(archive):
    doc = parse_cda(ans_cda(archive.name))
    assert doc.title and doc.type is not None and doc.type.code
    assert isinstance(doc.effective_time, datetime) and doc.effective_time.tzinfo is not None
    assert doc.patient.identifiers and doc.patient.ins is not None
    assert doc.patient.family and doc.patient.birth_date
    assert doc.authors and doc.id and doc.set_id and doc.version
    assert doc.sections or (doc.embedded is not None and doc.embedded.data)
    assert doc.level == (1 if doc.embedded is not None else 3)

    header = doc.header()
    assert json.loads(json.dumps(header)) == header
    assert header["title"] == doc.title and header["level"] == doc.level

    text = render_text(doc, width=80)
    assert all(len(line) <= 80 for line in text.splitlines())
    flat = collapsed(text)
    assert collapsed(doc.title) in flat
    for sec in doc.sections:
        if sec.title:
            assert collapsed(sec.title) in flat
    narrative = _narrative_texts(doc.sections)
    if narrative:
        assert collapsed(narrative[0]) in flat


def test_vaccination_history_header():
    doc = parse_cda(ans_cda(VAC))
    assert doc.id == "1.2.250.1.213.1.1.1.37.2023.1.1"
    assert doc.title == "Historique de vaccinations"
    assert doc.effective_time == datetime(2021, 4, 9, 17, 0, tzinfo=PLUS_ONE)
    assert doc.document_date == date(2021, 4, 9)
    assert (doc.type.code, doc.type.system, doc.type.system_name) == ("11369-6", "2.16.840.1.113883.6.1", "LOINC")
    assert (doc.confidentiality, doc.language, doc.version) == ("N", "fr-FR", 1)
    assert doc.set_id == "1.2.250.1.213.1.1.1.37.2023.1"
    assert doc.replaces is None
    assert doc.custodian == "Assurance Maladie"
    assert "1.2.250.1.213.1.1.1.37^2023.01" in doc.template_ids
    assert doc.conforms_to("1.2.250.1.213.1.1.1.37") and not doc.conforms_to("1.2.250.1.213.1.1.1.3")
    assert doc.embedded is None


def test_vaccination_history_patient():
    patient = parse_cda(ans_cda(VAC)).patient
    ins = patient.ins
    assert (ins.root, ins.extension, ins.kind, ins.key_valid) == \
        ("1.2.250.1.213.1.4.10", "279035121518989", "INS-NIR-TEST", True)
    assert (patient.family, patient.given, patient.sex) == ("PAT-TROIS", "DOMINIQUE", "F")
    assert patient.birth_date == date(1979, 3, 28)


def test_vaccination_history_author():
    (author,) = parse_cda(ans_cda(VAC)).authors
    assert author.name == "Dr Charles MULLER"
    assert (author.id, author.id_root) == ("801234567897", "1.2.250.1.71.4.2.1")
    assert author.profession.code == "G15_10/SM26"
    assert (author.specialty.code, author.specialty.display) == ("SM26", "Qualifié en Médecine Générale (SM)")
    assert author.organisation == "Cabinet Médical du Dr MULLER"
    assert author.time == datetime(2010, 6, 3, 9, 49, 14, tzinfo=PLUS_ONE)
    assert not author.is_device


def test_vaccination_history_narrative():
    (history,) = parse_cda(ans_cda(VAC)).sections
    assert history.title == "Historique des vaccinations" and history.code.code == "11369-6"
    lists = [block for block in history.blocks if isinstance(block, ListBlock)]
    tables = [block for block in history.blocks if isinstance(block, Table)]
    assert lists[0].items == ("Vaccination Antituberculeuse : BCG",)
    assert tables[0].header[0][:3] == ("Date", "Vaccin", "Lot n°")
    assert tables[0].rows[0][:3] == ("1975", "Vaccin antituberculeux", "235421176")


def test_a_new_version_replaces_the_previous_one():
    first = parse_cda(ans_cda("Microbiologie_V1"))
    second = parse_cda(ans_cda("Microbiologie_V2"))
    assert second.set_id == first.set_id
    assert second.version > first.version
    assert second.replaces == first.id and first.replaces is None
    assert second.header()["replaces"] == first.id


@pytest.mark.parametrize("name", ["DOC_NON_STRUCTURE_CDA-R2-N1", "IMG_CR_IMG_2024.01_CDA-R2-Niveau-1"])
def test_level_1_documents_carry_a_pdf(name):
    doc = parse_cda(ans_cda(name))
    assert doc.level == 1 and doc.sections == ()
    assert doc.embedded.media_type == "application/pdf"
    assert doc.embedded.data.startswith(b"%PDF-") and doc.embedded.reference is None
    header = doc.header()
    assert header["embedded_media_type"] == "application/pdf"
    assert header["embedded_size"] == len(doc.embedded.data)
    assert "%PDF" not in json.dumps(header)
    assert "{:,} bytes".format(len(doc.embedded.data)) in render_text(doc, document_id="42")
    assert "mes docs download 42 --pdf" in render_text(doc, document_id="42")
    assert "data=" not in repr(doc.embedded)


@pytest.mark.parametrize("name", ["CSE-MDE", "CSE-CS8", "OBP-SNE"])
def test_ins_whose_key_does_not_check_out(name):
    ins = parse_cda(ans_cda(name)).patient.ins
    assert ins.kind in ("INS-NIR", "INS-NIR-TEST")
    assert ins.key_valid is False
    assert "key does not check out" in render_text(parse_cda(ans_cda(name)))


def test_local_identifiers_are_other_and_unchecked():
    identifiers = parse_cda(ans_cda("AVC-SUNV")).patient.identifiers
    assert [(i.kind, i.key_valid) for i in identifiers] == [("INS-NIR-TEST", True), ("OTHER", None)]


def test_a_self_presenting_document_is_read_inside_its_stylesheet():
    doc = parse_cda(ans_cda("Autopresentable"))
    assert doc.title.startswith("PROGRAMME PERSONNALISÉ DE SOINS")
    assert doc.type.code == "18776-5" and len(doc.sections) > 3


def test_software_authors():
    (author,) = parse_cda(ans_cda("CNAM-HR")).authors
    assert author.is_device and author.name == "Assurance Maladie"  # softwareName; the model name is "."
    assert author.specialty is None and author.organisation == "Assurance Maladie"
    device, pharmacist = parse_cda(ans_cda("eDISP-MED")).authors
    assert device.is_device and device.name == "Dossier Pharmaceutique"
    assert pharmacist.name == "M. Pierre DELIVE PG" and not pharmacist.is_device


def test_birth_names_are_preferred():
    patient = parse_cda(ans_cda("eDISP-MED")).patient  # used name DECOURCY, birth name NESSI
    assert (patient.family, patient.given) == ("NESSI", "RUTH")


def test_author_function_code():
    (author,) = parse_cda(ans_cda("IMG_CR_IMG")).authors
    assert author.function.code == "ATTPHYS"


# -- header rules on small documents --------------------------------------------------------------

def test_a_minimal_document():
    doc = parse_cda(cda())
    assert isinstance(doc, CdaDocument)
    assert doc.id == "1.2.3.4^doc-1" and doc.title == "Consultation"
    assert doc.level is None and doc.sections == () and doc.embedded is None
    assert doc.set_id is None and doc.version is None and doc.authors == ()
    assert (doc.patient.family, doc.patient.given) == ("PAT-TROIS", "DOMINIQUE")
    assert "Consultation" in render_text(doc)


def test_title_is_optional():
    assert parse_cda(cda().replace(b"<title>Consultation</title>", b"")).title is None


@pytest.mark.parametrize(("root", "extension", "kind", "valid"), [
    ("1.2.250.1.213.1.4.8", "253072A07300443", "INS-NIR", True),  # Corsica 2A counts as 19
    ("1.2.250.1.213.1.4.8", "253072B07300470", "INS-NIR", True),
    ("1.2.250.1.213.1.4.8", "253072B07300471", "INS-NIR", False),
    ("1.2.250.1.213.1.4.9", "295109912611193", "INS-NIA", True),
    ("1.2.250.1.213.1.4.11", "2951099126111", "INS-NIR-DEMO", False),  # too short
    ("1.2.250.1.213.1.4.10", "29510991261119X", "INS-NIR-TEST", False),
    ("1.2.3.4", "IPP-0042", "OTHER", None),
])
def test_patient_identifier_kinds_and_keys(root, extension, kind, valid):
    target = (f'<recordTarget><patientRole><id root="{root}" extension="{extension}"/>'
              "<patient/></patientRole></recordTarget>")
    (identifier,) = parse_cda(cda(record_target=target)).patient.identifiers
    assert (identifier.kind, identifier.key_valid) == (kind, valid)


def test_patient_without_qualified_names_and_with_a_year_of_birth():
    target = ('<recordTarget><patientRole><id root="1.2.3" extension="1"/><patient><name><given>Jean Luc</given>'
              '<family>MARTIN</family><family>DURAND</family></name><administrativeGenderCode code="UN"/>'
              '<birthTime value="1980"/></patient></patientRole></recordTarget>')
    patient = parse_cda(cda(record_target=target)).patient
    assert (patient.family, patient.given, patient.sex, patient.birth_date) == ("MARTIN", "Jean Luc", "U", None)
    assert patient.ins is None


def test_author_names():
    authors = (
        '<author><time value="2024"/><assignedAuthor><id root="1.2.250.1.71.4.2.1" extension="810000000001"/>'
        '<assignedPerson><name><prefix>MME</prefix><given>Anne</given><family>ROUX</family></name></assignedPerson>'
        "</assignedAuthor></author>"
        "<author><assignedAuthor><assignedPerson><name>Pr Paul Durand</name></assignedPerson></assignedAuthor></author>"
        "<author><assignedAuthor><assignedPerson><name><suffix>PR</suffix><prefix>M</prefix><given>Luc</given>"
        "<family>BLANC</family></name></assignedPerson></assignedAuthor></author>"
    )
    names = [author.name for author in parse_cda(cda(header=authors)).authors]
    assert names == ["Mme Anne ROUX", "Pr Paul Durand", "Pr Luc BLANC"]


def test_replaces_only_for_rplc():
    related = ('<relatedDocument typeCode="APND"><parentDocument><id root="9.9" extension="a"/></parentDocument>'
               '</relatedDocument><relatedDocument typeCode="RPLC"><parentDocument><id root="9.9" extension="b"/>'
               "</parentDocument></relatedDocument>")
    assert parse_cda(cda(header=related)).replaces == "9.9^b"


def test_an_embedded_reference_and_plain_text():
    referenced = cda('<component><nonXMLBody><text mediaType="application/pdf"><reference value="doc.pdf"/>'
                     "</text></nonXMLBody></component>")
    embedded = parse_cda(referenced).embedded
    assert (embedded.media_type, embedded.data, embedded.reference) == ("application/pdf", b"", "doc.pdf")
    assert "doc.pdf" in render_text(parse_cda(referenced))
    text = parse_cda(cda("<component><nonXMLBody><text>Bonjour</text></nonXMLBody></component>")).embedded
    assert (text.media_type, text.data) == ("text/plain", b"Bonjour")


def test_embedded_base64_is_decoded_and_bad_base64_refused():
    good = cda('<component><nonXMLBody><text mediaType="application/pdf" representation="B64">\n'
               "JVBERi0x\n  LjQK</text></nonXMLBody></component>")
    assert parse_cda(good).embedded.data == b"%PDF-1.4\n"
    bad = cda('<component><nonXMLBody><text mediaType="application/pdf" representation="B64">not*base64'
              "</text></nonXMLBody></component>")
    assert error_of(parse_cda, bad).code == "INVALID_CDA"


# -- the narrative --------------------------------------------------------------------------------

def test_narrative_blocks():
    text = (
        "Loose text <content>inline</content>\n   spread\n over lines"
        "<paragraph>First line<br/>second   line <sup>2</sup></paragraph>"
        "<renderMultiMedia referencedObject='img1'/>"
        '<list listType="ordered"><caption>Steps</caption><item>one</item><item>two <content>bold</content></item>'
        "</list>"
        "<table><caption>Results</caption><thead><tr><th>Test</th><th>Value</th><th>Unit</th></tr></thead>"
        '<tbody><tr><td rowspan="2">Na</td><td colspan="2">140 mmol/L</td></tr><tr><td>141</td><td>mmol/L</td></tr>'
        "<tr><td><renderMultiMedia referencedObject='x'/></td></tr></tbody></table>"
        "tail text"
    )
    (sec,) = parse_cda(cda(structured(section("Labs", text)))).sections
    assert sec.blocks == (
        Paragraph("Loose text inline spread over lines"),
        Paragraph("First line\nsecond line 2"),
        Paragraph("Steps"),
        ListBlock(("one", "two bold"), ordered=True),
        Table(header=(("Test", "Value", "Unit"),), rows=(("Na", "140 mmol/L", ""), ("", "141", "mmol/L")),
              caption="Results"),
        Paragraph("tail text"),
    )
    rendered = render_text(parse_cda(cda(structured(section("Labs", text)))))
    assert "1. Steps" not in rendered and "1. one" in rendered and "2. two bold" in rendered
    assert any(line.startswith("| Na ") and "| 140 mmol/L |" in line for line in rendered.splitlines())


def test_a_first_row_of_header_cells_is_the_header():
    text = "<table><tbody><tr><th>A</th><th>B</th></tr><tr><td>1</td><td>2</td></tr></tbody></table>"
    (sec,) = parse_cda(cda(structured(section("T", text)))).sections
    assert sec.blocks == (Table(header=(("A", "B"),), rows=(("1", "2"),)),)


def test_hostile_spans_cost_nothing():
    text = ('<table><tbody><tr><td colspan="1000000000" rowspan="99999999">x</td></tr>'
            "<tr><td>y</td></tr></tbody></table>")
    (sec,) = parse_cda(cda(structured(section("T", text)))).sections
    (table,) = sec.blocks
    assert len(table.rows[0]) <= 64 and len(table.rows[1]) <= 65


def test_nested_sections_are_numbered_and_indented():
    inner = section("Inner", "<paragraph>deep text</paragraph>")
    doc = parse_cda(cda(structured(section("Outer", "<paragraph>top</paragraph>", inner), section("Second", ""))))
    outer, second = doc.sections
    assert outer.sections[0].title == "Inner" and outer.sections[0].blocks == (Paragraph("deep text"),)
    assert second.blocks == () and doc.header()["section_titles"] == ["Outer", "Second"]
    lines = render_text(doc).splitlines()
    assert "1. Outer" in lines and "  1.1. Inner" in lines and "  deep text" in lines and "2. Second" in lines


def test_wide_tables_fit_the_width():
    row = "".join(f"<td>{'word ' * 12}</td>" for _ in range(4))
    text = f"<table><tbody><tr>{row}</tr></tbody></table>"
    rendered = render_text(parse_cda(cda(structured(section("Wide", text)))), width=60)
    assert max(len(line) for line in rendered.splitlines()) <= 60


def test_control_characters_never_reach_the_terminal():
    text = "<paragraph>evil \u009b31m red \u202e reversed</paragraph>"
    rendered = render_text(parse_cda(cda(structured(section("S", text)))))
    assert "\u009b" not in rendered and "\u202e" not in rendered and "evil 31m red" in rendered


# -- timestamps -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("20210409170000+0100", datetime(2021, 4, 9, 17, 0, tzinfo=PLUS_ONE)),
    ("202104091700-0530", datetime(2021, 4, 9, 17, 0, tzinfo=timezone(-timedelta(hours=5, minutes=30)))),
    ("20210409170000.1234", datetime(2021, 4, 9, 17, 0, 0, 123400)),
    ("2021040917", datetime(2021, 4, 9, 17)),
    ("20210409", datetime(2021, 4, 9)),
    ("20210409+0100", datetime(2021, 4, 9, tzinfo=PLUS_ONE)),
    ("202104", datetime(2021, 4, 1)),
    ("1975", datetime(1975, 1, 1)),
    (" 20210409 ", datetime(2021, 4, 9)),
    ("20240229", datetime(2024, 2, 29)),
    ("", None),
    (None, None),
    ("2021-04-09", None),
    ("20211301", None),
    ("20230229", None),
    ("20210409250000", None),
    ("202104091760", None),
    ("2021040", None),
    ("20210409170000+01", None),
    ("20210409170000+9900", None),
    ("２０２１", None),
    ("20210409170000.", None),
])
def test_timestamps(value, expected):
    assert parse_ts(value) == expected


def test_a_date_only_effective_time_has_its_own_date():
    doc = parse_cda(cda(effective_time='<effectiveTime value="20240105"/>'))
    assert doc.effective_time == datetime(2024, 1, 5) and doc.document_date == date(2024, 1, 5)
    late = parse_cda(cda(effective_time='<effectiveTime value="20240105233000-1000"/>'))
    assert late.document_date == date(2024, 1, 5)  # not converted to UTC (it would be the 6th)


# -- what is not CDA, or not fileable --------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"hello", b"<a><b></a>", b"<a>&undefined;</a>", b"\xff\xfe\x00"])
def test_not_xml(data):
    error = error_of(parse_cda, data)
    assert error.code == "NOT_XML"
    assert "line" in error.message and error.details["field"] == "content"


def test_truncated_xml_says_where():
    data = ans_cda(VAC)
    error = error_of(parse_cda, data[: len(data) // 2])
    assert error.code == "NOT_XML" and error.details["line"] > 1


@pytest.mark.parametrize(("data", "shown"), [
    (b"<foo/>", "<foo>"),
    (b'<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Hello</p></body></html>', "<html>"),
    (b"<ClinicalDocument><title>x</title></ClinicalDocument>", "namespace"),
    (b'<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0"/>', "<stylesheet>"),
])
def test_not_cda(data, shown):
    error = error_of(parse_cda, data)
    assert error.code == "NOT_CDA" and shown in error.message


def test_a_clinical_document_without_the_cda_type_id():
    assert error_of(parse_cda, cda(type_id="")).code == "NOT_CDA"
    wrong = cda(type_id='<typeId root="2.16.840.1.113883.1.3" extension="POCD_HD000041"/>')
    error = error_of(parse_cda, wrong)
    assert error.code == "NOT_CDA" and "POCD_HD000041" in error.message


@pytest.mark.parametrize(("changes", "missing"), [
    ({"record_target": ""}, ["recordTarget/patientRole"]),
    ({"record_target": "<recordTarget/>"}, ["recordTarget/patientRole"]),
    ({"code": '<code nullFlavor="UNK"/>'}, ["code"]),
    ({"effective_time": ""}, ["effectiveTime"]),
    ({"effective_time": '<effectiveTime value="yesterday"/>'}, ["effectiveTime"]),
    ({"record_target": "", "code": "", "effective_time": ""}, ["recordTarget/patientRole", "code", "effectiveTime"]),
])
def test_invalid_cda_names_what_is_missing(changes, missing):
    error = error_of(parse_cda, cda(**changes))
    assert error.code == "INVALID_CDA" and error.details["missing"] == missing
    for name in missing:
        assert name in error.message


# -- hostile XML ----------------------------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b']><ClinicalDocument xmlns="urn:hl7-org:v3"><title>&lol9;</title></ClinicalDocument>'
)
XXE_FILE = (b'<?xml version="1.0"?><!DOCTYPE ClinicalDocument [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b'<ClinicalDocument xmlns="urn:hl7-org:v3"><title>&xxe;</title></ClinicalDocument>')
XXE_HTTP = (b'<!DOCTYPE ClinicalDocument SYSTEM "http://127.0.0.1:9/evil.dtd">'
            b'<ClinicalDocument xmlns="urn:hl7-org:v3"/>')
PARAMETER_ENTITY = (b'<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/x.dtd"> %remote;]><x/>')


@pytest.mark.parametrize("data", [
    BILLION_LAUGHS,
    XXE_FILE,
    XXE_HTTP,
    PARAMETER_ENTITY,
    b"<!DOCTYPE x><x/>",
    b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- a comment -->\n<?pi x?>\n<!doctype x><x/>",
    XXE_FILE.replace(b"<?xml version=\"1.0\"?>", b"").decode().encode("utf-16"),  # behind a BOM and NUL bytes
    BILLION_LAUGHS.replace(b"<?xml version=\"1.0\"?>", b"").decode().encode("utf-16-le"),
], ids=["billion-laughs", "xxe-file", "xxe-http", "parameter-entity", "bare-doctype", "after-comment",
        "utf16-xxe", "utf16le-laughs"])
def test_dtds_and_entities_are_refused(data):
    started = time.perf_counter()
    error = error_of(parse_cda, data)
    assert error.code == "UNSAFE_XML"
    assert "refused for safety" in error.message
    assert "root:" not in error.message and "root:" not in repr(error.details)
    assert time.perf_counter() - started < 1


def test_the_entity_is_never_expanded_even_past_the_prolog_scan(monkeypatch):
    from mes_cli.domain.cda import safexml

    monkeypatch.setattr(safexml, "_declares_doctype", lambda data: False)
    for data in (XXE_FILE, BILLION_LAUGHS, b"<!DOCTYPE x><x/>"):
        error = error_of(parse_xml, data)
        assert error.code == "UNSAFE_XML" and "root:" not in error.message


def test_a_doctype_mentioned_in_the_body_is_fine():
    root = parse_xml(b"<a><!-- <!DOCTYPE x> --><![CDATA[<!DOCTYPE y [<!ENTITY z 'z'>]>]]></a>")
    assert root.text == "<!DOCTYPE y [<!ENTITY z 'z'>]>"


@pytest.mark.parametrize("depth", [10_000, 230])
def test_deep_nesting_is_refused(depth):
    data = b"<a>" * depth + b"</a>" * depth
    error = error_of(parse_xml, data)
    assert error.code == "UNSAFE_XML"


def test_the_depth_limit_is_exact():
    data = b"<a>" * 5 + b"</a>" * 5
    assert parse_xml(data, max_depth=5).tag == "a"
    error = error_of(parse_xml, data, max_depth=4)
    assert error.code == "UNSAFE_XML" and error.details["limit"] == 4


def test_too_many_bytes():
    data = ans_cda(VAC)
    error = error_of(parse_xml, data, max_bytes=1000)
    assert error.code == "DOCUMENT_TOO_LARGE" and error.details == {"field": "content", "size": len(data),
                                                                    "limit": 1000}
    assert error_of(parse_cda, data, max_bytes=1000).code == "DOCUMENT_TOO_LARGE"
    assert parse_xml(data, max_bytes=len(data)) is not None


def test_a_single_value_over_libxml2s_limit_is_too_large_not_unsafe():
    error = error_of(parse_xml, b"<a>" + b"A" * 10_000_001 + b"</a>")
    assert error.code == "DOCUMENT_TOO_LARGE"


def test_comments_and_processing_instructions_do_not_split_text():
    root = parse_xml(b"<?xml-stylesheet href='x.xsl'?><a>one <!-- note --> two<?pi?> three</a>")
    assert root.text == "one  two three"
