"""The official document categories of Mon espace santé (DOMAIN.md §5): exact codes and French labels."""

from __future__ import annotations

from ..contract.errors import invalid
from ..i18n import _

CATEGORIES: dict[str, str] = {
    "SYNTHESE": "Ma santé en résumé",
    "ORD_SOIN": "Ordonnances et soins",
    "RADIO_SC": "Radio, écho, scanner, IRM",
    "BIOLOGIE": "Résultats de biologie",
    "CPT_REND": "Comptes rendus",
    "DEPISTAG": "Prévention et dépistages",
    "CERT_MED": "Certificats médicaux",
    "DOC_ADM": "Pièces administratives",
    "AUTR_DOC": "Autres documents",
    "SYNTH_PML": "Synthèse médicale",
    "DIR_ANT": "Directives anticipées",
    "QUEST_SANTE": "Questionnaire santé",
}

DEFAULT_CATEGORY = "AUTR_DOC"


def validate_category(raw: str) -> str:
    """The category code (case-insensitive on input), or an error listing the valid codes."""
    code = raw.strip().upper()
    if code not in CATEGORIES:
        listing = ", ".join(f"{c} ({label})" for c, label in CATEGORIES.items())
        raise invalid("INVALID_CATEGORY", _("Unknown category {value!r}; use one of: {categories}.")
                      .format(value=raw, categories=listing), "category", valid=list(CATEGORIES))
    return code
