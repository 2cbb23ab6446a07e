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
pros_app = typer.Typer(help="Health professionals who wrote to you: list, block, unblock.", no_args_is_help=True)

CONVERSATION_COLUMNS = ["id", "last_message_at", "professional.name", "subject", "unread", "closed_at"]
BodyOpt = Annotated[Optional[str], typer.Option("--body", "-m", help="The message text")]
BodyFileOpt = Annotated[Optional[Path], typer.Option("--body-file", help="Read the text from FILE ('-': stdin)")]
AttachOpt = Annotated[Optional[list[str]], typer.Option("--attach", help="A file to attach, or a document id "
                      "(d_…) of your space; repeat for several", show_default=False)]


def _app(ctx: typer.Context) -> AppContext:
    return ctx.obj


def _body(app: AppContext, body: str | None, body_file: Path | None) -> str:
    from ..contract.errors import MesError

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
          fmt: FormatOpt = None) -> None:
    """Reply in a conversation, with attachments if you like."""
    from ..contract import models as m

    app = _app(ctx)
    text = _body(app, body, body_file)
    uploaded, documents = _attachments(app, attach)
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
    fmt: FormatOpt = None,
) -> None:
    """File an attachment into your documents (each document of an IHE XDM archive, with its own metadata)."""
    from ..contract import models as m
    from ..contract.errors import MesError
    from ..domain.categories import validate_category

    app = _app(ctx)
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
    app.emit(app.client.professionals(app.profile()).professionals, fmt)


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
