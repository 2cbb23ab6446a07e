"""Importing IHE XDM archives: `mes docs import` against `mes docs upload` of the same bytes, its peak
memory with the number of documents, and `mes docs show` of the largest ANS example.

Run:  python bench/health_import.py [--counts 10,100,300] [--size 100000] [--repeat 3] [--show-runs 15]
                                    [--skip-remote] [--json FILE]

A benchmark reports, it does not assert: targets are printed with PASS/FAIL and the exit status is
0 unless the set-up fails (or a run does not file every document).

Measured (each import and each upload goes to a person created for it, seeded with `mes server seed
FILE`, activated and logged in before the clock starts, so nothing is "already there"; the runs are
repeated --repeat times, round-robin, and their medians compared):
  import    one `mes docs import ARCHIVE.zip` process. The archive is written with XdmWriter for that
            person: N distinct HL7 CDA documents made from the ANS example --example (its test INS and
            birth date replaced by the person's NIR and birth date, a new document id and setId, a
            narrative paragraph padded so that the document is exactly --size bytes).
  upload    one `mes docs upload DIR -r` process (default --jobs, then --jobs 1: import files one
            document per request) with N PDFs of the same sizes (`mes docs upload` takes no XML; the
            PDFs are tests/support/files.py `pdf(..., pad_to=...)`, each with its own text).
  memory    the peak RSS of each of these processes (GNU time's %M, see run_process in
            bench/upload.py), for every N: embedded (the server's share is in the same process) and
            remote (the CLI alone). --many-docs N adds one embedded import (and upload) of N
            documents, to see where the growth leads.
  rates     docs/s and MB/s of the documents' bytes (not the archive's, which is deflated), whole
            process; and the marginal rate between the smallest and the largest N, in which start-up
            and exit cancel out.
  modes     embedded (`--api-url local`, the server in the CLI process) and remote (`mes server run
            --port 0 --dev` in a subprocess on this machine; --skip-remote leaves it out).
  show      `mes docs show ID --format table` of the largest ANS example (by DOC0001.XML size), imported
            for the examples' test patient (NIR 279035121518989, born 1979-03-28); also `--format json`
            of it and `mes whoami` as floors, and the table of the two largest examples that import for
            that patient unchanged. Whole processes, round-robin, median of --show-runs after --warmup.

Bytecode: as in bench/startup.py, the timed processes get PYTHONPYCACHEPREFIX=<temp dir> and no
PYTHONDONTWRITEBYTECODE (set-up commands fill that cache first); --as-is keeps the environment's
settings.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lxml import etree

import upload  # bench/upload.py: the script's folder is on sys.path; importing it runs nothing
from upload import (DEFAULT_JOBS, MES, PYTHON, TIME, Server, clean_up, mes, print_rows, run_process, say,
                    verdict, write_figures)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from support.ans import CDA_MEMBER, ans_archive, ans_archives  # noqa: E402
from support.files import pdf  # noqa: E402
from support.health_docs import ANS_BIRTH, ANS_PATIENT, retarget_archive, retarget_cda  # noqa: E402
from support.people import person as new_person  # noqa: E402  (valid, unique identities)

from mes_cli.demo_data import card_serial_for  # noqa: E402
from mes_cli.domain.xdm.writer import DocumentEntryOut, SubmissionOut, XdmWriter, new_oid  # noqa: E402

PASSWORD = "Bench-Import-9!x"
HL7 = "{urn:hl7-org:v3}"
INS_NIR_OID = "1.2.250.1.213.1.4.8"

TARGET_RSS_MB = 100.0
TARGET_FLAT_MB = 5.0  # "flat": the peak with the most documents at most this much above the peak with the fewest
TARGET_VS_UPLOAD = 0.5  # import throughput ÷ upload throughput
TARGET_SHOW_S = 1.0
TARGET_COUNT = 100  # the requirement's archive: 100 documents


# --- test documents -----------------------------------------------------------------


def cda_documents(template: bytes, who: dict, count: int, size: int, tag: str):
    """``count`` distinct CDA documents for ``who``, each exactly ``size`` bytes (when the template
    is smaller): the template retargeted, a new id and setId, and a padded narrative paragraph."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    base = retarget_cda(template, who)
    for i in range(count):
        root = etree.fromstring(base, parser)
        document_id = new_oid()
        for name, value in (("id", document_id), ("setId", new_oid())):
            element = root.find(HL7 + name)
            element.attrib.pop("extension", None)
            element.set("root", value)
        text = root.find(f".//{HL7}section/{HL7}text")
        paragraph = etree.SubElement(text, HL7 + "paragraph")
        label = f"Bench {tag} document {i}: "

        def build(filler: int) -> bytes:
            words = os.urandom(filler // 2 + 8).hex()
            paragraph.text = (label + " ".join(words[j:j + 9] for j in range(0, len(words), 10)))[:filler]
            return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

        filler = max(0, size - len(build(0)))
        data = build(filler)
        for _ in range(3):  # the filler is ASCII: one byte per character
            if len(data) == size or filler == 0:
                break
            filler = max(0, filler + size - len(data))
            data = build(filler)
        yield document_id, data


def write_archive(path: Path, template: bytes, who: dict, count: int, size: int, tag: str) -> list[int]:
    """An XDM archive of ``count`` CDA documents for ``who``; returns the documents' sizes."""
    sizes = []
    patient = f"{who['nir']}^^^&{INS_NIR_OID}&ISO^NH"
    with path.open("wb") as out:
        writer = XdmWriter(out)
        for i, (document_id, data) in enumerate(cda_documents(template, who, count, size, tag)):
            writer.add_document(f"bench_{i:04d}.xml", data, DocumentEntryOut(
                title=f"Bench {tag} {i}", mime_type="text/xml", unique_id=document_id, patient_id=patient))
            sizes.append(len(data))
        writer.close(SubmissionOut(title=f"Bench {tag}", author=None, patient_id=patient,
                                   source_id="1.2.250.1.999.1"))
    return sizes


def write_pdfs(folder: Path, sizes: list[int], tag: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i, size in enumerate(sizes):
        (folder / f"{tag}_{i:04d}.pdf").write_bytes(pdf(f"Bench {tag} {i} {secrets.token_hex(8)}", pad_to=size))


def ans_cda_size(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        return z.getinfo(CDA_MEMBER).file_size


def largest_ans_example() -> Path:
    """The ANS example whose CDA document (DOC0001.XML) is the largest."""
    return max(ans_archives(), key=ans_cda_size)


def ans_archive_for_patient(path: Path) -> tuple[bytes, str]:
    """The archive as it is when its CDA is the ANS test patient's, else with the CDA's birth date
    set to the patient's (METADATA.XML's hash and size follow); and what was changed."""
    with zipfile.ZipFile(path) as z:
        cda = z.read(CDA_MEMBER)
    root = etree.fromstring(cda, etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False))
    births = {e.get("value") for e in root.iter(HL7 + "birthTime")
              if e.getparent() is not None and e.getparent().tag == HL7 + "patient"}
    if births <= {ANS_BIRTH}:
        return path.read_bytes(), "unchanged"
    (birth,) = births
    edit = (lambda c: c.replace(f'birthTime value="{birth}"'.encode(), f'birthTime value="{ANS_BIRTH}"'.encode()))
    return retarget_archive(path.read_bytes(), ANS_PATIENT, edit), f"patient's birthTime {birth} → {ANS_BIRTH}"


# --- processes --------------------------------------------------------------------
# Proc, run_process (GNU time's %M for the peak RSS), mes, Server: from bench/upload.py.


class Homes(upload.Homes):
    """upload.Homes, but each person is seeded from a file (`mes server seed FILE`), so that their NIR
    and birth date are known: a valid random identity, or the one given; ``person`` returns the person
    (not the session token)."""

    identifier_prefix = "bench.import"
    password = PASSWORD

    def person(self, api_url: str = "local", admin_token: str | None = None,  # type: ignore[override]
               **identity: str) -> tuple[dict[str, str], dict, Path]:
        """(environment, person, home) for a new person, on the embedded server or a remote one."""
        env, home = self.new_home(api_url, admin_token)
        home.mkdir(parents=True)
        who = new_person(**identity)
        if "nir" in identity:
            who["card_serial"] = card_serial_for(who["nir"])
        seed_file = home / "person.json"
        seed_file.write_text(json.dumps([who]))
        mes(env, "server", "seed", str(seed_file), "--format", "json")
        self.activate(env, who)
        return env, who, home


# --- measurements -----------------------------------------------------------------


@dataclass
class Run:
    name: str
    kind: str  # import | upload | upload_j1
    mode: str  # embedded | remote
    docs: int
    bytes: int  # the documents' bytes (not the archive's)
    wall_s: float
    docs_s: float
    mb_s: float
    filed: int
    maxrss_mb: float
    archive_bytes: int | None = None
    note: str = ""


def timed(name: str, kind: str, mode: str, argv: list[str], env: dict[str, str], docs: int, size: int,
          ok_status: str, archive_bytes: int | None = None) -> Run:
    proc = run_process(argv, env, rss=True)
    filed = 0
    try:
        filed = sum(1 for r in json.loads(proc.stdout) if r.get("status") == ok_status)
    except ValueError:
        pass
    note = "" if proc.returncode == 0 else f"exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-300:]}"
    if filed != docs:
        note = (note + f" only {filed}/{docs} {ok_status}").strip()
    run = Run(name, kind, mode, docs, size, proc.wall, docs / proc.wall, size / proc.wall / 1e6, filed,
              proc.maxrss_kb / 1024, archive_bytes, note)
    say(f"  {name:<44} {docs:>4} docs {proc.wall:6.2f} s {run.docs_s:6.1f} docs/s {run.mb_s:5.2f} MB/s "
        f"peak RSS {run.maxrss_mb:6.1f} MB {note}")
    return run


@dataclass
class Case:
    name: str
    argv: list[str]
    expect: str = ""  # a text the output must hold (the run is a set-up failure otherwise)
    target: float | None = None  # seconds, on the median
    samples: list[float] = field(default_factory=list)
    maxrss_mb: float = 0.0


def show_once(case: Case, env: dict[str, str]) -> float:
    proc = run_process(case.argv, env, rss=True, timeout=120)
    if proc.returncode != 0 or case.expect.encode() not in proc.stdout:
        sys.exit(f"{case.name} exited {proc.returncode}: {proc.stderr.decode(errors='replace')[-500:]}")
    case.maxrss_mb = max(case.maxrss_mb, proc.maxrss_kb / 1024)
    return proc.wall


def p90(samples: list[float]) -> float:
    """90th percentile, nearest-rank (an observed value, no interpolation)."""
    ordered = sorted(samples)
    rank = max(1, -(-9 * len(ordered) // 10))  # ceil(0.9 n)
    return ordered[rank - 1]


def show_cases(homes: Homes, mode: str, api_url: str, admin_token: str | None, runs: int,
               warmup: int) -> tuple[list[Case], dict]:
    """Imports the largest ANS example and the two largest that need no change for the ANS patient,
    then times `docs show` of them and `whoami`, round-robin."""
    env, _, home = homes.person(api_url, admin_token, nir=ANS_PATIENT["nir"], birth_date=ANS_PATIENT["birth_date"],
                                first_name=ANS_PATIENT["first_name"], last_name=ANS_PATIENT["last_name"])
    largest = largest_ans_example()
    unchanged = sorted((p for p in ans_archives() if p != largest and ans_archive_for_patient(p)[1] == "unchanged"),
                       key=ans_cda_size, reverse=True)[:2]
    imported = {}
    for path in [largest, *unchanged]:
        data, change = ans_archive_for_patient(path)
        archive = home / path.name
        archive.write_bytes(data)
        (item,) = json.loads(mes(env, "docs", "import", str(archive), "--format", "json"))
        if item["status"] != "created":
            sys.exit(f"set-up failed: {path.name} was not imported: {item}")
        text = mes(env, "docs", "show", item["document_id"], "--format", "table")
        imported[path.stem] = {"id": item["document_id"], "cda_bytes": ans_cda_size(path), "change": change,
                               "title": item["title"], "table_lines": text.count("\n"), "table_chars": len(text)}
    big = imported[largest.stem]
    cases = [
        Case("mes whoami", [MES, "whoami"]),
        Case(f"docs show --format json ({largest.stem})", [MES, "docs", "show", big["id"], "--format", "json"],
             expect=big["id"]),
        Case(f"docs show --format table ({largest.stem})", [MES, "docs", "show", big["id"], "--format", "table"],
             expect=big["title"][:20], target=TARGET_SHOW_S),
    ]
    for path in unchanged:
        info = imported[path.stem]
        cases.append(Case(f"docs show --format table ({path.stem})", [MES, "docs", "show", info["id"], "--format",
                                                                      "table"], expect=info["title"][:20]))
    say(f"  ({mode}) imported for the ANS test patient: " + "; ".join(
        f"{name} ({info['cda_bytes']:,} B, {info['change']}, table {info['table_lines']} lines)"
        for name, info in imported.items()))
    for _ in range(warmup):
        for case in cases:
            show_once(case, env)
    for _ in range(runs):
        for case in cases:
            case.samples.append(show_once(case, env))
    for case in cases:
        say(f"  {case.name:<66} median {statistics.median(case.samples) * 1000:6.0f} ms  "
            f"p90 {p90(case.samples) * 1000:6.0f} ms  peak RSS {case.maxrss_mb:5.1f} MB")
    return cases, imported


# --- the run -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", default="10,100,300", help="documents per archive, comma-separated "
                        "(default 10,100,300)")
    parser.add_argument("--size", type=int, default=100_000, help="bytes per document (default 100000)")
    parser.add_argument("--example", default="SDM-MR", help="the ANS example the documents are made from, by a "
                        "part of its name (default SDM-MR: 94 KB, structured, no vaccination)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the import/upload runs, medians reported "
                        "(default 3)")
    parser.add_argument("--show-runs", type=int, default=15, help="timed runs per `docs show` case (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed `docs show` runs first (default 2)")
    parser.add_argument("--skip-remote", action="store_true", help="the embedded server only")
    parser.add_argument("--many-docs", type=int, default=0, metavar="N", help="also import (and upload) N "
                        "documents once, embedded, for the peak RSS (default: skip)")
    parser.add_argument("--json", metavar="FILE", type=Path, help="also write the figures to FILE")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--as-is", action="store_true", help="keep the environment's bytecode settings")
    args = parser.parse_args(argv)
    counts = sorted({int(c) for c in args.counts.split(",") if c.strip()})
    if not counts or min(counts) < 1 or min(args.repeat, args.show_runs, args.size) < 1:
        parser.error("--counts, --repeat, --show-runs and --size must be at least 1")
    if not Path(MES).exists():
        sys.exit(f"no `mes` next to {PYTHON}: install the project in this environment first")
    if not ans_archives():
        sys.exit("the ANS examples are missing: see tests/support/ans.py")
    if TIME is None:
        say("GNU time not found (/usr/bin/time): peak RSS from wait4, which includes this benchmark's own peak")
    with zipfile.ZipFile(ans_archive(args.example)) as z:
        template = z.read(CDA_MEMBER)
    modes = ["embedded"] + ([] if args.skip_remote else ["remote"])

    root = Path(tempfile.mkdtemp(prefix="mes-bench-import-"))
    homes = Homes(root, args.as_is)
    runs: list[Run] = []
    show: dict[str, dict] = {}
    began = time.perf_counter()
    load_before = os.getloadavg()
    server = None
    try:
        say(f"Documents: {ans_archive(args.example).stem} ({len(template):,} B) made out for each person, "
            f"{args.size:,} B each; the uploads: PDFs of the same sizes.")
        pdf_dirs = {}
        for count in counts:
            pdf_dirs[count] = root / f"pdfs{count}"
            write_pdfs(pdf_dirs[count], [args.size] * count, f"pdf{count}")
        for mode in modes:
            api_url, token = "local", None
            if mode == "remote":
                server = Server(homes, root / "server-data")
                api_url, token = server.url, server.token
                say(f"\nRemote (`mes server run --dev` in another process on this machine, {server.url}), "
                    f"{args.repeat} round(s):")
            else:
                say(f"\nEmbedded (`--api-url local`: the server runs in the CLI process); whole-process wall time, "
                    f"{args.repeat} round(s):")
            for round_ in range(1, args.repeat + 1):
                for count in counts:
                    env, who, home = homes.person(api_url, token)
                    archive = home / f"archive{count}.zip"
                    sizes = write_archive(archive, template, who, count, args.size, f"r{round_}n{count}")
                    total = sum(sizes)
                    runs.append(timed(f"[{round_}] mes docs import ({archive.stat().st_size / 1e6:.1f} MB zip)",
                                      "import", mode, [MES, "docs", "import", str(archive), "--format", "json"],
                                      env, count, total, "created", archive.stat().st_size))
                    for kind, extra in (("upload", []), ("upload_j1", ["--jobs", "1"])):
                        env, _, _ = homes.person(api_url, token)
                        label = f"(--jobs {DEFAULT_JOBS})" if not extra else "--jobs 1"
                        runs.append(timed(f"[{round_}] mes docs upload -r {label}", kind, mode,
                                          [MES, "docs", "upload", str(pdf_dirs[count]), "-r", "--format", "json",
                                           *extra], env, count, count * args.size, "uploaded"))
            say(f"\n`mes docs show` ({mode}), {args.show_runs} runs after {args.warmup} warm-up(s), round-robin:")
            cases, imported = show_cases(homes, mode, api_url, token, args.show_runs, args.warmup)
            show[mode] = {"imported": imported, "cases": [
                {"name": c.name, "argv": [Path(a).name if i == 0 else a for i, a in enumerate(c.argv)],
                 "median_s": statistics.median(c.samples), "p90_s": p90(c.samples), "min_s": min(c.samples),
                 "maxrss_mb": c.maxrss_mb, "target_s": c.target, "samples_s": c.samples} for c in cases]}
            if server is not None:
                server.stop()
                server = None
        if args.many_docs:
            say("\nMemory with more documents (embedded, one run each):")
            env, who, home = homes.person()
            archive = home / "many.zip"
            sizes = write_archive(archive, template, who, args.many_docs, args.size, "many")
            runs.append(timed(f"mes docs import ({archive.stat().st_size / 1e6:.1f} MB zip)", "import_many",
                              "embedded", [MES, "docs", "import", str(archive), "--format", "json"], env,
                              args.many_docs, sum(sizes), "created", archive.stat().st_size))
            archive.unlink()
            folder = root / "pdfs-many"
            write_pdfs(folder, sizes, "many")
            env, _, _ = homes.person()
            runs.append(timed(f"mes docs upload -r (--jobs {DEFAULT_JOBS})", "upload_many", "embedded",
                              [MES, "docs", "upload", str(folder), "-r", "--format", "json"], env, args.many_docs,
                              sum(sizes), "uploaded"))
    finally:
        clean_up(root, args.keep, server)

    # -- summary -------------------------------------------------------------------
    rows = []

    def row(what: str, value: str, target: str = "", ok: bool | None = None) -> None:
        rows.append({"what": what, "value": value, "target": target, "verdict": verdict(ok)})

    def pick(mode: str, kind: str, count: int) -> list[Run]:
        return [r for r in runs if r.mode == mode and r.kind == kind and r.docs == count]

    def med(mode: str, kind: str, count: int, attr: str = "docs_s") -> float:
        return statistics.median(getattr(r, attr) for r in pick(mode, kind, count))

    def spread(mode: str, kind: str, count: int) -> str:
        rates = sorted(r.docs_s for r in pick(mode, kind, count))
        text = f"{med(mode, kind, count):.0f} docs/s, {med(mode, kind, count, 'mb_s'):.2f} MB/s"
        return text + (f" ({rates[0]:.0f}–{rates[-1]:.0f} docs/s)" if len(rates) > 1 else "")

    memory: dict[str, dict] = {}
    for mode in modes:
        for count in counts:
            imp, up = med(mode, "import", count), med(mode, "upload", count)
            row(f"{mode}, {count} docs: import", spread(mode, "import", count))
            row(f"{mode}, {count} docs: upload --jobs {DEFAULT_JOBS} (PDFs)", spread(mode, "upload", count))
            row(f"{mode}, {count} docs: upload --jobs 1 (PDFs)", spread(mode, "upload_j1", count))
            row(f"{mode}, {count} docs: import ÷ upload --jobs {DEFAULT_JOBS}", f"{imp / up:.2f}×",
                f"≥ {TARGET_VS_UPLOAD}×", imp / up >= TARGET_VS_UPLOAD)
            row(f"{mode}, {count} docs: import ÷ upload --jobs 1", f"{imp / med(mode, 'upload_j1', count):.2f}×")
        if len(counts) > 1:  # the rate once started: start-up and exit cancel out between two sizes
            lo, hi = counts[0], counts[-1]
            marginal = {}
            for kind in ("import", "upload", "upload_j1"):
                extra = med(mode, kind, hi, "wall_s") - med(mode, kind, lo, "wall_s")
                marginal[kind] = (hi - lo) / extra if extra > 0 else None
                row(f"{mode}, marginal rate {lo}→{hi} docs: {kind}", "n/a (no difference)" if not marginal[kind]
                    else f"{marginal[kind]:.0f} docs/s, {marginal[kind] * args.size / 1e6:.2f} MB/s "
                         f"({1000 / marginal[kind]:.1f} ms per doc)")
            if marginal["import"] and marginal["upload"]:
                row(f"{mode}, marginal rate: import ÷ upload --jobs {DEFAULT_JOBS}",
                    f"{marginal['import'] / marginal['upload']:.2f}×")
        memory[mode] = {}
        for kind in ("import", "upload", "upload_j1"):
            peaks = {count: max(r.maxrss_mb for r in pick(mode, kind, count)) for count in counts}
            memory[mode][kind] = peaks
        peaks = memory[mode]["import"]
        for count in counts:
            row(f"peak RSS, {mode}, import of {count} docs (max of {args.repeat})", f"{peaks[count]:.1f} MB "
                f"(upload {memory[mode]['upload'][count]:.1f} MB)", f"≤ {TARGET_RSS_MB:.0f} MB",
                peaks[count] <= TARGET_RSS_MB)
        if len(counts) > 1:
            lo, hi = counts[0], counts[-1]
            growth = peaks[hi] - peaks[lo]
            per_doc = growth * 1024 / (hi - lo)
            reach = hi + (TARGET_RSS_MB - peaks[hi]) * 1024 / per_doc if per_doc > 0 else None
            row(f"  {mode}: import peak, {hi} vs {lo} docs", f"{growth:+.1f} MB ({per_doc:+.1f} KB per doc" +
                (f", ≈ {reach:,.0f} docs to reach {TARGET_RSS_MB:.0f} MB)" if reach else ")"),
                f"≤ +{TARGET_FLAT_MB:.0f} MB", growth <= TARGET_FLAT_MB)
            up = memory[mode]["upload"]
            row(f"  {mode}: upload peak, {hi} vs {lo} docs", f"{up[hi] - up[lo]:+.1f} MB")
    many = {r.kind: r for r in runs if r.kind.endswith("_many")}
    if many:
        imp, up = many["import_many"], many["upload_many"]
        lo = counts[0]
        per_doc = (imp.maxrss_mb - memory["embedded"]["import"][lo]) * 1024 / (args.many_docs - lo)
        row(f"peak RSS, embedded, import of {args.many_docs} docs", f"{imp.maxrss_mb:.1f} MB (upload "
            f"{up.maxrss_mb:.1f} MB)", f"≤ {TARGET_RSS_MB:.0f} MB", imp.maxrss_mb <= TARGET_RSS_MB)
        row(f"  embedded: import peak, {args.many_docs} vs {lo} docs", f"{per_doc:+.1f} KB per doc")
        row(f"embedded, {args.many_docs} docs: import ÷ upload --jobs {DEFAULT_JOBS}",
            f"{imp.docs_s:.0f} ÷ {up.docs_s:.0f} docs/s = {imp.docs_s / up.docs_s:.2f}×")
        memory["embedded"]["many"] = {"docs": args.many_docs, "import_mb": imp.maxrss_mb, "upload_mb": up.maxrss_mb}
    for mode, info in show.items():
        for case in info["cases"]:
            row(f"{mode}: {case['name']}", f"{case['median_s'] * 1000:.0f} ms (p90 {case['p90_s'] * 1000:.0f})",
                f"< {case['target_s']:.0f} s" if case["target_s"] else "",
                case["median_s"] < case["target_s"] if case["target_s"] else None)

    load_after = os.getloadavg()
    say(f"\nSummary (medians of {args.repeat} round(s); docs show: of {args.show_runs} runs)")
    print_rows(rows, 10)
    for r in runs:
        if r.note:
            say(f"  ! {r.mode} {r.name}: {r.note}")
    say(f"\n(the requirement's archive has {TARGET_COUNT} documents; total {time.perf_counter() - began:.0f} s; "
        f"{os.cpu_count()} CPUs; load average {load_before[0]:.2f} before, {load_after[0]:.2f} after)")

    if args.json:
        write_figures(args.json, args, load_before, load_after, runs=[asdict(r) for r in runs], memory=memory,
                      show=show, summary=rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
