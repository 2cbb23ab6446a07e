"""mes-cli: a command-line toolkit for Mon espace santé, with its own reference server."""

__version__ = "0.1.0"
