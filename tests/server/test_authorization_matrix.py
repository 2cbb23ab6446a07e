"""The authorisation matrix of attached profiles (DOMAIN.md §7), generated from the route table.

Every session operation under ``/v1/profiles/{profile_id}`` is called by every actor:
the parent who linked the child, an invited person who has not accepted, the
co-parent who accepted, a stranger, the parent and the co-parent once the child
turned 18, nobody (no Authorization header); plus the owner on their own profile
(``me`` and their id) and others on that id. Requests are built from the
``Operation``: path parameters get real ids created beforehand in the target
profile, bodies come from a table of valid bodies per request type (a type
missing from it fails the test: a new endpoint cannot escape the matrix).

Allowed means a 2xx that touched only the target profile's rows; refused means
exactly the expected error, no leak of the profile's name, and a database (and
blob store) left exactly as it was. The children operations (link, share,
unlink, list, invitations) have their own matrix, also checked against the table.

Two worlds are built once per module: "main" (the clock never moves) and
"adult" (a second server whose clock is moved past the child's 18th birthday).
The server's wall clock is frozen for the module (conftest.frozen_time), so the
module-scoped worlds see one fixed time; sessions never idle out in them.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from mes_cli.server import clock

from mes_cli.contract import models as m
from mes_cli.server.http.routes import OPERATIONS
from mes_cli.server.http.operation import Operation
from mes_cli.server.settings import Policy, Settings
from support.api import Api, build_context, expect_error
from support.people import person

ALLOWED = "allowed"
PDF = b"%PDF-1.4\n%%EOF\n"
PROFILE_PREFIX = "/v1/profiles/{profile_id}"

SESSION_OPERATIONS = [op for op in OPERATIONS if op.access == "session"]
PROFILE_OPERATIONS = [op for op in SESSION_OPERATIONS if op.path.startswith(PROFILE_PREFIX)]
CHILDREN_OPERATIONS = [op for op in SESSION_OPERATIONS if op.tag == "children"]
BY_ID = {op.operation_id: op for op in OPERATIONS}
BY_ROUTE = {(op.method, op.path): op for op in OPERATIONS}


def path_params(op: Operation) -> list[str]:
    return re.findall(r"{(\w+)}", op.path)


def unique_name(prefix: str) -> str:
    return prefix + "".join(secrets.choice(string.ascii_lowercase) for _ in range(8))


def rpps_number() -> str:
    return "1" + "".join(secrets.choice(string.digits) for _ in range(10))


# --- valid bodies, per request type ------------------------------------------------------------
# A value is the body, or a function (world, owner_id) -> body for bodies naming other resources.

def _new_conversation(world: "World", owner_id: str) -> dict:
    return {"rpps": world.writer_rpps(owner_id), "subject": "Question", "body": "Bonjour docteur"}


def _fresh_document_ids(world: "World", owner_id: str) -> dict:
    """A batch deletion's body: a document of its own, so that the shared one stays for the other cases;
    the shared one where its creator can no longer add any (after the 18th birthday: refused cases only)."""
    op = BY_ID["deleteDocument"]
    try:
        return {"ids": [world.param(op, "document_id", owner_id, fresh=True)]}
    except AssertionError:
        return {"ids": [world.param(op, "document_id", owner_id)]}


def _if_defined(name: str, body: Any) -> dict[type, Any]:
    """An entry for a model that may not exist (yet) in every version of the contract."""
    kind = getattr(m, name, None)
    return {kind: body} if kind is not None else {}


VALID_BODIES: dict[type, Any] = {
    m.DiseaseIn: {"name": "Asthme"},
    m.TreatmentIn: {"name": "Ventoline", "dosage": "2 bouffées"},
    m.AllergyIn: {"substance": "Arachide", "severity": "severe"},
    m.FamilyHistoryIn: {"relative": "Mère", "condition": "Diabète"},
    m.MeasureIn: {"kind": "weight", "value": 20},
    m.SectionStatus: {"not_concerned": False},
    m.BloodGroupIn: {"blood_group": "O+"},
    m.VaccinationIn: {"vaccine": "ROR", "date": "2020-06-01"},
    m.DocumentPatch: {"hidden": True},
    m.LookupRequest: {"idempotency_keys": ["x"]},
    m.FolderIn: lambda world, owner_id: {"name": unique_name("Dossier ")},
    m.BatchDeleteRequest: _fresh_document_ids,
    m.DocumentSettings: {"hide_new_from_professionals": False},
    **_if_defined("ReplyIn", {"body": "Merci docteur"}),
    **_if_defined("SaveAttachmentIn", {"title": "Compte rendu"}),
    **_if_defined("NewConversationIn", _new_conversation),
}
RAW_BODIES = {"application/octet-stream": PDF}


def _cda_for(world: "World", owner_id: str) -> bytes:
    """An HL7 CDA document whose patient is the profile's owner (identity vigilance lets only that in)."""
    from support.health_docs import archive, cda_of, retarget_cda

    return retarget_cda(cda_of(archive("VAC_2023")), world.person(owner_id))


# Operations whose raw body is a document of a given kind rather than any accepted file.
RAW_BODIES_BY_OPERATION: dict[str, Callable[["World", str], bytes]] = {"importHealthDocument": _cda_for}


def body_for(op: Operation, world: "World", owner_id: str) -> dict[str, Any]:
    """The request keywords of a valid call of ``op`` on ``owner_id``'s profile; fails on an unknown type."""
    if op.operation_id in RAW_BODIES_BY_OPERATION:
        return {"content": RAW_BODIES_BY_OPERATION[op.operation_id](world, owner_id),
                "headers": {"Content-Type": op.raw_media}}
    if op.raw_body:
        if op.raw_media not in RAW_BODIES:
            pytest.fail(f"{op.operation_id}: no valid raw body for {op.raw_media!r}; add one to RAW_BODIES")
        return {"content": RAW_BODIES[op.raw_media], "headers": {"Content-Type": op.raw_media}}
    if op.request is None:
        return {}
    if op.request not in VALID_BODIES:
        pytest.fail(f"{op.operation_id}: no valid body for request type {op.request.__name__}; "
                    "add one to VALID_BODIES so that the authorisation matrix covers it")
    body = VALID_BODIES[op.request]
    return {"json": body(world, owner_id) if callable(body) else body}


def created_id(data: dict) -> str:
    """The id in a creation's answer: ``id``, or the ``id`` of its one nested object (UploadResult)."""
    if "id" in data:
        return data["id"]
    nested = [v["id"] for v in data.values() if isinstance(v, dict) and "id" in v]
    assert len(nested) == 1, data
    return nested[0]


# --- database snapshots --------------------------------------------------------------------------

VOLATILE_TABLES = {"sessions"}  # every authenticated call refreshes its session's idle deadline


def snapshot(api: Api) -> dict[str, tuple[tuple[str, ...], frozenset]]:
    """Every table (but sessions) as (columns, rows), and the blob files."""
    store = api.ctx.store
    state = {}
    for table in store.tables():
        if table in VOLATILE_TABLES:
            continue
        columns = tuple(sorted(store.columns(table)))
        rows = store.all(f'SELECT * FROM "{table}"')
        state[table] = (columns, frozenset(tuple(row[column] for column in columns) for row in rows))
    blobs = api.settings.data_dir / "blobs"
    files = frozenset(str(p.relative_to(blobs)) for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else frozenset()
    state["<blob files>"] = (("path",), files)
    return state


def changes(before: dict, after: dict) -> dict[str, tuple[set, set]]:
    out = {}
    for table in before.keys() | after.keys():
        old = before.get(table, ((), frozenset()))[1]
        new = after.get(table, ((), frozenset()))[1]
        if old != new:
            out[table] = (set(old - new), set(new - old))
    return out


def rows_of_other_profiles(after: dict, diff: dict, owner_id: str) -> dict[str, list]:
    """Changed rows, in tables with a profile_id column, that belong to another profile than ``owner_id``."""
    wrong = {}
    for table, (removed, added) in diff.items():
        columns = after.get(table, ((),))[0]
        if "profile_id" not in columns:
            continue
        index = columns.index("profile_id")
        bad = [row for row in removed | added if row[index] != owner_id]
        if bad:
            wrong[table] = bad
    return wrong


def profile_ids_in(data: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            if key == "profile_id" and isinstance(value, str):
                found.add(value)
            found |= profile_ids_in(value)
    elif isinstance(data, list):
        for value in data:
            found |= profile_ids_in(value)
    return found


# --- worlds ---------------------------------------------------------------------------------------


@dataclass
class World:
    """One server with its persons (logged in), a linked child, and ids created in the profiles."""

    api: Api
    people: dict[str, dict] = field(default_factory=dict)  # role -> person (with "token")
    child: dict = field(default_factory=dict)  # nir, names, birth_date, id, code
    invitation_id: str | None = None  # pending, to people["invited"]
    creators: dict[str, dict] = field(default_factory=dict)  # profile id -> who creates ids in it
    ids: dict[tuple[str, str, str], str] = field(default_factory=dict)  # (owner, collection, param) -> id
    specials: dict[str, dict] = field(default_factory=dict)  # owner (or "writer", "blocked") -> ids
    broken: dict[tuple[str, str], BaseException] = field(default_factory=dict)  # (op, owner) -> setup error

    def token(self, role: str | None) -> str | None:
        return self.people[role]["token"] if role else None

    # -- professionals (messaging), set up on demand through the admin API --

    def _admin(self, operation_id: str, path_values: dict, **kwargs) -> dict:
        op = BY_ID[operation_id]
        return self.api.ok(self.api.request(op.method, op.path.format(**path_values), **kwargs))

    def _seed_professional(self) -> str:
        rpps = rpps_number()
        self._admin("seedPersons", {}, json={"persons": [], "professionals": [
            {"rpps": rpps, "name": unique_name("Dr "), "profession": "Médecin"}]})
        return rpps

    def blocked_rpps(self, owner_id: str) -> str:
        """A professional to block and unblock: not the one writing to the profiles."""
        if "blocked" not in self.specials:
            self.specials["blocked"] = {"rpps": self._seed_professional()}
        return self.specials["blocked"]["rpps"]

    def writer_rpps(self, owner_id: str) -> str:
        """A professional who has written to this profile (and not closed the exchange)."""
        self.pro_message(owner_id, "message_id")
        return self.specials["writer"]["rpps"]

    def pro_message(self, owner_id: str, name: str) -> str:
        """A professional's message with an attachment, in this profile: its message_id or attachment_id."""
        if "writer" not in self.specials:
            self.specials["writer"] = {"rpps": self._seed_professional()}
        if owner_id not in self.specials:
            self.specials[owner_id] = self._message_with(owner_id, PDF, "compte-rendu.pdf")
        return self.specials[owner_id][name]

    def _message_with(self, owner_id: str, content: bytes, filename: str) -> dict:
        """The writer's new message to this profile with ``content`` attached: its message and attachment ids."""
        rpps = self.specials["writer"]["rpps"]
        attachment = self._admin("proUploadAttachment", {"rpps": rpps}, content=content,
                                 params={"profile": owner_id, "filename": filename},
                                 headers={"Content-Type": "application/octet-stream"})
        conversation = self._admin("proStartConversation", {"rpps": rpps}, json={
            "profile": owner_id, "subject": "Résultats", "body": "Voici vos résultats",
            "attachment_ids": [attachment["id"]]})
        message = conversation["messages"][0]
        return {"message_id": message["id"], "attachment_id": message["attachments"][0]["id"]}

    def person(self, owner_id: str) -> dict:
        return next(p for p in (*self.people.values(), self.child) if p["id"] == owner_id)

    def cda_document(self, owner_id: str) -> str:
        """A CDA document in this profile (imported by its creator): its document_id."""
        key = (owner_id, "cda", "document_id")
        if key not in self.ids:
            op = BY_ID["importHealthDocument"]
            response = self.request(op, self.creators[owner_id]["token"], owner_id, owner_id)
            assert response.is_success, response.text
            self.ids[key] = response.json()["document"]["id"]
        return self.ids[key]

    def xdm_message(self, owner_id: str, name: str) -> str:
        """A professional's message with an IHE XDM archive attached, in this profile."""
        from support.health_docs import archive, retarget_archive

        key = f"xdm:{owner_id}"
        if key not in self.specials:
            self.writer_rpps(owner_id)  # the writer exists and has written to this profile
            self.specials[key] = self._message_with(
                owner_id, retarget_archive(archive("VAC_2023"), self.person(owner_id)), "IHE_XDM.ZIP")
        return self.specials[key][name]

    # -- path parameters --

    def param(self, op: Operation, name: str, owner_id: str, *, fresh: bool = False) -> str:
        if (op.operation_id, name) in SPECIAL_OPERATION_PARAMS:
            return SPECIAL_OPERATION_PARAMS[(op.operation_id, name)](self, owner_id)
        if name in SPECIAL_PARAMS:
            return SPECIAL_PARAMS[name](self, owner_id)
        marker = "/{" + name + "}"
        collection = op.path[: op.path.index(marker)]
        creator = BY_ROUTE.get(("POST", collection))
        if creator is None:
            pytest.fail(f"{op.operation_id}: no way to create a {name!r} for the matrix (no POST {collection}); "
                        "add a provider to SPECIAL_PARAMS")
        key = (owner_id, collection, name)
        if fresh or key not in self.ids:  # a fresh one (to delete) does not replace the shared one
            response = self.request(creator, self.creators[owner_id]["token"], owner_id, owner_id)
            assert response.is_success, (creator.operation_id, response.status_code, response.text)
            new_id = created_id(response.json())
            assert self.owner_of(new_id) == owner_id, (creator.operation_id, new_id, owner_id)
            if fresh:
                return new_id
            self.ids[key] = new_id
        return self.ids[key]

    def owner_of(self, resource_id: str) -> str | None:
        """The profile_id of the row with this id, in whichever table has both columns."""
        store = self.api.ctx.store
        for table in store.tables():
            if {"id", "profile_id"} <= store.columns(table):
                row = store.one(f'SELECT profile_id FROM "{table}" WHERE CAST(id AS TEXT) = ?', (resource_id,))
                if row is not None:
                    return row["profile_id"]
        return None

    def foreign_markers(self, owner_id: str) -> set[str]:
        """What must not appear in an answer about ``owner_id``'s profile: other persons' names and ids,
        ids of resources of other profiles."""
        persons = [*self.people.values(), self.child]
        markers = {p["last_name"] for p in persons if p["id"] != owner_id}
        markers |= {p["id"] for p in persons if p["id"] != owner_id}
        markers |= {value for (owner, *_), value in self.ids.items() if owner != owner_id}
        markers |= {value for owner, ids in self.specials.items() if owner in {p["id"] for p in persons} - {owner_id}
                    for value in ids.values()}
        return markers

    def path(self, op: Operation, target: str, owner_id: str, *, fresh_last: bool = False) -> str:
        names = path_params(op)
        values = {}
        for name in names:
            if name == "profile_id":
                values[name] = target
            else:
                values[name] = self.param(op, name, owner_id, fresh=fresh_last and name == names[-1])
        return op.path.format(**values)

    def request(self, op: Operation, token: str | None, target: str, owner_id: str, *, fresh_last: bool = False):
        kwargs = body_for(op, self, owner_id)
        return self.api.request(op.method, self.path(op, target, owner_id, fresh_last=fresh_last), token=token,
                                **kwargs)

    def prepare(self, owner_id: str, creator: dict) -> None:
        """Creates, as ``creator``, every id (and professional) the profile operations need in this profile."""
        self.creators[owner_id] = creator
        for op in PROFILE_OPERATIONS:
            try:
                for name in path_params(op):
                    if name != "profile_id":
                        self.param(op, name, owner_id)
                body_for(op, self, owner_id)
            except (Exception, pytest.fail.Exception) as exc:  # reported by that operation's cases only
                self.broken[(op.operation_id, owner_id)] = exc


# Path parameters that no POST on their collection creates (the others are created that way, generically).
SPECIAL_PARAMS: dict[str, Callable[[World, str], str]] = {
    "rpps": World.blocked_rpps,
    "message_id": lambda world, owner_id: world.pro_message(owner_id, "message_id"),
    "attachment_id": lambda world, owner_id: world.pro_message(owner_id, "attachment_id"),
}
# Parameters that one operation needs of a particular kind: a CDA document, an XDM attachment.
SPECIAL_OPERATION_PARAMS: dict[tuple[str, str], Callable[[World, str], str]] = {
    ("getCdaDetails", "document_id"): World.cda_document,
    ("fileAttachmentDocuments", "message_id"): lambda world, owner_id: world.xdm_message(owner_id, "message_id"),
    ("fileAttachmentDocuments", "attachment_id"):
        lambda world, owner_id: world.xdm_message(owner_id, "attachment_id"),
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def backend(request) -> str:
    """The whole matrix runs on both stores: its worlds are built once per store (module scope)."""
    return request.param


pytestmark = pytest.mark.usefixtures("backend")  # the worlds are asked for by name, inside the tests


@pytest.fixture(scope="module")
def start_server(request, backend, tmp_path_factory):
    """Builds a world's server: its own data directory, and its own PostgreSQL schema on that store."""
    made: list[Api] = []
    databases: list[str] = []

    def start(name: str) -> Api:
        database_url = None
        if backend == "postgresql":
            database_url = request.getfixturevalue("postgres").new_database()
            databases.append(database_url)
        settings = Settings(data_dir=tmp_path_factory.mktemp(name), dev=True, policy=Policy(),
                            database_url=database_url)
        made.append(Api.start(settings, build_context(settings)))
        return made[-1]

    yield start
    for api in made:
        api.close()
    for url in databases:
        request.getfixturevalue("postgres").drop_database(url)


def active(api: Api, role: str, **overrides) -> dict:
    p = api.active_person(first_name=role.title().replace("-", ""), last_name=unique_name("Nom"), **overrides)
    p["role"] = role
    return p


def child_identity(birth_date: dt.date) -> dict:
    src = person()
    return {"nir": src["nir"], "first_name": "Lou", "last_name": unique_name("Enfant"),
            "birth_date": birth_date.isoformat()}


def family(api: Api, *, child_birth: dt.date, link: bool = True, coparent: bool = True,
           invited: bool = True) -> World:
    """A parent with one child (linked), a co-parent who accepted, an invited person who has not answered."""
    world = World(api)
    child = child_identity(child_birth)
    parent = api.seed(first_name="Parent", last_name=unique_name("Nom"), children=[child])
    api.activate(parent)
    api.login(parent)
    parent["role"] = "parent"
    world.people["parent"] = parent
    child["code"] = api.last_message(child["nir"])["code"]
    child["id"] = api.ctx.store.one("SELECT id FROM persons WHERE nir = ?", (child["nir"],))["id"]
    world.child = child
    if not link:
        return world
    linked = api.ok(api.post("/v1/children", {"code": child["code"], "birth_date": child["birth_date"],
                                              "certify_legal_representative": True}, token=parent["token"]), 201)
    assert linked["profile_id"] == child["id"] and linked["role"] == "representative", linked
    if coparent:
        world.people["co-parent"] = active(api, "co-parent")
        invitation = share(world, world.people["co-parent"])
        api.ok(api.post(f"/v1/invitations/{invitation}/accept", token=world.people["co-parent"]["token"]))
    if invited:
        world.people["invited"] = active(api, "invited")
        world.invitation_id = share(world, world.people["invited"])
    return world


def share(world: World, invitee: dict) -> str:
    api = world.api
    return api.ok(api.post(f"/v1/children/{world.child['id']}/invitations", {"identifier": invitee["identifier"]},
                           token=world.people["parent"]["token"]), 201)["id"]


@pytest.fixture(scope="module")
def main_world(frozen_time, start_server) -> World:
    api = start_server("authz-main")
    world = family(api, child_birth=dt.date(2016, 5, 12))
    world.people["stranger"] = active(api, "stranger")
    world.people["share-target"] = active(api, "share-target")
    parent = world.people["parent"]
    world.prepare(world.child["id"], parent)
    world.prepare(parent["id"], parent)
    yield world


@pytest.fixture(scope="module")
def adult_world(frozen_time, start_server) -> World:
    """The child turns 18 in 3 days; everything is set up, then the clock moves 4 days (the invitation, valid
    7 days, is still pending) and everybody logs in again (sessions idle out after 2 hours)."""
    api = start_server("authz-adult")
    birthday = frozen_time.date() + dt.timedelta(days=3)
    world = family(api, child_birth=birthday.replace(year=birthday.year - 18))
    world.people["share-target"] = active(api, "share-target")
    parent = world.people["parent"]
    world.prepare(world.child["id"], parent)
    world.prepare(parent["id"], parent)
    assert api.ok(api.get(f"/v1/profiles/{world.child['id']}/medical", token=parent["token"]))
    api.advance(4 * 24 * 3600)
    assert api.ctx.clock.today() >= dt.date.fromisoformat(world.child["birth_date"]).replace(
        year=int(world.child["birth_date"][:4]) + 18)
    for p in world.people.values():
        api.login(p)
    yield world


WORLDS = {"main": "main_world", "adult": "adult_world"}


# --- the profile matrix -------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    world: str  # "main" or "adult"
    actor: str | None  # a role of the world's people; None: no Authorization header
    target: str  # "child", "me", "own" (the actor's id) or "parent" (the parent's id)
    expect: str  # ALLOWED or the error code

    def owner(self, world: World) -> dict:
        """Whose profile the target names."""
        if self.target == "child":
            return world.child
        if self.target in ("me", "own"):
            return world.people[self.actor]
        return world.people[self.target]

    def path_target(self, world: World) -> str:
        return {"child": world.child["id"], "me": "me"}.get(self.target) or self.owner(world)["id"]


PROFILE_CASES = [
    Case("parent", "main", "parent", "child", ALLOWED),
    Case("co-parent", "main", "co-parent", "child", ALLOWED),
    Case("invited", "main", "invited", "child", "PROFILE_NOT_FOUND"),
    Case("stranger", "main", "stranger", "child", "PROFILE_NOT_FOUND"),
    Case("logged-out", "main", None, "child", "AUTH_REQUIRED"),
    Case("parent-after-18", "adult", "parent", "child", "PROFILE_NOT_FOUND"),
    Case("co-parent-after-18", "adult", "co-parent", "child", "PROFILE_NOT_FOUND"),
    Case("owner-me", "main", "parent", "me", ALLOWED),
    Case("owner-own-id", "main", "parent", "own", ALLOWED),
    Case("stranger-on-owner-id", "main", "stranger", "parent", "PROFILE_NOT_FOUND"),
    Case("co-parent-on-owner-id", "main", "co-parent", "parent", "PROFILE_NOT_FOUND"),
    Case("parent-after-18-own-profile", "adult", "parent", "me", ALLOWED),
]
PROFILE_MATRIX = [pytest.param(op, case, id=f"{op.operation_id}-{case.name}")
                  for op in PROFILE_OPERATIONS for case in PROFILE_CASES]


def test_every_operation_with_a_path_parameter_is_in_a_matrix():
    """A guard: a session operation naming a profile or an invitation is in one of the two matrices below."""
    profile_or_children = {op.operation_id for op in PROFILE_OPERATIONS + CHILDREN_OPERATIONS}
    missing = [op.operation_id for op in SESSION_OPERATIONS if path_params(op) and
               op.operation_id not in profile_or_children]
    assert not missing, f"session operations outside the authorisation matrix: {missing}"
    assert {op.operation_id for op in CHILDREN_OPERATIONS} == set(CHILDREN_MATRIX), (
        "every children operation needs a row in CHILDREN_MATRIX")
    assert len(PROFILE_OPERATIONS) >= 34  # documents, medical sections, blood group, vaccinations, FHIR…


@pytest.mark.parametrize("op", PROFILE_OPERATIONS + CHILDREN_OPERATIONS, ids=lambda op: op.operation_id)
def test_every_request_type_has_a_valid_body(op):
    """Fails (not skips) when an operation's body type is missing from the tables above."""
    if op.raw_body:
        assert op.raw_media in RAW_BODIES, op
    elif op.request is not None:
        assert op.request in VALID_BODIES or op.request in CHILDREN_BODIES, (
            f"{op.operation_id}: add a valid {op.request.__name__} body")


@pytest.mark.parametrize(("op", "case"), PROFILE_MATRIX)
def test_profile_matrix(request, op: Operation, case: Case):
    world: World = request.getfixturevalue(WORLDS[case.world])
    api = world.api
    owner = case.owner(world)
    if (op.operation_id, owner["id"]) in world.broken:
        exc = world.broken[(op.operation_id, owner["id"])]
        pytest.fail(f"could not set up {op.operation_id} in {case.target}'s profile: {exc!r}")
    token = world.token(case.actor)
    allowed = case.expect == ALLOWED
    # An allowed deletion gets its own new resource, so that the shared ones stay for the other cases.
    fresh = allowed and op.method == "DELETE"
    path = world.path(op, case.path_target(world), owner["id"], fresh_last=fresh)
    kwargs = body_for(op, world, owner["id"])
    before = snapshot(api)
    response = api.request(op.method, path, token=token, **kwargs)
    after = snapshot(api)
    diff = changes(before, after)
    if allowed:
        assert response.status_code in (op.status, 200), (response.status_code, response.text)  # 200: a replay
        if "json" in response.headers.get("content-type", "") and response.content:
            assert profile_ids_in(response.json()) <= {owner["id"]}, response.text
        assert not rows_of_other_profiles(after, diff, owner["id"]), diff
        leaked = {marker for marker in world.foreign_markers(owner["id"]) if marker in response.text}
        assert not leaked, f"the answer about {case.target}'s profile names other profiles: {leaked}"
    else:
        error = expect_error(response, case.expect)
        assert owner["last_name"] not in response.text, error
        assert not diff, f"a refused {op.method} changed the data: {diff}"


# --- the children matrix ------------------------------------------------------------------------

# The actors of the children operations: (world, role); None means no Authorization header.
CHILD_ACTORS = {
    "parent": ("main", "parent"),
    "co-parent": ("main", "co-parent"),
    "invited": ("main", "invited"),
    "stranger": ("main", "stranger"),
    "parent-after-18": ("adult", "parent"),
    "co-parent-after-18": ("adult", "co-parent"),
    "invited-after-18": ("adult", "invited"),
    "logged-out": ("main", None),
}

# Who may do what. ALLOWED cells of destructive operations run in a fresh family (ALLOWED_CHECKS).
CHILDREN_MATRIX: dict[str, dict[str, str]] = {
    "listChildren": {"parent": ALLOWED, "co-parent": ALLOWED, "invited": ALLOWED, "stranger": ALLOWED,
                     "parent-after-18": ALLOWED, "co-parent-after-18": ALLOWED, "logged-out": "AUTH_REQUIRED"},
    "linkChild": {"parent": ALLOWED, "co-parent": "NOT_REPRESENTATIVE", "invited": "NOT_REPRESENTATIVE",
                  "stranger": "NOT_REPRESENTATIVE", "parent-after-18": "NOT_A_MINOR",
                  "co-parent-after-18": "NOT_REPRESENTATIVE", "logged-out": "AUTH_REQUIRED"},
    "shareChild": {"parent": ALLOWED, "co-parent": "PROFILE_NOT_FOUND", "invited": "PROFILE_NOT_FOUND",
                   "stranger": "PROFILE_NOT_FOUND", "parent-after-18": "PROFILE_NOT_FOUND",
                   "co-parent-after-18": "PROFILE_NOT_FOUND", "logged-out": "AUTH_REQUIRED"},
    "unlinkChild": {"parent": ALLOWED, "co-parent": ALLOWED, "invited": "PROFILE_NOT_FOUND",
                    "stranger": "PROFILE_NOT_FOUND", "parent-after-18": "PROFILE_NOT_FOUND",
                    "co-parent-after-18": "PROFILE_NOT_FOUND", "logged-out": "AUTH_REQUIRED"},
    "listInvitations": {"parent": ALLOWED, "co-parent": ALLOWED, "invited": ALLOWED, "stranger": ALLOWED,
                        "logged-out": "AUTH_REQUIRED"},
    "acceptInvitation": {"invited": ALLOWED, "parent": "INVITATION_NOT_FOUND",
                         "co-parent": "INVITATION_NOT_FOUND", "stranger": "INVITATION_NOT_FOUND",
                         "parent-after-18": "INVITATION_NOT_FOUND", "invited-after-18": "INVITATION_EXPIRED",
                         "logged-out": "AUTH_REQUIRED"},
    "declineInvitation": {"invited": ALLOWED, "parent": "INVITATION_NOT_FOUND",
                          "co-parent": "INVITATION_NOT_FOUND", "stranger": "INVITATION_NOT_FOUND",
                          "parent-after-18": "INVITATION_NOT_FOUND", "logged-out": "AUTH_REQUIRED"},
}

CHILDREN_BODIES: dict[type, Callable[[World], dict]] = {
    m.ShareRequest: lambda world: {"identifier": world.people["share-target"]["identifier"]},
    m.LinkRequest: lambda world: {"code": world.child["code"], "birth_date": world.child["birth_date"],
                                  "certify_legal_representative": True},
}
CHILDREN_PARAMS: dict[str, Callable[[World], str]] = {
    "profile_id": lambda world: world.child["id"],
    "invitation_id": lambda world: world.invitation_id,
}


def children_request(world: World, op: Operation, token: str | None):
    values = {}
    for name in path_params(op):
        if name not in CHILDREN_PARAMS:
            pytest.fail(f"{op.operation_id}: no value for path parameter {name!r}; add it to CHILDREN_PARAMS")
        values[name] = CHILDREN_PARAMS[name](world)
    kwargs = {}
    if op.request is not None:
        if op.request not in CHILDREN_BODIES:
            pytest.fail(f"{op.operation_id}: no valid body for {op.request.__name__}; add it to CHILDREN_BODIES")
        kwargs["json"] = CHILDREN_BODIES[op.request](world)
    return world.api.request(op.method, op.path.format(**values), token=token, **kwargs)


def reaches_profile(world: World, p: dict) -> bool:
    response = world.api.get(f"/v1/profiles/{world.child['id']}/medical", token=p["token"])
    if response.status_code == 200:
        return True
    expect_error(response, "PROFILE_NOT_FOUND")
    return False


def fresh_family(world: World, **options) -> World:
    """A new family on the same server, for allowed cells that would break the shared one."""
    return family(world.api, child_birth=dt.date.fromisoformat(world.child["birth_date"]), **options)


def _list_children(world, actor, role, op):
    seen = world.api.ok(children_request(world, op, world.token(role)), 200)["children"]
    # Each sees only their own; after 18 nobody sees the child any more.
    expected = {"parent": {(world.child["id"], "representative")}, "co-parent": {(world.child["id"], "shared")}}
    assert {(c["profile_id"], c["role"]) for c in seen} == expected.get(actor, set()), seen
    assert all(c["status"] == "attached" for c in seen), seen


def _list_invitations(world, actor, role, op):
    seen = world.api.ok(children_request(world, op, world.token(role)), 200)["invitations"]
    assert all(i["profile_id"] == world.child["id"] for i in seen), seen
    if actor == "parent":
        assert seen and {i["direction"] for i in seen} == {"sent"}, seen
        assert {i["to_name"].split()[0] for i in seen} >= {"CoParent", "Invited"}, seen
    elif actor == "co-parent":
        assert [(i["direction"], i["status"]) for i in seen] == [("received", "accepted")], seen
    elif actor == "invited":
        assert [(i["direction"], i["status"], i["id"]) for i in seen] == [
            ("received", "pending", world.invitation_id)], seen
    else:
        assert seen == [], seen


def _link(world, actor, role, op):
    new = fresh_family(world, link=False)
    response = children_request(new, op, new.token("parent"))
    view = world.api.ok(response, 201)
    assert (view["profile_id"], view["status"], view["role"]) == (new.child["id"], "attached", "representative")
    assert reaches_profile(new, new.people["parent"])


def _share(world, actor, role, op):
    target = world.people["share-target"]
    view = world.api.ok(children_request(world, op, world.token(role)), 201)
    assert (view["profile_id"], view["status"], view["direction"]) == (world.child["id"], "pending", "sent")
    assert not reaches_profile(world, target)  # only an accepted invitation gives access


def _unlink(world, actor, role, op):
    new = fresh_family(world, invited=False)
    other = "co-parent" if role == "parent" else "parent"
    response = children_request(new, op, new.token(role))
    assert response.status_code == 204, (response.status_code, response.text)
    assert not reaches_profile(new, new.people[role])
    assert reaches_profile(new, new.people[other])  # the others keep it


def _answer(accepted: bool):
    def check(world, actor, role, op):
        new = fresh_family(world, coparent=False)
        view = world.api.ok(children_request(new, op, new.token(role)), 200)
        assert (view["id"], view["status"], view["direction"]) == (
            new.invitation_id, "accepted" if accepted else "declined", "received")
        assert reaches_profile(new, new.people[role]) is accepted
    return check


ALLOWED_CHECKS: dict[str, Callable[[World, str, str, Operation], None]] = {
    "listChildren": _list_children,
    "listInvitations": _list_invitations,
    "linkChild": _link,
    "shareChild": _share,
    "unlinkChild": _unlink,
    "acceptInvitation": _answer(True),
    "declineInvitation": _answer(False),
}

CHILDREN_CASES = [pytest.param(BY_ID[op_id], actor, expect, id=f"{op_id}-{actor}")
                  for op_id, row in CHILDREN_MATRIX.items() if op_id in BY_ID for actor, expect in row.items()]


@pytest.mark.parametrize(("op", "actor", "expect"), CHILDREN_CASES)
def test_children_matrix(request, op: Operation, actor: str, expect: str):
    world_key, role = CHILD_ACTORS[actor]
    world: World = request.getfixturevalue(WORLDS[world_key])
    if expect == ALLOWED:
        if op.operation_id not in ALLOWED_CHECKS:
            pytest.fail(f"{op.operation_id}: an allowed cell needs a check in ALLOWED_CHECKS")
        return ALLOWED_CHECKS[op.operation_id](world, actor, role, op)
    before = snapshot(world.api)
    response = children_request(world, op, world.token(role))
    after = snapshot(world.api)
    expect_error(response, expect)
    assert not changes(before, after), f"a refused {op.operation_id} changed the data: {changes(before, after)}"


# --- the 18th birthday, at its boundary, and what it leaves behind --------------------------------


def test_access_ends_on_the_18th_birthday_exactly(api):
    """The day before: allowed; on the birthday (server clock, date in France): refused, for every caregiver."""
    now = api.ctx.clock.now()
    birthday = api.ctx.clock.today() + dt.timedelta(days=1)
    world = family(api, child_birth=birthday.replace(year=birthday.year - 18), invited=False)
    parent, coparent = world.people["parent"], world.people["co-parent"]
    last_second = dt.datetime.combine(birthday, dt.time(0, 0), tzinfo=clock.france()) - dt.timedelta(seconds=1)
    api.advance((last_second - now).total_seconds())
    for p in (parent, coparent):
        api.login(p)  # sessions idle out after 2 hours
    assert reaches_profile(world, parent) and reaches_profile(world, coparent)
    api.advance(1)
    assert api.ctx.clock.today() == birthday
    assert not reaches_profile(world, parent) and not reaches_profile(world, coparent)
    assert api.ok(api.get("/v1/children", token=parent["token"]))["children"] == []


def test_a_child_who_turned_18_no_longer_counts_towards_the_parent_limit(make_api):
    api = make_api(max_profiles_per_caregiver=1)
    now = api.ctx.clock.now()
    birthday = now.date() + dt.timedelta(days=2)
    elder = child_identity(birthday.replace(year=birthday.year - 18))
    younger = child_identity(dt.date(2020, 1, 12))
    parent = api.seed(first_name="Parent", last_name=unique_name("Nom"), children=[elder, younger])
    api.activate(parent)
    api.login(parent)
    for child in (elder, younger):
        child["code"] = api.last_message(child["nir"])["code"]
    api.ok(api.post("/v1/children", {"code": elder["code"], "birth_date": elder["birth_date"],
                                     "certify_legal_representative": True}, token=parent["token"]), 201)
    api.advance(3 * 24 * 3600)  # the elder is 18: the parent's access to that profile has ended
    api.login(parent)
    elder_id, younger_id = (api.ctx.store.one("SELECT id FROM persons WHERE nir = ?", (c["nir"],))["id"]
                            for c in (elder, younger))
    listed = api.ok(api.get("/v1/children", token=parent["token"]))["children"]
    assert [(c["profile_id"], c["status"]) for c in listed] == [(younger_id, "attachable")], listed
    expect_error(api.delete(f"/v1/children/{elder_id}", token=parent["token"]), "PROFILE_NOT_FOUND")  # no way out
    linked = api.post("/v1/children", {"code": younger["code"], "birth_date": younger["birth_date"],
                                       "certify_legal_representative": True}, token=parent["token"])
    assert linked.status_code == 201, linked.text  # today: 409 TOO_MANY_PROFILES


# --- documents invisible to legal representatives (DOMAIN.md §5: INVISIBLE_REPRESENTANTS_LEGAUX) ------

UNKNOWN_DOCUMENT = "d_0123456789abcdef"
SECRET_KEY = "sha256:the-childs-own"
DOCUMENT_OPERATIONS = [op for op in PROFILE_OPERATIONS if "document_id" in path_params(op)]


@pytest.fixture(scope="module")
def secret_document(main_world) -> str:
    """A document of the child's profile that a professional filed invisible to the legal representatives."""
    world = main_world
    op = BY_ID["uploadDocumentAsProfessional"]
    response = world.api.request(op.method, op.path.format(profile_id=world.child["id"]), content=PDF + b"secret",
                                 params={"hidden_from_representatives": "true", "title": "Consultation"},
                                 headers={"Content-Type": op.raw_media, "Idempotency-Key": SECRET_KEY})
    return world.api.ok(response, 201)["document"]["id"]


def _as_unknown(error: dict, secret: str) -> dict:
    return {**error, "message": error["message"].replace(secret, UNKNOWN_DOCUMENT), "request_id": None,
            "details": {k: (UNKNOWN_DOCUMENT if v == secret else v) for k, v in error["details"].items()}}


@pytest.mark.parametrize("actor", ["parent", "co-parent"])
@pytest.mark.parametrize("op", DOCUMENT_OPERATIONS, ids=lambda op: op.operation_id)
def test_a_legal_representative_gets_not_found_for_an_invisible_document(main_world, secret_document, op, actor):
    """Every operation on one document: the answer an unknown id gets, and nothing changes."""
    world = main_world
    token, child = world.token(actor), world.child["id"]
    kwargs = body_for(op, world, child)
    before = snapshot(world.api)
    hidden = world.api.request(op.method, op.path.format(profile_id=child, document_id=secret_document),
                               token=token, **kwargs)
    assert not changes(before, snapshot(world.api)), f"{op.operation_id} changed the data"
    missing = world.api.request(op.method, op.path.format(profile_id=child, document_id=UNKNOWN_DOCUMENT),
                                token=token, **kwargs)
    assert hidden.status_code == missing.status_code == 404, (hidden.text, missing.text)
    error = expect_error(hidden, "DOCUMENT_NOT_FOUND")
    assert _as_unknown(error, secret_document) == {**expect_error(missing, "DOCUMENT_NOT_FOUND"),
                                                   "request_id": None}


def test_a_legal_representative_lists_counts_and_deletes_nothing_of_an_invisible_document(main_world,
                                                                                          secret_document):
    world = main_world
    api, token, child = world.api, world.token("parent"), world.child["id"]
    base = f"/v1/profiles/{child}"
    listed = api.ok(api.get(f"{base}/documents?limit=1000", token=token))["documents"]
    assert secret_document not in {d["id"] for d in listed}
    before = snapshot(api)
    batch = api.ok(api.post(f"{base}/documents/delete", {"ids": [secret_document]}, token=token))
    assert batch["results"] == [{"id": secret_document, "status": "failed", "error_code": "DOCUMENT_NOT_FOUND",
                                 "error": batch["results"][0]["error"]}]
    assert secret_document in batch["results"][0]["error"]
    assert not changes(before, snapshot(api))
    found = api.ok(api.post(f"{base}/documents/lookup", {"idempotency_keys": [SECRET_KEY]}, token=token))
    assert found == {"existing": {}}
    # The same key from the parent files a document of theirs, as a key nobody used would (twice: idempotent).
    for status in (201, 200):
        upload = api.request("POST", f"{base}/documents", content=PDF + b"secret", token=token,
                             headers={"Content-Type": "application/octet-stream", "Idempotency-Key": SECRET_KEY})
        mine = api.ok(upload, status)
        assert mine["document"]["id"] != secret_document and mine["created"] is (status == 201)
    # The child's own view (no session of a minor exists: the server's read) still has it.
    assert api.ctx.store.one("SELECT hidden_from_representatives FROM documents WHERE id = ?",
                             (secret_document,))[0] == 1


def test_a_legal_representative_cannot_attach_an_invisible_document_to_a_message(main_world, secret_document):
    world = main_world
    api, child = world.api, world.child["id"]
    conversation = api.ok(api.get(f"/v1/profiles/{child}/conversations", token=world.token("parent")))
    conversation_id = conversation["conversations"][0]["id"]
    path = f"/v1/profiles/{child}/conversations/{conversation_id}/messages"
    before = snapshot(api)
    answers = [api.post(path, {"body": "Voici", "document_ids": [document]}, token=world.token("parent"))
               for document in (secret_document, UNKNOWN_DOCUMENT)]
    assert not changes(before, snapshot(api))
    hidden, missing = (expect_error(answer, "DOCUMENT_NOT_FOUND") for answer in answers)
    assert _as_unknown(hidden, secret_document) == {**missing, "request_id": None}


def test_a_legal_representative_cannot_mark_a_document_invisible(main_world):
    world = main_world
    api, child = world.api, world.child["id"]
    document = world.param(BY_ID["getDocument"], "document_id", child)
    before = snapshot(api)
    refused = api.request("PATCH", f"/v1/profiles/{child}/documents/{document}",
                          json={"hidden_from_representatives": True}, token=world.token("parent"))
    expect_error(refused, "NOT_FOR_REPRESENTATIVES")
    upload = api.request("POST", f"/v1/profiles/{child}/documents", content=PDF + b"mine",
                         params={"hidden_from_representatives": "true"}, token=world.token("parent"),
                         headers={"Content-Type": "application/octet-stream"})
    expect_error(upload, "NOT_FOR_REPRESENTATIVES")
    assert not changes(before, snapshot(api))
