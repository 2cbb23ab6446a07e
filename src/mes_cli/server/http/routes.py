"""Every endpoint, declared once: the WSGI app and the OpenAPI document are both built from this table."""

from __future__ import annotations

from ...contract import models as m
from . import children, dev, documents, medical, messaging, vaccinations
from .operation import Operation, Service

accounts, auth, codes = Service("accounts"), Service("auth"), Service("codes")
enrolment, recovery, registry = Service("enrolment"), Service("recovery"), Service("registry")

def _session(fn):
    """Adapts a service taking a person id to the (ctx, call) shape."""
    return lambda ctx, call: fn(ctx, call.session["person_id"], call.body)


OPERATIONS: list[Operation] = [
    Operation("POST", "/v1/admin/persons", "seedPersons", "Add insured persons to the registry (sends their letters)",
              "admin", lambda ctx, call: registry.seed(ctx, call.body), m.SeedRequest, m.SeedResponse,
              access="admin", status=201),
    Operation("GET", "/v1/dev/outbox", "readOutbox", "Read the outbox (development mode only)", "dev",
              dev.read_outbox, None, m.OutboxPage, access="dev",
              query=(("to", str, "Recipient, person id or NIR"), ("limit", int, "At most this many (newest)"))),
    Operation("POST", "/v1/dev/clock", "moveClock", "Move the server's clock (development mode only)", "dev",
              dev.move_clock, m.ClockRequest, m.ClockResponse, access="dev"),
    Operation("POST", "/v1/dev/faults", "addFault", "Inject faults into matching requests (development mode only)",
              "dev", dev.add_fault, m.FaultRuleIn, m.FaultRule, access="dev", status=201),
    Operation("GET", "/v1/dev/faults", "listFaults", "The fault rules and how often each matched and injected",
              "dev", dev.list_faults, None, m.FaultList, access="dev"),
    Operation("DELETE", "/v1/dev/faults", "clearFaults", "Remove every fault rule", "dev", dev.clear_faults,
              None, None, access="dev", status=204),
    Operation("GET", "/v1/dev/requests", "readJournal", "The last requests the server answered (development "
              "mode only); wait up to N seconds for new ones", "dev", dev.read_journal, None, m.JournalPage,
              access="dev", query=(("after", str, "Only requests after this id (next_after of the last page)"),
                                   ("operation", str, "Only this operation id"),
                                   ("status", int, "Only answers with this HTTP status"),
                                   ("limit", int, "At most this many (oldest first)"),
                                   ("bodies", bool, "Include the bodies (redacted)"),
                                   ("wait", int, "Seconds to wait for a new request when there is none"))),
    Operation("GET", "/v1/dev/events", "readEvents", "The state changes of a development server, oldest first; "
              "wait up to N seconds for new ones", "dev", dev.read_events, None, m.EventPage, access="dev",
              query=(("after", str, "Only events after this id (next_after of the last page)"),
                     ("type", str, "Only this event type"), ("limit", int, "At most this many"),
                     ("wait", int, "Seconds to wait for a new event when there is none"))),
    Operation("POST", "/v1/dev/events", "triggerEvent", "Create an event on demand (to try a webhook receiver)",
              "dev", dev.trigger_event, m.EventTrigger, m.Event, access="dev", status=201),
    Operation("POST", "/v1/dev/webhooks", "addWebhook", "Send the events of these types to a URL, signed", "dev",
              dev.add_webhook, m.WebhookIn, m.Webhook, access="dev", status=201),
    Operation("GET", "/v1/dev/webhooks", "listWebhooks", "The webhooks and their deliveries by status", "dev",
              dev.list_webhooks, None, m.WebhookList, access="dev"),
    Operation("DELETE", "/v1/dev/webhooks/{webhook_id}", "removeWebhook", "Stop sending events to a webhook",
              "dev", dev.remove_webhook, None, None, access="dev", status=204),
    Operation("GET", "/v1/dev/webhook-deliveries", "listDeliveries", "Deliveries of events to webhooks, with "
              "their status and attempts", "dev", dev.list_deliveries, None, m.DeliveryList, access="dev",
              query=(("webhook", str, "Only this webhook's"), ("limit", int, "At most this many (the newest)"))),
    Operation("POST", "/v1/provisional-codes", "requestProvisionalCode",
              "Send a new provisional code (the previous one stops working)", "enrolment",
              lambda ctx, call: codes.request_new_code(ctx, call.body), m.NewCodeRequest, m.CodeSent, status=201,
              uniform_time=True),
    Operation("POST", "/v1/enrolments", "startEnrolment",
              "Identify with a provisional code, NIR, Carte Vitale serial and date of birth", "enrolment",
              lambda ctx, call: enrolment.start(ctx, call.body), m.EnrolmentRequest, m.EnrolmentStarted,
              status=201, uniform_time=True),
    Operation("POST", "/v1/enrolments/contacts", "changeContacts",
              "Confirm or change the e-mail and mobile (a changed one gets a code)", "enrolment",
              lambda ctx, call: enrolment.change_contacts(ctx, call.body), m.ContactsChange, m.ContactsPending),
    Operation("POST", "/v1/enrolments/verify-contact", "verifyContact", "Verify a changed contact with its code",
              "enrolment", lambda ctx, call: enrolment.verify_contact(ctx, call.body), m.ContactVerification,
              m.ContactsPending),
    Operation("POST", "/v1/enrolments/activate", "activate", "Accept the terms, choose identifier and password",
              "enrolment", lambda ctx, call: enrolment.activate(ctx, call.body), m.ActivationRequest,
              m.AccountView),
    Operation("POST", "/v1/enrolments/oppose", "oppose", "Oppose the creation of the space; returns a receipt",
              "enrolment", lambda ctx, call: enrolment.oppose(ctx, call.body), m.OppositionRequest,
              m.OppositionReceipt, uniform_time=True),
    Operation("POST", "/v1/logins", "startLogin", "Identifier + password; sends a one-time code", "auth",
              lambda ctx, call: auth.start(ctx, call.body), m.LoginRequest, m.LoginStarted, status=201),
    Operation("POST", "/v1/logins/verify", "completeLogin", "Enter the one-time code; opens a session", "auth",
              lambda ctx, call: auth.complete(ctx, call.body), m.LoginCode, m.SessionView, status=201),
    Operation("GET", "/v1/me", "whoami", "The logged-in account and its session", "auth",
              lambda ctx, call: auth.whoami(ctx, call.session), None, m.WhoAmI, access="session"),
    Operation("DELETE", "/v1/session", "logout", "Close the current session on the server", "auth",
              lambda ctx, call: auth.logout(ctx, call.session), None, None, access="session", status=204),
    Operation("POST", "/v1/identifier-recovery", "recoverIdentifier", "Send the identifier to the contact on file",
              "recovery", lambda ctx, call: recovery.recover_identifier(ctx, call.body),
              m.RecoverIdentifierRequest, m.Accepted, status=202, uniform_time=True),
    Operation("POST", "/v1/password-resets", "requestPasswordReset", "Send a reset link (e-mail) or code (SMS)",
              "recovery", lambda ctx, call: recovery.request_reset(ctx, call.body), m.PasswordResetRequest,
              m.PasswordResetStarted, status=202, uniform_time=True),
    Operation("POST", "/v1/password-resets/complete", "completePasswordReset",
              "Set a new password with the link token or the SMS code; closes every session", "recovery",
              lambda ctx, call: recovery.complete_reset(ctx, call.body), m.PasswordResetCompletion, m.Accepted),
    Operation("POST", "/v1/account/close", "closeAccount", "Close the space (archived, or deleted on request)",
              "account", _session(accounts.close), m.CloseRequest, m.ClosedView, access="session"),
    Operation("POST", "/v1/account/totp", "enrolTotp", "Start enrolling an authenticator app", "account",
              lambda ctx, call: accounts.totp_begin(ctx, call.session["person_id"]), None, m.TotpEnrolment,
              access="session", status=201),
    Operation("POST", "/v1/account/totp/confirm", "confirmTotp", "Confirm the authenticator with a first code",
              "account", _session(accounts.totp_confirm), m.TotpConfirm, m.TotpStatus, access="session"),
    Operation("POST", "/v1/account/totp/disable", "disableTotp", "Remove the authenticator (password required)",
              "account", _session(accounts.totp_disable), m.PasswordCheck, m.TotpStatus, access="session"),
    *documents.OPERATIONS,
    *medical.OPERATIONS,
    *vaccinations.OPERATIONS,
    *children.OPERATIONS,
    *messaging.OPERATIONS,
]
OPERATION_IDS = frozenset(operation.operation_id for operation in OPERATIONS)
