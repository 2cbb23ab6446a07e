"""Progress of long commands, on stderr: a rich bar on a terminal, one line per item otherwise.

``--quiet`` silences both; failures are always reported by the command's summary.
"""

from __future__ import annotations

import threading

from ..i18n import N_, _

# The label of the bar for each verb, a whole sentence to translate (the count changes as files finish).
_LABELS = {"Uploading": N_("Uploading {done}/{total} files"), "Downloading": N_("Downloading {done}/{total} files")}


class Progress:
    def __init__(self, app, total_files: int, total_bytes: int, verb: str = "Uploading") -> None:
        self._app = app
        self._lock = threading.Lock()
        self._verb, self._done, self._total = verb, 0, total_files
        self._bar = None
        self._lines = not app.quiet and not _isatty(app.env.stderr)
        if not app.quiet and not self._lines:
            from rich.console import Console
            from rich.progress import (BarColumn, DownloadColumn, Progress as Bar, TextColumn,
                                       TimeRemainingColumn, TransferSpeedColumn)

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                            TimeRemainingColumn(), console=Console(file=app.env.stderr,
                                                                  no_color=bool(app.env.get("NO_COLOR"))))
            self._task = self._bar.add_task(self._label(), total=total_bytes)
            self._bar.start()

    def _label(self) -> str:
        template = _LABELS.get(self._verb)
        if template is None:
            return _("{verb} {done}/{total} files").format(verb=self._verb, done=self._done, total=self._total)
        return _(template).format(done=self._done, total=self._total)

    def advance_bytes(self, count: int) -> None:
        if self._bar is not None:
            with self._lock:
                self._bar.advance(self._task, count)

    def item(self, line: str, size: int = 0, counted_bytes: bool = True, notable: bool = False) -> None:
        """One file done; ``size`` advances the bar when its bytes were not streamed (already there).

        Under the bar, only failures and ``notable`` lines (something the person should know: metadata
        not applied, files merged) are printed; without a terminal, every line.
        """
        with self._lock:
            self._done += 1
            if self._bar is not None:
                self._bar.update(self._task, description=self._label(), advance=0 if counted_bytes else size)
                if line.startswith("✗") or notable:
                    self._bar.console.print(line, markup=False, highlight=False)
            elif self._lines:
                self._app.env.stderr.write(line + "\n")
                self._app.env.stderr.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def progress_over(app, items, verb: str = "Uploading") -> "Progress":
    """A bar over these items (each with a ``size``): their count and their bytes."""
    return Progress(app, len(items), sum(i.size for i in items), verb=verb)
