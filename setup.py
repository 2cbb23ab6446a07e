"""Compiles the gettext catalogues (``locale/*/LC_MESSAGES/*.po`` → ``.mo``) whenever the package is built.

Everything else about the package is declared in ``pyproject.toml``.  The compiled files are
written next to their sources, so that an editable install (``pip install -e .``) finds them
too; they are not kept in git.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).parent / "src" / "mes_cli" / "locale"


def compile_catalogues(locale: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for source in sorted(locale.glob("*/LC_MESSAGES/*.po")):
        with source.open("rb") as stream:
            catalogue = read_po(stream)
        target = source.with_suffix(".mo")
        partial = target.with_suffix(".mo.tmp")
        with partial.open("wb") as stream:
            write_mo(stream, catalogue, use_fuzzy=False)
        partial.replace(target)


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        compile_catalogues(LOCALE)
        super().run()


setup(cmdclass={"build_py": BuildWithCatalogues})
