"""Option aliases shared by several commands (sqlite-utils' option bundles, typed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .completion import complete_category
from .identity import SERIAL_WHERE

FormatOpt = Annotated[Optional[str], typer.Option("--format", "-f", metavar="table|json|jsonl|csv",
                      help="Output format (default: table on a terminal, json otherwise) [env MES_FORMAT]")]
NirOpt = Annotated[Optional[str], typer.Option("--nir", help="Social security number (NIR), 15 characters")]
SerialOpt = Annotated[Optional[str], typer.Option("--serial", help=SERIAL_WHERE)]
BirthOpt = Annotated[Optional[str], typer.Option("--birth-date", help="Date of birth, e.g. 12/03/1985")]
ChannelOpt = Annotated[str, typer.Option("--channel", help="Where to receive it: email or sms")]
CodeOpt = Annotated[Optional[str], typer.Option("--code", help="The code you received")]
PasswordStdinOpt = Annotated[bool, typer.Option("--password-stdin",
                             help="Read the password from the first line of stdin (never put it in argv)")]
YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")]

ServerDataOpt = Annotated[Optional[Path], typer.Option("--data-dir", help="The server's data "
                          "[default: MES_HOME/server]")]
DatabaseOpt = Annotated[Optional[str], typer.Option(
    "--database", envvar="MES_DATABASE_URL", show_envvar=False, metavar="URL",
    help="Where the server's metadata lives: sqlite:///PATH or postgresql://USER@HOST:PORT/NAME "
         "[env MES_DATABASE_URL; default: SQLite in the data directory]")]

BlobsOpt = Annotated[Optional[str], typer.Option(
    "--blobs", envvar="MES_BLOBS", show_envvar=False, metavar="database|directory",
    help="Where documents' bytes live: in the database (shared by every worker) or in files under the data "
         "directory [env MES_BLOBS; default: database on PostgreSQL, directory on SQLite]")]

# The list filters of documents, shared by `docs list` and `docs download --all`.
CategoryFilter = Annotated[Optional[str], typer.Option("--category", "-c", help="Only this category",
                           autocompletion=complete_category)]
SinceFilter = Annotated[Optional[str], typer.Option("--since", help="Document date on or after")]
UntilFilter = Annotated[Optional[str], typer.Option("--until", help="Document date on or before")]
SearchFilter = Annotated[Optional[str], typer.Option("--search", "-s", help="Words in the title")]
HiddenFilter = Annotated[Optional[bool], typer.Option("--hidden/--visible", help="Only hidden, or only visible, "
                         "documents", show_default=False)]
