"""`mes smoke`: one whole scenario against any server, each step timed, JUnit XML for CI systems.

Seeds a fresh person through the admin API, activates with the letter's code,
logs in with the e-mailed code (both read from the outbox, so the server must
run with --dev), uploads, lists, downloads and compares, exchanges a message
with a professional, then cleans up. Stops at the first broken step and says
what broke; exit 1 then, 0 when every step passed.
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


@dataclass
class Step:
    name: str  # English, marked with N_(): the JUnit test case name stays stable; people see _(name)
    seconds: float = 0.0
    error: str | None = None


@dataclass
class Smoke:
    app: AppContext
    steps: list[Step] = field(default_factory=list)
    state: dict = field(default_factory=dict)

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
    password = f"Smoke-{secrets.token_hex(4)}-9!Aa"

    def health():
        assert client.health().status == "ok", _("the health endpoint did not answer ok")

    def seed():
        person = demo_persons()[0]
        person.email = f"smoke.{secrets.token_hex(4)}@example.fr"
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
        client.logout()

    return [(N_("health"), health), (N_("seed a person (admin API)"), seed),
            (N_("activate with the letter's code"), activate), (N_("log in with the e-mailed code"), login),
            (N_("upload a document"), upload), (N_("list documents"), listing),
            (N_("download and compare"), download), (N_("exchange a message"), message), (N_("clean up"), clean_up)]


def junit_xml(steps: list[Step], target: str) -> bytes:
    from xml.etree import ElementTree as ET

    failures = sum(1 for step in steps if step.error)
    suite = ET.Element("testsuite", name="mes smoke", tests=str(len(steps)), failures=str(failures),
                       time=f"{sum(step.seconds for step in steps):.3f}")
    ET.SubElement(ET.SubElement(suite, "properties"), "property", name="target", value=target)
    for step in steps:
        case = ET.SubElement(suite, "testcase", classname="mes.smoke", name=step.name, time=f"{step.seconds:.3f}")
        if step.error:
            ET.SubElement(case, "failure", message=step.error[:500]).text = step.error
    return ET.tostring(suite, encoding="utf-8", xml_declaration=True)


def smoke(
    ctx: typer.Context,
    junit: Annotated[Optional[Path], typer.Option("--junit-xml", help="Write the steps as JUnit XML to FILE")] = None,
) -> None:
    """Run a whole scenario against the server (admin token and --dev needed); exit non-zero on a broken step."""
    import tempfile

    from ..contract.errors import MesError

    app: AppContext = ctx.obj
    runner = Smoke(app)
    with tempfile.TemporaryDirectory(prefix="mes-smoke-") as work:
        for name, action in _scenario(runner, Path(work)):
            if not runner.run(name, action):
                break
    if junit is not None:
        junit.write_bytes(junit_xml(runner.steps, app.config.display_target))
    broken = next((step for step in runner.steps if step.error), None)
    total = sum(step.seconds for step in runner.steps)
    if broken:
        raise MesError("STEP_FAILED", _("Smoke test failed at “{step}”: {error}").format(step=_(broken.name),
                                                                                        error=broken.error))
    app.say(_("✓ smoke test passed: {n} steps in {seconds:.2f} s against {target}").format(
        n=len(runner.steps), seconds=total, target=app.config.display_target))


def register(root: typer.Typer) -> None:
    root.command("smoke")(smoke)
