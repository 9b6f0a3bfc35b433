"""Sending one message to one recipient: by e-mail (SMTP) or by a signed webhook.

A webhook delivery is a JSON POST whose raw body is signed with the subscription's
secret: ``X-Billsync-Signature: sha256=<hex HMAC-SHA256 of the body>``. ``X-Billsync-Delivery``
names the message, the same on every retry, so a receiver can drop a repeat (a daemon
that dies after sending and before recording it sends again). Either way a failure
raises :class:`DeliveryFailed` with the reason, and the worker retries with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

import httpx

from billsync.daemon.config import Config
from billsync.daemon.store.models import AlertSubscription

SIGNATURE_HEADER = "X-Billsync-Signature"
DELIVERY_HEADER = "X-Billsync-Delivery"
#: Seconds an SMTP server or a webhook receiver has to answer.
TIMEOUT = 20.0


class DeliveryFailed(Exception):
    """The message did not reach its recipient; the text says why, for the activity log."""


@dataclass(frozen=True)
class Message:
    """What one recipient is told.

    Attributes:
        id: the delivery's id, the same on every attempt.
        topic: the condition, "digest" or "test".
        connection_id, connection_name: which connection it is about.
        subject, text: in a bookkeeper's words.
        link: the panel page that fixes it ("" when no panel URL is configured).
    """

    id: int
    topic: str
    connection_id: int
    connection_name: str
    subject: str
    text: str
    link: str


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def email(config: Config, to: str, message: Message) -> None:
    """Sends ``message`` by e-mail through the configured SMTP server."""
    mail = EmailMessage()
    mail["From"] = config.smtp_from
    mail["To"] = to
    mail["Subject"] = message.subject
    mail["X-Billsync-Topic"] = message.topic
    body = message.text + (f"\n\nFix it here: {message.link}" if message.link else "")
    mail.set_content(body + f"\n\n-- \nbillsync alerts for {message.connection_name}\n")
    try:
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=TIMEOUT) as smtp:
            if config.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.smtp_user:
                smtp.login(config.smtp_user, config.smtp_password)
            smtp.send_message(mail)
    except (smtplib.SMTPException, OSError) as e:
        raise DeliveryFailed(f"the mail server {config.smtp_host}:{config.smtp_port} refused it: {e}") from e


def webhook(http: httpx.Client, url: str, secret: str, message: Message) -> None:
    """POSTs ``message`` as signed JSON to ``url``; any 2xx answer delivers it."""
    body = json.dumps(
        {
            "id": message.id,
            "topic": message.topic,
            "connection": {"id": message.connection_id, "name": message.connection_name},
            "subject": message.subject,
            "text": message.text,
            "link": message.link,
        }
    ).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, body),
        DELIVERY_HEADER: str(message.id),
    }
    try:
        answer = http.post(url, content=body, headers=headers, timeout=TIMEOUT)
    except httpx.HTTPError as e:
        raise DeliveryFailed(f"{url} could not be reached: {type(e).__name__}") from e
    if not answer.is_success:
        raise DeliveryFailed(f"{url} answered HTTP {answer.status_code}")


def send(config: Config, http: httpx.Client, subscription: AlertSubscription, message: Message) -> None:
    """Sends ``message`` to the subscription's recipient, by its channel."""
    if subscription.channel == "email":
        email(config, subscription.target, message)
    else:
        webhook(http, subscription.target, subscription.secret, message)
