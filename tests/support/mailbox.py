"""A real SMTP server for tests (aiosmtpd on a free local port) and the messages it got."""
import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    """Messages in the order the server accepted them. smtplib returns only after the server
    answered DATA, so a message is here as soon as the request that sent it has returned."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def settings(self) -> dict:
        """Portal settings that send mail here (plain SMTP: no TLS on a local test server)."""
        return {"MAIL_HOST": self.host, "MAIL_PORT": self.port, "MAIL_FROM": "tsunagu@example.jp",
                "MAIL_USE_TLS": False}


def start_mailbox() -> tuple[Mailbox, Controller]:
    box = Mailbox(port=_free_port())
    controller = Controller(box, hostname=box.host, port=box.port)
    controller.start()  # returns once the server answers
    return box, controller
