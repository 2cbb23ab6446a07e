"""The medical profile as a FHIR R4 Bundle (type "collection") that passes R4's own invariants.

What each resource carries, and why:

- **Patient**: the INS-NIR identifier as the French FHIR Core profile (hl7.fhir.fr.core,
  FRCorePatientINSProfile) defines it: ``use`` official, ``type`` INS-NIR from
  ``fr-core-cs-v2-0203``, ``system`` urn:oid:1.2.250.1.213.1.4.8.  ``gender`` comes from
  the NIR's first digit (1 male, 2 female).  No ``meta.profile`` is claimed: the INS
  profile also requires an identity-reliability extension (identity validated through the
  INSi teleservice), the birthplace's INSEE code and the list of birth first names, which
  Mon espace santé's registry does not give this server; a profile is only claimed where
  the resource really conforms.
- **AllergyIntolerance**: ``clinicalStatus`` active and ``verificationStatus`` unconfirmed
  (the person declared it; no clinician confirmed it), as ait-1 requires; a ``reaction``
  only when the person described one (its ``manifestation`` is that description, never the
  substance); a severity given without a reaction goes in a note, since a reaction needs
  a manifestation.
- **Condition**: ``clinicalStatus`` active or resolved (con-3, con-4), category
  problem-list-item.
- **Observation**: measures with LOINC codes and UCUM units (vital signs); the blood group
  as LOINC 882-1 "ABO and Rh group" with its SNOMED CT finding.
- **Immunization**: ``status`` completed, ``vaccineCode`` with the catalogue code and, where
  known, the WHO ATC code (the booklet records no brand, so no CIS code can be given),
  ``occurrenceDateTime``, ``lotNumber``, ``performer`` (a contained Practitioner, or Organization
  for a pharmacy or a centre, with the name only: the booklet records no RPPS);
  ``primarySource`` false with ``reportOrigin`` "record" for a dose the person copied from
  their booklet, true for one recorded by a professional (``recorded_by``).
- **DocumentReference**: one per document listed in the space (metadata only, no bytes), those
  kept from the reader left out as everywhere (services/documents.py); ``meta.security`` carries its
  confidentiality as the XDM export does (domain/xds_codes.py): the HL7 v3 Confidentiality code (its
  CDA's, N otherwise) and the DMP's MASQUE_PS / INVISIBLE_REPRESENTANTS_LEGAUX for a document hidden
  from professionals / invisible to legal representatives.
- Every resource has a generated narrative (``text``, dom-6), plain XHTML.

Free-text names stay in ``code.text``: the profile records what the person typed, not a
terminology code.  tests/server/test_fhir_invariants.py evaluates every R4 invariant of
every resource of the export with a FHIRPath engine.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import uuid

from ..context import ServerContext
from .common import person_by_id

INS_NIR = "urn:oid:1.2.250.1.213.1.4.8"
FR_CORE_IDENTIFIER_TYPE = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
LOINC, UCUM, SNOMED = "http://loinc.org", "http://unitsofmeasure.org", "http://snomed.info/sct"
ATC = "http://www.whocc.no/atc"
VACCINE_SYSTEM = "urn:mes-cli:vaccine"
CIS = "urn:oid:1.2.250.1.213.2.3.1"  # Code Identifiant de Spécialité (base de données publique des médicaments)
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem/"
XHTML = "http://www.w3.org/1999/xhtml"
CATEGORY_SYSTEM = "urn:mes-cli:category"
# FHIR's names for the code systems of the XDS confidentiality codes (others: their OID as a URN).
FHIR_SYSTEMS = {"2.16.840.1.113883.5.25": TERMINOLOGY + "v3-Confidentiality"}
MEASURES = {
    "weight": ("29463-7", "Body weight", "kg"),
    "height": ("8302-2", "Body height", "cm"),
}
BP_PANEL, SYSTOLIC, DIASTOLIC = ("85354-9", "Blood pressure panel"), ("8480-6", "Systolic blood pressure"), \
    ("8462-4", "Diastolic blood pressure")
BLOOD_GROUP = ("882-1", "ABO and Rh group [Type] in Blood")
# SNOMED CT findings of the IPS value set "ABO and Rh group" (lab-blood-abo-rh-grp-uv-ips).
BLOOD_GROUPS = {
    "A+": ("278149003", "Blood group A Rh(D) positive"), "A-": ("278152006", "Blood group A Rh(D) negative"),
    "B+": ("278150003", "Blood group B Rh(D) positive"), "B-": ("278153001", "Blood group B Rh(D) negative"),
    "AB+": ("278151004", "Blood group AB Rh(D) positive"), "AB-": ("278154007", "Blood group AB Rh(D) negative"),
    "O+": ("278147001", "Blood group O Rh(D) positive"), "O-": ("278148006", "Blood group O Rh(D) negative"),
}
GENDERS = {"1": "male", "2": "female"}  # the NIR's first digit (sexe); anything else is "unknown"


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _quantity(value, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _concept(code: str, display: str, system: str = LOINC) -> dict:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _status(codesystem: str, code: str) -> dict:
    return {"coding": [{"system": TERMINOLOGY + codesystem, "code": code}]}


def _narrative(*lines: str) -> dict:
    """A generated narrative: one paragraph per non-empty line, escaped (dom-6, txt-1, txt-2)."""
    body = "".join(f"<p>{html.escape(line, quote=False)}</p>" for line in lines if line)
    return {"status": "generated", "div": f'<div xmlns="{XHTML}">{body}</div>'}


def _patient(person) -> dict:
    name = f"{person['first_name']} {person['last_name']}"
    return {
        "resourceType": "Patient",
        "text": _narrative(name, person["birth_date"]),
        "identifier": [{
            "use": "official",
            "type": {"coding": [{"system": FR_CORE_IDENTIFIER_TYPE, "code": "INS-NIR", "display": "NIR définitif"}]},
            "system": INS_NIR,
            "value": person["nir"],
        }],
        "name": [{"use": "official", "family": person["last_name"], "given": [person["first_name"]]}],
        "gender": GENDERS.get(person["nir"][:1], "unknown"),
        "birthDate": person["birth_date"],
    }


def _condition(fields: dict, subject: dict) -> dict:
    status = "active" if fields.get("ongoing", True) else "resolved"
    resource = {
        "resourceType": "Condition",
        "text": _narrative(fields["name"], fields.get("since", "")),
        "clinicalStatus": _status("condition-clinical", status),
        "category": [_status("condition-category", "problem-list-item")],
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
        "text": _narrative(fields["name"], fields.get("dosage", "")),
        "status": "completed" if end and end < today.isoformat() else "active",
        "medicationCodeableConcept": {"text": fields["name"]},
        "subject": subject,
    }
    period = {k: v for k, v in (("start", fields.get("start_date")), ("end", end)) if v}
    if period:
        resource["effectivePeriod"] = period
    if fields.get("dosage"):
        resource["dosage"] = [{"text": fields["dosage"]}]
    if fields.get("comment"):
        resource["note"] = [{"text": fields["comment"]}]
    return resource


def _allergy(fields: dict, patient: dict) -> dict:
    resource = {
        "resourceType": "AllergyIntolerance",
        "text": _narrative(fields["substance"], fields.get("reaction", "")),
        "clinicalStatus": _status("allergyintolerance-clinical", "active"),
        "verificationStatus": _status("allergyintolerance-verification", "unconfirmed"),
        "code": {"text": fields["substance"]},
        "patient": patient,
    }
    notes = []
    if fields.get("reaction"):
        reaction = {"manifestation": [{"text": fields["reaction"]}]}
        if fields.get("severity"):
            reaction["severity"] = fields["severity"]
        resource["reaction"] = [reaction]
    elif fields.get("severity"):
        notes.append(f"Sévérité déclarée : {_SEVERITY_FR[fields['severity']]}")
    if fields.get("comment"):
        notes.append(fields["comment"])
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


_SEVERITY_FR = {"mild": "légère", "moderate": "modérée", "severe": "sévère"}


def _family(fields: dict, patient: dict) -> dict:
    resource = {"resourceType": "FamilyMemberHistory",
                "text": _narrative(f"{fields['relative']} : {fields['condition']}"),
                "status": "completed", "patient": patient,
                "relationship": {"text": fields["relative"]}, "condition": [{"code": {"text": fields["condition"]}}]}
    if fields.get("comment"):
        resource["note"] = [{"text": fields["comment"]}]
    return resource


def _observation(fields: dict, subject: dict) -> dict:
    if fields["kind"] == "blood_pressure":
        code = _concept(*BP_PANEL)
        value = {"component": [
            {"code": _concept(*SYSTOLIC), "valueQuantity": _quantity(fields["systolic"], "mm[Hg]")},
            {"code": _concept(*DIASTOLIC), "valueQuantity": _quantity(fields["diastolic"], "mm[Hg]")},
        ]}
        shown = f"{BP_PANEL[1]}: {fields['systolic']}/{fields['diastolic']} mm[Hg]"
    else:
        loinc, display, unit = MEASURES[fields["kind"]]
        code = _concept(loinc, display)
        value = {"valueQuantity": _quantity(fields["value"], unit)}
        shown = f"{display}: {fields['value']} {unit}"
    resource = {"resourceType": "Observation", "text": _narrative(shown, fields["date"]), "status": "final",
                "category": [_status("observation-category", "vital-signs")], "code": code, "subject": subject,
                "effectiveDateTime": fields["date"], **value}
    if fields.get("comment"):
        resource["note"] = [{"text": fields["comment"]}]
    return resource


def _blood_group(group: str, subject: dict) -> dict:
    code, display = BLOOD_GROUPS[group]
    return {
        "resourceType": "Observation",
        "text": _narrative(f"{BLOOD_GROUP[1]}: {group}"),
        "status": "final",
        "category": [_status("observation-category", "laboratory")],
        "code": _concept(*BLOOD_GROUP),
        "subject": subject,
        "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": code, "display": display}], "text": group},
    }


def _immunization(row, vaccine, patient: dict) -> dict:
    """``vaccine``: the catalogue entry (None for a code no longer in the catalogue)."""
    name = vaccine.name if vaccine else (row["product_name"] or row["product_code"] or row["vaccine"])
    coding = [{"system": VACCINE_SYSTEM, "code": row["vaccine"], "display": name}] if row["vaccine"] else []
    if vaccine and vaccine.atc:
        coding.append({"system": ATC, "code": vaccine.atc})
    if row["product_code"]:  # the product as a professional's document named it (CIS code)
        coding.append({"system": CIS, "code": row["product_code"], "display": row["product_name"] or name})
    professional = row["recorded_by"] == "professional"
    resource = {
        "resourceType": "Immunization",
        "text": _narrative(f"{name} — {row['date']}", row["lot"] or "", row["performer"] or ""),
        "status": "completed",
        "vaccineCode": {"coding": coding, "text": name},
        "patient": patient,
        "occurrenceDateTime": row["date"],
        "primarySource": professional,
    }
    if not professional:
        resource["reportOrigin"] = {"coding": [{"system": TERMINOLOGY + "immunization-origin", "code": "record",
                                                "display": "Written Record"}]}
    if row["lot"]:
        resource["lotNumber"] = row["lot"]
    if row["performer"]:
        resource["contained"] = [_performer(row["performer"])]
        resource["performer"] = [{"actor": {"reference": "#performer", "display": row["performer"]}}]
    return resource


# Names that say the performer is a place rather than a person (the booklet keeps a free-text name).
_ORGANISATION_WORDS = ("pharmacie", "centre", "hôpital", "hopital", "clinique", "cabinet", "laboratoire", "pmi",
                       "chu", "ch ", "ehpad", "maison de santé", "service")


def _performer(name: str) -> dict:
    """The performer as a contained resource: a reference with only a display makes R4's ref-1
    evaluate to empty (not true), which a validator counts as a failure."""
    if any(word in f"{name.casefold()} " for word in _ORGANISATION_WORDS):
        return {"resourceType": "Organization", "id": "performer", "name": name}
    return {"resourceType": "Practitioner", "id": "performer", "name": [{"text": name}]}




def _listed_documents(ctx: ServerContext, profile_id: str) -> list:
    """The documents the space lists to the reader, oldest first."""
    from . import documents

    rows = ctx.store.all(f"{documents.DOCUMENT_SELECT} WHERE profile_id = ? AND superseded_by IS NULL"
                         f" AND {documents.visible_condition()} ORDER BY seq", (profile_id,))
    return [documents.view(row) for row in rows]


def _security(view) -> list[dict]:
    """The document's confidentiality as security labels: the same codes as its XDM entry."""
    from ...domain import xds_codes

    codes = xds_codes.confidentiality(view.confidentiality, view.hidden, view.hidden_from_representatives)
    return [{"system": FHIR_SYSTEMS.get(c.scheme, f"urn:oid:{c.scheme}"), "code": c.code,
             **({"display": c.display} if c.display else {})} for c in codes]


def _document_reference(view, subject: dict) -> dict:
    type_ = _concept(view.type_code, view.type_label or view.type_code) if view.type_code else \
        {"text": view.category_label}
    attachment = {"contentType": view.media_type, "size": view.size, "title": view.title}
    if view.document_date:
        attachment["creation"] = view.document_date.isoformat()
    return {
        "resourceType": "DocumentReference",
        "meta": {"security": _security(view)},
        "text": _narrative(view.title, view.category_label, view.document_date and view.document_date.isoformat()),
        "identifier": [{"system": "urn:mes-cli:document", "value": view.id}],
        "status": "current",
        "type": type_,
        "category": [_concept(view.category, view.category_label, CATEGORY_SYSTEM)],
        "subject": subject,
        "date": view.created_at.isoformat(),
        "description": view.title,
        "content": [{"attachment": attachment}],
    }


def bundle(ctx: ServerContext, profile_id: str, vaccine_name=lambda code: code) -> dict:
    """The profile of ``profile_id`` as a Bundle; ``vaccine_name`` is kept for callers that pass it
    (the catalogue now gives names and ATC codes directly)."""
    from ...domain.vaccination.catalogue import vaccine_by_code

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
    fact = ctx.store.one("SELECT value FROM profile_facts WHERE profile_id = ? AND key = 'blood_group'", (profile_id,))
    if fact and fact["value"] in BLOOD_GROUPS:
        resources.append((_urn(), _blood_group(fact["value"], subject)))
    for row in ctx.store.all("SELECT * FROM vaccinations WHERE profile_id = ? ORDER BY date, id", (profile_id,)):
        resources.append((_urn(), _immunization(row, vaccine_by_code(row["vaccine"]), subject)))
    resources += [(_urn(), _document_reference(view, subject)) for view in _listed_documents(ctx, profile_id)]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": ctx.clock.now().isoformat(),
        "entry": [{"fullUrl": urn, "resource": resource} for urn, resource in resources],
    }
