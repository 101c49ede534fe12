"""The one settings class: environment variables and ``.env``, with embedded defaults.

With no ``.env`` at all, carebot runs on a SQLite file in the working
directory and the sample clinic shipped in ``examples/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
DEFAULT_CLINIC_FILE = EXAMPLES_DIR / "clinic.yaml"
DEFAULT_FAQ_FILE = EXAMPLES_DIR / "faq.yaml"
#: What WhatsApp needs, all four: sending, the number, webhook signatures, the handshake.
WHATSAPP_SETTINGS = (
    "WHATSAPP_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
)


def safe_url(url: str) -> str:
    """A database URL for display: no user, password nor query (which may hold one)."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        scheme = url.split("://", 1)[0] if "://" in url else "?"
        return f"{scheme}://…"
    host = parsed.host or ""
    if parsed.port:
        host += f":{parsed.port}"
    who = "…@" if parsed.username or parsed.password else ""
    path = f"/{parsed.database}" if parsed.database else ""
    return f"{parsed.drivername}://{who}{host}{path}"


class Settings(BaseSettings):
    """Everything an operator sets for one carebot process."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    database_url: str = Field(
        default="sqlite:///carebot.db",
        description="SQLAlchemy URL; a SQLite file in the working directory by default.",
    )
    clinic_file: Path = DEFAULT_CLINIC_FILE
    faq_file: Path = DEFAULT_FAQ_FILE

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None

    whatsapp_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_base_url: str = "https://graph.facebook.com/v21.0"

    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = None
    anthropic_model: str = "claude-haiku-4-5"
    anthropic_timeout_seconds: float = 8.0

    web_host: str = "127.0.0.1"
    web_port: int = 8080
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description=(
            "Proxies whose X-Forwarded-For/-Proto are believed (comma-separated, or *): the "
            "staff page's lockout counts the patient's real address, its cookie is Secure."
        ),
    )
    # The staff KPI page (/staff): one account here and/or a file of bcrypt hashes.
    staff_user: str | None = None
    staff_password: SecretStr | None = None
    staff_password_file: Path | None = Field(
        default=None, description="htpasswd-style NAME:$2b$… lines (carebot staff-password NAME)."
    )
    web_session_secret: SecretStr | None = Field(
        default=None,
        description="Signs staff sessions; unset: a random one per process (restarts sign out).",
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_personal_data: bool = Field(
        default=False,
        description="Debug only: lets message texts into the logs. Warned about at start.",
    )

    @property
    def telegram_enabled(self) -> bool:
        """Whether a Telegram token is configured."""
        return self.telegram_bot_token is not None

    @property
    def whatsapp_enabled(self) -> bool:
        """Whether the WhatsApp Cloud API is configured: all of ``WHATSAPP_SETTINGS``."""
        return not self.whatsapp_missing() and self.whatsapp_token is not None

    def whatsapp_missing(self) -> list[str]:
        """The WHATSAPP_* variables still needed once one of them is set (else none)."""
        values = {name: getattr(self, name.lower()) for name in WHATSAPP_SETTINGS}
        if all(value is None for value in values.values()):
            return []
        return [name for name, value in values.items() if value is None]

    @property
    def llm_enabled(self) -> bool:
        """Whether the Anthropic fallback is configured."""
        return self.anthropic_api_key is not None
