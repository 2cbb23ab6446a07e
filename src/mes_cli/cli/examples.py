"""Examples for every command: shown in `--help` (as the epilog) and in docs/reference.md.

Keys are command paths without the leading ``mes`` ("" is ``mes`` itself);
values are complete command lines. ``tests/test_reference.py`` fails when a
command has no example here. Identity data below is made up but valid (NIR
key, Carte Vitale serial), so the lines run against `mes server seed --demo`-
style data once the ids are replaced by real ones.
"""

from __future__ import annotations

import typer

EXAMPLES: dict[str, list[str]] = {
    "": [
        "mes --api-url https://mes.example.org whoami",
        "mes --for Léa vaccins reminders",
    ],
    # -- account lifecycle (root commands) --------------------------------------------------------
    "activate": [
        "mes activate",
        "printf '%s\\n' \"$MES_PASSWORD\" | mes activate --code Ab3dE5fG7hJ9 --nir 285037505612306 "
        "--serial 05120670783 --birth-date 12/03/1985 --identifier jeanne.martin --password-stdin --accept-terms",
    ],
    "new-code": [
        "mes new-code --nir 285037505612306 --serial 05120670783 --birth-date 12/03/1985 --channel sms",
    ],
    "oppose": [
        "mes oppose --code Ab3dE5fG7hJ9 --nir 285037505612306 --serial 05120670783 --birth-date 12/03/1985 "
        "--yes --receipt opposition.pdf",
    ],
    "login": [
        "mes login -i jeanne.martin",
        "printf '%s\\n' \"$MES_PASSWORD\" | mes login -i jeanne.martin --password-stdin && mes login --code 123456",
        "MES_TOTP_SECRET=… mes login -i jeanne.martin --password-stdin --channel totp < password.txt",
    ],
    "logout": ["mes logout"],
    "whoami": ["mes whoami", "mes whoami --format json"],
    "recover-id": ["mes recover-id --nir 285037505612306 --birth-date 12/03/1985 --channel email"],
    "reset-password": [
        "mes reset-password --nir 285037505612306 --serial 05120670783 --birth-date 12/03/1985 --channel sms",
        "mes reset-password --nir 285037505612306 --serial 05120670783 --birth-date 12/03/1985 --channel sms "
        "--code 123456 --password-stdin < new-password.txt",
    ],
    "history": [
        "mes history --since 01/01/2024",
        "mes history --pro 10101234567 --format csv > accès.csv",
    ],
    "outbox": ["mes outbox --last", "mes outbox --to jeanne.martin@example.fr --limit 5 --format json"],
    "demo": ["mes demo", "mes demo --in /tmp/mes-demo"],
    "smoke": ["mes --api-url http://127.0.0.1:8000 smoke --junit-xml smoke.xml   # server started with --dev"],
    "completion": [
        "mes completion bash > ~/.local/share/bash-completion/completions/mes",
        "mes completion zsh > \"${fpath[1]}/_mes\"",
        "mes completion fish > ~/.config/fish/completions/mes.fish",
    ],
    "api": [
        "mes api GET /v1/me",
        "mes api GET '/v1/profiles/me/documents?limit=5'",
        "mes api PATCH /v1/profiles/me/documents/d_3f2a9c1b7e4d5a60 -F hidden=true",
    ],
    # -- session and config profiles --------------------------------------------------------------
    "auth": ["mes auth status"],
    "auth status": ["mes auth status", "mes auth status --check --quiet || mes login -i jeanne.martin"],
    "auth token": ["curl -H \"Authorization: Bearer $(mes auth token)\" https://mes.example.org/v1/me"],
    "config": ["mes --profile staging config set api_url https://staging.mes.example.org"],
    "config path": ["mes config path"],
    "config get": ["mes config get api_url", "mes --profile staging config get admin_token --reveal"],
    "config set": [
        "mes config set format json",
        "mes --profile staging config set api_url https://staging.mes.example.org",
        "printf '%s\\n' \"$TOKEN\" | mes --profile staging config set admin_token --value-stdin",
    ],
    "config unset": ["mes config unset for"],
    "config list": ["mes config list", "mes config list --format json"],
    # -- account ----------------------------------------------------------------------------------
    "account": ["mes account totp enable"],
    "account close": [
        "mes account close",
        "mes account close --delete-data --password-stdin --yes < password.txt",
    ],
    "account totp": ["mes account totp enable && mes account totp confirm --code 123456"],
    "account totp enable": ["mes account totp enable", "mes account totp enable --code 123456"],
    "account totp confirm": ["mes account totp confirm --code 123456"],
    "account totp disable": ["mes account totp disable --password-stdin < password.txt"],
    # -- docs -------------------------------------------------------------------------------------
    "docs": ["mes docs list --category BIOLOGIE"],
    "docs upload": [
        "mes docs upload ordonnance.pdf --category ORD_SOIN --date 12/03/2024",
        "mes docs upload scans/ --recursive --category CPT_REND --jobs 8",
        "find scans -name '*.pdf' | mes docs upload - --dry-run",
        "mes docs upload --manifest manifest.csv --format jsonl",
        "mes docs upload bilan.pdf --category BIOLOGIE --title 'Bilan sanguin' --update   # already there: re-file it",
    ],
    "docs list": [
        "mes docs list",
        "mes docs list --category RADIO_SC --since 01/01/2023 --search genou",
        "mes docs list --all --format csv > documents.csv",
        "mes docs list --folder 'Analyses 2024'",
        "mes docs list --pinned",
    ],
    "docs show": ["mes docs show d_3f2a9c1b7e4d5a60"],
    "docs edit": [
        "mes docs edit d_3f2a9c1b7e4d5a60 --title 'Bilan sanguin' --category BIOLOGIE --date 01/02/2024",
    ],
    "docs download": [
        "mes docs download d_3f2a9c1b7e4d5a60",
        "mes docs download --all -o ~/mes-documents/ --jobs 8   # again later: only what is missing",
        "mes docs download --all --category BIOLOGIE --since 01/01/2024 -o bilans/",
        "mes docs list --search genou --format json | jq -r '.[].id' | mes docs download - -o genou/",
        "mes docs download d_3f2a9c1b7e4d5a60 -o ~/Documents/ --force",
        "mes docs download d_3f2a9c1b7e4d5a60 -o - | lp",
        "mes docs download d_3f2a9c1b7e4d5a60 --pdf -o compte-rendu.pdf   # the PDF a level-1 CDA wraps",
    ],
    "docs import": [
        "mes docs import export-dmp.zip --dry-run",
        "mes docs import /media/cdrom/IHE_XDM.ZIP",
        "mes --for Léa docs import carnet-léa.zip --format json",
    ],
    # -- data portability (root commands) ---------------------------------------------------------
    "export": [
        "mes export mon-espace-sante.zip",
        "mes --for Léa export espace-léa.zip --force --format json",
    ],
    "import": [
        "mes import mon-espace-sante.zip --dry-run",
        "mes --api-url https://mes.example.org import mon-espace-sante.zip --format json",
    ],
    "docs hide": ["mes docs hide d_3f2a9c1b7e4d5a60 d_81b0c2d4e6f80a1b"],
    "docs unhide": ["mes docs unhide d_3f2a9c1b7e4d5a60"],
    "docs delete": [
        "mes docs delete d_3f2a9c1b7e4d5a60",
        "mes docs list --search brouillon --format json | jq -r '.[].id' | xargs mes docs delete --yes",
    ],
    "docs categories": ["mes docs categories", "mes docs categories --format json"],
    "docs pin": ["mes docs pin d_3f2a9c1b7e4d5a60   # listed first from now on"],
    "docs unpin": ["mes docs unpin d_3f2a9c1b7e4d5a60"],
    "docs confidentiality": [
        "mes docs confidentiality d_3f2a9c1b7e4d5a60 --hide-from legal-representatives",
        "mes docs confidentiality d_3f2a9c1b7e4d5a60 --hide-from professionals --hide-from legal-representatives",
        "mes docs confidentiality d_3f2a9c1b7e4d5a60 --hide-from nobody",
    ],
    "docs move": [
        "mes docs move d_3f2a9c1b7e4d5a60 d_81b0c2d4e6f80a1b --folder 'Analyses 2024'",
        "mes docs move d_3f2a9c1b7e4d5a60 --no-folder",
    ],
    "docs folders": ["mes docs folders list"],
    "docs folders list": ["mes docs folders list --format json"],
    "docs folders create": ["mes docs folders create 'Analyses 2024'"],
    "docs folders rename": ["mes docs folders rename 'Analyses 2024' 'Biologie (2024)'"],
    "docs folders delete": [
        "mes docs folders delete 'Biologie (2024)'",
        "mes docs folders delete 'Biologie (2024)' --move-documents-out --yes   # its documents go to no folder",
    ],
    "settings": ["mes settings documents"],
    "settings documents": [
        "mes settings documents --hide-new-from-professionals yes",
        "mes --for Léa settings documents",
    ],
    # -- profile ----------------------------------------------------------------------------------
    "profile": ["mes profile show"],
    "profile show": ["mes profile show", "mes --for Léa profile show --format csv"],
    "profile edit": ["mes profile edit e_5c1d2e3f4a5b6c7d --set dosage='2 comprimés par jour' --set end_date="],
    "profile remove": ["mes profile remove e_5c1d2e3f4a5b6c7d"],
    "profile not-concerned": ["mes profile not-concerned allergy", "mes profile not-concerned allergy --undo"],
    "profile blood-group": ["mes profile blood-group O+", "mes profile blood-group --clear"],
    "profile export": ["mes profile export", "mes profile export --format fhir -o profil-fhir.json",
                       "mes --lang fr profile export --format pdf -o profil.pdf"],
    "profile add": ["mes profile add allergy --substance pénicilline --severity severe"],
    "profile add disease": [
        "mes profile add disease --name asthme --since 01/03/2019",
        "mes profile add disease --name 'fracture du poignet' --past --comment 'plâtre 6 semaines'",
    ],
    "profile add treatment": [
        "mes profile add treatment --name Ventoline --dosage '2 bouffées si besoin' --start 01/03/2019",
    ],
    "profile add allergy": [
        "mes profile add allergy --substance pénicilline --reaction urticaire --severity severe",
    ],
    "profile add family-history": ["mes profile add family-history --relative mère --condition 'diabète de type 2'"],
    "profile add measure": [
        "mes profile add measure --kind weight --value 68.5",
        "mes profile add measure --kind poids --value 68,5   # French words, a decimal comma",
        "mes profile add measure --kind blood-pressure --systolic 128 --diastolic 82 --date 02/04/2024",
    ],
    # -- vaccins ----------------------------------------------------------------------------------
    "vaccins": ["mes vaccins reminders"],
    "vaccins list": ["mes vaccins list", "mes --for Léa vaccins list --format json"],
    "vaccins add": [
        "mes vaccins add --vaccine ROR --date 15/05/2013",
        "mes --for Léa vaccins add --vaccine HEXA --date 10/02/2021 --dose booster --lot AB1234 "
        "--performer 'Dr Durand'",
    ],
    "vaccins remove": ["mes vaccins remove v_9a8b7c6d5e4f3a2b"],
    "vaccins catalogue": ["mes vaccins catalogue", "mes vaccins catalogue méningocoque"],
    "vaccins reminders": [
        "mes vaccins reminders",
        "mes vaccins reminders --at 01/09/2025 --ics rappels.ics",
        "mes vaccins reminders --horizon 10y --format json",
    ],
    "vaccins next": ["mes vaccins next", "mes --for Léa vaccins next --ics prochaines-doses.ics"],
    # -- children ---------------------------------------------------------------------------------
    "children": ["mes children list"],
    "children list": ["mes children list"],
    "children link": ["mes children link --code Xy7kP2mQ9rT4 --birth-date 04/06/2016 --certify"],
    "children share": ["mes children share Léa --with paul.martin"],
    "children invitations": ["mes children invitations --format json"],
    "children accept": ["mes children accept i_0f1e2d3c4b5a6978"],
    "children decline": ["mes children decline i_0f1e2d3c4b5a6978"],
    "children unlink": ["mes children unlink Léa --yes"],
    # -- messages and professionals ---------------------------------------------------------------
    "messages": ["mes messages list --unread"],
    "messages list": ["mes messages list", "mes messages list --unread --format json"],
    "messages read": ["mes messages read c_7d6c5b4a39281706"],
    "messages reply": [
        "mes messages reply c_7d6c5b4a39281706 --body 'Merci, à jeudi.'",
        "mes messages reply c_7d6c5b4a39281706                # on a terminal: $EDITOR opens",
        "mes messages reply c_7d6c5b4a39281706 --body-file réponse.txt --attach analyses.pdf "
        "--attach d_3f2a9c1b7e4d5a60",
        "mes messages reply c_7d6c5b4a39281706 --body 'Voici mon profil médical.' --attach-profile",
    ],
    "messages send": [
        "mes messages send --to 10101234567 --subject 'Résultats' --body 'Voici mes résultats.' "
        "--attach d_3f2a9c1b7e4d5a60",
    ],
    "messages save-attachment": [
        "mes messages save-attachment m_1a2b3c4d5e6f7081 a_8f7e6d5c4b3a2910 --category BIOLOGIE "
        "--title 'Bilan sanguin'",
        "mes messages save-attachment m_1a2b3c4d5e6f7081 a_8f7e6d5c4b3a2910 --output ~/Téléchargements/",
    ],
    "messages delete": ["mes messages delete c_7d6c5b4a39281706 --yes"],
    "pros": ["mes pros list"],
    "pros list": ["mes pros list", "mes pros list --format json"],
    "pros search": ["mes pros search dubois paris", "mes pros search cardiologie lyon --limit 10"],
    "pros block": ["mes pros block 10101234567"],
    "pros unblock": ["mes pros unblock 10101234567"],
    # -- server -----------------------------------------------------------------------------------
    "server": ["mes server run --port 8000 --dev"],
    "server run": [
        "mes server run",
        "MES_ADMIN_TOKEN=… mes server run --host 0.0.0.0 --port 8080 --data-dir /srv/mes "
        "--public-url https://mes.example.org",
        "MES_SMTP_URL='smtp://user:pass@mail.example.org:587?from=mes@example.org' mes server run --port 0 --dev",
        "MES_DATABASE_URL=postgresql://mes@db.internal/mes mes server run --data-dir /shared/mes",
        "mes server run --dev --port 0 --import state.zip --init-dir ci/init --export-on-exit state.zip",
    ],
    "server seed": [
        "mes server seed --demo",
        "MES_ADMIN_TOKEN=\"$(cat admin-token)\" mes --api-url https://mes.example.org server seed persons.json",
        "cat persons.json | mes server seed - --format json",
        "mes server seed fixtures.json --quiet-outbox --format csv --columns nir,provisional_code",
    ],
    "server openapi": ["mes server openapi > docs/openapi.json"],
    "server exec": [
        "mes server exec --demo -- mes smoke --junit-xml smoke.xml",
        "mes server exec --import state.zip --export-on-exit state.zip -- pytest tests/e2e",
    ],
    "server faults": ["mes --api-url http://127.0.0.1:8000 server faults list"],
    "server faults add": [
        "mes server faults add --operation uploadDocument --status 503 --probability 0.3 --seed 42",
        "mes server faults add --path '/v1/profiles/*/documents' --latency 800ms --times 5",
    ],
    "server faults list": ["mes server faults list --format json"],
    "server faults clear": ["mes server faults clear"],
    "server requests": ["mes server requests --status 503", "mes server requests --follow --operation startLogin"],
    "server events": ["mes server events --type document.added", "mes server events --follow > events.jsonl"],
    "server events trigger": ["mes server events trigger document.added --fixture event.json",
                              "mes server events trigger login.succeeded --subject p_0a074ee3547477fe"],
    "server webhooks": ["mes server webhooks list"],
    "server webhooks add": [
        "echo \"$WEBHOOK_SECRET\" | mes server webhooks add https://ci.example.org/hook --type document.added "
        "--secret-stdin",
    ],
    "server webhooks list": ["mes server webhooks list --format json"],
    "server webhooks remove": ["mes server webhooks remove wh_3f2a1b0c9d8e"],
    "server webhooks deliveries": ["mes server webhooks deliveries --webhook wh_3f2a1b0c9d8e"],
    "server gc": ["mes server gc", "mes server gc --data-dir /srv/mes --older-than 86400"],
    "server migrate": ["mes server migrate --check --data-dir /srv/mes", "mes server migrate --data-dir /srv/mes",
                       "MES_DATABASE_URL=postgresql://mes@db.internal/mes mes server migrate"],
    "server export": ["mes server export backup-$(date +%F).zip --data-dir /srv/mes"],
    "server import": ["mes server import backup-2026-11-26.zip --data-dir /srv/mes-new",
                      "MES_DATABASE_URL=postgresql://mes@db/mes mes server import backup-2026-11-26.zip"],
    "server jobs": ["mes server jobs", "mes --api-url https://mes.example.org server jobs --format json"],
    "server clock": ["mes server clock", "mes server clock --advance 6w", "mes server clock --reset"],
    "server pro": ["mes server pro docs --rpps 10101234567 --of 285037505612306"],
    "server pro start": [
        "mes server pro start --rpps 10101234567 --to 285037505612306 --subject 'Vos résultats' "
        "--body 'Bonjour, vos résultats sont arrivés.' --attach résultats.pdf",
        "mes server pro start --rpps 10101234567 --to 285037505612306 --subject 'Compte rendu' "
        "--body 'Ci-joint.' --attach IHE_XDM.ZIP",
    ],
    "server pro write": ["mes server pro write c_7d6c5b4a39281706 --rpps 10101234567 --body 'Bien reçu.'"],
    "server pro close": ["mes server pro close c_7d6c5b4a39281706 --rpps 10101234567"],
    "server pro send-doc": [
        "mes server pro send-doc IHE_XDM.ZIP --rpps 10101234567 --to 285037505612306",
        "mes server pro send-doc compte-rendu.xml --rpps 10101234567 --to 285037505612306 --format json",
    ],
    "server pro docs": ["mes server pro docs --rpps 10101234567 --of 285037505612306 --format json"],
    "server pro read-doc": [
        "mes server pro read-doc d_3f2a9c1b7e4d5a60 --rpps 10101234567 --of 285037505612306 -o copie.pdf",
    ],
}


def epilog(path: str) -> str | None:
    """The examples of a command as a help epilog (``\\b`` keeps click from rewrapping the lines)."""
    lines = EXAMPLES.get(path)
    if not lines:
        return None
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def register(root: typer.Typer) -> None:
    """Shows each command's examples at the end of its --help (unless it already has an epilog).

    Walks typer's registrations (not click objects: `run()` builds a fresh
    click command tree on every call), so it runs after each module's registration
    (``app.registered``).
    """
    _attach(root, "")


def _attach(group: typer.Typer, prefix: str) -> None:
    for info in group.registered_commands:
        name = info.name or _command_name(info.callback)
        if info.epilog is None:
            info.epilog = epilog(f"{prefix}{name}")
    for info in group.registered_groups:
        path = f"{prefix}{info.name}"
        sub = info.typer_instance
        if sub is None or not info.name:
            continue
        if not _has_epilog(info):
            info.epilog = epilog(path)
        _attach(sub, f"{path} ")


def _has_epilog(info) -> bool:
    from typer.models import DefaultPlaceholder

    own = info.epilog
    inner = info.typer_instance.info.epilog
    return not (own is None or isinstance(own, DefaultPlaceholder)) or \
        not (inner is None or isinstance(inner, DefaultPlaceholder))


def _command_name(callback) -> str:
    from typer.main import get_command_name

    return get_command_name(callback.__name__)
