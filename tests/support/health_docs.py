"""The ANS example documents made out for a test person, so that each test has its own patient.

The examples are for one test patient (INS-NIR 279035121518989, born 28/03/1979); a test that
sends them to a freshly seeded person rewrites that INS and birth date in the CDA, and in an
archive also the METADATA.XML's patient ids, hash and size, so that the archive stays consistent.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

from support.ans import ANS_DIR

ANS_INS = "279035121518989"
ANS_BIRTH = "19790328"
ANS_PATIENT = {"nir": ANS_INS, "birth_date": "1979-03-28", "first_name": "Dominique", "last_name": "PAT-TROIS"}


def archive(name_part: str) -> bytes:
    """The bytes of the one ANS archive whose name contains ``name_part`` (exactly one must)."""
    (path,) = [p for p in sorted(ANS_DIR.glob("*.zip")) if name_part in p.stem and
               not (name_part.endswith("V2") and p.stem.endswith("Delete"))]
    return path.read_bytes()


def cda_of(zip_bytes: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as z:
        (name,) = [n for n in z.namelist() if n.upper().endswith("DOC0001.XML")]
        return z.read(name)


def retarget_cda(cda: bytes, person: dict) -> bytes:
    birth = person["birth_date"].replace("-", "")
    return cda.replace(ANS_INS.encode(), person["nir"].encode()).replace(
        f'birthTime value="{ANS_BIRTH}"'.encode(), f'birthTime value="{birth}"'.encode())


def _set_slot(metadata: str, slot: str, value: str) -> str:
    pattern = re.compile(r'(<(?:\w+:)?Slot\s+name="' + slot + r'"\s*>\s*<(?:\w+:)?ValueList>\s*<(?:\w+:)?Value>)'
                         r'[^<]*(</)')
    return pattern.sub(lambda match: match.group(1) + value + match.group(2), metadata)


def retarget_archive(zip_bytes: bytes, person: dict, edit=lambda cda: cda) -> bytes:
    """The archive with its document (changed by ``edit``) and its metadata made out for ``person``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        document = edit(retarget_cda(cda_of(zip_bytes), person))
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.upper().endswith("DOC0001.XML"):
                data = document
            elif info.filename.upper().endswith("METADATA.XML"):
                text = data.decode("utf-8").replace(ANS_INS, person["nir"])
                text = _set_slot(text, "hash", hashlib.sha1(document).hexdigest())
                text = _set_slot(text, "size", str(len(document)))
                data = text.encode("utf-8")
            target.writestr(info.filename, data)
    return out.getvalue()
