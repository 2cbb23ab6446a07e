"""The one catalogue of error codes shared by the server, the client and the CLI.

Every error the server answers carries one of these codes in the body
``{"error": {"code", "message", "details", "request_id"}}``.  The catalogue fixes,
for each code, the HTTP status the server uses and the exit code the CLI returns,
so that the mapping lives in a single place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any


class ExitStatus(IntEnum):
    """Process exit codes of ``mes`` (documented in ``mes --help`` and docs/)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    NETWORK = 3
    AUTH = 4
    PARTIAL = 5
    INVALID = 6
    NOT_FOUND = 7
    CONFLICT = 8
    RATE_LIMITED = 9
    INTERRUPTED = 130


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    status: int
    exit: ExitStatus


_INVALID = ErrorSpec(422, ExitStatus.INVALID)
_AUTH = ErrorSpec(401, ExitStatus.AUTH)
_CONFLICT = ErrorSpec(409, ExitStatus.CONFLICT)
_LIMIT = ErrorSpec(429, ExitStatus.RATE_LIMITED)
_GONE = ErrorSpec(410, ExitStatus.INVALID)
_FORBIDDEN = ErrorSpec(403, ExitStatus.AUTH)

CATALOGUE: dict[str, ErrorSpec] = {
    # Input validation (checked by the CLI before any request, and again by the server).
    "VALIDATION_ERROR": _INVALID,
    "INVALID_NIR": _INVALID,
    "INVALID_CARD_SERIAL": _INVALID,
    "INVALID_CODE_FORMAT": _INVALID,
    "INVALID_IDENTIFIER": _INVALID,
    "WEAK_PASSWORD": _INVALID,
    "INVALID_DATE": _INVALID,
    "INVALID_EMAIL": _INVALID,
    "INVALID_MOBILE": _INVALID,
    "INVALID_CHANNEL": _INVALID,
    "TERMS_NOT_ACCEPTED": _INVALID,
    "MALFORMED_REQUEST": ErrorSpec(400, ExitStatus.INVALID),
    "INVALID_CATEGORY": _INVALID,
    "INVALID_TITLE": _INVALID,
    "EMPTY_DOCUMENT": _INVALID,
    "TRUNCATED_DOCUMENT": _INVALID,
    "UNSUPPORTED_TYPE": ErrorSpec(415, ExitStatus.INVALID),
    "CHECKSUM_MISMATCH": _INVALID,
    "DOCUMENT_TOO_LARGE": ErrorSpec(413, ExitStatus.INVALID),
    # Documents of the health system (HL7 CDA R2, IHE XDM archives).
    "NOT_XML": _INVALID,
    "UNSAFE_XML": _INVALID,
    "NOT_CDA": _INVALID,
    "INVALID_CDA": _INVALID,
    "INVALID_INS": _INVALID,
    "PATIENT_MISMATCH": _INVALID,
    "UNSAFE_ARCHIVE": _INVALID,
    "INVALID_ARCHIVE": _INVALID,
    "ARCHIVE_TOO_LARGE": ErrorSpec(413, ExitStatus.INVALID),
    "XDM_NO_METADATA": _INVALID,
    "XDM_FILE_MISSING": _INVALID,
    "XDM_HASH_MISMATCH": _INVALID,
    "XDM_SIZE_MISMATCH": _INVALID,
    "NO_EMBEDDED_PDF": _INVALID,
    "NOT_DELETABLE": _FORBIDDEN,
    "INVALID_CURSOR": _INVALID,
    "UNKNOWN_VACCINE": _INVALID,
    "NOT_REPRESENTATIVE": _FORBIDDEN,
    "ALREADY_LINKED": _CONFLICT,
    "TOO_MANY_PROFILES": _CONFLICT,
    "TOO_MANY_CAREGIVERS": _CONFLICT,
    "NOT_A_MINOR": _FORBIDDEN,
    "CERTIFICATION_REQUIRED": _INVALID,
    "INVITATION_NOT_FOUND": ErrorSpec(404, ExitStatus.NOT_FOUND),
    "INVITATION_EXPIRED": _GONE,
    "INVALID_RPPS": _INVALID,
    "PROFESSIONAL_NOT_FOUND": ErrorSpec(404, ExitStatus.NOT_FOUND),
    "PROFESSIONAL_BLOCKED": _FORBIDDEN,
    "CONVERSATION_NOT_FOUND": ErrorSpec(404, ExitStatus.NOT_FOUND),
    "CONVERSATION_CLOSED": _CONFLICT,
    "MESSAGING_NOT_ALLOWED": _FORBIDDEN,
    "MESSAGE_TOO_LONG": _INVALID,
    "ATTACHMENT_NOT_FOUND": ErrorSpec(404, ExitStatus.NOT_FOUND),
    "DOCUMENT_NOT_FOUND": ErrorSpec(404, ExitStatus.NOT_FOUND),
    "FOLDER_NOT_FOUND": ErrorSpec(404, ExitStatus.NOT_FOUND),
    "FOLDER_EXISTS": _CONFLICT,
    "FOLDER_NOT_EMPTY": _CONFLICT,
    "INVALID_FOLDER_NAME": _INVALID,
    "NOT_FOR_REPRESENTATIVES": _FORBIDDEN,
    "PROFILE_NOT_FOUND": ErrorSpec(404, ExitStatus.NOT_FOUND),
    "IDEMPOTENCY_KEY_REUSED": _CONFLICT,
    "CONFLICT": _CONFLICT,
    "PAYLOAD_TOO_LARGE": ErrorSpec(413, ExitStatus.INVALID),
    # Identification and provisional codes (official codes of the MES app).
    "NO_USER_FOUND": ErrorSpec(404, ExitStatus.NOT_FOUND),
    "INVALID_CODE": _INVALID,
    "CODE_EXPIRED": _GONE,
    "CODE_ALREADY_USED": _GONE,
    "CONTACTS_NOT_FOUND": _INVALID,
    "CHANNEL_UNAVAILABLE": _INVALID,
    "DECEASED_INDIVIDUAL": _FORBIDDEN,
    "MIN_DELAY_ERROR": _LIMIT,
    "ALREADY_ACTIVE": _CONFLICT,
    "LOGIN_ALREADY_EXISTS": _CONFLICT,
    "ENROLMENT_EXPIRED": _GONE,
    "CONTACT_NOT_VERIFIED": _INVALID,
    # Login, sessions and credentials.
    "INVALID_CREDENTIALS": _AUTH,
    "ACCOUNT_NOT_ACTIVE": _FORBIDDEN,
    "ACCOUNT_LOCKED": ErrorSpec(423, ExitStatus.AUTH),
    "LOGIN_EXPIRED": _GONE,
    "TOO_MANY_ATTEMPTS": _LIMIT,
    "AUTH_REQUIRED": _AUTH,
    "SESSION_EXPIRED": _AUTH,
    "WRONG_PASSWORD": _AUTH,
    "TOTP_NOT_ENROLLED": _INVALID,
    "TOTP_ALREADY_ENROLLED": _CONFLICT,
    "RESET_EXPIRED": _GONE,
    # Notifications.
    "DELIVERY_FAILED": ErrorSpec(502, ExitStatus.ERROR),
    # Client side: the server could not be reached or answered something unexpected.
    "NETWORK_ERROR": ErrorSpec(503, ExitStatus.NETWORK),
    "BAD_RESPONSE": ErrorSpec(502, ExitStatus.ERROR),
    "NOT_LOGGED_IN": _AUTH,
    "INPUT_REQUIRED": ErrorSpec(400, ExitStatus.USAGE),
    "USAGE_ERROR": ErrorSpec(400, ExitStatus.USAGE),  # a command line that cannot mean anything (unknown column…)
    "STEP_FAILED": ErrorSpec(500, ExitStatus.ERROR),
    # Administration and generic HTTP.
    "ADMIN_REQUIRED": _FORBIDDEN,
    "DEV_MODE_REQUIRED": _FORBIDDEN,
    "NIR_ALREADY_REGISTERED": _CONFLICT,
    "NOT_FOUND": ErrorSpec(404, ExitStatus.NOT_FOUND),
    "METHOD_NOT_ALLOWED": ErrorSpec(405, ExitStatus.USAGE),
    "RATE_LIMITED": _LIMIT,
    "INTERNAL_ERROR": ErrorSpec(500, ExitStatus.ERROR),
    "INJECTED_FAULT": ErrorSpec(503, ExitStatus.ERROR),  # a development server's fault rule answered
    "STORAGE_UNAVAILABLE": ErrorSpec(503, ExitStatus.ERROR),
    "STORAGE_FULL": ErrorSpec(507, ExitStatus.ERROR),
}


class MesError(Exception):
    """An error with a catalogue code, a human message and structured details.

    Raised by the domain validators, the server's services and the client alike;
    the server turns it into the JSON error body, the CLI into one line and an
    exit code.
    """

    def __init__(
        self,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        *,
        request_id: str | None = None,
    ) -> None:
        if code not in CATALOGUE:
            raise ValueError(f"error code {code!r} is not in the catalogue")
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.request_id = request_id

    @property
    def spec(self) -> ErrorSpec:
        return CATALOGUE[self.code]

    @property
    def status(self) -> int:
        return self.spec.status

    @property
    def exit_status(self) -> ExitStatus:
        return self.spec.exit

    def __repr__(self) -> str:  # never include details: they may name a field value
        return f"MesError({self.code!r})"


def invalid(code: str, message: str, field: str, **details: Any) -> MesError:
    """Shorthand for a validation error that names the offending field."""
    return MesError(code, message, {"field": field, **details})
