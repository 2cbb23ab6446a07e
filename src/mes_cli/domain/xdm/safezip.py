"""Opening a zip that came from outside: every entry is judged before a single byte is extracted.

A zip is a list of names and sizes written by whoever made it. Nothing in it is trusted:

* **names** — an absolute path (``/etc/passwd``, ``C:\\x``, ``\\\\server\\share``), a ``..``
  component, a backslash (a path separator on Windows, an ordinary character elsewhere: the same
  name means two different files), a control character, a symbolic link, or two names that are the
  same file on a case-insensitive disk (``DOC.XML`` and ``doc.xml``) are refused as
  ``UNSAFE_ARCHIVE``; so is an encrypted entry (nothing here can check what it holds);
* **sizes** — a zip bomb declares small compressed sizes that inflate enormously. The archive is
  refused as ``ARCHIVE_TOO_LARGE`` when it has more than ``MAX_ENTRIES`` entries, declares more than
  ``max_inflated_bytes`` once inflated (``MAX_TOTAL_BYTES``, or ``MAX_TOTAL_RATIO`` times the
  archive's own size when that is more), or holds an entry over ``RATIO_MIN_BYTES`` compressed more
  than ``MAX_RATIO`` to 1. The entry count is read from the end record before ``zipfile`` builds its
  directory, so a million-entry archive is refused without being listed;
* **lying headers** — a header may declare a small size and hold more. Reading never returns more
  than the declared size: ``zipfile`` stops inflating there, the reads here go by chunks and stop
  at the limit, and the CRC then fails (``INVALID_ARCHIVE``) because the data was cut;
* **compression** — only *stored* and *deflate* are accepted: they are what IHE XDM media use, and
  ``zipfile`` inflates deflate in bounded steps, which it does not for bzip2 or LZMA.

A file that is not a zip, or a zip cut short (its end record is missing), is ``INVALID_ARCHIVE``.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from ...contract.errors import MesError
from ...i18n import _

MAX_ENTRIES = 10_000
"""At most this many entries (files and folders) in one archive."""
MAX_TOTAL_BYTES = 2 * 1024**3
"""Any archive may declare this many bytes once every entry is inflated …"""
MAX_TOTAL_RATIO = 20
"""… and a larger one at most this many times its own size (see ``max_inflated_bytes``)."""
MAX_RATIO = 200
"""An entry may inflate at most this many times its compressed size …"""
RATIO_MIN_BYTES = 1_000_000
"""… once it is larger than this (small files of repeated text legitimately compress very well)."""
CHUNK = 64 * 1024

_ALLOWED_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
_EOCD = b"PK\x05\x06"
_LOCAL_HEADER = b"PK\x03\x04"
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _unsafe(name: str, message: str) -> MesError:
    return MesError("UNSAFE_ARCHIVE", message, {"entry": name})


def _invalid(message: str, **details: object) -> MesError:
    return MesError("INVALID_ARCHIVE", message, dict(details))


def _too_large(message: str, **details: object) -> MesError:
    return MesError("ARCHIVE_TOO_LARGE", message, dict(details))


def _declared_entry_count(handle: BinaryIO) -> int | None:
    """The entry count in the end-of-central-directory record, or None if it cannot be read here.

    Read before ``zipfile`` lists the directory, so that an archive declaring millions of entries
    is refused without being parsed. A ZIP64 archive (count 0xFFFF) is left to the later check.
    """
    try:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        start = max(0, size - (22 + 0xFFFF))
        handle.seek(start)
        tail = handle.read(size - start)
    except (OSError, ValueError):
        return None
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return None
    total = struct.unpack("<H", tail[at + 10:at + 12])[0]
    return None if total == 0xFFFF else total


def max_inflated_bytes(archive_bytes: int, floor: int = MAX_TOTAL_BYTES, ratio: int = MAX_TOTAL_RATIO) -> int:
    """The most an archive of ``archive_bytes`` (its size on disk) may declare once inflated.

    A zip bomb is a matter of ratio, not of size: a few kilobytes or megabytes that inflate to
    gigabytes, many small entries under ``RATIO_MIN_BYTES`` each (which the per-entry ratio leaves
    alone) or entries that share one compressed stream (so that their declared compressed sizes add
    up to far more than the file). Against all of them, the total is compared with the bytes that
    were really delivered: any archive may inflate to ``floor`` (2 GiB), and one larger than
    ``floor / ratio`` to ``ratio`` times its own size. An honest archive is below that ratio — PDFs
    and images hardly compress, CDA documents deflate 1.4 to 17 to 1 (5.5 in the middle of the 24
    ANS examples) — so an export of 5 GB of scans (`mes export` of a space of a thousand) is read
    back, while a 10 MB archive that would inflate to 10 GB is still refused. A fixed total refused
    honest archives for their size alone (a 2 GiB cap: some 400 scans of 5 MB), with nothing anyone
    could do about it: mes cannot export part of a space.
    """
    return max(floor, ratio * archive_bytes)


def check_entry_name(name: str) -> str:
    """The name if it is safe to create on any system; otherwise an UNSAFE_ARCHIVE error naming it."""
    if not name:
        raise _unsafe(name, _("The archive holds an entry without a name; it cannot be opened safely. "
                              "Ask the sender for a new archive."))
    if _CONTROL.search(name):
        raise _unsafe(name, _("The archive entry {entry!r} has a control character in its name; it is "
                              "refused. Ask the sender for a new archive.").format(entry=name))
    if "\\" in name:
        raise _unsafe(name, _("The archive entry {entry!r} has a backslash in its name, which means a "
                              "different path on Windows and elsewhere; it is refused. Re-create the "
                              "archive with a standard zip tool.").format(entry=name))
    if name.startswith("/") or _DRIVE.match(name):
        raise _unsafe(name, _("The archive entry {entry!r} is an absolute path; an archive may only hold "
                              "relative paths. The archive is refused: ask the sender for a new one.")
                      .format(entry=name))
    if ".." in name.split("/"):
        raise _unsafe(name, _("The archive entry {entry!r} climbs out of its folder with '..'; the archive "
                              "is refused. Ask the sender for a new one.").format(entry=name))
    return name


class SafeZip:
    """A zip archive judged entry by entry when opened; read it with ``read`` or ``open_entry``.

    ``source`` is a path or a seekable binary file (left open when this closes). Directory entries
    are checked like the others but are not listed by ``names``.
    """

    def __init__(self, source: str | os.PathLike[str] | BinaryIO, *, max_entries: int = MAX_ENTRIES,
                 max_total_bytes: int = MAX_TOTAL_BYTES, max_total_ratio: int = MAX_TOTAL_RATIO,
                 max_ratio: int = MAX_RATIO) -> None:
        self.max_entries = max_entries
        self.max_total_bytes = max_total_bytes
        self.max_total_ratio = max_total_ratio
        self.max_ratio = max_ratio
        self._own_handle: BinaryIO | None = None
        if isinstance(source, (str, os.PathLike)):
            self._own_handle = open(source, "rb")  # noqa: SIM115 - closed by close()
            handle: BinaryIO = self._own_handle
        else:
            handle = source
        try:
            self._zip = self._open(handle)
            self._files: dict[str, zipfile.ZipInfo] = {}
            self._folded: dict[str, str] = {}
            self._check_entries()
        except BaseException:
            self.close()
            raise

    # -- opening -------------------------------------------------------------------------------

    def _open(self, handle: BinaryIO) -> zipfile.ZipFile:
        declared = _declared_entry_count(handle)
        if declared is not None and declared > self.max_entries:
            raise _too_large(_("The archive declares {count} entries, more than the {limit} accepted; it "
                               "is refused. Send the documents in several smaller archives.")
                             .format(count=declared, limit=self.max_entries), entries=declared,
                             limit=self.max_entries)
        try:
            handle.seek(0, os.SEEK_END)
            self.archive_bytes = handle.tell()
            handle.seek(0)
            return zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, struct.error, ValueError,
                UnicodeDecodeError) as error:
            raise self._not_a_zip(handle) from error

    @staticmethod
    def _not_a_zip(handle: BinaryIO) -> MesError:
        try:
            handle.seek(0)
            head = handle.read(4)
        except (OSError, ValueError):
            head = b""
        if head == _LOCAL_HEADER:
            return _invalid(_("The archive is damaged or incomplete (truncated?): its table of contents "
                              "cannot be read. Download or copy it again."))
        return _invalid(_("This file is not a zip archive. Check that you chose the right file."))

    def _check_entries(self) -> None:
        infos = self._zip.infolist()
        if len(infos) > self.max_entries:
            raise _too_large(_("The archive has {count} entries, more than the {limit} accepted; it is "
                               "refused. Send the documents in several smaller archives.")
                             .format(count=len(infos), limit=self.max_entries), entries=len(infos),
                             limit=self.max_entries)
        seen: dict[str, str] = {}
        total = 0
        limit = max_inflated_bytes(self.archive_bytes, self.max_total_bytes, self.max_total_ratio)
        for info in infos:
            name = check_entry_name(info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise _unsafe(name, _("The archive entry {entry!r} is a symbolic link; links are refused "
                                      "because they can point anywhere on the disk. Ask the sender for an "
                                      "archive of plain files.").format(entry=name))
            if info.flag_bits & 0x1:
                raise _unsafe(name, _("The archive entry {entry!r} is encrypted, so its content cannot be "
                                      "checked; it is refused. Ask the sender for an archive without a "
                                      "password.").format(entry=name))
            key = name.rstrip("/").casefold()
            if key in seen:
                raise _unsafe(name, _("The archive holds {entry!r} twice (or also as {other!r}, which is "
                                      "the same file on a disk that ignores case); it is refused. Ask the "
                                      "sender for a new archive.").format(entry=name, other=seen[key]))
            seen[key] = name
            if info.is_dir():
                continue
            if info.compress_type not in _ALLOWED_METHODS:
                raise _invalid(_("The archive entry {entry!r} uses a compression method this program does "
                                 "not accept (only stored and deflate are). Re-create the archive with a "
                                 "standard zip tool.").format(entry=name), entry=name)
            total += info.file_size
            if total > limit:
                raise _too_large(_("Once unpacked, the archive would take more than {limit} bytes; it is "
                                   "refused. Send the documents in several smaller archives.")
                                 .format(limit=limit), limit=limit)
            if info.file_size > RATIO_MIN_BYTES and info.file_size > self.max_ratio * max(info.compress_size, 1):
                raise _too_large(_("The archive entry {entry!r} would inflate from {packed} to {size} bytes, "
                                   "more than {ratio} times its packed size: this is how zip bombs work, so "
                                   "the archive is refused. Ask the sender for a new archive.")
                                 .format(entry=name, packed=info.compress_size, size=info.file_size,
                                         ratio=self.max_ratio), entry=name)
            self._files[name] = info
            self._folded[key] = name

    # -- use -----------------------------------------------------------------------------------

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        zipped = getattr(self, "_zip", None)
        if zipped is not None:
            zipped.close()
        if self._own_handle is not None:
            self._own_handle.close()
            self._own_handle = None

    def names(self) -> list[str]:
        """The files of the archive (not its folders), in archive order."""
        return list(self._files)

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.find(name) is not None

    def find(self, name: str) -> str | None:
        """The archive's own spelling of ``name``, compared without regard to case; None if absent."""
        if name in self._files:
            return name
        return self._folded.get(name.casefold())

    def info(self, name: str) -> zipfile.ZipInfo:
        """The zip header of a file (its declared size is ``file_size``)."""
        found = self.find(name)
        if found is None:
            raise _invalid(_("The archive has no file {entry!r}; check the name asked for.").format(entry=name),
                           entry=name)
        return self._files[found]

    def size(self, name: str) -> int:
        """The size the archive declares for ``name`` once inflated."""
        return self.info(name).file_size

    def read(self, name: str, limit: int) -> bytes:
        """The content of ``name``; never more than its declared size, and never more than ``limit``."""
        info = self.info(name)
        if info.file_size > limit:
            raise _too_large(_("The archive entry {entry!r} is {size} bytes, more than the {limit} accepted "
                               "for it. Ask the sender for a smaller file.")
                             .format(entry=info.filename, size=info.file_size, limit=limit),
                             entry=info.filename, size=info.file_size, limit=limit)
        parts = []
        with self.open_entry(info.filename) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                parts.append(chunk)
        return b"".join(parts)

    def open_entry(self, name: str) -> io.BufferedReader:
        """A stream over ``name``: it ends at the declared size and reports damage as INVALID_ARCHIVE."""
        info = self.info(name)
        try:
            inner = self._zip.open(info)
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError, struct.error, ValueError,
                NotImplementedError) as error:
            raise _damaged(info.filename) from error
        return io.BufferedReader(_EntryStream(inner, info), buffer_size=CHUNK)


def _damaged(name: str) -> MesError:
    return _invalid(_("The archive entry {entry!r} is damaged or incomplete (truncated?) and cannot be read. "
                      "Download or copy the archive again.").format(entry=name), entry=name)


class _EntryStream(io.RawIOBase):
    """One entry's bytes: never past the declared size, errors turned into INVALID_ARCHIVE."""

    def __init__(self, inner: BinaryIO, info: zipfile.ZipInfo) -> None:
        self._inner = inner
        self._info = info
        self._left = info.file_size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        want = min(len(buffer), self._left, CHUNK)
        if want <= 0:
            return 0
        try:
            data = self._inner.read(want)
        except (zipfile.BadZipFile, EOFError, zlib.error, OSError, struct.error, ValueError) as error:
            raise _damaged(self._info.filename) from error
        if len(data) > want:  # zipfile never does this; a stream that lies is cut all the same
            data = data[:want]
        if not data and self._left > 0:
            raise _damaged(self._info.filename)
        buffer[:len(data)] = data
        self._left -= len(data)
        return len(data)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()
