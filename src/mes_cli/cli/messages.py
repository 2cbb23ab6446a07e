"""`mes messages …`, `mes history`, `mes pros …`: the messagerie de santé and the access history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ..i18n import _
from .completion import complete_category
from .context import AppContext
from .options import FormatOpt, YesOpt

messages_app = typer.Typer(help="Your secure messages with health professionals.", no_args_is_help=True)
pros_app = typer.Typer(help="Health professionals: those who wrote to you, the directory; block, unblock.",
                       no_args_is_help=True)

CONVERSATION_COLUMNS = ["id", "last_message_at", "professional.name", "subject", "unread", "closed_at"]
PRO_COLUMNS = ["rpps", "name", "profession", "specialty", "city", "blocked", "has_written"]
BodyOpt = Annotated[Optional[str], typer.Option("--body", "-m", help="The message text (none, on a terminal: "
                                                 "$VISUAL or $EDITOR opens, else type it)")]
BodyFileOpt = Annotated[Optional[Path], typer.Option("--body-file", help="Read the text from FILE ('-': stdin)")]
AttachOpt = Annotated[Optional[list[str]], typer.Option("--attach", help="A file to attach, or a document id "
                      "(d_…) of your space; repeat for several", show_default=False)]


def _app(ctx: typer.Context) -> AppContext:
    return ctx.obj


SCISSORS = "# ------------------------ >8 ------------------------"


def _body(app: AppContext, body: str | None, body_file: Path | None) -> str:
    from ..contract.errors import MesError

    if body is None and body_file is None and app.env.interactive:
        return _compose(app)
    if (body is None) == (body_file is None):
        raise MesError("INPUT_REQUIRED", _("Give the text with --body TEXT or --body-file FILE (or - for stdin)."),
                       {"flag": "--body"})
    if body_file is None:
        return body
    if str(body_file) == "-":
        return app.env.stdin.read()
    try:
        return body_file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MesError("VALIDATION_ERROR", _("Cannot read {path}: {error}.").format(path=body_file, error=exc),
                       {"field": "body_file"}) from None


def _compose(app: AppContext) -> str:
    """The text written in $VISUAL or $EDITOR (as git does), else typed on the terminal up to Ctrl-D."""
    from ..contract.errors import MesError

    editor = app.env.get("VISUAL") or app.env.get("EDITOR")
    if editor:
        text = _edit(app, editor)
    else:
        app.say(_("Type your message, then Ctrl-D on an empty line (or set $EDITOR to write it in your editor)."))
        text = app.env.stdin.read()
    if not text.strip():
        raise MesError("VALIDATION_ERROR", _("The message is empty; nothing was sent."), {"field": "body"})
    return text.strip()


def _edit(app: AppContext, editor: str) -> str:
    """Opens the editor on a private temporary file; what is above the scissors line is the message."""
    import os
    import shlex
    import subprocess
    import tempfile

    from ..contract.errors import MesError

    hint = _("Write your message above this line; everything below it is ignored. "
             "An empty message sends nothing.")
    fd, name = tempfile.mkstemp(prefix="mes-message-", suffix=".txt")  # 0600: the text is health data
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(f"\n\n{SCISSORS}\n# {hint}\n")
        try:
            status = subprocess.call([*shlex.split(editor), name])
        except (OSError, ValueError) as exc:  # not found, not executable, unbalanced quotes
            reason = getattr(exc, "strerror", None) or str(exc)
        else:
            reason = _("exit status {status}").format(status=status) if status else None
        if reason:
            raise MesError("INPUT_REQUIRED", _("The editor {editor!r} failed ({reason}); nothing was sent. Give the "
                                               "text with --body or --body-file.").format(editor=editor, reason=reason),
                           {"flag": "--body"})
        return Path(name).read_text(encoding="utf-8", errors="replace").split(SCISSORS)[0]
    finally:
        Path(name).unlink(missing_ok=True)


def _attachments(app: AppContext, items: list[str] | None) -> tuple[list[str], list[str]]:
    """Uploads files given with --attach; passes document ids (d_…) through."""
    from ..contract.errors import MesError

    uploaded, documents = [], []
    for item in items or []:
        path = Path(item).expanduser()
        if path.is_file():
            uploaded.append(app.client.upload_attachment(app.profile(), path).id)
        elif item.startswith("d_"):
            documents.append(item)
        else:
            raise MesError("VALIDATION_ERROR",
                           _("--attach {item!r} is neither a file nor a document id (d_…).").format(item=item),
                           {"field": "attach"})
    return uploaded, documents


def _upload_profile_pdf(app: AppContext) -> str:
    """The medical profile as a PDF attachment, uploaded as an --attach file is (under the PDF's file name)
    from a private temporary directory (0700) that is removed at once."""
    import tempfile

    from .profile_pdf import file_name, profile_pdf

    with tempfile.TemporaryDirectory(prefix="mes-profile-") as directory:
        path = Path(directory) / file_name()
        path.write_bytes(profile_pdf(app))
        return app.client.upload_attachment(app.profile(), path).id


@messages_app.command("list")
def list_(
    ctx: typer.Context,
    unread: Annotated[bool, typer.Option("--unread", help="Only conversations with unread messages")] = False,
    fmt: FormatOpt = None,
) -> None:
    """Conversations, the most recent first."""
    app = _app(ctx)
    app.emit(app.client.conversations(app.profile(), unread).conversations, fmt, columns=CONVERSATION_COLUMNS)


@messages_app.command("read")
def read(ctx: typer.Context, conversation_id: Annotated[str, typer.Argument(help="Conversation id")],
         fmt: FormatOpt = None) -> None:
    """Show a conversation with its messages and attachments (marks them read)."""
    app = _app(ctx)
    conversation = app.client.read_conversation(app.profile(), conversation_id)
    if app.output_format(fmt) != "table":
        return app.emit(conversation, fmt)
    out = app.env.stdout
    pro = conversation.professional
    profession = pro.profession + (", " + pro.specialty if pro.specialty else "")
    if conversation.closed_at:
        with_ = _("with {name} ({profession}) — closed {date:%d/%m/%Y}").format(
            name=pro.name, profession=profession, date=conversation.closed_at)
    else:
        with_ = _("with {name} ({profession})").format(name=pro.name, profession=profession)
    out.write(f"{conversation.subject}\n{with_}\n")
    for message in conversation.messages:
        who = pro.name if message.sender == "professional" else _("you")
        heading = _("── {at:%d/%m/%Y %H:%M} · {who} · message {id}").format(at=message.created_at, who=who,
                                                                             id=message.id)
        out.write(f"\n{heading}\n{message.body}\n")
        for attachment in message.attachments:
            out.write(_("  📎 {filename} ({type}, {size:,} bytes) — attachment {id}").format(
                filename=attachment.filename, type=attachment.media_type, size=attachment.size, id=attachment.id)
                + "\n")


@messages_app.command("reply")
def reply(ctx: typer.Context, conversation_id: Annotated[str, typer.Argument(help="Conversation id")],
          body: BodyOpt = None, body_file: BodyFileOpt = None, attach: AttachOpt = None,
          attach_profile: Annotated[bool, typer.Option("--attach-profile", help="Attach your medical profile as a "
                                    "PDF (with --for, the child's), as `mes profile export --format pdf` writes it")]
          = False,
          fmt: FormatOpt = None) -> None:
    """Reply in a conversation, with attachments if you like."""
    from ..contract import models as m

    app = _app(ctx)
    text = _body(app, body, body_file)
    uploaded, documents = _attachments(app, attach)
    if attach_profile:
        uploaded.append(_upload_profile_pdf(app))
    conversation = app.client.reply(app.profile(), conversation_id,
                                    m.ReplyIn(body=text, attachment_ids=uploaded, document_ids=documents))
    app.say(_("✓ sent to {name}").format(name=conversation.professional.name))
    app.emit(conversation.messages[-1], fmt)


@messages_app.command("send")
def send(
    ctx: typer.Context,
    to: Annotated[str, typer.Option("--to", help="The professional's RPPS number")],
    subject: Annotated[str, typer.Option("--subject", help="The subject")],
    body: BodyOpt = None,
    body_file: BodyFileOpt = None,
    attach: AttachOpt = None,
    fmt: FormatOpt = None,
) -> None:
    """Start a conversation — only with a professional who already wrote to you and has not closed it."""
    from ..contract import models as m
    from ..domain.rpps import validate_rpps

    app = _app(ctx)
    rpps = validate_rpps(to)
    text = _body(app, body, body_file)
    uploaded, documents = _attachments(app, attach)
    conversation = app.client.start_conversation(app.profile(), m.NewConversationIn(
        rpps=rpps, subject=subject, body=text, attachment_ids=uploaded, document_ids=documents))
    app.say(_("✓ conversation {id} started with {name}").format(id=conversation.id,
                                                                 name=conversation.professional.name))
    app.emit(conversation, fmt)


@messages_app.command("save-attachment")
def save_attachment(
    ctx: typer.Context,
    message_id: Annotated[str, typer.Argument(help="Message id (see `mes messages read`)")],
    attachment_id: Annotated[str, typer.Argument(help="Attachment id")],
    category: Annotated[Optional[str], typer.Option("--category", "-c", help="Document category",
                                                    autocompletion=complete_category)] = None,
    title: Annotated[Optional[str], typer.Option("--title", help="Document title")] = None,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the attachment as it is to this "
                      "file or directory ('-': stdout) instead of filing it into your documents")] = None,
    force: Annotated[bool, typer.Option("--force", help="With --output: overwrite an existing file")] = False,
    fmt: FormatOpt = None,
) -> None:
    """File an attachment into your documents (each document of an IHE XDM archive, with its own metadata),
    or write it to a local file with --output."""
    from ..contract import models as m
    from ..contract.errors import MesError
    from ..domain.categories import validate_category

    app = _app(ctx)
    if output is not None:
        if category is not None or title is not None:
            raise MesError("VALIDATION_ERROR", _("--category and --title file an attachment into your documents; "
                                                 "--output writes it to a file as it is: choose one."),
                           {"field": "output"})
        written, size = _write_attachment(app, message_id, attachment_id, output, force)
        if written is not None:
            app.say(_("✓ {path} ({size:,} bytes, SHA-256 verified)").format(path=written, size=size))
        return
    try:  # an IHE XDM archive (or a CDA) files each of its documents; any other attachment is filed as it is
        filed = app.client.file_attachment(app.profile(), message_id, attachment_id)
    except MesError as exc:
        if exc.code != "NOT_CDA" or exc.details.get("field") != "attachment":
            raise
    else:
        from .health_docs import say_filed

        for item in filed.documents:
            target = f" → {item.document.id}" if item.document else ""
            say_filed(app, f"✓ « {item.title} »{target} ({item.status})", item.vaccinations, item.notes)
        app.emit(filed.documents, fmt, columns=["status", "title", "document.id", "document.category",
                                                 "document.document_date", "previous_id"])
        return
    saved = app.client.save_attachment(app.profile(), message_id, attachment_id, m.SaveAttachmentIn(
        category=validate_category(category) if category else None, title=title))
    if saved.created:
        app.say(_("✓ saved as document {id}").format(id=saved.document.id))
    else:
        app.say(_("✓ saved as document {id} (it was already there)").format(id=saved.document.id))
    app.emit(saved.document, fmt)


def _write_attachment(app: AppContext, message_id: str, attachment_id: str, output: Path,
                      force: bool) -> tuple[Path | None, int]:
    """The attachment's bytes as they are (a zip stays a zip) into a new file, its SHA-256 checked before
    the file appears (client/downloads.py); ``-o DIR`` uses the attachment's file name; ``-o -`` stdout."""
    import hashlib

    from ..client.downloads import safe_filename, target_path, write_new_file
    from ..contract.errors import MesError

    digest, size = hashlib.sha256(), 0
    with app.client.open_attachment(app.profile(), message_id, attachment_id) as reply:
        announced = reply.headers.get("X-Content-SHA256", "")

        def fill(out) -> None:
            nonlocal size
            for chunk in reply.iter_bytes(64 * 1024):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
            out.flush()
            if digest.hexdigest() != announced:
                raise MesError("CHECKSUM_MISMATCH", _("The bytes received do not match the attachment's SHA-256; "
                                                      "nothing was written. Try again."),
                               {"expected": announced, "received": digest.hexdigest()})

        if str(output) == "-":
            import sys

            fill(getattr(app.env.stdout, "buffer", sys.stdout.buffer))
            return None, size
        name = safe_filename(_disposition_name(reply.headers.get("Content-Disposition", "")) or attachment_id, "")
        return write_new_file(target_path(output, name), fill, force), size


def _disposition_name(header: str) -> str | None:
    """The file name of a Content-Disposition header: ``filename*=UTF-8''…`` (RFC 6266) first."""
    import re
    from urllib.parse import unquote

    extended = re.search(r"filename\*\s*=\s*([\w-]*)'[^']*'([^;\s]+)", header)
    if extended:
        try:
            return unquote(extended.group(2), encoding=extended.group(1) or "utf-8", errors="replace")
        except LookupError:
            pass
    plain = re.search(r'filename\s*=\s*(?:"([^"]*)"|([^;\s]+))', header)
    return (plain.group(1) or plain.group(2)) if plain else None


@messages_app.command("delete")
def delete(ctx: typer.Context, conversation_id: Annotated[str, typer.Argument(help="Conversation id")],
           yes: YesOpt = False) -> None:
    """Delete a conversation and all its messages."""
    app = _app(ctx)
    app.confirm(_("Delete conversation {id} and its messages?").format(id=conversation_id), yes)
    app.client.delete_conversation(app.profile(), conversation_id)
    app.say(_("✓ deleted {id}").format(id=conversation_id))


def history(
    ctx: typer.Context,
    since: Annotated[Optional[str], typer.Option("--since", help="From this date")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="Up to this date")] = None,
    pro: Annotated[Optional[str], typer.Option("--pro", help="Only this professional (RPPS)")] = None,
    fmt: FormatOpt = None,
) -> None:
    """The access history: which professional read or added what, and when."""
    from ..domain.dates import parse_date
    from ..domain.rpps import validate_rpps

    app = _app(ctx)
    result = app.client.history(app.profile(), since=parse_date(since, "since").isoformat() if since else None,
                                until=parse_date(until, "until", allow_future=True).isoformat() if until else None,
                                rpps=validate_rpps(pro) if pro else None)
    app.emit(result.entries, fmt, columns=["at", "professional", "rpps", "action", "document_id", "detail"])


@pros_app.command("list")
def pros_list(ctx: typer.Context, fmt: FormatOpt = None) -> None:
    """Professionals who wrote to you, and those you blocked."""
    app = _app(ctx)
    app.emit(app.client.professionals(app.profile()).professionals, fmt, columns=PRO_COLUMNS)


@pros_app.command("search")
def pros_search(
    ctx: typer.Context,
    words: Annotated[Optional[list[str]], typer.Argument(
        help="Words of a name, profession, specialty or city, or an RPPS number (case and accents ignored); "
             "none: the directory from the start", show_default=False)] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most this many")] = 50,
    fmt: FormatOpt = None,
) -> None:
    """Search the directory of health professionals (public, as the RPPS directory is): an RPPS number for
    `mes pros block`, `mes history --pro` or `mes server pro`, even of one who never wrote to you."""
    app = _app(ctx)
    text = " ".join(words or []) or None
    found = app.client.search_directory(app.profile(), text, limit + 1).professionals
    if len(found) > limit:
        app.say(_("More than {limit} professionals match; narrow the search or raise --limit.").format(limit=limit))
    elif not found and text:
        app.say(_("No professional in the directory matches {text!r}.").format(text=text))
    app.emit(found[:limit], fmt, columns=PRO_COLUMNS)


def _block(ctx: typer.Context, rpps: str, blocked: bool, fmt: str | None) -> None:
    from ..domain.rpps import validate_rpps

    app = _app(ctx)
    view = app.client.block_professional(app.profile(), validate_rpps(rpps), blocked)
    if blocked:
        app.say(_("✓ {name} is blocked: they can neither write to you nor read your documents.").format(
            name=view.name))
    else:
        app.say(_("✓ {name} is unblocked.").format(name=view.name))
    app.emit(view, fmt)


@pros_app.command("block")
def block(ctx: typer.Context, rpps: Annotated[str, typer.Argument(help="RPPS number")], fmt: FormatOpt = None):
    """Block a professional."""
    _block(ctx, rpps, True, fmt)


@pros_app.command("unblock")
def unblock(ctx: typer.Context, rpps: Annotated[str, typer.Argument(help="RPPS number")], fmt: FormatOpt = None):
    """Unblock a professional."""
    _block(ctx, rpps, False, fmt)


def register(root: typer.Typer) -> None:
    root.add_typer(messages_app, name="messages")
    root.command("history")(history)
    root.add_typer(pros_app, name="pros")
