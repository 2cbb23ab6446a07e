"""The medical profile as a FHIR R4 Bundle (type "collection").

Patient carries the INS-NIR identifier (urn:oid:1.2.250.1.213.1.4.8, FR Core);
every other resource refers to it. Coded values use LOINC for measures and UCUM
for units; free-text names stay in ``code.text`` since the profile records what
the person typed, not a terminology code.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

from ..context import ServerContext
from .common import person_by_id

INS_NIR = "urn:oid:1.2.250.1.213.1.4.8"
LOINC, UCUM = "http://loinc.org", "http://unitsofmeasure.org"
VACCINE_SYSTEM = "urn:mes-cli:vaccine"
MEASURES = {
    "weight": ("29463-7", "Body weight", "kg"),
    "height": ("8302-2", "Body height", "cm"),
}
BP_PANEL, SYSTOLIC, DIASTOLIC = ("85354-9", "Blood pressure panel"), ("8480-6", "Systolic blood pressure"), \
    ("8462-4", "Diastolic blood pressure")


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _quantity(value, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _concept(code: str, display: str, system: str = LOINC) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _patient(person) -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [{"system": INS_NIR, "value": person["nir"]}],
        "name": [{"family": person["last_name"], "given": [person["first_name"]]}],
        "birthDate": person["birth_date"],
    }


def _condition(fields: dict, subject: dict) -> dict:
    status = "active" if fields.get("ongoing", True) else "resolved"
    resource = {
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                       "code": status}]},
        "code": {"text": fields["name"]},
        "subject": subject,
    }
    if fields.get("since"):
        resource["onsetDateTime"] = fields["since"]
    if fields.get("comment"):
        resource["note"] = [{"text": fields["comment"]}]
    return resource


def _medication(fields: dict, subject: dict, today: dt.date) -> dict:
    end = fields.get("end_date")
    resource = {
        "resourceType": "MedicationStatement",
        "status": "completed" if end and end < today.isoformat() else "active",
        "medicationCodeableConcept": {"text": fields["name"]},
        "subject": subject,
    }
    period = {k: v for k, v in (("start", fields.get("start_date")), ("end", end)) if v}
    if period:
        resource["effectivePeriod"] = period
    if fields.get("dosage"):
        resource["dosage"] = [{"text": fields["dosage"]}]
    return resource


def _allergy(fields: dict, patient: dict) -> dict:
    resource = {"resourceType": "AllergyIntolerance", "code": {"text": fields["substance"]}, "patient": patient}
    if fields.get("reaction") or fields.get("severity"):
        reaction = {"manifestation": [{"text": fields.get("reaction") or fields["substance"]}]}
        if fields.get("severity"):
            reaction["severity"] = fields["severity"]
        resource["reaction"] = [reaction]
    return resource


def _family(fields: dict, patient: dict) -> dict:
    return {"resourceType": "FamilyMemberHistory", "status": "completed", "patient": patient,
            "relationship": {"text": fields["relative"]}, "condition": [{"code": {"text": fields["condition"]}}]}


def _observation(fields: dict, subject: dict) -> dict:
    resource = {"resourceType": "Observation", "status": "final", "subject": subject,
                "effectiveDateTime": fields["date"],
                "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                          "code": "vital-signs"}]}]}
    if fields["kind"] == "blood_pressure":
        resource["code"] = _concept(*BP_PANEL)
        resource["component"] = [
            {"code": _concept(*SYSTOLIC), "valueQuantity": _quantity(fields["systolic"], "mm[Hg]")},
            {"code": _concept(*DIASTOLIC), "valueQuantity": _quantity(fields["diastolic"], "mm[Hg]")},
        ]
    else:
        code, display, unit = MEASURES[fields["kind"]]
        resource["code"] = _concept(code, display)
        resource["valueQuantity"] = _quantity(fields["value"], unit)
    return resource


def _immunization(row, vaccine_name: str, patient: dict) -> dict:
    resource = {
        "resourceType": "Immunization",
        "status": "completed",
        "vaccineCode": {"coding": [{"system": VACCINE_SYSTEM, "code": row["vaccine"], "display": vaccine_name}],
                        "text": vaccine_name},
        "patient": patient,
        "occurrenceDateTime": row["date"],
    }
    if row["lot"]:
        resource["lotNumber"] = row["lot"]
    if row["performer"]:
        resource["performer"] = [{"actor": {"display": row["performer"]}}]
    return resource


def bundle(ctx: ServerContext, profile_id: str, vaccine_name=lambda code: code) -> dict:
    person = person_by_id(ctx, profile_id)
    patient_urn = _urn()
    subject = {"reference": patient_urn}
    today = ctx.clock.today()
    resources = [(patient_urn, _patient(person))]
    for row in ctx.store.all("SELECT section, fields FROM profile_entries WHERE profile_id = ? ORDER BY created_at, seq",
                             (profile_id,)):
        fields = json.loads(row["fields"])
        build = {
            "diseases": lambda: _condition(fields, subject),
            "treatments": lambda: _medication(fields, subject, today),
            "allergies": lambda: _allergy(fields, subject),
            "family_history": lambda: _family(fields, subject),
            "measures": lambda: _observation(fields, subject),
        }[row["section"]]
        resources.append((_urn(), build()))
    for row in ctx.store.all("SELECT * FROM vaccinations WHERE profile_id = ? ORDER BY date, id", (profile_id,)):
        resources.append((_urn(), _immunization(row, vaccine_name(row["vaccine"]), subject)))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": ctx.clock.now().isoformat(),
        "entry": [{"fullUrl": urn, "resource": resource} for urn, resource in resources],
    }
