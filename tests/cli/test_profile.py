"""`mes profile`: sections, rules, not-concerned marks, FHIR export — in-process and over HTTP."""

from __future__ import annotations

import json

from support.flows import active_person


def _rows(mes):
    out = mes("profile", "show", "--format", "jsonl").stdout
    return [json.loads(line) for line in out.splitlines()]


def test_add_show_edit_remove(mes):
    active_person(mes)
    disease = mes.ok("profile", "add", "disease", "--name", "Asthme", "--since", "12 mars 2019")
    assert disease["fields"] == {"name": "Asthme", "since": "2019-03-12", "ongoing": True}
    treatment = mes.ok("profile", "add", "treatment", "--name", "Ventoline", "--dosage", "2 bouffées",
                       "--start", "01/04/2021")
    assert "end_date" not in treatment["fields"]  # a current treatment
    mes.ok("profile", "add", "allergy", "--substance", "Pénicilline", "--severity", "severe")
    mes.ok("profile", "add", "family-history", "--relative", "mère", "--condition", "diabète de type 2")
    mes.ok("profile", "add", "measure", "--kind", "blood-pressure", "--systolic", "125", "--diastolic", "82",
           "--date", "2024-02-01")
    mes.ok("profile", "add", "measure", "--kind", "weight", "--value", "64.5")
    profile = mes.ok("profile", "show")
    counts = {s["section"]: len(s["entries"]) for s in profile["sections"]}
    assert counts == {"diseases": 1, "treatments": 1, "allergies": 1, "family_history": 1, "measures": 2}
    edited = mes.ok("profile", "edit", treatment["id"], "--set", "end_date=2024-01-31", "--set", "dosage=1/j")
    assert edited["fields"]["end_date"] == "2024-01-31" and edited["fields"]["dosage"] == "1/j"
    mes.ok("profile", "remove", disease["id"])
    assert [r["section"] for r in _rows(mes)].count("diseases") == 0


def test_readable_on_a_terminal_and_csv_for_scripts(mes):
    p = active_person(mes)
    mes.ok("profile", "add", "allergy", "--substance", "Arachide", "--reaction", "œdème")
    table = mes("profile", "show", "--format", "table").stdout
    assert f"{p['first_name']} {p['last_name']}" in table and "Arachide" in table and "Allergies" in table
    csv_lines = mes("profile", "show", "--format", "csv").stdout.splitlines()
    assert csv_lines[0].startswith("section,id,") and "Arachide" in csv_lines[1]


def test_rules_refuse_impossible_values(mes):
    active_person(mes)
    cases = [
        (["measure", "--kind", "blood-pressure", "--systolic", "80", "--diastolic", "120"], "systolic"),
        (["measure", "--kind", "weight", "--value", "640"], "between"),
        (["measure", "--kind", "height", "--value", "5"], "between"),
        (["measure", "--kind", "blood-pressure", "--systolic", "120"], "diastolic"),
        (["treatment", "--name", "X", "--start", "01/02/2024", "--end", "01/01/2024"], "before its start"),
        (["disease", "--name", "Y", "--since", "01/01/2999"], "INVALID_DATE"),
        (["disease", "--name", "Y", "--since", "31/02/2020"], "INVALID_DATE"),
        (["disease", "--name", "N" * 51], "VALIDATION_ERROR"),
        (["allergy", "--substance", "Z", "--severity", "terrible"], "severity"),
    ]
    for args, expected in cases:
        result = mes("profile", "add", *args)
        assert result.exit_code == 6 and expected in result.stderr, (args, result)
    assert _rows(mes) == []


def test_not_concerned_marks(mes):
    active_person(mes)
    marked = mes.ok("profile", "not-concerned", "allergy")
    assert marked["not_concerned"] is True
    mes.ok("profile", "add", "allergy", "--substance", "Latex")  # adding an entry lifts the mark
    profile = mes.ok("profile", "show")
    allergies = next(s for s in profile["sections"] if s["section"] == "allergies")
    assert allergies["not_concerned"] is False
    refused = mes("profile", "not-concerned", "allergy")
    assert refused.exit_code == 8


def test_blood_group(mes):
    active_person(mes)
    mes.ok("profile", "blood-group", "ab-")
    assert mes.ok("profile", "show")["blood_group"] == "AB-"
    assert mes("profile", "blood-group", "Z+").exit_code == 6
    mes.ok("profile", "blood-group", "--clear")
    assert mes.ok("profile", "show")["blood_group"] is None


def test_nobody_reads_or_writes_another_profile(mes, tmp_path):
    active_person(mes)
    entry = mes.ok("profile", "add", "disease", "--name", "Secret")
    other = mes.as_other(tmp_path / "other")
    active_person(other)
    assert all(not s["entries"] for s in other.ok("profile", "show")["sections"])
    assert other("profile", "remove", entry["id"]).exit_code == 7
    assert other("profile", "edit", entry["id"], "--set", "name=Hacked").exit_code == 7
    assert mes.ok("profile", "show")["sections"][0]["entries"][0]["fields"]["name"] == "Secret"


def test_fhir_export_is_a_valid_r4b_bundle(mes, tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    p = active_person(mes)
    mes.ok("profile", "add", "disease", "--name", "Asthme", "--since", "2019-03-12")
    mes.ok("profile", "add", "treatment", "--name", "Ventoline", "--dosage", "2 bouffées", "--start", "2021-04-01")
    mes.ok("profile", "add", "allergy", "--substance", "Pénicilline", "--reaction", "urticaire", "--severity", "mild")
    mes.ok("profile", "add", "family-history", "--relative", "père", "--condition", "infarctus")
    mes.ok("profile", "add", "measure", "--kind", "blood-pressure", "--systolic", "125", "--diastolic", "82")
    mes.ok("profile", "add", "measure", "--kind", "height", "--value", "168")
    mes.ok("vaccins", "add", "--vaccine", "DTPOLIO", "--date", "2020-05-04", "--dose", "booster", "--lot", "AB12")
    mes.ok("profile", "blood-group", "A+")
    target = tmp_path / "profile.fhir.json"
    mes.ok("profile", "export", "--format", "fhir", "-o", str(target))
    bundle = Bundle.model_validate_json(target.read_text())
    types = sorted(e.resource.__resource_type__ for e in bundle.entry)
    assert types == ["AllergyIntolerance", "Condition", "FamilyMemberHistory", "Immunization", "MedicationStatement",
                     "Observation", "Observation", "Observation", "Patient"]  # the blood group is an Observation
    patient = next(e.resource for e in bundle.entry if e.resource.__resource_type__ == "Patient")
    assert patient.identifier[0].system == "urn:oid:1.2.250.1.213.1.4.8" and patient.identifier[0].value == p["nir"]
    assert patient.identifier[0].type.coding[0].code == "INS-NIR" and patient.gender == "female"
    allergy = next(e.resource for e in bundle.entry if e.resource.__resource_type__ == "AllergyIntolerance")
    assert allergy.clinicalStatus.coding[0].code == "active" and allergy.verificationStatus is not None
    # Every R4 invariant of every resource: tests/server/test_fhir_invariants.py.
    pressure = next(e.resource for e in bundle.entry if e.resource.__resource_type__ == "Observation"
                    and e.resource.component)
    assert [c.valueQuantity.value for c in pressure.component] == [125, 82]
    immunization = next(e.resource for e in bundle.entry if e.resource.__resource_type__ == "Immunization")
    assert immunization.lotNumber == "AB12" and str(immunization.occurrenceDateTime) == "2020-05-04"


# -- export: never over a file without --force; the profile as a PDF ------------------------------------


def _run_on(mes, stdout, *args: str, tty: bool) -> tuple[int, str]:
    """`mes` with a stdout of the test's choosing (a terminal or not), as the fixture would run it."""
    import io

    from mes_cli.cli.app import run
    from mes_cli.cli.env import Env

    variables = {"MES_HOME": str(mes.home), "MES_API_URL": mes.api_url, **mes.variables}
    if mes.admin_token:
        variables["MES_ADMIN_TOKEN"] = mes.admin_token
    err = io.StringIO()
    code = run(list(args), Env(stdin=io.StringIO(), stdout=stdout, stderr=err, vars=variables, stdin_is_tty=False,
                               stdout_is_tty=tty))
    return code, err.getvalue()


def test_export_never_replaces_a_file_without_force(mes, tmp_path):
    import stat

    active_person(mes)
    mes.ok("profile", "add", "allergy", "--substance", "Latex")
    target = tmp_path / "profile.json"
    target.write_text("mes notes\n")
    refused = mes("profile", "export", "-o", str(target))
    assert refused.exit_code == 8 and "--force" in refused.stderr and str(target) in refused.stderr
    assert target.read_text() == "mes notes\n"
    replaced = mes("profile", "export", "-o", str(target), "--force")
    assert replaced.exit_code == 0, replaced
    assert json.loads(target.read_text())["resourceType"] == "Bundle"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home", "profile.json"]  # no temp file left behind
    into_directory = mes("profile", "export", "--format", "pdf", "-o", str(tmp_path))
    assert into_directory.exit_code == 0, into_directory
    assert (tmp_path / "medical-profile.pdf").read_bytes().startswith(b"%PDF-")


def test_the_profile_as_a_pdf_holds_every_section_and_the_booklet(mes, tmp_path):
    from support import pdf

    p = active_person(mes)
    mes.ok("profile", "add", "disease", "--name", "Asthme", "--since", "12/03/2019")
    mes.ok("profile", "add", "treatment", "--name", "Ventoline", "--dosage", "2 bouffées", "--start", "01/04/2021",
           "--end", "31/01/2024")
    mes.ok("profile", "add", "allergy", "--substance", "Pénicilline", "--severity", "severe",
           "--comment", "Œdème (2010)")
    mes.ok("profile", "add", "measure", "--kind", "blood-pressure", "--systolic", "125", "--diastolic", "82",
           "--date", "01/02/2024")
    mes.ok("profile", "not-concerned", "family-history")
    mes.ok("profile", "blood-group", "A+")
    mes.ok("vaccins", "add", "--vaccine", "DTPOLIO", "--date", "04/05/2020", "--dose", "booster", "--lot", "AB12")
    target = tmp_path / "profil.pdf"
    mes.ok("profile", "export", "--format", "pdf", "-o", str(target))
    data = target.read_bytes()
    assert pdf.check_structure(data) == 1
    lines = pdf.text(data).splitlines()
    assert lines[:3] == [f"Medical profile of {p['first_name']} {p['last_name']}",
                         f"Born on {p['birth_date'][8:]}/{p['birth_date'][5:7]}/{p['birth_date'][:4]}",
                         "Blood group: A+"]
    for expected in ("Diseases and health topics", "• Asthme\u00a0— since 12/03/2019\u00a0— ongoing",
                     "• Ventoline\u00a0— 2 bouffées\u00a0— from 01/04/2021 to 31/01/2024",
                     "• Pénicilline\u00a0— severity: severe", "Comment: Œdème (2010)", "Family history",
                     "not concerned", "• Blood pressure: 125/82 mmHg\u00a0— on 01/02/2024", "Vaccinations"):
        assert expected in lines, expected
    booklet = " ".join(lines[lines.index("Vaccinations"):])  # a long vaccine name wraps the line
    assert "• 04/05/2020\u00a0— " in booklet and "booster dose\u00a0— lot AB12" in booklet
    french = tmp_path / "profil-fr.pdf"
    mes.ok("--lang", "fr", "profile", "export", "--format", "pdf", "-o", str(french))
    shown = pdf.text(french.read_bytes())
    assert "Groupe sanguin : A+" in shown and "Maladies et sujets de santé" in shown and "Vaccinations" in shown
    assert "gravité : sévère" in shown and "non concerné(e)" in shown


def test_a_pdf_goes_to_stdout_only_when_it_is_not_a_terminal(mes):
    import io

    active_person(mes)
    terminal = io.StringIO()
    code, stderr = _run_on(mes, terminal, "profile", "export", "--format", "pdf", tty=True)
    assert code == 2 and "-o FILE" in stderr and terminal.getvalue() == ""
    pipe = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    code, stderr = _run_on(mes, pipe, "profile", "export", "--format", "pdf", tty=False)
    pipe.flush()
    assert code == 0, stderr
    assert pipe.buffer.getvalue().startswith(b"%PDF-1.4\n")


def test_an_unknown_export_format_is_a_usage_error(mes):
    result = mes("profile", "export", "--format", "yaml")
    assert result.exit_code == 2
    assert "Invalid value for '--format' / '-f': 'yaml' is not one of 'fhir', 'pdf'." in result.stderr
