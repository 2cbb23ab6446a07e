"""Reading an IHE XDM archive: the zip a professional's software sends (IHE ITI-32, "Distribute
Document Set on Media"; CI-SIS "Volet Echange de documents de santé").

Layout::

    README.TXT                      who sent it, with which software (optional here)
    INDEX.HTM                       a page for a person opening the media (optional here)
    IHE_XDM/SUBSET01/METADATA.XML   the XDS metadata of one submission set
    IHE_XDM/SUBSET01/DOC0001.XML    the documents it lists (their URI is relative to SUBSET01)

Folder names are matched without regard to case (media are written by many tools, some on
FAT file systems), which is safe because ``SafeZip`` already refused two names that differ only
by case. A zip made by compressing the folder that holds the media (``export/IHE_XDM/...``) is
read too: the one folder around ``IHE_XDM`` is then the root where README.TXT and INDEX.HTM are. Every document entry must name a file of the archive (XDM_FILE_MISSING) and that file
must have the size and SHA-1 the metadata declares (XDM_SIZE_MISMATCH, XDM_HASH_MISMATCH): the
check is made on every ``read``, never skipped.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from dataclasses import dataclass
from typing import BinaryIO
from urllib.parse import unquote

from ...contract.errors import MesError
from ...i18n import _
from .metadata import MAX_METADATA_BYTES, DocumentEntry, Submission, parse_metadata
from .safezip import SafeZip

_METADATA = re.compile(r"^(?:([^/]+)/)?IHE_XDM/([^/]+)/METADATA\.XML$", re.IGNORECASE)
README = "README.TXT"
INDEX = "INDEX.HTM"


@dataclass(frozen=True, slots=True)
class XdmDocument:
    """A document of the archive: its submission-set folder, its path in the zip and its metadata."""

    subset: str
    path: str
    entry: DocumentEntry

    @property
    def name(self) -> str:
        """A short way to name the document in messages: its title and its path."""
        return f"{self.entry.title} ({self.path})" if self.entry.title else self.path


@dataclass(frozen=True, slots=True)
class XdmSubset:
    """One ``IHE_XDM/<folder>``: its METADATA.XML parsed."""

    folder: str
    metadata_path: str
    submission: Submission


def _title(entry: DocumentEntry) -> str:
    return entry.title or entry.uri or entry.entry_uuid or "?"


class XdmArchive:
    """An IHE XDM zip opened safely: its submission sets, documents and the files around them."""

    def __init__(self, source: str | os.PathLike[str] | BinaryIO, **limits: int) -> None:
        self.zip = SafeZip(source, **limits)
        try:
            self.subsets = self._read_subsets()
            self._documents = self._resolve()
        except BaseException:
            self.zip.close()
            raise

    def __enter__(self) -> XdmArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()

    # -- opening -------------------------------------------------------------------------------

    @property
    def root(self) -> str:
        """The folder holding IHE_XDM/ (``""`` at the root of the zip, else ``"name/"``)."""
        return self._root

    def _read_subsets(self) -> list[XdmSubset]:
        subsets = []
        self._root = ""
        for name in self.zip.names():
            match = _METADATA.match(name)
            if match:
                if not subsets:
                    self._root = f"{match.group(1)}/" if match.group(1) else ""
                folder = name.rsplit("/", 1)[0]
                data = self.zip.read(name, MAX_METADATA_BYTES)
                subsets.append(XdmSubset(folder, name, parse_metadata(data, source=name)))
        if not subsets:
            raise MesError("XDM_NO_METADATA",
                           _("This zip is not an IHE XDM archive: no IHE_XDM/SUBSETnn/METADATA.XML. Send the "
                             "archive as the professional's software produced it, or the documents themselves."))
        return sorted(subsets, key=lambda s: s.folder.casefold())

    def _resolve(self) -> list[XdmDocument]:
        documents = []
        for subset in self.subsets:
            for entry in subset.submission.documents:
                documents.append(XdmDocument(subset.folder, self._locate(subset, entry), entry))
        return documents

    def _locate(self, subset: XdmSubset, entry: DocumentEntry) -> str:
        title = _title(entry)
        if not entry.uri:
            raise MesError("XDM_FILE_MISSING",
                           _("The document {title!r} in {metadata} names no file (its URI is empty); the archive "
                             "is incomplete. Ask the sender for a new one.")
                           .format(title=title, metadata=subset.metadata_path),
                           {"document": title, "entry": subset.metadata_path})
        for candidate in dict.fromkeys((entry.uri, unquote(entry.uri))):
            if "\\" in candidate or candidate.startswith("/") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", candidate):
                continue
            path = posixpath.normpath(posixpath.join(subset.folder, candidate))
            if path.startswith("../") or path == "..":
                raise MesError("UNSAFE_ARCHIVE",
                               _("The document {title!r} in {metadata} points outside the archive ({uri!r}); "
                                 "the archive is refused. Ask the sender for a new one.")
                               .format(title=title, metadata=subset.metadata_path, uri=entry.uri),
                               {"document": title, "entry": subset.metadata_path})
            found = self.zip.find(path)
            if found is not None:
                return found
        raise MesError("XDM_FILE_MISSING",
                       _("The document {title!r} in {metadata} is the file {uri!r}, which is not in the archive. "
                         "The archive is incomplete: ask the sender for a new one.")
                       .format(title=title, metadata=subset.metadata_path, uri=entry.uri),
                       {"document": title, "entry": subset.metadata_path, "uri": entry.uri})

    # -- reading -------------------------------------------------------------------------------

    def documents(self) -> list[XdmDocument]:
        """Every document entry of every submission set, with the file it describes."""
        return list(self._documents)

    @property
    def submissions(self) -> list[Submission]:
        return [subset.submission for subset in self.subsets]

    def read(self, document: XdmDocument, limit: int) -> bytes:
        """The document's bytes, once their size and SHA-1 are those the metadata declares."""
        entry = document.entry
        title = _title(entry)
        details = {"document": title, "entry": document.path}
        if entry.size is None:
            raise MesError("XDM_SIZE_MISMATCH",
                           _("The metadata of {title!r} ({path}) gives no valid size, so the file cannot be "
                             "checked. Ask the sender for a new archive.").format(title=title, path=document.path),
                           details)
        if not entry.hash_sha1:
            raise MesError("XDM_HASH_MISMATCH",
                           _("The metadata of {title!r} ({path}) gives no SHA-1 hash, so the file cannot be "
                             "checked. Ask the sender for a new archive.").format(title=title, path=document.path),
                           details)
        declared = self.zip.size(document.path)
        if declared != entry.size:
            raise self._size_mismatch(document, declared)
        data = self.zip.read(document.path, limit)
        if len(data) != entry.size:
            raise self._size_mismatch(document, len(data))
        digest = hashlib.sha1(data).hexdigest()  # noqa: S324 - SHA-1 is what XDS metadata carries
        if digest != entry.hash_sha1.strip().lower():
            raise MesError("XDM_HASH_MISMATCH",
                           _("The file of {title!r} ({path}) does not match its metadata: its SHA-1 is {actual}, "
                             "the metadata says {expected}. It was changed or damaged on the way; ask the sender "
                             "for a new archive.").format(title=title, path=document.path, actual=digest,
                                                          expected=entry.hash_sha1.strip()),
                           {**details, "expected": entry.hash_sha1.strip().lower(), "actual": digest})
        return data

    @staticmethod
    def _size_mismatch(document: XdmDocument, actual: int) -> MesError:
        title = _title(document.entry)
        return MesError("XDM_SIZE_MISMATCH",
                        _("The file of {title!r} ({path}) is {actual} bytes but its metadata says {expected}. It "
                          "was changed or damaged on the way; ask the sender for a new archive.")
                        .format(title=title, path=document.path, actual=actual, expected=document.entry.size),
                        {"document": title, "entry": document.path, "expected": document.entry.size,
                         "actual": actual})

    # -- the files around the documents --------------------------------------------------------

    @property
    def readme(self) -> str | None:
        """The path of README.TXT at the root of the archive, if there is one."""
        return self.zip.find(self._root + README)

    @property
    def index(self) -> str | None:
        """The path of INDEX.HTM at the root of the archive, if there is one."""
        return self.zip.find(self._root + INDEX)

    def other_files(self) -> list[str]:
        """Files that are neither METADATA.XML, a listed document, README.TXT nor INDEX.HTM."""
        known = {s.metadata_path for s in self.subsets} | {d.path for d in self._documents}
        known |= {name for name in (self.readme, self.index) if name}
        return [name for name in self.zip.names() if name not in known]

    def read_file(self, path: str, limit: int) -> bytes:
        """Any file of the archive by its path (README.TXT, a FHIR bundle beside the XDM folder…)."""
        return self.zip.read(path, limit)
