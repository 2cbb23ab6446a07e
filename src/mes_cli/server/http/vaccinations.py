"""HTTP adapters for the vaccination booklet, its reminders, the FHIR export and the reminder job."""

from __future__ import annotations

from ...contract import models as m
from .operation import Operation, Service

fhir, jobs, vaccinations = Service("fhir"), Service("jobs"), Service("vaccinations")

BASE = "/v1/profiles/{profile_id}/vaccinations"


def _profile(ctx, call) -> str:
    """The profile the resource already authorised (see app.OperationsResource)."""
    return call.profile_id


OPERATIONS = [
    Operation("GET", "/v1/vaccines", "searchVaccines", "The vaccine reference list, searched", "vaccinations",
              lambda ctx, call: vaccinations.search(call.query.get("q")), None, m.VaccineList,
              query=(("q", str, "Words of a code, name, brand or disease"),)),
    Operation("GET", BASE, "listVaccinations", "The vaccination booklet", "vaccinations",
              lambda ctx, call: vaccinations.booklet(ctx, _profile(ctx, call)), None, m.VaccinationList,
              access="session"),
    Operation("POST", BASE, "addVaccination", "Record a vaccination", "vaccinations",
              lambda ctx, call: vaccinations.add(ctx, _profile(ctx, call), call.body), m.VaccinationIn,
              m.VaccinationView, access="session", status=201),
    Operation("DELETE", BASE + "/{vaccination_id}", "removeVaccination", "Remove a vaccination entry",
              "vaccinations", lambda ctx, call: vaccinations.remove(ctx, _profile(ctx, call),
                                                                    call.params["vaccination_id"]),
              None, None, access="session", status=204),
    Operation("GET", BASE + "/reminders", "vaccinationReminders",
              "Overdue, due and coming doses from the official calendar", "vaccinations",
              lambda ctx, call: vaccinations.reminders(ctx, _profile(ctx, call), call.query.get("at")), None,
              m.ReminderList, access="session", query=(("at", str, "Compute at this date (default: today)"),)),
    Operation("GET", "/v1/profiles/{profile_id}/medical/fhir", "exportFhir",
              "The profile as a FHIR R4 Bundle (Patient with INS-NIR, Condition, MedicationStatement, "
              "AllergyIntolerance, FamilyMemberHistory, Observation, Immunization)", "profile",
              lambda ctx, call: fhir.bundle(ctx, _profile(ctx, call), vaccinations.vaccine_name), None, None,
              access="session", raw_media="application/fhir+json"),
    Operation("POST", "/v1/admin/jobs", "runJobs",
              "Run the periodic jobs now (vaccination reminders, letters at 18)", "admin",
              lambda ctx, call: jobs.run_all(ctx), None, m.JobReport, access="admin"),
]
