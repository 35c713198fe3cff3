"""Sending e-mail over SMTP. The settings come from the MAIL_* configuration; without a host
the portal sends nothing (a single-office installation may run without mail).

MAIL_SECURITY: "starttls" (port 587, the default), "tls" (implicit TLS, port 465) or "none"
(a local relay or a test server). The older MAIL_USE_TLS = False means "none"."""
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

SECURITY = ("starttls", "tls", "none")


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int = 587
    sender: str = "tsunagu@localhost"
    security: str = "starttls"  # one of SECURITY
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config) -> "MailSettings | None":
        if not config.get("MAIL_HOST"):
            return None
        security = config.get("MAIL_SECURITY") or (
            "starttls" if config.get("MAIL_USE_TLS", True) else "none")
        if security not in SECURITY:
            raise ValueError(f"MAIL_SECURITY must be one of {SECURITY}, not {security!r}")
        default_port = 465 if security == "tls" else 587
        return cls(host=config["MAIL_HOST"], port=int(config.get("MAIL_PORT") or default_port),
                   sender=config.get("MAIL_FROM") or cls.sender, security=security,
                   username=config.get("MAIL_USERNAME") or None,
                   password=config.get("MAIL_PASSWORD") or None,
                   timeout=float(config.get("MAIL_TIMEOUT") or 10.0))


def send(settings: MailSettings, *, to: str, subject: str, body: str, html: str | None = None,
         headers: dict[str, str] | None = None) -> None:
    """Send one message: plain text, with an HTML alternative when `html` is given. Raises
    smtplib.SMTPException or OSError on failure."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)
