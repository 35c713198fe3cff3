"""Sending e-mail over SMTP. The settings come from the MAIL_* configuration; without a host
the portal sends nothing (a single-office installation may run without mail)."""
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 587
    sender: str = "tsunagu@localhost"
    use_tls: bool = True  # STARTTLS before anything is sent
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config) -> "MailSettings | None":
        if not config.get("MAIL_HOST"):
            return None
        return cls(host=config["MAIL_HOST"], port=int(config.get("MAIL_PORT") or 587),
                   sender=config.get("MAIL_FROM") or cls.sender,
                   use_tls=bool(config.get("MAIL_USE_TLS", True)),
                   username=config.get("MAIL_USERNAME") or None,
                   password=config.get("MAIL_PASSWORD") or None,
                   timeout=float(config.get("MAIL_TIMEOUT") or 10.0))


def send(settings: MailSettings, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raises smtplib.SMTPException or OSError on failure."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(body)
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
        if settings.use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)
