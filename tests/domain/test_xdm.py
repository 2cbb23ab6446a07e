"""IHE XDM archives: the 24 ANS examples read back, hostile zips refused, the writer round-trips."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import stat
import struct
import warnings
import zipfile
from datetime import datetime, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from mes_cli.contract.errors import MesError
from mes_cli.domain.xdm import (
    CodedValue,
    DocumentEntryOut,
    SafeZip,
    SubmissionOut,
    XdmArchive,
    XdmWriter,
    parse_cx,
    parse_hl7_ts,
    parse_metadata,
)
from mes_cli.domain.xdm import safezip
from mes_cli.domain.xdm.metadata import HAS_MEMBER, RPLC, Association
from support.ans import ans_archive, ans_archives

HL7 = "{urn:hl7-org:v3}"
LIMIT = 10_000_000
ARCHIVES = ans_archives()


def error_of(call, *args, **kwargs) -> MesError:
    with pytest.raises(MesError) as caught:
        call(*args, **kwargs)
    return caught.value


def zip_bytes(entries: list[tuple[zipfile.ZipInfo | str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate names some tests build on purpose
        with zipfile.ZipFile(buffer, "w", compression) as archive:
            for info, data in entries:
                archive.writestr(info, data)
    return buffer.getvalue()


def rebuild(data: bytes, *, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = (),
            add: dict[str, bytes] | None = None) -> bytes:
    """A copy of a zip with some entries replaced, dropped or added."""
    replace = replace or {}
    entries = []
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        for name in source.namelist():
            if name not in drop:
                entries.append((name, replace.get(name, source.read(name))))
    entries += list((add or {}).items())
    return zip_bytes(entries)


# -- the ANS examples ------------------------------------------------------------------------------

def _cda(data: bytes) -> etree._Element:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    # CANCER-PPS "autoprésentable" wraps its ClinicalDocument inside an XSLT stylesheet.
    return next(root.iter(f"{HL7}ClinicalDocument"))


def test_the_ans_examples_are_there() -> None:
    assert len(ARCHIVES) == 24, "the ANS fixtures are missing: see tests/support/ans.py"


@pytest.mark.parametrize("path", ARCHIVES, ids=lambda p: p.stem)
def test_every_ans_archive_opens_and_its_document_checks_out(path) -> None:
    with XdmArchive(path) as archive:
        documents = archive.documents()
        assert len(documents) == 1
        document = documents[0]
        assert document.path == "IHE_XDM/SUBSET01/DOC0001.XML"
        assert document.subset == "IHE_XDM/SUBSET01"
        data = archive.read(document, LIMIT)  # size and SHA-1 checked against METADATA.XML
        entry = document.entry
        assert len(data) == entry.size
        assert hashlib.sha1(data).hexdigest() == entry.hash_sha1.lower()
        assert archive.readme == "README.TXT" and archive.index == "INDEX.HTM"
        assert archive.other_files() == []
        submission = archive.submissions[0]

    cda = _cda(data)
    assert entry.mime_type == "text/xml"
    assert entry.type_code.code == cda.find(f"{HL7}code").get("code")
    assert entry.type_code.scheme == cda.find(f"{HL7}code").get("codeSystem")
    assert entry.title == cda.findtext(f"{HL7}title")
    assert [c.code for c in entry.confidentiality] == [cda.find(f"{HL7}confidentialityCode").get("code")]
    assert entry.confidentiality[0].scheme == "2.16.840.1.113883.5.25"
    assert entry.creation_time == parse_hl7_ts(cda.find(f"{HL7}effectiveTime").get("value"))
    assert entry.creation_time.tzinfo is not None
    assert entry.unique_id == cda.find(f"{HL7}id").get("root")
    ins = {(i.get("root"), i.get("extension"))
           for i in cda.find(f"{HL7}recordTarget").find(f"{HL7}patientRole").findall(f"{HL7}id")}
    number, oid = parse_cx(entry.patient_id)
    assert (oid, number) in ins and oid.startswith("1.2.250.1.213.1.4.")
    assert entry.class_code.code.isdigit() and entry.class_code.scheme == "1.2.250.1.213.1.1.4.1"
    assert entry.format_code.code and entry.practice_setting.code and entry.healthcare_facility_type.code
    assert entry.language == "fr-FR"
    assert entry.entry_uuid.startswith("urn:uuid:")
    assert entry.authors and entry.authors[0].person and entry.authors[0].name
    assert submission.patient_id == entry.patient_id
    assert submission.submission_time is not None and submission.source_id
    assert [a.kind for a in submission.associations] == ["HasMember"]
    assert submission.associations[0].source == submission.id
    assert submission.associations[0].target == entry.entry_uuid


def test_metadata_fields_of_one_example() -> None:
    with XdmArchive(ans_archive("Microbiologie_V1")) as archive:
        entry = archive.documents()[0].entry
        submission = archive.submissions[0]
    assert entry.type_code == CodedValue("11502-2", "2.16.840.1.113883.6.1", "CR d'examens biologiques")
    assert entry.class_code == CodedValue("10", "1.2.250.1.213.1.1.4.1", "Compte rendu")
    assert entry.format_code.code == "urn:ihe:lab:xd-lab:2008"
    assert entry.patient_id == "279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH"
    assert entry.patient == ("279035121518989", "1.2.250.1.213.1.4.10")
    assert entry.source_patient_id == "1234567890121^^^&1.2.3.4.567.8.9.10&ISO^PI"
    assert entry.creation_time == datetime(2024, 1, 4, 15, 5, 27, tzinfo=timezone.utc)
    assert entry.service_start == datetime(2024, 1, 4, 8, 22, tzinfo=timezone.utc)
    author = entry.authors[0]
    assert author.person.startswith("801234534765^CAMPARINI^Marcel")
    assert author.name == "Marcel CAMPARINI"
    assert author.institution_names == ("Laboratoire des charmes",)
    assert author.specialty_labels == ("Médecin - Biologie médicale (SM)",)
    assert entry.event_codes and entry.event_codes[0].scheme == "2.16.840.1.113883.6.1"
    assert entry.action is None and not entry.is_deletion and not entry.is_replacement
    assert submission.title == "Compte rendu d'examens biologiques"
    assert submission.author.name == "Marcel CAMPARINI"
    assert submission.content_type.code == "SA25"


def test_the_new_version_and_the_deletion_request() -> None:
    with XdmArchive(ans_archive("Microbiologie_V2.")) as archive:
        replacement = archive.documents()[0].entry
    with XdmArchive(ans_archive("Microbiologie_V2_Delete")) as archive:
        deletion = archive.documents()[0].entry
    assert replacement.action == "C" and replacement.is_replacement and not replacement.is_deletion
    assert deletion.action == "D" and deletion.is_deletion and not deletion.is_replacement
    assert deletion.unique_id == replacement.unique_id  # the deletion names the version it deletes
    assert "urn:action:extraMetadataSlot" not in deletion.extra_slots


# -- hostile and broken zips ------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../evil", "docs/../../evil", "/etc/passwd", "C:/Windows/x", "C:\\x",
                                  "\\\\server\\share\\x", "docs\\..\\x", "bad\x01name"])
def test_unsafe_names_are_refused_before_anything_is_read(name) -> None:
    error = error_of(SafeZip, io.BytesIO(zip_bytes([("fine.txt", b"ok"), (name, b"evil")])))
    assert error.code == "UNSAFE_ARCHIVE"
    assert error.details["entry"] == name


def test_a_symbolic_link_is_refused() -> None:
    link = zipfile.ZipInfo("IHE_XDM/SUBSET01/DOC0001.XML")
    link.create_system = 3
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    error = error_of(SafeZip, io.BytesIO(zip_bytes([(link, b"/etc/passwd")])))
    assert error.code == "UNSAFE_ARCHIVE" and "symbolic link" in error.message


@pytest.mark.parametrize("names", [("DOC.XML", "DOC.XML"), ("IHE_XDM/DOC.XML", "ihe_xdm/doc.xml")])
def test_duplicate_names_are_refused_even_when_only_the_case_differs(names) -> None:
    error = error_of(SafeZip, io.BytesIO(zip_bytes([(names[0], b"one"), (names[1], b"two")])))
    assert error.code == "UNSAFE_ARCHIVE" and "twice" in error.message


def test_an_encrypted_entry_is_refused() -> None:
    data = bytearray(zip_bytes([("secret.txt", b"x" * 40)], zipfile.ZIP_STORED))
    data[data.find(b"PK\x01\x02") + 8] |= 0x1  # the "encrypted" flag of the central directory entry
    error = error_of(SafeZip, io.BytesIO(bytes(data)))
    assert error.code == "UNSAFE_ARCHIVE" and "encrypted" in error.message


def test_a_zip_bomb_is_refused_by_its_compression_ratio() -> None:
    bomb = zip_bytes([("bomb.txt", b"\0" * 3_000_000)])
    assert len(bomb) < 20_000
    error = error_of(SafeZip, io.BytesIO(bomb))
    assert error.code == "ARCHIVE_TOO_LARGE" and error.details["entry"] == "bomb.txt"


def test_a_small_file_that_compresses_well_is_fine() -> None:
    with SafeZip(io.BytesIO(zip_bytes([("notes.txt", b"a" * 500_000)]))) as archive:
        assert archive.read("notes.txt", LIMIT) == b"a" * 500_000


def test_the_total_inflated_size_is_bounded_in_proportion_to_the_archive() -> None:
    data = zip_bytes([("a.bin", b"1" * 600), ("b.bin", b"2" * 600)], zipfile.ZIP_STORED)
    assert error_of(SafeZip, io.BytesIO(data), max_total_bytes=1000, max_total_ratio=0).code == "ARCHIVE_TOO_LARGE"
    # Past the floor, an archive may inflate to 20 times its own size: 1,200 bytes stored are not a bomb.
    SafeZip(io.BytesIO(data), max_total_bytes=1000).close()
    # Small entries (under RATIO_MIN_BYTES, so the per-entry ratio lets them be) adding up to a bomb.
    bomb = zip_bytes([(f"f{i}.txt", b"0" * 900_000) for i in range(5)])
    error = error_of(SafeZip, io.BytesIO(bomb), max_total_bytes=1_000_000)
    assert error.code == "ARCHIVE_TOO_LARGE" and error.details["limit"] == 1_000_000
    assert safezip.MAX_TOTAL_BYTES == 2 * 1024**3 and safezip.max_inflated_bytes(10**6) == 2 * 1024**3
    assert safezip.max_inflated_bytes(5 * 10**9) == 100 * 10**9  # an export of 5 GB of scans is read back


def test_too_many_entries_are_refused() -> None:
    data = zip_bytes([(f"f{i}.txt", b"x") for i in range(12)])
    error = error_of(SafeZip, io.BytesIO(data), max_entries=10)
    assert error.code == "ARCHIVE_TOO_LARGE" and error.details["entries"] == 12


def test_the_entry_count_is_read_from_the_end_record_before_zipfile_lists_the_entries() -> None:
    data = bytearray(zip_bytes([("a.txt", b"x")]))
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 60_000, 60_000)  # the record now claims 60,000 entries
    error = error_of(SafeZip, io.BytesIO(bytes(data)))
    assert error.code == "ARCHIVE_TOO_LARGE" and error.details["entries"] == 60_000


def _patch_declared_size(data: bytes, name: str, size: int) -> bytes:
    """The zip with the central directory's uncompressed size of ``name`` replaced (a lying header)."""
    patched = bytearray(data)
    at = patched.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", patched, at + 28)[0]
        if patched[at + 46:at + 46 + name_length] == name.encode():
            struct.pack_into("<I", patched, at + 24, size)
        at = patched.find(b"PK\x01\x02", at + 46)
    return bytes(patched)


def test_a_lying_header_never_inflates_past_its_declared_size() -> None:
    bomb = zip_bytes([("small.txt", b"\0" * 20_000_000)])  # declares 100 bytes, holds 20 MB
    lying = _patch_declared_size(bomb, "small.txt", 100)
    with SafeZip(io.BytesIO(lying)) as archive:
        assert archive.size("small.txt") == 100
        with archive.open_entry("small.txt") as stream:
            with pytest.raises(MesError) as caught:  # cut at the declared size, the CRC cannot match
                stream.read()
        assert caught.value.code == "INVALID_ARCHIVE" and caught.value.details["entry"] == "small.txt"
        assert error_of(archive.read, "small.txt", LIMIT).code == "INVALID_ARCHIVE"


def test_read_stops_at_the_caller_limit() -> None:
    with SafeZip(io.BytesIO(zip_bytes([("big.bin", b"x" * 5000)]))) as archive:
        error = error_of(archive.read, "big.bin", 4000)
    assert error.code == "ARCHIVE_TOO_LARGE" and error.details["entry"] == "big.bin"


def test_other_compression_methods_are_refused() -> None:
    data = zip_bytes([("a.txt", b"hello" * 100)], zipfile.ZIP_BZIP2)
    assert error_of(SafeZip, io.BytesIO(data)).code == "INVALID_ARCHIVE"


def test_a_truncated_zip_says_so() -> None:
    data = _written_archive()
    error = error_of(SafeZip, io.BytesIO(data[: len(data) // 2]))
    assert error.code == "INVALID_ARCHIVE" and "truncated" in error.message


def test_a_damaged_entry_is_invalid() -> None:
    data = bytearray(zip_bytes([("a.txt", bytes(range(256)) * 200)], zipfile.ZIP_STORED))
    data[100] ^= 0xFF  # one byte of the content flipped: the CRC no longer matches
    with SafeZip(io.BytesIO(bytes(data))) as archive:
        assert error_of(archive.read, "a.txt", LIMIT).code == "INVALID_ARCHIVE"


@pytest.mark.parametrize("content", [b"%PDF-1.7\n%%EOF\n", b"", b"PK"])
def test_not_a_zip_at_all(content) -> None:
    error = error_of(SafeZip, io.BytesIO(content))
    assert error.code == "INVALID_ARCHIVE" and "not a zip" in error.message


def test_safezip_over_a_path_and_case_insensitive_lookup(tmp_path) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(zip_bytes([("IHE_XDM/Sub/Doc.xml", b"<a/>"), ("folder/", b"")]))
    with SafeZip(path) as archive:
        assert archive.names() == ["IHE_XDM/Sub/Doc.xml"]  # folders are checked, not listed
        assert archive.find("ihe_xdm/SUB/DOC.XML") == "IHE_XDM/Sub/Doc.xml"
        assert "ihe_xdm/sub/doc.xml" in archive and "other" not in archive
        assert archive.read("IHE_XDM/SUB/DOC.XML", 100) == b"<a/>"


# -- XDM structure errors -----------------------------------------------------------------------------

METADATA = "IHE_XDM/SUBSET01/METADATA.XML"
DOC1 = "IHE_XDM/SUBSET01/DOC0001.XML"


def test_no_metadata_is_not_an_xdm_archive() -> None:
    error = error_of(XdmArchive, io.BytesIO(rebuild(_written_archive(), drop=(METADATA,))))
    assert error.code == "XDM_NO_METADATA"
    assert "IHE_XDM/SUBSETnn/METADATA.XML" in error.message


def test_metadata_naming_a_missing_file() -> None:
    error = error_of(XdmArchive, io.BytesIO(rebuild(_written_archive(), drop=(DOC1,))))
    assert error.code == "XDM_FILE_MISSING"
    assert "DOC0001.XML" in error.message and error.details["document"] == "Compte rendu"


def test_a_file_that_does_not_match_its_hash() -> None:
    original = _written_archive()
    with zipfile.ZipFile(io.BytesIO(original)) as source:
        content = source.read(DOC1)
    forged = content[:-2] + b"!>"  # same size, other bytes
    with XdmArchive(io.BytesIO(rebuild(original, replace={DOC1: forged}))) as archive:
        error = error_of(archive.read, archive.documents()[0], LIMIT)
    assert error.code == "XDM_HASH_MISMATCH"
    assert "Compte rendu" in error.message and DOC1 in error.message
    assert error.details["actual"] == hashlib.sha1(forged).hexdigest()


def test_a_file_that_does_not_match_its_size() -> None:
    with XdmArchive(io.BytesIO(rebuild(_written_archive(), replace={DOC1: b"<ClinicalDocument/>" * 3}))) as archive:
        error = error_of(archive.read, archive.documents()[0], LIMIT)
    assert error.code == "XDM_SIZE_MISMATCH" and error.details["actual"] == 57


def _ans_metadata() -> bytes:
    with zipfile.ZipFile(ans_archive("Microbiologie_V1")) as source:
        return source.read(METADATA)


def test_metadata_with_an_entity_declaration_is_unsafe_xml() -> None:
    evil = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + \
        _ans_metadata().replace(b"DOC0001.XML", b"&x;", 1)
    data = rebuild(_written_archive(), replace={METADATA: evil})
    assert error_of(XdmArchive, io.BytesIO(data)).code == "UNSAFE_XML"


def test_metadata_that_is_not_xml() -> None:
    data = rebuild(_written_archive(), replace={METADATA: b"<SubmitObjectsRequest><oops>"})
    assert error_of(XdmArchive, io.BytesIO(data)).code == "NOT_XML"


def test_metadata_that_is_xml_but_not_ebrim() -> None:
    data = rebuild(_written_archive(), replace={METADATA: b"<html><body/></html>"})
    error = error_of(XdmArchive, io.BytesIO(data))
    assert error.code == "XDM_NO_METADATA" and METADATA in error.message


def test_a_uri_climbing_out_of_the_archive_is_refused() -> None:
    metadata = _ans_metadata().replace(b"<ns2:Value>DOC0001.XML<", b"<ns2:Value>../../../etc/passwd<")
    with zipfile.ZipFile(ans_archive("Microbiologie_V1")) as source:
        document = source.read(DOC1)
    data = zip_bytes([(METADATA, metadata), (DOC1, document)])
    assert error_of(XdmArchive, io.BytesIO(data)).code == "UNSAFE_ARCHIVE"


def test_folder_names_are_matched_without_regard_to_case() -> None:
    with zipfile.ZipFile(ans_archive("Microbiologie_V1")) as source:
        metadata, document = source.read(METADATA), source.read(DOC1)
    data = zip_bytes([("ihe_xdm/subset01/metadata.xml", metadata), ("ihe_xdm/subset01/doc0001.xml", document)])
    with XdmArchive(io.BytesIO(data)) as archive:
        (found,) = archive.documents()
        assert found.path == "ihe_xdm/subset01/doc0001.xml"
        assert archive.read(found, LIMIT) == document
        assert archive.readme is None and archive.index is None


def test_an_archive_wrapped_in_one_folder_is_read() -> None:
    with zipfile.ZipFile(io.BytesIO(_written_archive())) as source:
        entries = [(f"mon-export/{name}", source.read(name)) for name in source.namelist()]
    with XdmArchive(io.BytesIO(zip_bytes(entries))) as archive:
        (document,) = archive.documents()
        assert document.path == "mon-export/IHE_XDM/SUBSET01/DOC0001.XML"
        assert archive.read(document, LIMIT) == CDA_BYTES
        assert archive.root == "mon-export/"
        assert archive.readme == "mon-export/README.TXT" and archive.index == "mon-export/INDEX.HTM"
        assert archive.other_files() == []


def test_several_subsets_and_top_level_classifications() -> None:
    """ebRIM's other form: classifications and identifiers beside the objects, pointing at them."""
    rim = "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
    metadata = f"""<lcm:SubmitObjectsRequest xmlns:lcm="urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0" xmlns:rim="{rim}">
      <rim:RegistryObjectList>
        <rim:RegistryPackage id="SS"><rim:Name><rim:LocalizedString value="Lot"/></rim:Name></rim:RegistryPackage>
        <rim:Classification id="c0" classifiedObject="SS" classificationNode="urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd"/>
        <rim:ExtrinsicObject id="Doc1" mimeType="application/pdf" objectType="urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1">
          <rim:Slot name="URI"><rim:ValueList><rim:Value>1|DOC</rim:Value><rim:Value>2|0001.PDF</rim:Value></rim:ValueList></rim:Slot>
          <rim:Slot name="size"><rim:ValueList><rim:Value>4</rim:Value></rim:ValueList></rim:Slot>
          <rim:Slot name="hash"><rim:ValueList><rim:Value>{hashlib.sha1(b"%PDF").hexdigest().upper()}</rim:Value></rim:ValueList></rim:Slot>
        </rim:ExtrinsicObject>
        <rim:Classification id="c1" classifiedObject="Doc1" classificationScheme="urn:uuid:f0306f51-975f-434e-a61c-c59651d33983" nodeRepresentation="18748-4"/>
        <rim:ExternalIdentifier id="e1" registryObject="Doc1" identificationScheme="urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab" value="1.2.3"/>
        <rim:Association id="a1" associationType="{RPLC}" sourceObject="Doc1" targetObject="urn:uuid:old"/>
      </rim:RegistryObjectList>
    </lcm:SubmitObjectsRequest>""".encode()
    with zipfile.ZipFile(ans_archive("Microbiologie_V1")) as source:
        first_metadata, first_document = source.read(METADATA), source.read(DOC1)
    data = zip_bytes([(METADATA, first_metadata), (DOC1, first_document),
                      ("IHE_XDM/SUBSET02/METADATA.XML", metadata), ("IHE_XDM/SUBSET02/DOC0001.PDF", b"%PDF")])
    with XdmArchive(io.BytesIO(data)) as archive:
        documents = archive.documents()
        assert [d.path for d in documents] == [DOC1, "IHE_XDM/SUBSET02/DOC0001.PDF"]
        second = documents[1]
        assert second.entry.type_code.code == "18748-4" and second.entry.unique_id == "1.2.3"
        assert archive.read(second, LIMIT) == b"%PDF"
        submission = archive.submissions[1]
        assert submission.id == "SS" and submission.title == "Lot"
        assert submission.associations == (Association("a1", RPLC, "Doc1", "urn:uuid:old", {}),)
        assert submission.replaced_by("urn:uuid:old") == ("Doc1",)


# -- helpers of the metadata --------------------------------------------------------------------------

def test_parse_cx() -> None:
    assert parse_cx("279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH") == ("279035121518989", "1.2.250.1.213.1.4.10")
    assert parse_cx("123") == ("123", None)
    assert parse_cx(None) == ("", None)


def test_parse_hl7_ts() -> None:
    assert parse_hl7_ts("20240104150527") == datetime(2024, 1, 4, 15, 5, 27, tzinfo=timezone.utc)
    assert parse_hl7_ts("20240104") == datetime(2024, 1, 4, tzinfo=timezone.utc)
    assert parse_hl7_ts("20240104160527+0100") == datetime(2024, 1, 4, 15, 5, 27, tzinfo=timezone.utc)
    assert parse_hl7_ts("20241304") is None and parse_hl7_ts("yesterday") is None and parse_hl7_ts("") is None


# -- the writer ----------------------------------------------------------------------------------------

PATIENT = "279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH"
AUTHOR = "801234534765^CAMPARINI^Marcel^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"
INSTITUTION = "Laboratoire des charmes^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^1120459876"
SUBMISSION = SubmissionOut(title="Export de mon espace santé", author=AUTHOR, patient_id=PATIENT,
                           source_id="1.2.250.1.999.1", author_institution=INSTITUTION,
                           submission_time=datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc))
CDA_BYTES = b'<?xml version="1.0" encoding="UTF-8"?><ClinicalDocument xmlns="urn:hl7-org:v3"><title>CR</title></ClinicalDocument>'


def _written_archive() -> bytes:
    buffer = io.BytesIO()
    writer = XdmWriter(buffer, SUBMISSION)
    writer.add_document("cr.xml", CDA_BYTES, DocumentEntryOut(title="Compte rendu", mime_type="text/xml"))
    writer.close()
    return buffer.getvalue()


TRICKY = 'Résultat <b>"urgent"</b> & \'ça\' — 100 % µg/L\nligne 2'


def test_writer_round_trip() -> None:
    lab = DocumentEntryOut(
        title=TRICKY, mime_type="text/xml", creation_time=datetime(2024, 1, 4, 16, 5, 27, tzinfo=timezone.utc),
        class_code=CodedValue("10", "1.2.250.1.213.1.1.4.1", "Compte rendu"),
        type_code=CodedValue("11502-2", "2.16.840.1.113883.6.1", "CR d'examens biologiques"),
        format_code=CodedValue("urn:ihe:lab:xd-lab:2008", "1.2.250.1.213.1.1.4.2.282", None),
        confidentiality=(CodedValue("N", "2.16.840.1.113883.5.25", "Normal"),
                         CodedValue("MASQUE_PS", "1.2.250.1.213.1.1.4.13", "Masqué aux professionnels")),
        practice_setting=CodedValue("AMBULATOIRE", "1.2.250.1.213.1.1.4.9", "Ambulatoire"),
        healthcare_facility_type=CodedValue("SA25", "1.2.250.1.71.4.2.4", "Laboratoire de biologie médicale"),
        unique_id="1.2.250.1.213.1.1.1.55.2024.8.2", author_person=AUTHOR, author_institution=INSTITUTION,
        extra_slots={"urn:action:extraMetadataSlot": ["D"], "urn:example:tags": ["a", "b"]},
        comments="Commentaire <avec> & « guillemets »")
    scan = DocumentEntryOut(title="Ordonnance scannée", mime_type="application/pdf")
    buffer = io.BytesIO()
    writer = XdmWriter(buffer, SUBMISSION)
    assert writer.add_document("résultat.xml", CDA_BYTES, lab) == "IHE_XDM/SUBSET01/DOC0001.XML"
    assert writer.add_document("scan.pdf", b"%PDF-1.7 scan", scan) == "IHE_XDM/SUBSET01/DOC0002.PDF"
    assert writer.add_file("fhir/bundle.json", b'{"resourceType": "Bundle"}') == "fhir/bundle.json"
    writer.close()

    with XdmArchive(io.BytesIO(buffer.getvalue())) as archive:
        first, second = archive.documents()
        assert archive.read(first, LIMIT) == CDA_BYTES
        assert archive.read(second, LIMIT) == b"%PDF-1.7 scan"
        assert archive.other_files() == ["fhir/bundle.json"]
        assert archive.read_file("fhir/bundle.json", 100) == b'{"resourceType": "Bundle"}'
        readme = archive.read_file(archive.readme, 100_000).decode("utf-8")
        index = archive.read_file(archive.index, 100_000)
        submission = archive.submissions[0]

    entry = first.entry
    for name in ("title", "mime_type", "creation_time", "class_code", "type_code", "format_code", "confidentiality",
                 "practice_setting", "healthcare_facility_type", "unique_id", "language", "comments"):
        assert getattr(entry, name) == getattr(lab, name), name
    assert entry.patient_id == PATIENT and entry.source_patient_id == PATIENT
    assert entry.authors[0].person == AUTHOR and entry.authors[0].institutions == (INSTITUTION,)
    assert entry.is_deletion and entry.extra_slots == {"urn:example:tags": ("a", "b")}
    assert entry.size == len(CDA_BYTES) and entry.hash_sha1 == hashlib.sha1(CDA_BYTES).hexdigest()
    assert entry.object_type == "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1"
    assert second.entry.unique_id.startswith("2.25.") and second.entry.authors[0].person == AUTHOR
    assert second.entry.creation_time is None and second.entry.type_code is None

    assert submission.title == SUBMISSION.title and submission.patient_id == PATIENT
    assert submission.source_id == "1.2.250.1.999.1" and submission.unique_id.startswith("2.25.")
    assert submission.submission_time == SUBMISSION.submission_time
    assert submission.author.name == "Marcel CAMPARINI"
    assert [(a.type, a.source, a.target) for a in submission.associations] == \
        [(HAS_MEMBER, submission.id, first.entry.entry_uuid), (HAS_MEMBER, submission.id, second.entry.entry_uuid)]

    # README.TXT: French, CRLF, one line per title even when the title holds a newline.
    assert "Emetteur :" in readme and "Marcel CAMPARINI" in readme and "Laboratoire des charmes" in readme
    assert "\r\n" in readme and "\nligne 2" not in readme and "\r\n    . DOC0002.PDF : Ordonnance scannée\r\n" in readme
    assert readme.endswith("     fhir/bundle.json\r\n") and "SUBSET02" not in readme
    # INDEX.HTM: well-formed XHTML linking every document, the title escaped, never markup.
    assert b"<b>" not in index and b"&lt;b&gt;" in index and b"&amp;" in index
    page = etree.fromstring(index, etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False))
    assert page.get("lang") == "fr" and page.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    assert b"<meta " in index and b"</meta>" not in index
    links = {a.get("href"): "".join(a.itertext()) for a in page.iter("{http://www.w3.org/1999/xhtml}a")}
    assert links["IHE_XDM/SUBSET01/DOC0001.XML"] == TRICKY
    assert links["IHE_XDM/SUBSET01/DOC0002.PDF"] == "Ordonnance scannée"
    assert "fhir/bundle.json" in links and links["README.TXT"] == "ReadMe"


def test_written_metadata_is_an_ebrim_submission() -> None:
    with zipfile.ZipFile(io.BytesIO(_written_archive())) as archive:
        names = archive.namelist()
        metadata = archive.read(METADATA)
    assert set(names) == {DOC1, METADATA, "README.TXT", "INDEX.HTM"}
    root = etree.fromstring(metadata)
    assert root.tag == "{urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0}SubmitObjectsRequest"
    assert metadata.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    submission = parse_metadata(metadata)
    assert len(submission.documents) == 1 and submission.documents[0].uri == "DOC0001.XML"


def test_the_writer_refuses_unsafe_or_clashing_extra_files() -> None:
    writer = XdmWriter(io.BytesIO(), SUBMISSION)
    for name in ("../x.json", "/etc/passwd", "a\\b.json", "IHE_XDM/extra.json", "readme.txt", "dir/"):
        assert error_of(writer.add_file, name, b"{}").code == "UNSAFE_ARCHIVE", name
    writer.add_file("messages.json", b"[]")
    assert error_of(writer.add_file, "Messages.JSON", b"[]").code == "UNSAFE_ARCHIVE"
    with pytest.raises(ValueError):
        writer.add_document("a.pdf", b"%PDF", DocumentEntryOut("t", "application/pdf", extra_slots={"action": ["D"]}))
    writer.abort()


def test_leaving_the_writer_without_close_is_an_error() -> None:
    with pytest.raises(RuntimeError):
        with XdmWriter(io.BytesIO(), SUBMISSION) as writer:
            writer.add_document("a.pdf", b"%PDF", DocumentEntryOut("t", "application/pdf"))


def _seven_documents(writer: XdmWriter) -> list[bytes]:
    contents = []
    for number in range(1, 8):
        data = CDA_BYTES.replace(b"CR", f"CR {number}".encode()) if number % 2 else f"%PDF-1.7 scan {number}".encode()
        mime = "text/xml" if number % 2 else "application/pdf"
        writer.add_document(f"file{number}", data, DocumentEntryOut(title=f"Document {number}", mime_type=mime))
        contents.append(data)
    return contents


def test_a_subset_per_three_documents_seven_documents_three_subsets() -> None:
    buffer = io.BytesIO()
    writer = XdmWriter(buffer, dataclasses.replace(SUBMISSION, unique_id="1.2.250.1.999.1.7"), documents_per_subset=3)
    contents = _seven_documents(writer)
    writer.add_file("MES/space.json", b"{}")
    writer.close()

    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as raw:
        names = raw.namelist()
    # Each subset's METADATA.XML is written as soon as the subset is full, before the next subset starts.
    assert names[:9] == ["IHE_XDM/SUBSET01/DOC0001.XML", "IHE_XDM/SUBSET01/DOC0002.PDF", "IHE_XDM/SUBSET01/DOC0003.XML",
                         "IHE_XDM/SUBSET01/METADATA.XML", "IHE_XDM/SUBSET02/DOC0001.PDF",
                         "IHE_XDM/SUBSET02/DOC0002.XML", "IHE_XDM/SUBSET02/DOC0003.PDF",
                         "IHE_XDM/SUBSET02/METADATA.XML", "IHE_XDM/SUBSET03/DOC0001.XML"]
    assert set(names[9:]) == {"MES/space.json", "IHE_XDM/SUBSET03/METADATA.XML", "README.TXT", "INDEX.HTM"}

    with XdmArchive(io.BytesIO(buffer.getvalue())) as archive:
        assert [subset.folder for subset in archive.subsets] == [f"IHE_XDM/SUBSET0{n}" for n in (1, 2, 3)]
        documents = archive.documents()
        assert [d.subset for d in documents] == ["IHE_XDM/SUBSET01"] * 3 + ["IHE_XDM/SUBSET02"] * 3 + \
            ["IHE_XDM/SUBSET03"]
        for document, data, number in zip(documents, contents, range(1, 8), strict=True):
            assert document.entry.uri == document.path.rsplit("/", 1)[-1]  # relative to its own subset
            assert document.entry.hash_sha1 == hashlib.sha1(data).hexdigest() and document.entry.size == len(data)
            assert archive.read(document, LIMIT) == data  # the reader checks size and SHA-1 again
            assert document.entry.title == f"Document {number}"
        submissions = archive.submissions
        assert archive.other_files() == ["MES/space.json"]
        readme = archive.read_file(archive.readme, 100_000).decode("utf-8")
        index = archive.read_file(archive.index, 100_000)

    # Three submission sets, each with its own ids, the same sender, patient and source.
    assert [len(s.documents) for s in submissions] == [3, 3, 1]
    assert submissions[0].unique_id == "1.2.250.1.999.1.7"
    assert len({s.unique_id for s in submissions}) == 3 and len({s.id for s in submissions}) == 3
    assert all(s.patient_id == PATIENT and s.source_id == "1.2.250.1.999.1" and s.title == SUBMISSION.title
               and s.submission_time == SUBMISSION.submission_time for s in submissions)
    for submission in submissions:
        assert [(a.type, a.source) for a in submission.associations] == [(HAS_MEMBER, submission.id)] * \
            len(submission.documents)
        assert {a.target for a in submission.associations} == {d.entry_uuid for d in submission.documents}

    # README.TXT and INDEX.HTM list every subset's documents.
    for name in ("SUBSET01/DOC0001.XML : Document 1", "SUBSET02/DOC0003.PDF : Document 6",
                 "SUBSET03/DOC0001.XML : Document 7"):
        assert f"    . {name}\r\n" in readme
    tree = readme.split("Arborescence :")[1]
    assert tree.count("METADATA.XML") == 3 and tree.index("+SUBSET02") < tree.index("+SUBSET03")
    page = etree.fromstring(index, etree.XMLParser(load_dtd=False, no_network=True, resolve_entities=False))
    links = {a.get("href"): "".join(a.itertext()) for a in page.iter("{http://www.w3.org/1999/xhtml}a")}
    assert {path: links[path] for path in (d.path for d in documents)} == \
        {d.path: f"Document {n}" for d, n in zip(documents, range(1, 8))}


def test_given_only_to_close_the_submission_still_splits_the_subsets() -> None:
    """The older way (submission given to close()): the entries wait until then, the archive is the same."""
    buffer = io.BytesIO()
    writer = XdmWriter(buffer, documents_per_subset=3)
    contents = _seven_documents(writer)
    writer.close(SUBMISSION)
    with XdmArchive(io.BytesIO(buffer.getvalue())) as archive:
        assert [len(s.documents) for s in archive.submissions] == [3, 3, 1]
        assert [archive.read(d, LIMIT) for d in archive.documents()] == contents

    with pytest.raises(ValueError):
        XdmWriter(io.BytesIO(), SUBMISSION).close(SUBMISSION)  # given twice
    with pytest.raises(ValueError):
        XdmWriter(io.BytesIO()).close()  # never given
    with pytest.raises(ValueError):
        XdmWriter(io.BytesIO(), SUBMISSION, documents_per_subset=10_000)  # DOC0001 … DOC9999


def test_an_archive_without_documents_still_has_its_submission_set() -> None:
    buffer = io.BytesIO()
    writer = XdmWriter(buffer, SUBMISSION)
    writer.add_file("MES/space.json", b"{}")
    writer.close()
    with XdmArchive(io.BytesIO(buffer.getvalue())) as archive:
        assert [s.folder for s in archive.subsets] == ["IHE_XDM/SUBSET01"] and archive.documents() == []


def test_the_writer_stops_at_99_subsets() -> None:
    writer = XdmWriter(io.BytesIO(), SUBMISSION, documents_per_subset=1)
    for number in range(99):
        assert writer.add_document("a.pdf", b"%PDF", DocumentEntryOut("t", "application/pdf")) == \
            f"IHE_XDM/SUBSET{number + 1:02d}/DOC0001.PDF"
    error = error_of(writer.add_document, "a.pdf", b"%PDF", DocumentEntryOut("t", "application/pdf"))
    assert error.code == "ARCHIVE_TOO_LARGE" and error.details == {"limit": 99}
    writer.abort()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents=st.lists(st.tuples(st.text(max_size=60), st.binary(max_size=300),
                                    st.sampled_from(["text/xml", "application/pdf", "image/png", "x-unknown/type"])),
                          min_size=1, max_size=4),
       submission_title=st.text(max_size=60), per_subset=st.integers(min_value=1, max_value=3))
def test_whatever_the_writer_writes_the_reader_reads_back(documents, submission_title, per_subset) -> None:
    buffer = io.BytesIO()
    writer = XdmWriter(buffer, SubmissionOut(title=submission_title, author=None, patient_id=PATIENT,
                                             source_id="1.2.3"), documents_per_subset=per_subset)
    for number, (title, data, mime) in enumerate(documents, start=1):
        writer.add_document(f"file{number}.bin", data, DocumentEntryOut(title=title, mime_type=mime))
    writer.close()

    with XdmArchive(io.BytesIO(buffer.getvalue())) as archive:
        found = archive.documents()
        assert len(found) == len(documents)
        for document, (title, data, mime) in zip(found, documents, strict=True):
            assert archive.read(document, LIMIT) == data
            assert document.entry.mime_type == mime
            assert document.entry.title == writer_text(title)
        assert len(archive.submissions) == -(-len(documents) // per_subset)
        assert all(s.title == writer_text(submission_title) for s in archive.submissions)


def writer_text(value: str) -> str:
    """What survives XML: the characters XML 1.0 cannot carry become U+FFFD, and XML reads \\r\\n as \\n."""
    from mes_cli.domain.xdm.writer import _xml_text
    return _xml_text(value)
