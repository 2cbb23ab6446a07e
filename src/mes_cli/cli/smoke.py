"""`mes smoke`: one whole scenario against any server, each step timed, JUnit XML for CI systems.

Checks the server's health and that it runs with --dev (the codes are read from
its outbox) before writing anything; seeds a fresh, marked test person through
the admin API ("Smoke Test", e-mail smoke.…@example.fr), activates with the
letter's code, logs in with the e-mailed code, uploads, lists, downloads and
compares, exchanges a message with a professional, then cleans up: the message
and document deleted, the test space closed with its data deleted. The registry
has no deletion, so the marked person stays there; the summary says how to find
it. Stops at the first broken step and says what broke (the steps not run are
"skipped" in the JUnit file); exit 1 then, 0 when every step passed.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer

from ..i18n import N_, _
from .context import AppContext

SMOKE_PRO = "10101234567"


SMOKE_FIRST_NAME, SMOKE_LAST_NAME = "Smoke", "Test"  # the mark of the persons `mes smoke` leaves in a registry


@dataclass
class Step:
    name: str  # English, marked with N_(): the JUnit test case name stays stable; people see _(name)
    seconds: float = 0.0
    error: str | None = None
    skipped: bool = False  # never ran: an earlier step broke


@dataclass
class Smoke:
    app: AppContext
    steps: list[Step] = field(default_factory=list)
    state: dict = field(default_factory=dict)

    def skip(self, name: str) -> None:
        self.steps.append(Step(name, skipped=True))
        self.app.env.stderr.write("- " + _("{step} (skipped)").format(step=_(name)) + "\n")

    def run(self, name: str, action: Callable[[], None]) -> bool:
        from ..contract.errors import MesError

        step = Step(name)
        start = time.perf_counter()
        try:
            action()
        except MesError as exc:
            step.error = f"{exc.code}: {exc.message}"
        except AssertionError as exc:
            step.error = str(exc) or _("check failed")
        step.seconds = time.perf_counter() - start
        self.steps.append(step)
        mark = "✓" if step.error is None else "✗"
        self.app.env.stderr.write(f"{mark} {_(name)} ({step.seconds * 1000:.0f} ms)"
                                  + (f"\n  {step.error}\n" if step.error else "\n"))
        return step.error is None


def _scenario(smoke: Smoke, work: Path) -> list[tuple[str, Callable[[], None]]]:
    from ..contract import models as m
    from ..demo_data import DEMO_PROFESSIONALS, demo_persons

    client = smoke.app.client
    s = smoke.state
    password = f"Essai-{secrets.token_hex(4)}-9!Aa"

    def health():
        health = client.health()
        assert health.status == "ok", _("the health endpoint did not answer ok")
        # Refused before anything is written: without --dev the codes cannot be read, and the
        # scenario would stop at the activation with a test person left behind.
        if not health.dev:  # raised, not asserted: it must hold under `python -O` too
            raise AssertionError(_("the server does not run in development mode (--dev), and the scenario reads the "
                                   "codes it sends from its outbox: nothing was written. Run it against a server "
                                   "started with `mes server run --dev`."))

    def seed():
        person = demo_persons()[0]
        person.first_name, person.last_name = SMOKE_FIRST_NAME, SMOKE_LAST_NAME
        person.email = f"smoke.{secrets.token_hex(4)}@example.fr"
        person.mobile = None
        person.children = []
        client.seed([person], DEMO_PROFESSIONALS)
        s["person"] = person

    def activate():
        p = s["person"]
        letter = client.outbox(to=p.nir, limit=1).messages[-1]
        started = client.start_enrolment(m.EnrolmentRequest(code=letter.code, nir=p.nir, card_serial=p.card_serial,
                                                            birth_date=p.birth_date))
        s["identifier"] = f"smoke.{p.nir[-6:]}.{secrets.token_hex(2)}"
        client.activate(m.ActivationRequest(enrolment_id=started.enrolment_id, identifier=s["identifier"],
                                            password=password, accept_terms=True))

    def login():
        started = client.start_login(m.LoginRequest(identifier=s["identifier"], password=password))
        code = client.outbox(to=s["person"].email, limit=1).messages[-1].code
        client.token = client.complete_login(started.login_id, code).token
        assert client.whoami().account.identifier == s["identifier"], _("whoami names someone else")

    def upload():
        path = work / "smoke.pdf"
        data = b"%PDF-1.4\n% smoke " + secrets.token_hex(8).encode() + b"\n%%EOF\n"
        path.write_bytes(data)
        s["sha256"] = hashlib.sha256(data).hexdigest()
        result = client.upload_document("me", path, size=len(data), sha256=s["sha256"],
                                        idempotency_key=f"sha256:{s['sha256']}", category="AUTR_DOC")
        assert result.created, _("the upload was not created")
        s["document"] = result.document.id

    def listing():
        ids = [d.id for d in client.list_documents("me", limit=50).documents]
        assert s["document"] in ids, _("the uploaded document is not listed")

    def download():
        digest = hashlib.sha256()
        client.download_document("me", s["document"], digest.update)
        assert digest.hexdigest() == s["sha256"], _("the downloaded bytes differ from the uploaded ones")

    def message():
        conversation = client.pro_start(SMOKE_PRO, m.ProConversationIn(profile=s["person"].nir, subject="Smoke test",
                                                                       body="Bonjour"))
        client.reply("me", conversation.id, m.ReplyIn(body="Bien reçu", document_ids=[s["document"]]))
        read = client.read_conversation("me", conversation.id)
        assert [msg.sender for msg in read.messages] == ["professional", "person"], _("the exchange is incomplete")
        s["conversation"] = conversation.id

    def clean_up():
        client.delete_conversation("me", s["conversation"])
        client.delete_document("me", s["document"])
        closed = client.close_account(password, delete_data=True)  # ends the session too
        if closed.state != "closed":
            raise AssertionError(_("the test space was not closed"))
        s["closed"] = True

    return [(N_("health"), health), (N_("seed a person (admin API)"), seed),
            (N_("activate with the letter's code"), activate), (N_("log in with the e-mailed code"), login),
            (N_("upload a document"), upload), (N_("list documents"), listing),
            (N_("download and compare"), download), (N_("exchange a message"), message), (N_("clean up"), clean_up)]


def junit_xml(steps: list[Step], target: str, test_person: str | None = None) -> bytes:
    from xml.etree import ElementTree as ET

    failures = sum(1 for step in steps if step.error)
    skipped = sum(1 for step in steps if step.skipped)
    suite = ET.Element("testsuite", name="mes smoke", tests=str(len(steps)), failures=str(failures),
                       skipped=str(skipped), time=f"{sum(step.seconds for step in steps):.3f}")
    properties = ET.SubElement(suite, "properties")
    ET.SubElement(properties, "property", name="target", value=target)
    if test_person:
        ET.SubElement(properties, "property", name="test_person", value=test_person)
    broken = next((step.name for step in steps if step.error), None)
    for step in steps:
        case = ET.SubElement(suite, "testcase", classname="mes.smoke", name=step.name, time=f"{step.seconds:.3f}")
        if step.error:
            ET.SubElement(case, "failure", message=step.error[:500]).text = step.error
        elif step.skipped:
            ET.SubElement(case, "skipped", message=_("not run: the step “{step}” failed").format(step=_(broken)))
    return ET.tostring(suite, encoding="utf-8", xml_declaration=True)


def smoke(
    ctx: typer.Context,
    junit: Annotated[Optional[Path], typer.Option("--junit-xml", help="Write the steps as JUnit XML to FILE")] = None,
) -> None:
    """Run a whole scenario against the server (admin token and --dev needed); exit non-zero on a broken step.

    Nothing is written unless the server runs with --dev. A marked test person
    ("Smoke Test", e-mail smoke.…@example.fr) stays in the registry, its space
    closed and its data deleted after a passing run.
    """
    import tempfile

    from ..contract.errors import MesError

    app: AppContext = ctx.obj
    runner = Smoke(app)
    with tempfile.TemporaryDirectory(prefix="mes-smoke-") as work:
        broken = False
        for name, action in _scenario(runner, Path(work)):
            if broken:
                runner.skip(name)
            elif not runner.run(name, action):
                broken = True
    person = runner.state.get("person")
    if junit is not None:
        junit.write_bytes(junit_xml(runner.steps, app.config.display_target, person.email if person else None))
    broken_step = next((step for step in runner.steps if step.error), None)
    total = sum(step.seconds for step in runner.steps)
    if broken_step:
        _say_what_is_left(app, runner.state)
        raise MesError("STEP_FAILED", _("Smoke test failed at “{step}”: {error}").format(step=_(broken_step.name),
                                                                                        error=broken_step.error))
    app.say(_("✓ smoke test passed: {n} steps in {seconds:.2f} s against {target}").format(
        n=len(runner.steps), seconds=total, target=app.config.display_target))
    _say_what_is_left(app, runner.state)


def _say_what_is_left(app: AppContext, state: dict) -> None:
    """The marked test person stays in the registry (which has no deletion): say who, and how to find them."""
    person = state.get("person")
    if person is None:
        return
    if state.get("closed"):
        left = _("It leaves a marked test person in the registry (the registry has no deletion): {first_name} "
                 "{last_name}, e-mail {email}, space closed and its data deleted; see `mes outbox --to {email}`.")
    else:
        left = _("It leaves a marked test person in the registry: {first_name} {last_name}, e-mail {email}; see "
                 "`mes outbox --to {email}`.")
    app.say(left.format(first_name=person.first_name, last_name=person.last_name, email=person.email))


def register(root: typer.Typer) -> None:
    root.command("smoke")(smoke)
