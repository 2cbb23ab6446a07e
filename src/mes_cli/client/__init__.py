"""The client side: resolving settings, holding tokens, and one typed method per endpoint."""

from .api import MesClient

__all__ = ["MesClient"]
