"""The docs/ site builds in strict mode, covers every command, and names no invented variable."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from mes_cli.cli.examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_site_builds_in_strict_mode(tmp_path):
    pytest.importorskip("mkdocs")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
         "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "guide" / "index.html").is_file()


def test_guide_or_scripting_mentions_every_command():
    text = (DOCS / "guide.md").read_text(encoding="utf-8") + (DOCS / "scripting.md").read_text(encoding="utf-8")
    missing = [path for path in EXAMPLES if path and f"mes {path}" not in text]
    assert not missing, f"commands not covered by docs/guide.md or docs/scripting.md: {missing}"


def test_every_documented_variable_exists_in_the_source():
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", (DOCS / "environment.md").read_text(encoding="utf-8"),
                                re.MULTILINE))
    assert {"MES_HOME", "MES_API_URL", "NO_COLOR", "CI"} <= documented
    source = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "src" / "mes_cli").rglob("*.py"))
    invented = sorted(name for name in documented if not re.search(rf"[\"'\s=\[(]{name}\b", source))
    assert not invented, f"docs/environment.md names variables the code never reads: {invented}"
