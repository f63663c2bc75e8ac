"""Settings: read once from the environment (and an optional `.env`), passed in by the composition roots."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of invitebot. Secrets are `SecretStr`: they never print."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    # Storage and broker
    var_dir: Path = Field(Path("var"), validation_alias="VAR_DIR")
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    # The Dramatiq broker: Redis (REDIS_URL, or the embedded one), or RabbitMQ at RABBITMQ_URL. Redis
    # is still used with RabbitMQ: the clock's lease and the kept form texts live there.
    broker: Literal["redis", "rabbitmq"] = Field("redis", validation_alias="BROKER")
    rabbitmq_url: str = Field("amqp://guest:guest@127.0.0.1:5672/%2F", validation_alias="RABBITMQ_URL")
    # Test and demo only: every process reads the time from this file (core.clock.FileClock), and the
    # clock process runs its jobs on that time. Never set in production.
    clock_file: Path | None = Field(None, validation_alias="CLOCK_FILE")

    # Web
    port: int = Field(3000, validation_alias="PORT")
    # Unset: all interfaces when the platform gives PORT (a container, a Procfile platform: its
    # router or port mapping reaches the process from outside), else this machine only (`make run`).
    host: str = Field("", validation_alias="HOST")
    public_url: str = Field("http://localhost:3000", validation_alias="PUBLIC_URL")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")
    # `text`: one line a record; `json`: one JSON object a line, with the request or message id.
    log_format: Literal["text", "json"] = Field("text", validation_alias="LOG_FORMAT")

    # Metrics (Prometheus): the web app serves /metrics; a worker process serves its folder's series here.
    worker_metrics_port: int = Field(9191, validation_alias="WORKER_METRICS_PORT")  # 0: not served
    worker_metrics_host: str = Field("0.0.0.0", validation_alias="WORKER_METRICS_HOST")
    metrics_dir: Path | None = Field(None, validation_alias="METRICS_DIR")  # default VAR_DIR/metrics
    # Signs the chart and export URLs (`core.analytics.signing`). Random per process when unset:
    # set it when several web processes serve the same PUBLIC_URL.
    signed_url_secret: SecretStr = Field(default_factory=lambda: SecretStr(secrets.token_urlsafe(32)),
                                         validation_alias="SIGNED_URL_SECRET")

    # LinkedIn provider
    linkedin_provider: Literal["sandbox", "unipile"] = Field("sandbox", validation_alias="LINKEDIN_PROVIDER")
    unipile_base_url: str | None = Field(None, validation_alias="UNIPILE_BASE_URL")
    unipile_api_key: SecretStr | None = Field(None, validation_alias="UNIPILE_API_KEY")
    unipile_timeout_seconds: float = Field(20.0, validation_alias="UNIPILE_TIMEOUT_SECONDS")
    webhook_secret: SecretStr | None = Field(None, validation_alias="WEBHOOK_SECRET")
    sandbox_seed: int = Field(7, validation_alias="SANDBOX_SEED")
    sandbox_accept_probability: float = Field(0.6, validation_alias="SANDBOX_ACCEPT_PROBABILITY")
    sandbox_reply_probability: float = Field(0.2, validation_alias="SANDBOX_REPLY_PROBABILITY")

    # Delivery
    min_spacing_seconds: int = Field(60, validation_alias="MIN_SPACING_SECONDS")
    spacing_jitter_seconds: int = Field(45, validation_alias="SPACING_JITTER_SECONDS")
    lease_seconds: int = Field(120, validation_alias="LEASE_SECONDS")
    withdraw_after_days: int = Field(21, validation_alias="WITHDRAW_AFTER_DAYS")
    withdraw_per_day: int = Field(100, validation_alias="WITHDRAW_PER_DAY")
    # Finders: the least gap between two result pages of a search, plus random jitter.
    finder_page_seconds: float = Field(6.0, validation_alias="FINDER_PAGE_SECONDS")
    finder_page_jitter_seconds: float = Field(6.0, validation_alias="FINDER_PAGE_JITTER_SECONDS")

    # Slack (standard names)
    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(None, validation_alias="SLACK_CLIENT_SECRET")
    slack_state_secret: SecretStr | None = Field(None, validation_alias="SLACK_STATE_SECRET")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")

    # Microsoft Teams / Bot Framework (standard names)
    microsoft_app_id: str | None = Field(None, validation_alias=AliasChoices("MicrosoftAppId", "MICROSOFT_APP_ID"))
    microsoft_app_password: SecretStr | None = Field(
        None, validation_alias=AliasChoices("MicrosoftAppPassword", "MICROSOFT_APP_PASSWORD")
    )
    microsoft_app_type: str = Field(
        "MultiTenant", validation_alias=AliasChoices("MicrosoftAppType", "MICROSOFT_APP_TYPE")
    )
    microsoft_app_tenant_id: str | None = Field(
        None, validation_alias=AliasChoices("MicrosoftAppTenantId", "MICROSOFT_APP_TENANT_ID")
    )
    # Bot Framework endpoints other than the public cloud's (a sovereign cloud, a local simulator),
    # as JSON: {"TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL": "…", …} (names as botbuilder's configuration).
    bot_framework_endpoints: dict[str, str] = Field(default_factory=dict, validation_alias="BOT_FRAMEWORK_ENDPOINTS")

    @model_validator(mode="after")
    def _default_host(self) -> Settings:
        if not self.host:
            self.host = "0.0.0.0" if "port" in self.model_fields_set else "127.0.0.1"
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Heroku-style URLs name the driver "postgres"; we speak psycopg 3.
            if url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url[len("postgres://") :]
            elif url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            return url
        return f"sqlite:///{(self.var_dir / 'invitebot.db').as_posix()}"

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_signing_secret and (self.slack_bot_token or self.slack_client_id)) or bool(
            self.slack_app_token and self.slack_bot_token
        )

    @property
    def teams_has_credentials(self) -> bool:
        return bool(self.microsoft_app_id and self.microsoft_app_password)
