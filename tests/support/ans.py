"""The ANS example IHE XDM archives (CI-SIS conformance examples), shared by the tests that read them.

A copy of the 24 published examples is kept in ``tests/fixtures/ans-xdm`` (see its SOURCE.md), so
that the suite runs from any checkout; ``MES_ANS_EXAMPLES`` names another folder of them (more of
the ANS's examples, say). Each ``<NAME>.zip`` holds ``IHE_XDM/SUBSET01/DOC0001.XML``, a CDA R2
document, and its XDS metadata.  Tests must not depend on the exact file names beyond that folder:
look archives up by a distinctive part of their name.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

ANS_DIR = Path(os.environ.get("MES_ANS_EXAMPLES") or Path(__file__).resolve().parents[1] / "fixtures" / "ans-xdm")
CDA_MEMBER = "IHE_XDM/SUBSET01/DOC0001.XML"


def ans_archives() -> list[Path]:
    """Every example archive, sorted by name."""
    return sorted(ANS_DIR.glob("*.zip"))


def ans_archive(name_part: str) -> Path:
    """The first archive (by name) whose file name contains ``name_part``."""
    for path in ans_archives():
        if name_part in path.name:
            return path
    raise LookupError(f"no ANS example archive named like {name_part!r} in {ANS_DIR}")


def ans_cda(name_part: str) -> bytes:
    """The CDA document (DOC0001.XML) of the first archive whose name contains ``name_part``."""
    with zipfile.ZipFile(ans_archive(name_part)) as archive:
        return archive.read(CDA_MEMBER)
