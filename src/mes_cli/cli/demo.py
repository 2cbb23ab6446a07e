"""`mes demo`: a guided scenario on a fresh embedded server, each step shown as a person would type it."""

from __future__ import annotations

import io
import json
import shlex
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..i18n import _, current
from .context import AppContext
from .env import Env


class Scenario:
    """Runs `mes` commands in-process on one home directory and shows them as typed in a shell."""

    def __init__(self, app: AppContext, home: Path) -> None:
        self.app = app
        self.home = home
        self.out = app.env.stdout

    def title(self, number: int, text: str) -> None:
        self.out.write(f"\n── {number}. {text}\n")

    def run(self, args: list[str], stdin: str = "", shown_stdin: str | None = None, data: bool = False) -> Any:
        """Runs one command and shows its output as a table; with ``data``, also returns its JSON."""
        from .app import run

        shown = "mes " + " ".join(shlex.quote(a) for a in args)
        if shown_stdin:
            shown = f"{shown_stdin} | {shown}"
        self.out.write(f"$ {shown}\n")
        captured, errors = io.StringIO(), io.StringIO()
        variables = {"MES_HOME": str(self.home), "MES_FORMAT": "json" if data else "table", "MES_API_URL": "local"}
        env = Env(stdin=io.StringIO(stdin), stdout=captured, stderr=errors, vars=variables,
                  stdin_is_tty=False, stdout_is_tty=False)
        status = run(["--api-url", "local", "--lang", current(), *args], env)  # the steps speak the demo's language
        for line in errors.getvalue().splitlines():
            self.out.write(f"  {line}\n")
        if status != 0:
            from ..contract.errors import MesError

            raise MesError("STEP_FAILED", _("The demo step `{step}` failed (exit {status}).").format(
                step=shown, status=status))
        if not data:
            self.out.write("".join(f"  {line}\n" for line in captured.getvalue().splitlines()))
            return None
        value = json.loads(captured.getvalue())
        buffer = io.StringIO()
        from .output import render

        render(value, "table", buffer)
        self.out.write("".join(f"  {line}\n" for line in buffer.getvalue().splitlines()))
        return value


def _sample_scans(folder: Path) -> Path:
    """A few small documents as a scanner or a laboratory would produce them."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "compte_rendu_cardiologie.pdf").write_bytes(
        b"%PDF-1.4\n1 0 obj << /Title (Compte rendu) >> endobj\n%%EOF\n")
    (folder / "resultats_biologie.txt").write_text("Glycemie a jeun : 0,92 g/L (N : 0,70-1,10)\n", encoding="utf-8")
    (folder / "radio_thorax.png").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17) + b"\x00\x00\x00\x00IEND\xaeB`\x82")
    return folder


def demo(
    ctx: typer.Context,
    home: Annotated[Optional[Path], typer.Option("--in", help="Directory for the demo's data "
                    "(default: a new temporary one)")] = None,
) -> None:
    """A guided tour on a fresh embedded server: account, documents, profile, vaccins, a child, messages."""
    import secrets
    import tempfile

    app: AppContext = ctx.obj
    home = home or Path(tempfile.mkdtemp(prefix="mes-demo-"))
    s = Scenario(app, home)
    out = app.env.stdout
    out.write(_("mes demo — a fresh embedded server in {home}\n(each step is a command you can type yourself "
                "with MES_HOME={home})").format(home=home) + "\n")

    s.title(1, _("The Assurance Maladie registers a few insured persons; each gets a letter with a provisional code"))
    persons = s.run(["server", "seed", "--demo"], data=True)
    jeanne = next(p for p in persons if p["first_name"] == "Jeanne")

    s.title(2, _("Jeanne reads her letter (in the outbox: every e-mail, SMS and letter the server sends)"))
    letter = s.run(["outbox", "--to", jeanne["nir"], "--last"], data=True)

    s.title(3, _("She activates her space: code + NIR + Carte Vitale serial + date of birth, identifier, password"))
    password = f"Demo-{secrets.token_hex(3)}-Xy9!"
    s.run(["activate", "--code", letter["code"], "--nir", jeanne["nir"], "--serial", jeanne["card_serial"],
           "--birth-date", jeanne["birth_date"], "--identifier", "jeanne.martin.demo", "--password-stdin",
           "--accept-terms"], stdin=password + "\n", shown_stdin="echo \"$PASSWORD\"")

    s.title(4, _("She logs in: password, then a one-time code sent by e-mail"))
    s.run(["login", "--identifier", "jeanne.martin.demo", "--password-stdin", "--channel", "email"],
          stdin=password + "\n", shown_stdin="echo \"$PASSWORD\"")
    code_mail = s.run(["outbox", "--to", jeanne["email"], "--last"], data=True)
    s.run(["login", "--code", code_mail["code"]])

    s.title(5, _("Who is logged in, on which server, until when"))
    s.run(["whoami"])

    s.title(6, _("She uploads a folder of scanned records (types judged from content; re-running skips what is there)"))
    scans = _sample_scans(home / "scans")
    s.run(["docs", "upload", str(scans), "--recursive", "--category", "CPT_REND", "--date", "14/10/2026"])
    s.run(["docs", "list"])

    s.title(7, _("She fills in her medical profile"))
    s.run(["profile", "add", "allergy", "--substance", "Pénicilline", "--reaction", "urticaire", "--severity",
           "moderate"])
    s.run(["profile", "add", "measure", "--kind", "blood-pressure", "--systolic", "125", "--diastolic", "80"])
    s.run(["profile", "show"])

    s.title(8, _("Her vaccination booklet, and what the official calendar says is due"))
    s.run(["vaccins", "add", "--vaccine", "Repevax", "--date", "14/05/2010", "--dose", "booster"])
    s.run(["vaccins", "reminders", "--ics", str(home / "rappels.ics")])

    leo = next(p for p in persons if p["first_name"] == "Léo")
    s.title(9, _("Léo, her son, has his own profile and code; she attaches it as his legal representative"))
    child_letter = s.run(["outbox", "--to", leo["nir"], "--last"], data=True)
    s.run(["children", "link", "--code", child_letter["code"], "--birth-date", leo["birth_date"], "--certify"])
    s.run(["--for", "Léo", "vaccins", "add", "--vaccine", "HEXA", "--date", "14/11/2019"])
    s.run(["--for", "Léo", "vaccins", "reminders"])
    s.run(["children", "list"])

    s.title(10, _("Her doctor writes to her through the messagerie de santé (here, as the doctor's software would)"))
    conversation = s.run(["server", "pro", "start", "--rpps", "10101234567", "--to", jeanne["nir"], "--subject",
                          "Résultats de votre bilan", "--body", "Bonjour, vos résultats sont normaux. Pouvez-vous "
                          "m'envoyer votre dernier relevé de tension ?"], data=True)
    s.run(["messages", "list"])
    s.title(11, _("She replies, attaching a document from her space; every professional access is in her history"))
    first_document = s.run(["docs", "list", "--limit", "1"], data=True)[0]["id"]
    s.run(["messages", "reply", conversation["id"], "--body", "Bonjour Docteur, voici mon relevé. Merci !",
           "--attach", first_document])
    s.run(["messages", "read", conversation["id"]])
    s.run(["history"])
    out.write("\n" + _("✓ Demo complete. Explore further with: MES_HOME={home} mes --help").format(home=home) + "\n")


def register(root: typer.Typer) -> None:
    root.command("demo")(demo)
