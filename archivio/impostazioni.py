"""Settings: ONE declarative table, read once by the entry points and passed down.

Every field is documented in README.md (a test checks it). Sources, highest priority first: explicit
arguments, ``NARRAZIONI_*`` environment variables, the TOML file named by ``NARRAZIONI_CONFIG`` (or
``narrazioni.toml`` in the working directory when present), the defaults below.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

STADI_PREDEFINITI = ["anonimizza.v1", "frasi.v1", "temi.v1", "codifica.v1", "piano.v1"]
#: default of ``soglia_rischio_nome`` (also the anonymiser's default when no settings are passed)
SOGLIA_RISCHIO_NOME = 0.3


class Impostazioni(BaseSettings):
    """Narrazioni settings (env prefix ``NARRAZIONI_``)."""

    model_config = SettingsConfigDict(env_prefix="NARRAZIONI_", extra="forbid", validate_default=True)

    cartella_dati: Path = Field(Path("dati"), description="Data directory: SQLite file, key, backups.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; empty means SQLite in cartella_dati/narrazioni.db. "
        "PostgreSQL: postgresql+psycopg://user:pw@host/db")
    file_chiave: Path | None = Field(
        None, description="Fernet key file for raw text (outside the database); default cartella_dati/chiave.fernet")
    file_ritirati: Path | None = Field(
        None, description="List of withdrawn stories (hashes), applied when a backup is restored; "
        "default cartella_dati/ritirati.txt")
    stadi: list[str] = Field(
        default_factory=lambda: list(STADI_PREDEFINITI),
        description="Pipeline stages in order, as name.vN (or module:object for plugins).")
    processi: int = Field(
        0, ge=0, le=256, description="Worker processes for the stages that run in parallel (anonymisation, "
        "coding, Piano mapping); 0 = one per CPU core, 1 = no worker processes.")
    lotto: int = Field(50, ge=1, le=10_000, description="Stories per batch (one transaction per batch).")
    modello_lingua: str = Field(
        "auto", description="auto (it_core_news_lg/md/sm if installed, else the shipped model), "
        "narrazioni (force the shipped model) or a spaCy package name.")
    tassonomia_piano: Path | None = Field(
        None, description="TOML taxonomy of the Piano di Zona (aree, schede); empty means the shipped one.")
    piano_soglia_area: float = Field(
        0.5, ge=0, le=1, description="Below this calibrated confidence a model's Piano di Zona area is "
        "'da assegnare' (shown with its two likeliest areas).")
    esporta_soglia_modello: float = Field(
        1.0, ge=0, le=1, description="Planning exports keep a model's (unconfirmed) quote only from this "
        "calibrated probability: the threshold with held-out precision >= 0.9 "
        "(python -m analisi.codifica.valuta soglie); 1.0 exports only what a person confirmed.")
    codifica_riaddestra_ogni: int = Field(
        20, ge=1, description="The Codifica page retrains the coder in the background after this many new "
        "decisions (one retraining at a time).")
    temi_algoritmo: Literal["nmf", "lda"] = Field("nmf", description="Theme model: nmf or lda.")
    temi_k: int | None = Field(None, ge=2, description="Number of themes; empty: chosen automatically.")
    temi_k_min: int = Field(4, ge=2, description="Smallest k tried by the automatic choice.")
    temi_k_max: int = Field(15, ge=2, description="Largest k tried by the automatic choice.")
    temi_seme: int = Field(0, description="Random seed of the theme model (same input and seed, same themes).")
    temi_parole_dominio: list[str] | None = Field(
        None, description="Domain stop words (replace analisi/lingua_it/parole_dominio.txt).")
    temi_parole_extra: list[str] = Field(default_factory=list, description="Extra stop words for themes.")
    temi_file_semi: Path | None = Field(
        None, description="TOML/JSON {label: [seed words]} for guided themes (NMF).")
    temi_min_racconti: int = Field(10, ge=2, description="Fewer visible stories than this: no theme model yet.")
    temi_lemmi: Literal["simplemma", "pipeline"] = Field(
        "simplemma", description="Lemmas for themes: simplemma (fast) or the Italian spaCy pipeline.")
    temi_soglia_minibatch: int = Field(
        20_000, ge=1, description="From this many stories, MiniBatchNMF / online LDA.")
    figure_pubbliche: list[str] = Field(
        default_factory=list, description="Public figures' names kept by the anonymiser.")
    soglia_rischio_nome: float = Field(
        SOGLIA_RISCHIO_NOME, ge=0, le=1.01,
        description="Residual risk that a person's name is still readable (0-1) from which the anonymiser "
        "holds a story for review; lower holds more stories, 1.01 holds none for this reason.")
    conservazione_giorni: int = Field(
        90, ge=0, description="Days the encrypted raw text is kept after the anonymised text is approved.")
    versione_consenso: str = Field("2020-1", description="Consent version shown by the form.")
    modulo_invii_max: int = Field(30, ge=1, description="Form submissions per client per window.")
    modulo_ritiri_max: int = Field(10, ge=1, description="Withdrawal attempts per client per window.")
    modulo_finestra_limiti_secondi: int = Field(600, ge=1, description="Rate-limit window of the form (seconds).")
    modulo_max_byte: int = Field(512 * 1024, ge=1024, description="Largest request body the form accepts.")
    modulo_finestra_duplicati_minuti: int = Field(
        10, ge=0, description="The same text sent again within these minutes is stored once.")
    modulo_durata_gettone_ore: int = Field(24, ge=1, description="How long a form's CSRF token stays valid.")
    modulo_ritardo_ritiro_secondi: float = Field(
        0.3, ge=0, description="Every withdrawal answer waits at least this long (right and wrong codes alike).")
    modulo_url_pubblico: str | None = Field(
        None, description="Public address of the form, printed on the poster's QR code; empty: http://host:porta_modulo/.")
    proxy_fidati: list[str] = Field(
        default_factory=list, description="Addresses or networks (CIDR) of reverse proxies whose "
        "X-Forwarded-For names the client; empty: the client is always the connection's peer.")
    host: str = Field("127.0.0.1", description="Address the form and the dashboard listen on.")
    porta_modulo: int = Field(8000, description="Port of the public form.")
    porta_dashboard: int = Field(8501, description="Port of the dashboard.")
    servizio_intervallo_secondi: float = Field(
        5.0, gt=0, le=60, description="The background worker of `servi` looks for new stories this often.")
    sessione_minuti: int = Field(60, ge=1, description="Dashboard session lifetime (minutes of inactivity).")
    tentativi_login: int = Field(
        5, ge=1, description="Failed logins allowed per username per client (connection address) per 15 minutes.")
    tentativi_login_globali: int = Field(
        50, ge=1, description="Failed logins of one username from all clients per 15 minutes after which each "
        "client gets a single attempt at it (soft limit: the real user is never locked out).")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = os.environ.get("NARRAZIONI_CONFIG") or ("narrazioni.toml" if Path("narrazioni.toml").exists() else None)
        sorgenti: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml:
            sorgenti.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml)))
        return tuple(sorgenti)

    # Derived values: functions, not stored state, so an override of cartella_dati moves everything.
    def url_database(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.cartella_dati / 'narrazioni.db').resolve()}"

    def percorso_chiave(self) -> Path:
        return self.file_chiave or self.cartella_dati / "chiave.fernet"

    def percorso_ritirati(self) -> Path:
        return self.file_ritirati or self.cartella_dati / "ritirati.txt"


#: Fields left out of a run's recorded configuration: where the data and the key are, and the database URL
#: (it may hold a password). Every other field is hashed (see :func:`configurazione_da_registrare`).
NON_REGISTRATI = frozenset({"cartella_dati", "database_url", "file_chiave", "file_ritirati"})


def predefinito(campo: str) -> Any:
    """The default of a settings field: other modules derive their defaults from here, never repeat them."""
    return Impostazioni.model_fields[campo].get_default(call_default_factory=True)


def configurazione_da_registrare(impostazioni: Impostazioni) -> dict[str, Any]:
    """Every setting except secrets and locations (:data:`NON_REGISTRATI`), JSON-ready: what a run's
    configuration hash is made of, so that the recorded hash identifies its themes, codes and mapping."""
    return impostazioni.model_dump(mode="json", exclude=set(NON_REGISTRATI))


def carica_impostazioni(**valori: Any) -> Impostazioni:
    """Read the settings (call once, in an entry point)."""
    return Impostazioni(**valori)
