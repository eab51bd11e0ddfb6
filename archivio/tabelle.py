"""Tables of the store (SQLAlchemy 2 declarative). Alembic migrations in ``archivio/migrazioni`` follow them.

Privacy layout: the raw text and the raw free-text fields (title, zone, other association, import file
name) live only in ``testi_grezzi``, encrypted (Fernet), together with the encrypted placeholder mapping;
every other table holds anonymised text, anonymised fields or offsets into the anonymised text.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from archivio.tempo import adesso


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


RUOLI_UTENTE = ("ricercatore", "operatore", "amministratore")
RUOLO_AMMINISTRATORE = "amministratore"
CANALI = ("modulo", "importazione", "operatore")


class Associazione(Base):
    __tablename__ = "associazioni"

    id: Mapped[int] = mapped_column(primary_key=True)
    nome: Mapped[str] = mapped_column(String(200), unique=True)
    tipo: Mapped[str | None] = mapped_column(String(80))
    descrizione: Mapped[str | None] = mapped_column(Text)
    creata_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)


class Consenso(Base):
    """A versioned consent text (GDPR art. 13 information shown to the narrator)."""

    __tablename__ = "consensi"

    id: Mapped[int] = mapped_column(primary_key=True)
    versione: Mapped[str] = mapped_column(String(40), unique=True)
    testo: Mapped[str] = mapped_column(Text)
    testo_citazione: Mapped[str | None] = mapped_column(Text)
    valido_dal: Mapped[date] = mapped_column(Date)
    creato_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)


class Racconto(Base):
    __tablename__ = "racconti"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Identifier shown to researchers and in exports (never derived from the content).
    codice: Mapped[str] = mapped_column(String(40), unique=True)
    # Provenance of an imported row: a hash of the file's name (never the name: it may name a person, the
    # name itself is encrypted with the raw fields), or "testo"; with ``id_esterno`` (the file's id column)
    # it makes re-imports idempotent.
    fonte: Mapped[str | None] = mapped_column(String(200))
    id_esterno: Mapped[str | None] = mapped_column(String(200))
    # The free-text fields (title, "other association", zone) hold their ANONYMISED form, written by the
    # anonymisation stage together with ``testo_anon`` (NULL until then); the raw form is only in
    # ``testi_grezzi.campi_cifrati``. Text: placeholders may make them longer than the raw field.
    titolo: Mapped[str | None] = mapped_column(Text)
    associazione_id: Mapped[int | None] = mapped_column(ForeignKey("associazioni.id", ondelete="SET NULL"))
    associazione_altra: Mapped[str | None] = mapped_column(Text)
    quartiere: Mapped[str | None] = mapped_column(Text)
    fascia_eta: Mapped[str | None] = mapped_column(String(20))
    ruolo: Mapped[str | None] = mapped_column(String(40))
    periodo: Mapped[str | None] = mapped_column(String(40))
    data_racconto: Mapped[date | None] = mapped_column(Date)
    canale: Mapped[str] = mapped_column(String(20))
    inviato_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)
    consenso_id: Mapped[int] = mapped_column(ForeignKey("consensi.id"))
    consenso_citazione: Mapped[bool] = mapped_column(Boolean, default=False)
    ricevuta_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    # SHA-256 of the normalised raw text: duplicate detection without reading the raw text.
    impronta: Mapped[str] = mapped_column(String(64), index=True)
    autovalutazione: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    parole: Mapped[int] = mapped_column(Integer, default=0)
    testo_anon: Mapped[str | None] = mapped_column(Text)
    # in_attesa -> (in_revisione ->) approvato; researchers see only visibile stories.
    stato_anon: Mapped[str] = mapped_column(String(20), default="in_attesa")
    visibile: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # HMAC of the form's CSRF token (the process's secret), only during the duplicate window: tells a double
    # click (same sender: the new receipt withdraws the story) from someone else re-sending a known text.
    mittente: Mapped[str | None] = mapped_column(String(64), index=True)

    associazione: Mapped[Associazione | None] = relationship()
    grezzo: Mapped[TestoGrezzo | None] = relationship(
        back_populates="racconto", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (UniqueConstraint("fonte", "id_esterno", name="uq_racconti_fonte_id"),)


class Ricevuta(Base):
    """An extra receipt: the same text sent again through the form within the duplicate window.

    ``completa``: the same sender sent it again (double click): the receipt withdraws the story. Otherwise
    it withdraws only its own submission (the receipt itself): the first narrator's story stays.
    """

    __tablename__ = "ricevute"

    ricevuta_hash: Mapped[str] = mapped_column(String(128), primary_key=True)
    racconto_id: Mapped[int] = mapped_column(ForeignKey("racconti.id", ondelete="CASCADE"), index=True)
    completa: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class Generazione(Base):
    """A named counter bumped by every withdrawal: caches of the store key on it (migration 0007)."""

    __tablename__ = "generazioni"

    nome: Mapped[str] = mapped_column(String(40), primary_key=True)
    valore: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TestoGrezzo(Base):
    """Raw text and placeholder mapping, encrypted; read only by anonymisation and the administrator."""

    __tablename__ = "testi_grezzi"

    racconto_id: Mapped[int] = mapped_column(ForeignKey("racconti.id", ondelete="CASCADE"), primary_key=True)
    testo_cifrato: Mapped[bytes | None] = mapped_column(LargeBinary)
    mappa_cifrata: Mapped[bytes | None] = mapped_column(LargeBinary)
    # JSON of the raw free-text fields {titolo, quartiere, associazione_altra, file}, encrypted (migration 0007)
    campi_cifrati: Mapped[bytes | None] = mapped_column(LargeBinary)
    approvato_il: Mapped[datetime | None] = mapped_column(DateTime)
    eliminato_il: Mapped[datetime | None] = mapped_column(DateTime)

    racconto: Mapped[Racconto] = relationship(back_populates="grezzo")


class StatoStadio(Base):
    """Processing status of one story in one pipeline stage (the version done)."""

    __tablename__ = "stati_stadio"

    racconto_id: Mapped[int] = mapped_column(ForeignKey("racconti.id", ondelete="CASCADE"), primary_key=True)
    stadio: Mapped[str] = mapped_column(String(80), primary_key=True)
    versione: Mapped[int] = mapped_column(Integer)
    stato: Mapped[str] = mapped_column(String(20))  # fatto | errore
    messaggio: Mapped[str | None] = mapped_column(Text)
    esecuzione_id: Mapped[int | None] = mapped_column(ForeignKey("esecuzioni.id", ondelete="SET NULL"))
    aggiornato_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)


class Entita(Base):
    """A placeholder in the anonymised text: offsets into ``racconti.testo_anon`` (no original text).

    The stored row of the anonymiser's one span type (``analisi.anonimizzazione.tipi.Span``, handed to the
    store as :class:`archivio.racconti.Segnaposto`). Its name and columns (``inizio``, ``fine``,
    ``etichetta``, ``punteggio``) are the ``entita`` table's since migration 0001: renaming them would need a
    migration for no change in behaviour, so the row keeps them and only the store reads them.
    """

    __tablename__ = "entita"

    id: Mapped[int] = mapped_column(primary_key=True)
    racconto_id: Mapped[int] = mapped_column(ForeignKey("racconti.id", ondelete="CASCADE"), index=True)
    inizio: Mapped[int] = mapped_column(Integer)
    fine: Mapped[int] = mapped_column(Integer)
    etichetta: Mapped[str] = mapped_column(String(40))
    segnaposto: Mapped[str] = mapped_column(String(60))
    punteggio: Mapped[float] = mapped_column(Float)
    fonte: Mapped[str] = mapped_column(String(40))


class Revisione(Base):
    """Anonymisation review queue: stories held before researchers see them."""

    __tablename__ = "revisioni"

    racconto_id: Mapped[int] = mapped_column(ForeignKey("racconti.id", ondelete="CASCADE"), primary_key=True)
    motivi: Mapped[list[Any]] = mapped_column(JSON)
    stato: Mapped[str] = mapped_column(String(20), default="in_attesa")  # in_attesa | approvato
    creata_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)
    revisore: Mapped[str | None] = mapped_column(String(80))
    rivista_il: Mapped[datetime | None] = mapped_column(DateTime)


class Frase(Base):
    """A sentence: character offsets into ``racconti.testo_anon`` plus the snippet."""

    __tablename__ = "frasi"

    id: Mapped[int] = mapped_column(primary_key=True)
    racconto_id: Mapped[int] = mapped_column(ForeignKey("racconti.id", ondelete="CASCADE"))
    indice: Mapped[int] = mapped_column(Integer)
    inizio: Mapped[int] = mapped_column(Integer)
    fine: Mapped[int] = mapped_column(Integer)
    testo: Mapped[str] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("racconto_id", "indice", name="uq_frasi_racconto_indice"),)


class Codice(Base):
    """A code on a sentence, from a model (with probability) or a person."""

    __tablename__ = "codici"

    id: Mapped[int] = mapped_column(primary_key=True)
    frase_id: Mapped[int] = mapped_column(ForeignKey("frasi.id", ondelete="CASCADE"))
    codice: Mapped[str] = mapped_column(String(80))
    fonte: Mapped[str] = mapped_column(String(20))  # modello | umano
    probabilita: Mapped[float | None] = mapped_column(Float)
    valore: Mapped[bool] = mapped_column(Boolean, default=True)  # a human may say "not this code"
    autore: Mapped[str] = mapped_column(String(120))  # username or model name@version
    creato_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)

    __table_args__ = (
        Index("ix_codici_frase", "frase_id"),
        Index("ix_codici_codice_fonte", "codice", "fonte"),
    )


class Tema(Base):
    __tablename__ = "temi"

    id: Mapped[int] = mapped_column(primary_key=True)
    esecuzione_id: Mapped[int | None] = mapped_column(ForeignKey("esecuzioni.id", ondelete="SET NULL"))
    indice: Mapped[int] = mapped_column(Integer)
    etichetta: Mapped[str] = mapped_column(String(200))
    etichetta_manuale: Mapped[bool] = mapped_column(Boolean, default=False)
    termini: Mapped[list[Any]] = mapped_column(JSON)
    prevalenza: Mapped[float] = mapped_column(Float, default=0.0)
    attivo: Mapped[bool] = mapped_column(Boolean, default=True)


class AssegnazioneTema(Base):
    __tablename__ = "assegnazioni_tema"

    racconto_id: Mapped[int] = mapped_column(ForeignKey("racconti.id", ondelete="CASCADE"), primary_key=True)
    tema_id: Mapped[int] = mapped_column(ForeignKey("temi.id", ondelete="CASCADE"), primary_key=True)
    peso: Mapped[float] = mapped_column(Float)


class Esecuzione(Base):
    """A processing run: what ran, with which configuration, model and package versions."""

    __tablename__ = "esecuzioni"

    id: Mapped[int] = mapped_column(primary_key=True)
    iniziata_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)
    finita_il: Mapped[datetime | None] = mapped_column(DateTime)
    comando: Mapped[str] = mapped_column(String(80))
    config_hash: Mapped[str] = mapped_column(String(64))
    stadi: Mapped[list[Any]] = mapped_column(JSON)
    modello: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    versioni: Mapped[dict[str, Any]] = mapped_column(JSON)
    stato: Mapped[str] = mapped_column(String(20), default="in_corso")  # in_corso | finita | fallita
    elaborati: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    errore: Mapped[str | None] = mapped_column(Text)


class Utente(Base):
    __tablename__ = "utenti"

    id: Mapped[int] = mapped_column(primary_key=True)
    nome_utente: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    ruolo: Mapped[str] = mapped_column(String(20))
    attivo: Mapped[bool] = mapped_column(Boolean, default=True)
    creato_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)
    ultimo_accesso: Mapped[datetime | None] = mapped_column(DateTime)


class Audit(Base):
    """Every action is a row; never the content of a story."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    quando: Mapped[datetime] = mapped_column(DateTime, default=adesso, index=True)
    chi: Mapped[str] = mapped_column(String(80))
    azione: Mapped[str] = mapped_column(String(80))
    oggetto: Mapped[str | None] = mapped_column(String(120))
    dettagli: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Tentativo(Base):
    """Rate-limit bookkeeping (failed logins, withdrawal attempts) by a hashed key."""

    __tablename__ = "tentativi"

    id: Mapped[int] = mapped_column(primary_key=True)
    tipo: Mapped[str] = mapped_column(String(40))
    chiave: Mapped[str] = mapped_column(String(128))
    quando: Mapped[datetime] = mapped_column(DateTime, default=adesso)

    __table_args__ = (Index("ix_tentativi_tipo_chiave_quando", "tipo", "chiave", "quando"),)


class Sessione(Base):
    """A dashboard login that survives a reload: only hashes of its secrets are stored (migration 0011).

    ``consegna_hash``: a one-time code (minutes) the browser exchanges for the cookie; ``token_hash``: the
    SHA-256 of the cookie's random token. Logging out deletes the row: the cookie is then worth nothing.
    """

    __tablename__ = "sessioni"

    id: Mapped[int] = mapped_column(primary_key=True)
    nome_utente: Mapped[str] = mapped_column(String(80), index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    consegna_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    consegna_scade: Mapped[datetime | None] = mapped_column(DateTime)
    creata_il: Mapped[datetime] = mapped_column(DateTime, default=adesso)
    ultima_attivita: Mapped[datetime] = mapped_column(DateTime, default=adesso)
    scade_il: Mapped[datetime] = mapped_column(DateTime)
