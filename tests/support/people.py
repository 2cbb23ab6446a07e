"""Valid, unique identities for tests (random NIR order numbers and serials)."""

from __future__ import annotations

import itertools
import secrets

from mes_cli.demo_data import card_serial_for
from mes_cli.domain.nir import make_nir

_counter = itertools.count(1)


def person(**overrides) -> dict:
    """A registry entry as `mes server seed` takes it; unique e-mail and NIR."""
    n = next(_counter)
    tag = secrets.token_hex(3)
    year, month = 1950 + secrets.randbelow(50), 1 + secrets.randbelow(12)
    commune = f"{1 + secrets.randbelow(998):03d}"
    nir = make_nir(2, year, month, "75", commune, 1 + secrets.randbelow(998))
    data = {
        "nir": nir,
        "birth_date": f"{year}-{month:02d}-12",
        "first_name": "Jeanne",
        "last_name": "Martin",
        "card_serial": card_serial_for(nir),
        "card_type": "photo",
        "email": f"jeanne.{tag}.{n}@example.fr",
        "mobile": f"+3361{secrets.randbelow(10**7):07d}",
        "deceased": False,
        "children": [],
    }
    data.update(overrides)
    return data


STRONG_PASSWORD = "Tr3s-Secret!Pass"
OTHER_PASSWORD = "Aut2e#Motdepasse"
