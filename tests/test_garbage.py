"""Bytes no document names (a crash between rename and commit, a stale temp file) are cleaned, nothing else."""

from __future__ import annotations

import os
import time

from support import files
from support.cli import Mes
from support.flows import active_person


def test_gc_removes_orphans_and_keeps_documents(tmp_path):
    mes = Mes(home=tmp_path / "home")
    active_person(mes)
    data = files.pdf("kept")
    mes.ok("docs", "upload", str(files.write(tmp_path, "kept.pdf", data)))
    blobs = mes.home / "server" / "blobs"
    orphan = blobs / "ab" / ("ab" + "0" * 62)
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"left by a crash")
    stale = blobs / "tmp" / "upload-stale"
    stale.write_bytes(b"half an upload")
    fresh_orphan = blobs / "ab" / ("ab" + "1" * 62)
    fresh_orphan.write_bytes(b"an upload in flight")
    hour_ago = time.time() - 7200
    for path in (orphan, stale):
        os.utime(path, (hour_ago, hour_ago))
    result = mes("server", "gc")
    assert result.exit_code == 0 and "removed 2" in result.stderr
    assert not orphan.exists() and not stale.exists() and fresh_orphan.exists()
    (doc,) = mes.ok("docs", "list")
    out = tmp_path / "back.pdf"
    mes.ok("docs", "download", doc["id"], "-o", str(out))
    assert out.read_bytes() == data
