"""The wire format: every request and response body, as msgspec Structs.

Client and server both use these types, so the JSON on the wire, the validation
the server applies and the OpenAPI document all come from one definition.
Field names are part of the public contract (the CLI's JSON output reuses them):
change them only with a version bump.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

Channel = Literal["email", "sms"]
LoginChannel = Literal["email", "sms", "totp"]
CardType = Literal["photo", "no_photo"]
SpaceState = Literal["pending", "open", "opposed", "active", "closed"]
OutboxChannel = Literal["email", "sms", "letter"]

Short = Annotated[str, Meta(max_length=200)]
Secret = Annotated[str, Meta(max_length=1024)]
Nir = Annotated[str, Meta(max_length=40, description="NIR, 15 characters; spaces ignored")]
Serial = Annotated[str, Meta(max_length=40, description="Carte Vitale serial number")]
DateText = Annotated[str, Meta(max_length=40, description="A date: YYYY-MM-DD or DD/MM/YYYY")]


class Base(Struct, forbid_unknown_fields=True, omit_defaults=False):
    """Requests refuse unknown fields, so a typo is an error rather than ignored."""


# --- errors -------------------------------------------------------------------


class ErrorBody(Struct):
    code: str
    message: str
    details: dict = {}
    request_id: str | None = None


class ErrorResponse(Struct):
    error: ErrorBody


# --- service ------------------------------------------------------------------


class Health(Struct):
    status: str
    version: str
    time: dt.datetime
    dev: bool


class Accepted(Struct):
    """A deliberately uniform answer (it must not reveal whether a person exists)."""

    status: Literal["accepted"]
    message: str


# --- registry (administration) -------------------------------------------------


class ChildIn(Base):
    nir: Nir
    birth_date: DateText
    first_name: Short
    last_name: Short
    card_serial: Serial | None = None
    card_type: CardType = "photo"


class PersonIn(Base):
    nir: Nir
    birth_date: DateText
    first_name: Short
    last_name: Short
    card_serial: Serial
    card_type: CardType = "photo"
    email: Short | None = None
    mobile: Short | None = None
    deceased: bool = False
    children: list[ChildIn] = []


class SeedRequest(Base):
    persons: Annotated[list[PersonIn], Meta(max_length=10_000)] = []
    professionals: Annotated[list["ProfessionalIn"], Meta(max_length=10_000)] = []
    # Development servers only: no information letter in the outbox; each person's provisional code
    # comes back in the answer instead (fixtures that set up persons without a letter to read).
    quiet_outbox: bool = False


class SeededPerson(Struct):
    id: str
    nir: str
    first_name: str
    last_name: str
    birth_date: dt.date
    state: SpaceState
    letter_channel: OutboxChannel | None
    represented_by: str | None = None
    provisional_code: str | None = None  # only when seeded with quiet_outbox


class SeedResponse(Struct):
    persons: list[SeededPerson]
    professionals: int = 0


# --- outbox -------------------------------------------------------------------


class OutboxMessage(Struct):
    id: int
    created_at: dt.datetime
    channel: OutboxChannel
    recipient: str
    subject: str
    body: str
    kind: str
    code: str | None = None
    link: str | None = None


class OutboxPage(Struct):
    messages: list[OutboxMessage]


class ClockRequest(Base):
    advance_seconds: Annotated[int, Meta(ge=0, le=100 * 365 * 86400)] = 0
    reset: bool = False


class ClockResponse(Struct):
    now: dt.datetime
    offset_seconds: int


# --- the emulator's development tools: fault injection, request journal -----------------------


class FaultRuleIn(Base):
    """A fault to inject into the requests an operation id or a path glob matches: an error ``status``
    (None: none, the latency only) after ``latency_ms``, with ``probability`` per matching request,
    drawn from ``seed`` when given (then the same requests fail the same way on every run), at most
    ``times`` times."""

    operation: Annotated[str, Meta(max_length=100)] | None = None
    path: Annotated[str, Meta(max_length=300)] | None = None
    status: Annotated[int, Meta(ge=400, le=599)] | None = 503
    latency_ms: Annotated[int, Meta(ge=0, le=60_000)] = 0
    probability: Annotated[float, Meta(ge=0, le=1)] = 1.0
    seed: int | None = None
    times: Annotated[int, Meta(ge=1)] | None = None


class FaultRule(Struct):
    id: str
    operation: str | None
    path: str | None
    status: int | None
    latency_ms: int
    probability: float
    seed: int | None
    times: int | None
    matched: int  # requests the rule matched
    injected: int  # faults it injected


class FaultList(Struct):
    faults: list[FaultRule]


class JournalEntry(Struct):
    """One request the server answered. Bodies only when asked for, redacted as ``--debug`` shows them."""

    id: int
    at: dt.datetime
    method: str
    path: str
    operation: str | None
    status: int
    duration_ms: float
    request_id: str
    fault: str | None = None  # the fault rule that answered, if one did
    request_body: str | None = None
    response_body: str | None = None


class JournalPage(Struct):
    entries: list[JournalEntry]
    next_after: int  # pass it as ``after`` to read only what came since (``--follow``)


class Event(Struct):
    """A state change of a development server: its type, when, the resource it is about, more ids."""

    id: int
    type: str
    at: dt.datetime
    subject: str
    data: dict[str, str]


class EventPage(Struct):
    events: list[Event]
    next_after: int


class EventTrigger(Base):
    type: Annotated[str, Meta(max_length=50)]
    subject: Annotated[str, Meta(min_length=1, max_length=100)]
    data: Annotated[dict[Annotated[str, Meta(max_length=50)], Annotated[str, Meta(max_length=100)]],
                    Meta(max_length=20)] = {}


class WebhookIn(Base):
    url: Annotated[str, Meta(max_length=2000)]
    secret: Annotated[str, Meta(min_length=16, max_length=200)]
    types: Annotated[list[str], Meta(max_length=50)] = []  # none: every type


class Webhook(Struct):
    id: str
    url: str
    types: list[str]
    created_at: dt.datetime
    delivered: int
    pending: int
    failed: int


class WebhookList(Struct):
    webhooks: list[Webhook]


class Delivery(Struct):
    webhook_id: str
    event_id: int
    type: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status: int | None
    last_error: str | None
    delivered_at: dt.datetime | None


class DeliveryList(Struct):
    deliveries: list[Delivery]


# --- provisional codes, activation, opposition ----------------------------------


class IdentityProof(Base):
    """What a person proves they are with: NIR, Carte Vitale serial, date of birth."""

    nir: Nir
    card_serial: Serial
    birth_date: DateText


class NewCodeRequest(IdentityProof):
    channel: Channel = "email"


class CodeSent(Struct):
    status: Literal["sent"]
    channel: Channel
    sent_to: str
    expires_at: dt.datetime
    retry_after_seconds: int
    message: str


class EnrolmentRequest(IdentityProof):
    code: Annotated[str, Meta(max_length=64)]


class Contacts(Struct):
    email: str | None
    mobile: str | None


class EnrolmentStarted(Struct):
    enrolment_id: str
    expires_at: dt.datetime
    first_name: str
    last_name: str
    state: SpaceState
    contacts: Contacts
    identifier_suggestions: list[str]


class ContactsChange(Base):
    enrolment_id: Annotated[str, Meta(max_length=200)]
    email: Short | None = None
    mobile: Short | None = None


class ContactsPending(Struct):
    contacts: Contacts
    to_verify: list[Channel]
    sent_to: dict[str, str]


class ContactVerification(Base):
    enrolment_id: Annotated[str, Meta(max_length=200)]
    channel: Channel
    code: Annotated[str, Meta(max_length=64)]


class ActivationRequest(Base):
    enrolment_id: Annotated[str, Meta(max_length=200)]
    identifier: Annotated[str, Meta(max_length=200)]
    password: Secret
    accept_terms: bool


class AccountView(Struct):
    person_id: str
    identifier: str | None
    first_name: str
    last_name: str
    birth_date: dt.date
    state: SpaceState
    email: str | None
    mobile: str | None
    totp_enabled: bool
    activated_at: dt.datetime | None
    restored_archive: bool = False


class OppositionRequest(Base):
    enrolment_id: Annotated[str, Meta(max_length=200)]


class OppositionReceipt(Struct):
    reference: str
    person: str
    opposed_at: dt.datetime
    statement: str


# --- login and sessions --------------------------------------------------------


class LoginRequest(Base):
    identifier: Annotated[str, Meta(max_length=200)]
    password: Secret
    channel: LoginChannel = "email"


class LoginStarted(Struct):
    login_id: str
    channel: LoginChannel
    sent_to: str | None
    expires_at: dt.datetime
    attempts_left: int


class LoginCode(Base):
    login_id: Annotated[str, Meta(max_length=200)]
    code: Annotated[str, Meta(max_length=64)]


class SessionView(Struct):
    token: str
    expires_at: dt.datetime
    idle_timeout_seconds: int
    identifier: str


class WhoAmI(Struct):
    account: AccountView
    session_created_at: dt.datetime
    session_expires_at: dt.datetime
    idle_expires_at: dt.datetime


# --- recovery ------------------------------------------------------------------


class RecoverIdentifierRequest(Base):
    nir: Nir
    birth_date: DateText
    channel: Channel = "email"


class PasswordResetRequest(IdentityProof):
    channel: Channel = "email"


class PasswordResetStarted(Struct):
    reset_id: str
    status: Literal["accepted"]
    message: str


class PasswordResetCompletion(Base):
    new_password: Secret
    token: Annotated[str, Meta(max_length=200)] | None = None
    reset_id: Annotated[str, Meta(max_length=200)] | None = None
    code: Annotated[str, Meta(max_length=64)] | None = None


class PasswordCheck(Base):
    password: Secret


class CloseRequest(Base):
    password: Secret
    delete_data: bool = False


class ClosedView(Struct):
    state: SpaceState
    closed_at: dt.datetime
    archived_until: dt.date
    deletion_scheduled_for: dt.date | None


class TotpEnrolment(Struct):
    secret: str
    otpauth_uri: str


class TotpConfirm(Base):
    code: Annotated[str, Meta(max_length=64)]


class TotpStatus(Struct):
    totp_enabled: bool


def encode(obj) -> bytes:
    return msgspec.json.encode(obj)


# --- documents -------------------------------------------------------------------

UploadedBy = Literal["person", "professional", "system"]


class Category(Struct):
    code: str
    label: str


class CategoryList(Struct):
    categories: list[Category]


class DocumentView(Struct):
    id: str
    profile_id: str
    title: str
    category: str
    category_label: str
    document_date: dt.date | None
    author: str | None
    uploaded_by: UploadedBy
    media_type: str
    size: int
    sha256: str
    hidden: bool
    created_at: dt.datetime
    # Documents of the health system (HL7 CDA R2): their format, LOINC type code, confidentiality
    # code (N, R, V) and version; None for a person's own files.
    format: Literal["cda"] | None = None
    type_code: str | None = None
    type_label: str | None = None
    confidentiality: str | None = None
    version: int | None = None
    # How the person keeps it: its folder's name, pinned (listed first), and invisible to legal
    # representatives (``hidden`` is "hidden from professionals", MASQUE_PS).
    folder: str | None = None
    pinned: bool = False
    hidden_from_representatives: bool = False


class UploadResult(Struct):
    created: bool
    document: DocumentView


class DocumentPage(Struct):
    documents: list[DocumentView]
    next_cursor: str | None


FilingStatus = Literal["created", "replaced", "deleted", "unchanged", "outdated", "absent"]


class FiledDocument(Struct):
    """What became of one health document: created; replaced (a new version, ``previous_id`` kept in
    the history); deleted (a deletion request; ``document`` is what it removed); unchanged (the same
    bytes were there); outdated (an older version than the one shown, kept in the history); absent
    (a deletion request for a document that is not there)."""

    status: FilingStatus
    title: str
    document: DocumentView | None = None
    previous_id: str | None = None
    vaccinations: int = 0  # doses its immunization entries added to the booklet
    notes: list[str] = []  # what was read but left out (an administration dated before birth…)


class FiledDocuments(Struct):
    documents: list[FiledDocument]


class CdaDetails(Struct):
    """A CDA document's parsed header, and every version of its set (newest first)."""

    document: DocumentView
    header: dict
    versions: list[DocumentView]


class DocumentPatch(Base):
    hidden: bool | None = None
    title: Annotated[str, Meta(max_length=200)] | None = None
    category: Annotated[str, Meta(max_length=40)] | None = None
    document_date: DateText | None = None  # not for a document from a professional (its own date)
    hidden_from_representatives: bool | None = None  # only the person themself, never a representative
    pinned: bool | None = None
    folder: Annotated[str, Meta(max_length=200)] | None = None  # a folder's name; "" takes it out of its folder


class FolderIn(Base):
    name: Annotated[str, Meta(max_length=200)]


class FolderView(Struct):
    id: str
    name: str
    documents: int  # those the reader may see
    created_at: dt.datetime


class FolderList(Struct):
    folders: list[FolderView]


class DocumentSettings(Base):
    """Each profile's defaults for its new documents (``setAllDocumentsConfidentiality`` in the official app)."""

    hide_new_from_professionals: bool = False


class BatchDeleteRequest(Base):
    # At most 10 per request (services/documents.py says so in its refusal); bounded here for the body's size.
    ids: Annotated[list[Annotated[str, Meta(max_length=100)]], Meta(min_length=1, max_length=1000)]


class BatchDeleteOutcome(Struct):
    id: str
    status: Literal["deleted", "failed"]
    error_code: str | None = None
    error: str | None = None


class BatchDeleteResult(Struct):
    results: list[BatchDeleteOutcome]


class LookupRequest(Base):
    idempotency_keys: Annotated[list[Annotated[str, Meta(max_length=200)]], Meta(max_length=1000)]


class LookupResult(Struct):
    existing: dict[str, DocumentView]


# --- medical profile ---------------------------------------------------------------

Name = Annotated[str, Meta(min_length=1, max_length=50)]
Comment = Annotated[str, Meta(max_length=3000)]
Severity = Literal["mild", "moderate", "severe"]
BloodGroup = Literal["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"]
MeasureKind = Literal["weight", "height", "blood_pressure"]


class DiseaseIn(Base):
    name: Name
    since: DateText | None = None
    ongoing: bool = True
    comment: Comment | None = None


class TreatmentIn(Base):
    name: Name
    dosage: Annotated[str, Meta(max_length=200)] | None = None
    start_date: DateText | None = None
    end_date: DateText | None = None
    comment: Comment | None = None


class AllergyIn(Base):
    substance: Name
    reaction: Annotated[str, Meta(max_length=200)] | None = None
    severity: Severity | None = None
    comment: Comment | None = None


class FamilyHistoryIn(Base):
    relative: Name
    condition: Name
    comment: Comment | None = None


class MeasureIn(Base):
    kind: MeasureKind
    date: DateText | None = None
    value: Annotated[float, Meta(gt=0, lt=1000)] | None = None
    systolic: Annotated[int, Meta(gt=0, lt=400)] | None = None
    diastolic: Annotated[int, Meta(gt=0, lt=400)] | None = None
    comment: Comment | None = None


# The sections of the profile and the type of their entries (the server adds labels and rules).
PROFILE_SECTIONS: dict[str, type] = {
    "diseases": DiseaseIn,
    "treatments": TreatmentIn,
    "allergies": AllergyIn,
    "family_history": FamilyHistoryIn,
    "measures": MeasureIn,
}


class ProfileEntry(Struct):
    """One entry of a section: its id, its section and its fields (as entered, dates normalised)."""

    id: str
    section: str
    fields: dict
    created_at: dt.datetime
    updated_at: dt.datetime


class SectionView(Struct):
    section: str
    label: str
    not_concerned: bool
    entries: list[ProfileEntry]


class MedicalProfile(Struct):
    profile_id: str
    first_name: str
    last_name: str
    birth_date: dt.date
    blood_group: BloodGroup | None
    sections: list[SectionView]


class SectionStatus(Base):
    not_concerned: bool


class BloodGroupIn(Base):
    blood_group: BloodGroup | None


# --- vaccinations ---------------------------------------------------------------------

DoseKind = Literal["first", "booster"]


class VaccineView(Struct):
    code: str
    name: str
    diseases: list[str]
    aliases: list[str]


class VaccineList(Struct):
    vaccines: list[VaccineView]


class VaccinationIn(Base):
    vaccine: Annotated[str, Meta(min_length=1, max_length=60)]
    date: DateText
    dose: DoseKind = "first"
    lot: Annotated[str, Meta(max_length=50)] | None = None
    performer: Annotated[str, Meta(max_length=100)] | None = None


class VaccinationView(Struct):
    id: str
    profile_id: str
    vaccine: str
    vaccine_name: str
    diseases: list[str]
    date: dt.date
    dose: DoseKind
    lot: str | None
    performer: str | None
    created_at: dt.datetime
    # A dose read from a professional's document: linked to it, with its rank and the product as the
    # document names it (``vaccine`` is "" when the catalogue does not know that product).
    recorded_by: Literal["person", "professional"] = "person"
    document_id: str | None = None
    dose_rank: int | None = None
    product_code: str | None = None
    product_name: str | None = None


class VaccinationList(Struct):
    profile_id: str
    vaccinations: list[VaccinationView]


class ReminderView(Struct):
    """One dose to give. ``due_from`` is the earliest date it is recommended (its age, or a minimum
    interval after the previous dose: then ``waits_for`` names the rule of that previous dose when it
    is not recorded yet); ``series`` groups the doses of one vaccination; ``source`` quotes the
    calendar text the rule comes from; ``product`` is the vaccine actually given when it differs."""

    vaccine: str
    vaccine_name: str
    dose: str
    status: Literal["overdue", "due", "upcoming"]
    due_from: dt.date
    due_until: dt.date | None
    reason: str
    rule_id: str
    series: str = ""
    source: str = ""
    waits_for: str | None = None
    catch_up_until: dt.date | None = None
    product: str | None = None
    product_name: str | None = None
    dose_label: str = ""


class ReminderList(Struct):
    """``reminders``: overdue, due, and coming within 12 months (every missing dose of a series that
    has a due one). ``next``: each series' next recommended dose, however far ahead."""

    profile_id: str
    at: dt.date
    calendar: str
    reminders: list[ReminderView]
    next: list[ReminderView] = []


class JobResult(Struct):
    job: str
    sent: int


class JobReport(Struct):
    results: list[JobResult]


# --- attached profiles ------------------------------------------------------------------

CaregiverRole = Literal["representative", "shared"]


class LinkRequest(Base):
    code: Annotated[str, Meta(max_length=64)]
    birth_date: DateText
    certify_legal_representative: bool


class ChildView(Struct):
    profile_id: str
    first_name: str
    last_name: str
    birth_date: dt.date
    status: Literal["attachable", "attached"]
    role: CaregiverRole | None
    caregivers: list[str]
    access_ends_on: dt.date


class ChildList(Struct):
    children: list[ChildView]


class ShareRequest(Base):
    identifier: Annotated[str, Meta(max_length=200)]


class InvitationView(Struct):
    id: str
    profile_id: str
    child: str
    from_name: str
    to_name: str
    direction: Literal["received", "sent"]
    status: Literal["pending", "accepted", "declined", "expired"]
    created_at: dt.datetime
    expires_at: dt.datetime


class InvitationList(Struct):
    invitations: list[InvitationView]


# --- messaging and professionals -------------------------------------------------------

Rpps = Annotated[str, Meta(max_length=20, description="RPPS number, 11 digits")]
MessageText = Annotated[str, Meta(max_length=20_000)]


class ProfessionalIn(Base):
    rpps: Rpps
    name: Short
    profession: Short
    specialty: Short | None = None
    city: Short | None = None
    kind: Literal["person", "pharmacy"] = "person"


class ProfessionalView(Struct):
    rpps: str
    name: str
    profession: str
    specialty: str | None
    city: str | None
    kind: str
    blocked: bool = False
    has_written: bool = False


class ProfessionalList(Struct):
    professionals: list[ProfessionalView]


class AttachmentView(Struct):
    id: str
    filename: str
    media_type: str
    size: int
    sha256: str


class MessageView(Struct):
    id: str
    sender: Literal["person", "professional"]
    body: str
    created_at: dt.datetime
    read: bool
    attachments: list[AttachmentView]


class ConversationView(Struct):
    id: str
    profile_id: str
    professional: ProfessionalView
    subject: str
    started_by: Literal["person", "professional"]
    started_at: dt.datetime
    closed_at: dt.datetime | None
    unread: int
    last_message_at: dt.datetime
    messages: list[MessageView] = []


class ConversationList(Struct):
    conversations: list[ConversationView]


class ReplyIn(Base):
    body: MessageText
    attachment_ids: Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(max_length=10)] = []
    document_ids: Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(max_length=10)] = []


class NewConversationIn(ReplyIn, kw_only=True):
    rpps: Rpps
    subject: Annotated[str, Meta(min_length=1, max_length=200)]


class ProMessageIn(Base):
    body: MessageText
    attachment_ids: Annotated[list[Annotated[str, Meta(max_length=40)]], Meta(max_length=10)] = []


class ProConversationIn(ProMessageIn, kw_only=True):
    profile: Annotated[str, Meta(max_length=40, description="The person's NIR or profile id")]
    subject: Annotated[str, Meta(min_length=1, max_length=200)]


class SaveAttachmentIn(Base):
    category: Annotated[str, Meta(max_length=40)] | None = None
    title: Annotated[str, Meta(max_length=200)] | None = None


class HistoryEntry(Struct):
    at: dt.datetime
    rpps: str
    professional: str
    action: str
    document_id: str | None
    detail: str | None


class HistoryList(Struct):
    profile_id: str
    entries: list[HistoryEntry]
