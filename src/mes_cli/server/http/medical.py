"""HTTP adapters for the medical profile; one set of operations per section, generated from SECTIONS."""

from __future__ import annotations

from ...contract import models as m
from ..services import medical  # its sections make the table (the module is light: plain data and SQL)
from .operation import Operation

BASE = "/v1/profiles/{profile_id}/medical"


def _profile(ctx, call) -> str:
    """The profile the resource already authorised (see app.OperationsResource)."""
    return call.profile_id


def _section_operations(section: medical.Section) -> list[Operation]:
    name, kind = section.name, section.type
    path = f"{BASE}/{name}"
    camel = "".join(part.title() for part in name.split("_"))
    return [
        Operation("POST", path, f"add{camel}", f"Add an entry to {section.label}", "profile",
                  lambda ctx, call: medical.add(ctx, _profile(ctx, call), name, call.body), kind, m.ProfileEntry,
                  access="session", status=201),
        Operation("PUT", path + "/{entry_id}", f"replace{camel}", f"Replace an entry of {section.label}", "profile",
                  lambda ctx, call: medical.replace(ctx, _profile(ctx, call), name, call.params["entry_id"],
                                                    call.body), kind, m.ProfileEntry, access="session"),
        Operation("DELETE", path + "/{entry_id}", f"remove{camel}", f"Remove an entry of {section.label}",
                  "profile", lambda ctx, call: medical.remove(ctx, _profile(ctx, call), name,
                                                              call.params["entry_id"]),
                  None, None, access="session", status=204),
        Operation("PUT", path + "/status", f"mark{camel}", f"Mark {section.label} as not concerned (or not)",
                  "profile", lambda ctx, call: medical.set_not_concerned(ctx, _profile(ctx, call), name, call.body),
                  m.SectionStatus, m.SectionView, access="session"),
    ]


OPERATIONS = [
    Operation("GET", BASE, "showProfile", "The whole medical profile", "profile",
              lambda ctx, call: medical.show(ctx, _profile(ctx, call)), None, m.MedicalProfile, access="session"),
    Operation("PUT", BASE + "/blood-group", "setBloodGroup", "Set or clear the blood group", "profile",
              lambda ctx, call: medical.set_blood_group(ctx, _profile(ctx, call), call.body), m.BloodGroupIn,
              m.MedicalProfile, access="session"),
    *[op for section in medical.SECTIONS.values() for op in _section_operations(section)],
]
