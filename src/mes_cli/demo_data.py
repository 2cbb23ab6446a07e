"""Realistic demo persons (valid NIRs and serials, fictitious people) for `mes server seed --demo` and `mes demo`.

Order numbers are random so that seeding twice, or seeding a shared server,
never collides with persons already there.
"""

from __future__ import annotations

import secrets

from .contract import models as m
from .domain.nir import make_nir

_PEOPLE = [
    # sex, first, last, birth date, department of birth, email, mobile
    (2, "Jeanne", "Martin", "1985-04-12", "75", "jeanne.martin@example.fr", "+33612345678"),
    (1, "Karim", "Benali", "1978-11-03", "69", "karim.benali@example.fr", None),
    (2, "Lucie", "Moreau", "1992-07-21", "2A", None, "+33698765432"),
    (1, "Paul", "Lefèvre", "1950-02-08", "33", None, None),
]
_CHILD = (1, "Léo", "Martin", "2019-09-14", "75")


def card_serial_for(nir: str) -> str:
    """An 11-digit serial of a card with photo, checked against the serial rules."""
    from .contract.errors import MesError
    from .domain.card import validate_card_serial

    while True:
        serial = "".join(str(secrets.randbelow(10)) for _ in range(11))
        try:
            return validate_card_serial(serial, nir=nir, card_type="photo")
        except MesError:
            continue


def _nir(sex: int, birth: str, department: str) -> str:
    """A random commune of birth and order number: about a million NIRs per person, so no collisions."""
    year, month = int(birth[:4]), int(birth[5:7])
    commune = f"{1 + secrets.randbelow(989):03d}"
    return make_nir(sex, year, month, department, commune, 1 + secrets.randbelow(998))


def demo_persons() -> list[m.PersonIn]:
    persons = []
    for sex, first, last, birth, dept, email, mobile in _PEOPLE:
        nir = _nir(sex, birth, dept)
        children = []
        if first == "Jeanne":
            c_sex, c_first, c_last, c_birth, c_dept = _CHILD
            c_nir = _nir(c_sex, c_birth, c_dept)
            children.append(m.ChildIn(nir=c_nir, birth_date=c_birth, first_name=c_first, last_name=c_last))
        persons.append(m.PersonIn(nir=nir, birth_date=birth, first_name=first, last_name=last,
                                  card_serial=card_serial_for(nir), card_type="photo", email=email, mobile=mobile,
                                  children=children))
    return persons


DEMO_PROFESSIONALS = [
    m.ProfessionalIn(rpps="10101234567", name="Dr Claire Dubois", profession="Médecin",
                     specialty="Médecine générale", city="Paris"),
    m.ProfessionalIn(rpps="10107654321", name="Dr Hugo Lambert", profession="Médecin", specialty="Cardiologie",
                     city="Lyon"),
    m.ProfessionalIn(rpps="20201234568", name="Pharmacie du Marché", profession="Pharmacien", city="Paris",
                     kind="pharmacy"),
]
