"""The texts the server sends (in French, as Mon espace santé writes to people)."""

from __future__ import annotations

import datetime as dt

SIGNATURE = "\n\nL'équipe Mon espace santé (serveur de référence mes-cli)"


def _date(value: dt.datetime | dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def information_letter(first_name: str, code: str, opens_at: dt.datetime, expires_at: dt.datetime) -> tuple[str, str]:
    return (
        "Votre profil Mon espace santé",
        f"Bonjour {first_name},\n\nVotre profil Mon espace santé sera créé automatiquement le "
        f"{_date(opens_at)}, sauf opposition de votre part.\n"
        f"Votre code provisoire : {code} (valable jusqu'au {_date(expires_at)}).\n"
        "Pour activer votre profil : mes activate. Pour vous y opposer : mes oppose." + SIGNATURE,
    )


def child_letter(parent_first_name: str, child_first_name: str, code: str, expires_at: dt.datetime) -> tuple[str, str]:
    return (
        f"Le profil Mon espace santé de {child_first_name}",
        f"Bonjour {parent_first_name},\n\nEn tant que représentant légal, vous pouvez rattacher le profil "
        f"de {child_first_name} à votre espace.\nSon code provisoire : {code} "
        f"(valable jusqu'au {_date(expires_at)})." + SIGNATURE,
    )


def provisional_code(first_name: str, code: str, expires_at: dt.datetime) -> tuple[str, str]:
    return (
        "Votre nouveau code provisoire",
        f"Bonjour {first_name},\n\nVotre nouveau code provisoire : {code}\n"
        f"Il remplace le précédent et reste valable jusqu'au {expires_at:%d/%m/%Y à %H:%M} (UTC)." + SIGNATURE,
    )


def one_time_code(purpose: str, code: str, minutes: int) -> tuple[str, str]:
    return (
        f"Votre code de {purpose}",
        f"Votre code de {purpose} Mon espace santé : {code}\nIl est valable {minutes} minutes. "
        "Ne le communiquez à personne." + SIGNATURE,
    )


def identifier_reminder(first_name: str, identifier: str) -> tuple[str, str]:
    return (
        "Votre identifiant Mon espace santé",
        f"Bonjour {first_name},\n\nVotre identifiant de connexion : {identifier}" + SIGNATURE,
    )


def reset_link(first_name: str, link: str, minutes: int) -> tuple[str, str]:
    return (
        "Réinitialisation de votre mot de passe",
        f"Bonjour {first_name},\n\nPour choisir un nouveau mot de passe, ouvrez ce lien (valable "
        f"{minutes} minutes, une seule fois) :\n{link}\n"
        "Si vous n'êtes pas à l'origine de cette demande, ignorez ce message." + SIGNATURE,
    )


def notice(first_name: str, subject: str, text: str) -> tuple[str, str]:
    return subject, f"Bonjour {first_name},\n\n{text}" + SIGNATURE
