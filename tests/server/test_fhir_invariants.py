"""The FHIR export passes the R4 specification's own invariants, for every resource it contains.

fhir.resources checks the Bundle's structure (cardinalities, types) but evaluates no
invariant: an AllergyIntolerance without clinicalStatus, a reaction whose manifestation
is invented, an empty element — all pass it.  So this test evaluates, with a FHIRPath
engine (fhirpathpy, with its R4 model so that choice types like ``value[x]`` resolve),
the invariants the R4 specification (4.0.1) defines, expressions copied verbatim with
their keys from the R4 StructureDefinitions (as carried by the snapshots of an R4
implementation guide: ndhm.in 2.0.1, which depends on hl7.fhir.r4.core 4.0.1), for every
resource type the export contains, plus the universal ones (ele-1, ext-1, dom-*) and those
of the data types it uses (Quantity qty-3, Period per-1, Reference ref-1, Narrative
txt-1/txt-2).

How an invariant is evaluated:

- on a resource (Bundle, Patient, Condition…): with the resource as the focus,
  ``%resource`` and ``%rootResource``;
- on an element or a data type (bdl-5 on Bundle.entry, qty-3 on every Quantity): for
  every occurrence, as ``<where>.all(<expression>)``, which evaluates the published
  expression with each occurrence as the focus;
- two functions the specification uses are not in fhirpathpy and are given here as the
  FHIRPath specification defines them: ``hasValue()`` (a single primitive with a value)
  and ``htmlChecks()`` (the narrative is XHTML of the allowed elements, with some text).

Not evaluated: the Vital Signs profile's invariants (vs-1…vs-3), since the export claims
no profile; terminology bindings (no terminology server here).  The export is checked on
a fully filled profile, an empty one and a child's, built through the reference server.
"""

from __future__ import annotations

import contextlib
import io
import json
import xml.etree.ElementTree as ET

import pytest
from fhirpathpy import evaluate
from fhirpathpy.models import models

from mes_cli.contract import models as m
from mes_cli.server.services import fhir, medical, vaccinations

R4 = models["r4"]

# -- the invariants, verbatim from R4 (key, expression), by where they apply -----------------------

UNIVERSAL = {  # Element: every element of every resource
    "ele-1": "hasValue() or (children().count() > id.count())",
}
DOMAIN_RESOURCE = {
    "dom-2": "contained.contained.empty()",
    "dom-3": "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | "
             "%resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = "
             "'#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) "
             "= '#').exists()).not()).trace('unmatched', id).empty()",
    "dom-4": "contained.meta.versionId.empty() and contained.meta.lastUpdated.empty()",
    "dom-5": "contained.meta.security.empty()",
    "dom-6": "text.`div`.exists()",
}
DATA_TYPES = {  # data type -> invariants, evaluated on every occurrence
    "Extension": {"ext-1": "extension.exists() != value.exists()"},
    "Quantity": {"qty-3": "code.empty() or system.exists()"},
    "Period": {"per-1": "start.hasValue().not() or end.hasValue().not() or (start <= end)"},
    "Reference": {"ref-1": "reference.startsWith('#').not() or (reference.substring(1).trace('url') in "
                           "%rootResource.contained.id.trace('ids'))"},
    "Narrative": {"txt-1": "htmlChecks()", "txt-2": "htmlChecks()"},
    "Attachment": {"att-1": "data.empty() or contentType.exists()"},
}
RESOURCES = {  # resource type -> {where (FHIRPath from the resource, "" = itself): {key: expression}}
    "Bundle": {
        "": {
            "bdl-1": "total.empty() or (type = 'searchset') or (type = 'history')",
            "bdl-2": "entry.search.empty() or (type = 'searchset')",
            "bdl-3": "entry.all(request.exists() = (%resource.type = 'batch' or %resource.type = 'transaction' or "
                     "%resource.type = 'history'))",
            "bdl-4": "entry.all(response.exists() = (%resource.type = 'batch-response' or %resource.type = "
                     "'transaction-response' or %resource.type = 'history'))",
            "bdl-7": "(type = 'history') or entry.where(fullUrl.exists()).select(fullUrl&resource.meta.versionId)"
                     ".isDistinct()",
            "bdl-9": "type = 'document' implies (identifier.system.exists() and identifier.value.exists())",
            "bdl-10": "type = 'document' implies (timestamp.hasValue())",
            "bdl-11": "type = 'document' implies entry.first().resource.is(Composition)",
            "bdl-12": "type = 'message' implies entry.first().resource.is(MessageHeader)",
        },
        "entry": {
            "bdl-5": "resource.exists() or request.exists() or response.exists()",
            "bdl-8": "fullUrl.contains('/_history/').not()",
        },
    },
    "Patient": {"contact": {"pat-1": "name.exists() or telecom.exists() or address.exists() or "
                                     "organization.exists()"}},
    "Condition": {
        "": {
            "con-3": "clinicalStatus.exists() or verificationStatus.coding.where(system='http://terminology.hl7.org/"
                     "CodeSystem/condition-ver-status' and code = 'entered-in-error').exists() or "
                     "category.select($this='problem-list-item').empty()",
            "con-4": "abatement.empty() or clinicalStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/"
                     "condition-clinical' and (code='resolved' or code='remission' or code='inactive')).exists()",
            "con-5": "verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/"
                     "condition-ver-status' and code='entered-in-error').empty() or clinicalStatus.empty()",
        },
        "stage": {"con-1": "summary.exists() or assessment.exists()"},
        "evidence": {"con-2": "code.exists() or detail.exists()"},
    },
    "AllergyIntolerance": {"": {
        "ait-1": "verificationStatus.coding.where(system = 'http://terminology.hl7.org/CodeSystem/"
                 "allergyintolerance-verification' and code = 'entered-in-error').exists() or clinicalStatus.exists()",
        "ait-2": "verificationStatus.coding.where(system = 'http://terminology.hl7.org/CodeSystem/"
                 "allergyintolerance-verification' and code = 'entered-in-error').empty() or clinicalStatus.empty()",
    }},
    "Observation": {
        "": {
            "obs-6": "dataAbsentReason.empty() or value.empty()",
            "obs-7": "value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()",
        },
        "referenceRange": {"obs-3": "low.exists() or high.exists() or text.exists()"},
    },
    "Immunization": {"education": {"imm-1": "documentType.exists() or reference.exists()"}},
    "FamilyMemberHistory": {"": {
        "fhs-1": "age.empty() or born.empty()",
        "fhs-2": "age.exists() or estimatedAge.empty()",
    }},
    "MedicationStatement": {},  # R4 defines none beyond DomainResource's and the data types'
    "DocumentReference": {},  # likewise (docRef-1 and docRef-2 came with R5)
    "Practitioner": {},  # contained: an Immunization's performer
    "Organization": {
        "": {"org-1": "(identifier.count() + name.count()) > 0"},
        "address": {"org-2": "where(use = 'home').empty()"},
        "telecom": {"org-3": "where(use = 'home').empty()"},
    },
}

# -- the two functions fhirpathpy lacks, as the FHIRPath / FHIR specifications define them ---------

XHTML = "{http://www.w3.org/1999/xhtml}"
# txt-1: "only the basic html formatting elements and attributes described in chapters 7-11 (except
# section 4 of chapter 9) and 15 of the HTML 4.0 standard, <a> elements (either name or href), images
# and internally contained style attributes" — the elements the export could use, and no scripting.
ALLOWED_ELEMENTS = {"div", "p", "b", "i", "em", "strong", "small", "big", "tt", "br", "hr", "span", "ul", "ol",
                    "li", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody",
                    "tfoot", "tr", "th", "td", "caption", "pre", "blockquote", "code", "sub", "sup", "a", "img"}


def _has_value(inputs):
    return [len(inputs) == 1 and inputs[0] is not None and not isinstance(inputs[0], (dict, list))]


def _html_checks(inputs):
    def ok(div) -> bool:
        try:
            root = ET.fromstring(div)
        except ET.ParseError:
            return False
        elements = list(root.iter())
        return (root.tag == XHTML + "div"
                and all(e.tag.startswith(XHTML) and e.tag[len(XHTML):] in ALLOWED_ELEMENTS for e in elements)
                and not any(name.lower().startswith("on") for e in elements for name in e.attrib)
                and bool("".join(root.itertext()).strip()))

    return [all(ok(item["div"]) for item in inputs if isinstance(item, dict) and "div" in item)]


OPTIONS = {"userInvocationTable": {"hasValue": {"fn": _has_value}, "htmlChecks": {"fn": _html_checks}}}


def holds(resource: dict, expression: str, where: str = "") -> bool:
    """The invariant on ``resource`` (``where``: the elements it is defined on, every one)."""
    path = f"({where}).all({expression})" if where else expression
    with contextlib.redirect_stdout(io.StringIO()):  # fhirpathpy prints what trace() sees
        result = evaluate(resource, path, {"resource": resource, "rootResource": resource}, model=R4, options=OPTIONS)
    return result == [True]


def broken_invariants(resource: dict, contained: bool = False) -> list[str]:
    """Every R4 invariant ``resource`` breaks, as 'Type key: expression' (empty when it conforms).

    A Bundle's entries are resources of their own (``%resource`` and ``%rootResource`` are
    the entry's resource for what it holds): their elements are checked with them, so the
    Bundle's own elements are checked on a copy whose entries hold a bare resource.  A contained
    resource has no narrative of its own (R4, DomainResource.text: "Contained resources do not
    have narrative"): the dom-* rules are its container's.
    """
    kind = resource["resourceType"]
    assert kind in RESOURCES, f"the test has no invariants for {kind}: add them from the R4 specification"
    own = _without_entry_contents(resource) if kind == "Bundle" else resource
    checks = [(own, "descendants()", key, expr) for key, expr in UNIVERSAL.items()]
    checks += [(own, "", "ele-1", UNIVERSAL["ele-1"])]  # the resource element itself
    if kind != "Bundle" and not contained:
        checks += [(own, "", key, expr) for key, expr in DOMAIN_RESOURCE.items()]
    for data_type, invariants in DATA_TYPES.items():
        checks += [(own, f"descendants().ofType({data_type})", key, expr) for key, expr in invariants.items()]
    for where, invariants in RESOURCES[kind].items():
        checks += [(resource, where, key, expr) for key, expr in invariants.items()]
    broken = [f"{kind} {key}: {expr}" for target, where, key, expr in checks if not holds(target, expr, where)]
    for inner in resource.get("contained", ()):
        broken += [f"{kind}.contained: {b}" for b in broken_invariants(inner, contained=True)]
    return broken


def _without_entry_contents(bundle: dict) -> dict:
    bare = [{**e, "resource": {"resourceType": e["resource"]["resourceType"], "id": "checked-on-its-own"}}
            if "resource" in e else e for e in bundle.get("entry", [])]
    return {**bundle, "entry": bare}


@pytest.fixture(autouse=True)
def filtering_as(monkeypatch):
    """R4's dom-3 applies the ``as()`` function to ``descendants()``, a collection: R4's reference
    engine filters it like ``ofType()``; fhirpathpy follows the later FHIRPath rule that ``as()``
    takes one item and raises.  The R4 behaviour is restored here for the R4 expressions."""
    from fhirpathpy.engine.invocations import filtering, invocation_registry

    monkeypatch.setitem(invocation_registry, "as", {"fn": filtering.of_type_fn, "arity": {1: ["TypeSpecifier"]}})


# -- the profiles to export ------------------------------------------------------------------------

@pytest.fixture
def backend() -> str:
    """SQLite only: the export reads rows the same way on every store (test_store_backends covers both)."""
    return "sqlite"


@pytest.fixture
def api(make_api):
    return make_api()


def _add(api, p: dict, section: str, body: dict) -> None:
    api.ok(api.post(f"/v1/profiles/me/medical/{section}", body, token=p["token"]), 201)


def _export(api, p: dict) -> dict:
    response = api.get("/v1/profiles/me/medical/fhir", token=p["token"])
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/fhir+json")
    return response.json()


def _full_profile(api) -> tuple[dict, dict]:
    p = api.active_person(birth_date="1975-04-12")
    _add(api, p, "diseases", {"name": "Asthme", "since": "2019-03-12", "comment": "Effort"})
    _add(api, p, "diseases", {"name": "Appendicite", "since": "1990-06-01", "ongoing": False})
    _add(api, p, "treatments", {"name": "Ventoline", "dosage": "2 bouffées", "start_date": "2021-04-01"})
    _add(api, p, "treatments", {"name": "Amoxicilline", "start_date": "2024-01-02", "end_date": "2024-01-09"})
    _add(api, p, "allergies", {"substance": "Pénicilline", "reaction": "urticaire", "severity": "moderate"})
    _add(api, p, "allergies", {"substance": "Arachide", "severity": "severe"})
    _add(api, p, "allergies", {"substance": "Latex"})
    _add(api, p, "family_history", {"relative": "mère", "condition": "diabète de type 2", "comment": "à 50 ans"})
    _add(api, p, "measures", {"kind": "weight", "value": 64.5, "date": "2025-01-10"})
    _add(api, p, "measures", {"kind": "height", "value": 168, "date": "2025-01-10"})
    _add(api, p, "measures", {"kind": "blood_pressure", "systolic": 125, "diastolic": 82, "date": "2025-01-10"})
    api.ok(api.request("PUT", "/v1/profiles/me/medical/blood-group", json={"blood_group": "O-"}, token=p["token"]))
    for vaccine, day, extra in [("ROR", "1976-04-20", {}), ("Repevax", "2000-05-04", {"dose": "booster",
                                "lot": "AB12", "performer": "Dr Martin"}), ("HPV", "2020-05-04", {}),
                                ("Revaxis", "2020-06-04", {"dose": "booster"})]:
        api.ok(api.post("/v1/profiles/me/vaccinations", {"vaccine": vaccine, "date": day, **extra},
                        token=p["token"]), 201)
    return p, _export(api, p)


def _resources(bundle: dict) -> list[dict]:
    return [entry["resource"] for entry in bundle["entry"]]


def test_the_invariants_are_evaluated_for_real():
    """A guard against a vacuous pass: the checks catch the faults the old export had."""
    invented = {"resourceType": "AllergyIntolerance", "code": {"text": "Latex"}, "patient": {"reference": "urn:x"}}
    assert any(b.startswith("AllergyIntolerance ait-1") for b in broken_invariants(invented))
    empty = {"resourceType": "Patient", "name": [{}], "text": {"status": "generated", "div": "<div/>"}}
    broken = broken_invariants(empty)
    assert any("ele-1" in b for b in broken) and any("txt-2" in b for b in broken)
    both = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}, "valueString": "1",
            "dataAbsentReason": {"text": "no"}}
    assert any("obs-6" in b for b in broken_invariants(both))
    assert any("qty-3" in b for b in broken_invariants({"resourceType": "Observation", "status": "final",
                                                        "code": {"text": "x"}, "valueQuantity": {"code": "kg"}}))
    # A reference with only a display: R4's ref-1 evaluates to empty, which a validator counts as failed.
    display_only = {"resourceType": "Immunization", "status": "completed", "vaccineCode": {"text": "x"},
                    "patient": {"reference": "urn:uuid:1"}, "occurrenceDateTime": "2020-01-01",
                    "performer": [{"actor": {"display": "Dr Martin"}}]}
    assert any("ref-1" in b for b in broken_invariants(display_only))
    orphan = {**display_only, "performer": [], "contained": [{"resourceType": "Practitioner", "id": "p"}]}
    assert any("dom-3" in b for b in broken_invariants(orphan))


def test_a_full_profile_passes_every_invariant_of_every_resource(api):
    from fhir.resources.R4B.bundle import Bundle

    p, bundle = _full_profile(api)
    Bundle.model_validate_json(json.dumps(bundle))  # the structure, as before
    assert broken_invariants(bundle) == []
    for resource in _resources(bundle):
        assert broken_invariants(resource) == [], resource
    kinds = sorted(r["resourceType"] for r in _resources(bundle))
    assert kinds == ["AllergyIntolerance"] * 3 + ["Condition"] * 2 + ["FamilyMemberHistory"] + ["Immunization"] * 4 \
        + ["MedicationStatement"] * 2 + ["Observation"] * 4 + ["Patient"]


def test_what_the_resources_say(api):
    p, bundle = _full_profile(api)
    by_kind: dict[str, list[dict]] = {}
    for resource in _resources(bundle):
        by_kind.setdefault(resource["resourceType"], []).append(resource)
    (patient,) = by_kind["Patient"]
    assert patient["gender"] == "female"  # the NIR starts with 2
    assert "meta" not in patient  # no profile claimed: the INS profile needs data the registry does not give
    (identifier,) = patient["identifier"]
    assert identifier == {"use": "official", "system": "urn:oid:1.2.250.1.213.1.4.8", "value": p["nir"],
                          "type": {"coding": [{"system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                                               "code": "INS-NIR", "display": "NIR définitif"}]}}
    allergies = {a["code"]["text"]: a for a in by_kind["AllergyIntolerance"]}
    assert all(a["clinicalStatus"]["coding"][0]["code"] == "active" for a in allergies.values())
    assert all(a["verificationStatus"]["coding"][0]["code"] == "unconfirmed" for a in allergies.values())
    assert allergies["Pénicilline"]["reaction"] == [{"manifestation": [{"text": "urticaire"}], "severity": "moderate"}]
    assert "reaction" not in allergies["Arachide"] and "sévère" in allergies["Arachide"]["note"][0]["text"]
    assert "reaction" not in allergies["Latex"]  # no reaction was entered: none is invented
    statuses = {c["code"]["text"]: c["clinicalStatus"]["coding"][0]["code"] for c in by_kind["Condition"]}
    assert statuses == {"Asthme": "active", "Appendicite": "resolved"}
    blood = next(o for o in by_kind["Observation"] if o["code"]["coding"][0]["code"] == "882-1")
    assert blood["valueCodeableConcept"]["coding"][0] == {"system": "http://snomed.info/sct", "code": "278148006",
                                                          "display": "Blood group O Rh(D) negative"}
    units = {o["code"]["coding"][0]["code"]: o.get("valueQuantity", {}).get("code") for o in by_kind["Observation"]}
    assert units == {"29463-7": "kg", "8302-2": "cm", "85354-9": None, "882-1": None}
    pressure = next(o for o in by_kind["Observation"] if o["code"]["coding"][0]["code"] == "85354-9")
    assert [c["valueQuantity"]["code"] for c in pressure["component"]] == ["mm[Hg]", "mm[Hg]"]
    repevax = next(i for i in by_kind["Immunization"] if i["occurrenceDateTime"] == "2000-05-04")
    assert repevax["status"] == "completed" and repevax["lotNumber"] == "AB12"
    assert repevax["performer"] == [{"actor": {"reference": "#performer", "display": "Dr Martin"}}]
    assert repevax["contained"] == [
        {"resourceType": "Practitioner", "id": "performer", "name": [{"text": "Dr Martin"}]}]
    assert repevax["vaccineCode"]["coding"] == [
        {"system": "urn:mes-cli:vaccine", "code": "DTCAPOLIO_RAPPEL",
         "display": "Vaccin diphtérie-tétanos-coqueluche-poliomyélite à doses réduites (dTcaPolio)"},
        {"system": "http://www.whocc.no/atc", "code": "J07CA02"}]
    assert repevax["primarySource"] is False and repevax["reportOrigin"]["coding"][0]["code"] == "record"


def test_an_empty_profile_passes_too(api):
    p = api.active_person(birth_date="1990-01-31")
    bundle = _export(api, p)
    assert [r["resourceType"] for r in _resources(bundle)] == ["Patient"]
    assert broken_invariants(bundle) == [] and broken_invariants(_resources(bundle)[0]) == []


def test_a_childs_profile_passes_too(api):
    import secrets

    from mes_cli.demo_data import card_serial_for
    from mes_cli.domain.nir import make_nir

    nir = make_nir(1, 2024, 3, "75", "056", 1 + secrets.randbelow(998))  # a boy: the NIR starts with 1
    child = {"nir": nir, "first_name": "Hugo", "last_name": "Martin", "birth_date": "2024-03-10",
             "card_serial": card_serial_for(nir)}
    parent = api.active_person(children=[child])
    child_id = api.ctx.store.one("SELECT child_id FROM representatives WHERE parent_id = ?",
                                 (parent["id"],))["child_id"]
    for vaccine, day in [("HEXA", "2024-05-10"), ("PCV", "2024-05-10"), ("MENC", "2024-08-10"), ("ROR", "2025-03-10")]:
        vaccinations.add(api.ctx, child_id, m.VaccinationIn(vaccine=vaccine, date=day))
    medical.add(api.ctx, child_id, "measures", m.MeasureIn(kind="weight", value=11.2, date="2025-03-10"))
    bundle = fhir.bundle(api.ctx, child_id)
    assert broken_invariants(bundle) == []
    for resource in _resources(bundle):
        assert broken_invariants(resource) == [], resource
    patient = _resources(bundle)[0]
    assert patient["gender"] == "male" and patient["birthDate"] == "2024-03-10"
    menc = next(r for r in _resources(bundle) if r["resourceType"] == "Immunization"
                and r["vaccineCode"]["coding"][0]["code"] == "MENC")
    assert menc["vaccineCode"]["coding"][1] == {"system": "http://www.whocc.no/atc", "code": "J07AH07"}


def test_doses_recorded_by_a_professional_pass_too_with_their_cis_code(api):
    """A vaccination history filed into the space: products the catalogue does not know are coded
    with their CIS code alone, and primarySource says a professional recorded them."""
    from support.health_docs import archive, cda_of, retarget_cda

    p = api.active_person(birth_date="1975-04-12")
    filed = api.ok(api.request("POST", "/v1/profiles/me/documents/import", token=p["token"],
                               content=retarget_cda(cda_of(archive("VAC_2023")), p),
                               headers={"Content-Type": "application/octet-stream"}), 201)
    assert filed["vaccinations"] == 3
    bundle = _export(api, p)
    assert broken_invariants(bundle) == []
    immunizations = [r for r in _resources(bundle) if r["resourceType"] == "Immunization"]
    assert len(immunizations) == 3 and all(r["primarySource"] is True for r in immunizations)
    for resource in immunizations:
        assert broken_invariants(resource) == [], resource
        assert [c["system"] for c in resource["vaccineCode"]["coding"]] == ["urn:oid:1.2.250.1.213.2.3.1"]


def test_documents_pass_too_with_their_confidentiality_as_security_labels(api):
    """A document's confidentiality levels are its DocumentReference's meta.security, as in its XDM entry;
    a legal representative's bundle leaves out what is kept from them."""
    import secrets

    from mes_cli.demo_data import card_serial_for
    from mes_cli.domain.nir import make_nir

    nir = make_nir(2, 2012, 2, "75", "056", 1 + secrets.randbelow(998))
    child = {"nir": nir, "first_name": "Inès", "last_name": "Durand", "birth_date": "2012-02-03",
             "card_serial": card_serial_for(nir)}
    parent = api.active_person(children=[child])
    api.ok(api.post("/v1/children", {"code": api.last_message(nir)["code"], "birth_date": child["birth_date"],
                                     "certify_legal_representative": True}, token=parent["token"]), 201)
    child_id = api.ctx.store.one("SELECT child_id FROM representatives WHERE parent_id = ?",
                                 (parent["id"],))["child_id"]
    for title, query in (("Visible", {}), ("Secret", {"hidden": "true", "hidden_from_representatives": "true"})):
        api.ok(api.request("POST", f"/v1/admin/profiles/{child_id}/documents", content=b"%PDF-1.4\n" + title.encode()
                           + b"\n%%EOF\n", params={"title": title, **query},
                           headers={"Content-Type": "application/octet-stream"}), 201)
    from mes_cli.server.services import profiles

    with profiles.acting_on({"person_id": child_id}, child_id):  # the child's own view (no session of a minor)
        own = fhir.bundle(api.ctx, child_id)
    references = {r["description"]: r for r in _resources(own) if r["resourceType"] == "DocumentReference"}
    assert set(references) == {"Visible", "Secret"}
    for resource in references.values():
        assert broken_invariants(resource) == [], resource
    assert broken_invariants(own) == []
    security = [(c["system"], c["code"]) for c in references["Secret"]["meta"]["security"]]
    assert security == [("http://terminology.hl7.org/CodeSystem/v3-Confidentiality", "N"),
                        ("urn:oid:1.2.250.1.213.1.1.4.13", "MASQUE_PS"),
                        ("urn:oid:1.2.250.1.213.1.1.4.13", "INVISIBLE_REPRESENTANTS_LEGAUX")]
    assert [c["code"] for c in references["Visible"]["meta"]["security"]] == ["N"]
    as_parent = api.get(f"/v1/profiles/{child_id}/medical/fhir", token=parent["token"]).json()
    assert [r["description"] for r in _resources(as_parent) if r["resourceType"] == "DocumentReference"] == [
        "Visible"]
