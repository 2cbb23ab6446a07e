"""Notifications: one outbox that records every e-mail, SMS and letter, and the senders behind it."""

from .outbox import Notification, Outbox

__all__ = ["Notification", "Outbox"]
