"""Settings: ONE nested declarative model, read once by the entry points and passed down.

Each field is declared once, in its section's sub-model, with its default and its (Italian) description; every
other module derives its defaults from here (:func:`predefinito`). Every field is documented in README.md (a
test checks it). Sources, highest priority first: explicit arguments, ``NARRAZIONI_<SEZIONE>__<CAMPO>``
environment variables (e.g. ``NARRAZIONI_TEMI__K=8``), the old flat names (``NARRAZIONI_TEMI_K``, deprecated:
:data:`NOMI_VECCHI`), the TOML file named by ``NARRAZIONI_CONFIG`` (or ``narrazioni.toml`` in the working
directory when present; tables per section, ``[temi]`` ``k = 8``, or the old flat keys), the defaults below.
"""

from __future__ import annotations

import json
import logging
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)
from pydantic_settings.sources.utils import parse_env_vars

from archivio.errori import ErroreConfigurazione

__all__ = ["NOMI_VECCHI", "NON_REGISTRATI", "STADI_PREDEFINITI", "Impostazioni", "ImpostazioniNonValide",
           "carica_impostazioni", "configurazione_da_registrare", "predefinito"]

log = logging.getLogger(__name__)

PREFISSO = "NARRAZIONI_"
DELIMITATORE = "__"
STADI_PREDEFINITI = ["anonimizza.v1", "frasi.v1", "temi.v1", "codifica.v1", "piano.v1"]
#: default of ``anonimizzazione.soglia_rischio_nome`` (also the anonymiser's default when no settings are passed)
SOGLIA_RISCHIO_NOME = 0.3


class _Sezione(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_default=True)


class SezioneArchivio(_Sezione):
    """Dove stanno i dati e la chiave (mai registrati con un'esecuzione)."""

    cartella_dati: Path = Field(
        default=Path("dati"), description="Cartella dei dati: file SQLite, chiave, copie, blocco.")
    database_url: str | None = Field(
        default=None, description="URL SQLAlchemy; vuoto: SQLite in cartella_dati/narrazioni.db. "
        "PostgreSQL: postgresql+psycopg://utente:pw@host/db")
    file_chiave: Path | None = Field(
        default=None, description="File della chiave Fernet dei testi grezzi (fuori dal database); "
        "vuoto: cartella_dati/chiave.fernet")
    file_ritirati: Path | None = Field(
        default=None, description="Elenco dei racconti ritirati (hash), applicato al ripristino di una copia; "
        "vuoto: cartella_dati/ritirati.txt")


class SezioneElaborazione(_Sezione):
    """La pipeline: stadi, processi, lotti, modello linguistico."""

    stadi: list[str] = Field(
        default_factory=lambda: list(STADI_PREDEFINITI),
        description="Stadi della pipeline in ordine, come nome.vN (o modulo:oggetto per i plugin).")
    processi: int = Field(
        default=0, ge=0, le=256, description="Processi di lavoro per gli stadi in parallelo (anonimizzazione, "
        "codifica, "
        "mappatura sul Piano); 0 = uno per core, 1 = nessun processo di lavoro.")
    lotto: int = Field(default=50, ge=1, le=10_000, description="Racconti per lotto (una transazione per lotto).")
    modello_lingua: str = Field(
        default="auto", description="auto (it_core_news_lg/md/sm se installato, altrimenti il modello incluso), "
        "narrazioni (forza il modello incluso) o il nome di un pacchetto spaCy.")


class SezioneAnonimizzazione(_Sezione):
    """L'anonimizzatore."""

    figure_pubbliche: list[str] = Field(
        default_factory=list, description="Nomi di figure pubbliche che l'anonimizzatore lascia in chiaro.")
    soglia_rischio_nome: float = Field(
        default=SOGLIA_RISCHIO_NOME, ge=0, le=1.01,
        description="Rischio residuo (0-1) che il nome di una persona sia ancora leggibile da cui "
        "l'anonimizzatore trattiene il racconto per la revisione; più basso ne trattiene di più, 1.01 nessuno.")


class SezioneConservazione(_Sezione):
    """Per quanto si tengono i testi grezzi."""

    giorni: int = Field(
        default=90, ge=0, description="Giorni in cui il testo grezzo cifrato è conservato dopo l'approvazione "
        "del testo anonimizzato.")


class SezioneCodifica(_Sezione):
    """La codifica delle frasi."""

    riaddestra_ogni: int = Field(
        default=20, ge=1, description="La pagina Codifica riaddestra il codificatore in background dopo questo numero "
        "di nuove decisioni (un riaddestramento alla volta).")


class SezionePiano(_Sezione):
    """La mappatura delle proposte sul Piano di Zona."""

    tassonomia: Path | None = Field(
        default=None, description="Tassonomia TOML del Piano di Zona (sezioni, schede); vuoto: quella inclusa.")
    soglia_area: float = Field(
        default=0.5, ge=0, le=1, description="Sotto questa confidenza calibrata l'area del Piano proposta dal modello "
        "è 'da assegnare' (mostrata con le due sezioni più probabili).")


class SezioneEsporta(_Sezione):
    """Le esportazioni per la pianificazione."""

    soglia_modello: float = Field(
        default=1.0, ge=0, le=1, description="Le esportazioni tengono una citazione del modello (non confermata) "
        "solo da "
        "questa probabilità calibrata: la soglia con precisione >= 0.9 su dati tenuti da parte "
        "(python -m analisi.codifica.valuta soglie); 1.0 esporta solo ciò che una persona ha confermato.")


class SezioneTemi(_Sezione):
    """Il modello dei temi."""

    algoritmo: Literal["nmf", "lda"] = Field(default="nmf", description="Modello dei temi: nmf o lda.")
    k: int | None = Field(default=None, ge=2, description="Numero di temi; vuoto: scelto automaticamente.")
    k_min: int = Field(default=4, ge=2, description="k più piccolo provato dalla scelta automatica.")
    k_max: int = Field(default=15, ge=2, description="k più grande provato dalla scelta automatica.")
    seme: int = Field(default=0, description="Seme casuale del modello dei temi (stessi dati e seme, stessi temi).")
    parole_dominio: list[str] | None = Field(
        default=None, description="Parole vuote del dominio (sostituiscono analisi/lingua_it/parole_dominio.txt).")
    parole_extra: list[str] = Field(default_factory=list, description="Parole vuote aggiuntive per i temi.")
    file_semi: Path | None = Field(
        default=None, description="TOML/JSON {etichetta: [parole seme]} per temi guidati (NMF).")
    min_racconti: int = Field(
        default=10, ge=2, description="Con meno racconti visibili di questi non si adatta ancora nessun modello.")
    lemmi: Literal["simplemma", "pipeline"] = Field(
        default="simplemma", description="Lemmi per i temi: simplemma (veloce) o la pipeline spaCy italiana.")
    soglia_minibatch: int = Field(
        default=20_000, ge=1, description="Da questo numero di racconti, MiniBatchNMF / LDA online.")


class SezioneModulo(_Sezione):
    """Il modulo pubblico: consenso, limiti, indirizzo."""

    versione_consenso: str = Field(default="2020-1", description="Versione del consenso mostrata dal modulo.")
    invii_max: int = Field(default=30, ge=1, description="Invii del modulo per client per finestra.")
    ritiri_max: int = Field(default=10, ge=1, description="Tentativi di ritiro per client per finestra.")
    finestra_limiti_secondi: int = Field(default=600, ge=1, description="Finestra dei limiti del modulo (secondi).")
    max_byte: int = Field(
        default=512 * 1024, ge=1024, description="Corpo di richiesta più grande che il modulo accetta.")
    finestra_duplicati_minuti: int = Field(
        default=10, ge=0, description="Lo stesso testo inviato di nuovo entro questi minuti è salvato una volta.")
    durata_gettone_ore: int = Field(default=24, ge=1, description="Per quante ore vale il gettone CSRF di un modulo.")
    ritardo_ritiro_secondi: float = Field(
        default=0.3, ge=0, description="Ogni risposta a un ritiro attende almeno tanto (codici giusti e sbagliati).")
    url_pubblico: str | None = Field(
        default=None, description="Indirizzo pubblico del modulo, stampato nel QR del manifesto; "
        "vuoto: http://host:porta_modulo/.")


class SezioneServizio(_Sezione):
    """Indirizzi e porte del servizio, e il suo lavoratore in background."""

    host: str = Field(default="127.0.0.1", description="Indirizzo su cui ascoltano il modulo e la dashboard.")
    porta_modulo: int = Field(default=8000, description="Porta del modulo pubblico.")
    porta_dashboard: int = Field(default=8501, description="Porta della dashboard.")
    intervallo_secondi: float = Field(
        default=5.0, gt=0, le=60, description="Ogni quanto il lavoratore di `servi` cerca racconti nuovi.")


class SezioneSicurezza(_Sezione):
    """Proxy fidati, sessioni e accessi."""

    proxy_fidati: list[str] = Field(
        default_factory=list, description="Indirizzi o reti (CIDR) dei reverse proxy il cui X-Forwarded-For "
        "indica il client; vuoto: il client è sempre il capo della connessione.")
    sessione_minuti: int = Field(
        default=60, ge=1, description="Durata di una sessione della dashboard (minuti di inattività).")
    tentativi_login: int = Field(
        default=5, ge=1, description="Accessi falliti ammessi per nome utente per client (indirizzo) ogni 15 minuti.")
    tentativi_login_globali: int = Field(
        default=50, ge=1, description="Accessi falliti di un nome utente da tutti i client in 15 minuti dopo i quali "
        "ogni client ha un solo tentativo (limite morbido: l'utente vero non resta mai chiuso fuori).")


#: The old flat names (``NARRAZIONI_TEMI_K`` in the environment, ``temi_k`` in the TOML file) → (section, field).
#: The only place that knows them: they keep working, with a deprecation warning in the log.
NOMI_VECCHI: dict[str, tuple[str, str]] = {
    "cartella_dati": ("archivio", "cartella_dati"),
    "database_url": ("archivio", "database_url"),
    "file_chiave": ("archivio", "file_chiave"),
    "file_ritirati": ("archivio", "file_ritirati"),
    "stadi": ("elaborazione", "stadi"),
    "processi": ("elaborazione", "processi"),
    "lotto": ("elaborazione", "lotto"),
    "modello_lingua": ("elaborazione", "modello_lingua"),
    "figure_pubbliche": ("anonimizzazione", "figure_pubbliche"),
    "soglia_rischio_nome": ("anonimizzazione", "soglia_rischio_nome"),
    "conservazione_giorni": ("conservazione", "giorni"),
    "codifica_riaddestra_ogni": ("codifica", "riaddestra_ogni"),
    "tassonomia_piano": ("piano", "tassonomia"),
    "piano_soglia_area": ("piano", "soglia_area"),
    "esporta_soglia_modello": ("esporta", "soglia_modello"),
    **{f"temi_{c}": ("temi", c) for c in ("algoritmo", "k", "k_min", "k_max", "seme", "parole_dominio",
                                          "parole_extra", "file_semi", "min_racconti", "lemmi", "soglia_minibatch")},
    "versione_consenso": ("modulo", "versione_consenso"),
    **{f"modulo_{c}": ("modulo", c) for c in ("invii_max", "ritiri_max", "finestra_limiti_secondi", "max_byte",
                                            "finestra_duplicati_minuti", "durata_gettone_ore",
                                            "ritardo_ritiro_secondi", "url_pubblico")},
    "host": ("servizio", "host"),
    "porta_modulo": ("servizio", "porta_modulo"),
    "porta_dashboard": ("servizio", "porta_dashboard"),
    "servizio_intervallo_secondi": ("servizio", "intervallo_secondi"),
    "proxy_fidati": ("sicurezza", "proxy_fidati"),
    "sessione_minuti": ("sicurezza", "sessione_minuti"),
    "tentativi_login": ("sicurezza", "tentativi_login"),
    "tentativi_login_globali": ("sicurezza", "tentativi_login_globali"),
}


def nome_variabile(sezione: str, campo: str) -> str:
    """The environment variable of a field: ``NARRAZIONI_TEMI__K``."""
    return f"{PREFISSO}{sezione.upper()}{DELIMITATORE}{campo.upper()}"


_avvisati: set[str] = set()


def _avvisa_nome_vecchio(vecchio: str, sezione: str, campo: str) -> None:
    if vecchio in _avvisati:  # once per process: the dashboard and the tests read the settings many times
        return
    _avvisati.add(vecchio)
    log.warning("setting %s is deprecated: use %s (or [%s] %s in the TOML file)", vecchio,
                nome_variabile(sezione, campo), sezione, campo)


class _AmbienteNomiVecchi(EnvSettingsSource):
    """The old flat environment variables, read as their new nested names (below the new names in priority)."""

    def _load_env_vars(self) -> Mapping[str, str | None]:
        tradotte: dict[str, str | None] = {}
        for vecchio, (sezione, campo) in NOMI_VECCHI.items():
            valore = os.environ.get(f"{PREFISSO}{vecchio.upper()}")
            if valore is not None:
                _avvisa_nome_vecchio(f"{PREFISSO}{vecchio.upper()}", sezione, campo)
                tradotte[nome_variabile(sezione, campo)] = valore
        return parse_env_vars(tradotte, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


class Impostazioni(BaseSettings):
    """Narrazioni settings, one sub-model per section (env ``NARRAZIONI_<SEZIONE>__<CAMPO>``)."""

    model_config = SettingsConfigDict(env_prefix=PREFISSO, env_nested_delimiter=DELIMITATORE, extra="forbid",
                                      validate_default=True)

    archivio: SezioneArchivio = Field(default_factory=lambda: SezioneArchivio(), description="Dati e chiave.")
    elaborazione: SezioneElaborazione = Field(
        default_factory=lambda: SezioneElaborazione(), description="La pipeline.")
    anonimizzazione: SezioneAnonimizzazione = Field(
        default_factory=lambda: SezioneAnonimizzazione(), description="L'anonimizzatore.")
    conservazione: SezioneConservazione = Field(
        default_factory=lambda: SezioneConservazione(), description="Conservazione dei testi grezzi.")
    codifica: SezioneCodifica = Field(default_factory=lambda: SezioneCodifica(), description="Codifica delle frasi.")
    piano: SezionePiano = Field(default_factory=lambda: SezionePiano(), description="Il Piano di Zona.")
    esporta: SezioneEsporta = Field(default_factory=lambda: SezioneEsporta(), description="Le esportazioni.")
    temi: SezioneTemi = Field(default_factory=lambda: SezioneTemi(), description="I temi.")
    modulo: SezioneModulo = Field(default_factory=lambda: SezioneModulo(), description="Il modulo pubblico.")
    servizio: SezioneServizio = Field(default_factory=lambda: SezioneServizio(), description="Il servizio.")
    sicurezza: SezioneSicurezza = Field(default_factory=lambda: SezioneSicurezza(), description="Sicurezza.")

    @model_validator(mode="before")
    @classmethod
    def _nomi_vecchi(cls, dati: Any) -> Any:
        """Old flat keys (TOML file, arguments) → their section; a value given under the new name wins."""
        if not isinstance(dati, dict) or not NOMI_VECCHI.keys() & dati.keys():
            return dati
        dati = dict(dati)
        for vecchio in NOMI_VECCHI.keys() & dati.keys():
            sezione, campo = NOMI_VECCHI[vecchio]
            valore = dati.pop(vecchio)
            _avvisa_nome_vecchio(vecchio, sezione, campo)
            attuali = dati.get(sezione)
            valori = dict(attuali.model_dump() if isinstance(attuali, BaseModel) else attuali or {})
            valori.setdefault(campo, valore)
            dati[sezione] = valori
        return dati

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
        sorgenti: list[PydanticBaseSettingsSource] = [init_settings, env_settings, _AmbienteNomiVecchi(settings_cls)]
        if toml:
            sorgenti.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(toml)))
        return tuple(sorgenti)

    # Derived values: functions, not stored state, so an override of cartella_dati moves everything.
    def url_database(self) -> str:
        if self.archivio.database_url:
            return self.archivio.database_url
        return f"sqlite:///{(self.archivio.cartella_dati / 'narrazioni.db').resolve()}"

    def percorso_chiave(self) -> Path:
        return self.archivio.file_chiave or self.archivio.cartella_dati / "chiave.fernet"

    def percorso_ritirati(self) -> Path:
        return self.archivio.file_ritirati or self.archivio.cartella_dati / "ritirati.txt"

    def con(self, **sezioni: Mapping[str, Any]) -> Impostazioni:
        """A validated copy with some fields of some sections changed: ``imp.con(elaborazione={"lotto": 5})``."""
        nuove = {}
        for sezione, valori in sezioni.items():
            attuale: BaseModel = getattr(self, sezione)
            nuove[sezione] = type(attuale).model_validate({**attuale.model_dump(), **valori})
        return self.model_copy(update=nuove)


SEZIONI: dict[str, type[BaseModel]] = {
    nome: campo.annotation for nome, campo in Impostazioni.model_fields.items()  # type: ignore[misc]
}

#: Fields left out of a run's recorded configuration: where the data and the key are, and the database URL
#: (it may hold a password). Every other field is hashed (see :func:`configurazione_da_registrare`).
NON_REGISTRATI = frozenset({"archivio.cartella_dati", "archivio.database_url", "archivio.file_chiave",
                            "archivio.file_ritirati"})


def campi_foglia() -> list[str]:
    """Every leaf field as ``sezione.campo``, in declaration order."""
    return [f"{sezione}.{campo}" for sezione, modello in SEZIONI.items() for campo in modello.model_fields]


def predefinito(campo: str) -> Any:
    """The default of a settings field (``"temi.k"``): other modules derive their defaults from here, never
    repeat them."""
    sezione, _, nome = campo.partition(".")
    return SEZIONI[sezione].model_fields[nome].get_default(call_default_factory=True)


def configurazione_da_registrare(impostazioni: Impostazioni) -> dict[str, Any]:
    """Every setting except secrets and locations (:data:`NON_REGISTRATI`), JSON-ready and nested by section: what a
    run's configuration hash is made of, so that the recorded hash identifies its themes, codes and mapping."""
    escludi: dict[str, set[str]] = {}
    for voce in NON_REGISTRATI:
        sezione, _, campo = voce.partition(".")
        escludi.setdefault(sezione, set()).add(campo)
    conf = impostazioni.model_dump(mode="json", exclude=escludi)  # type: ignore[arg-type]
    return {sezione: valori for sezione, valori in conf.items() if valori}


class ImpostazioniNonValide(ErroreConfigurazione, ValueError):
    """A setting has a value that cannot be used (the message names the variable and says what it needs)."""


_MESSAGGI = {
    "greater_than_equal": "deve essere almeno {ge}",
    "greater_than": "deve essere maggiore di {gt}",
    "less_than_equal": "deve essere al massimo {le}",
    "less_than": "deve essere minore di {lt}",
    "int_parsing": "deve essere un numero intero",
    "int_type": "deve essere un numero intero",
    "int_from_float": "deve essere un numero intero",
    "float_parsing": "deve essere un numero",
    "float_type": "deve essere un numero",
    "bool_parsing": "deve essere true o false",
    "literal_error": "deve essere uno di: {expected}",
    "list_type": 'deve essere una lista JSON, per esempio ["a", "b"]',
    "string_type": "deve essere un testo",
    "path_type": "deve essere un percorso",
    "extra_forbidden": "impostazione sconosciuta",
    "model_type": "deve essere una tabella di impostazioni",
    "model_attributes_type": "deve essere una tabella di impostazioni",
}


def _nome_per_persona(posizione: tuple[int | str, ...]) -> str:
    """The name the person used for a field: the environment variable set (new or old), else the TOML key."""
    parti = [str(p) for p in posizione]
    if len(parti) >= 2 and parti[0] in SEZIONI:
        sezione, campo = parti[0], parti[1]
        nuovo = nome_variabile(sezione, campo)
        if nuovo in os.environ:
            return nuovo
        for vecchio, dove in NOMI_VECCHI.items():
            if dove == (sezione, campo) and f"{PREFISSO}{vecchio.upper()}" in os.environ:
                return f"{PREFISSO}{vecchio.upper()}"
        return f"{sezione}.{campo}"
    return ".".join(parti) or "impostazioni"


def messaggio_errore(e: ValidationError) -> str:
    """One Italian line for every problem of a settings validation."""
    problemi = []
    for errore in e.errors():
        contesto = {k: str(v).replace(" or ", " o ") for k, v in errore.get("ctx", {}).items()}
        cosa = _MESSAGGI.get(errore["type"], "valore non valido").format(**contesto)
        valore = errore.get("input")
        mostrato = "" if isinstance(valore, dict) or errore["type"] == "extra_forbidden" else f" ({valore!r})"
        problemi.append(f"{_nome_per_persona(tuple(errore['loc']))}{mostrato}: {cosa}")
    return "impostazioni non valide: " + "; ".join(problemi)


def carica_impostazioni(**valori: Any) -> Impostazioni:
    """Read the settings (call once, in an entry point). A value that cannot be used raises
    :class:`ImpostazioniNonValide` with one Italian line naming the variable."""
    config = os.environ.get("NARRAZIONI_CONFIG")
    if config and not Path(config).is_file():
        raise ImpostazioniNonValide(f"impostazioni non valide: NARRAZIONI_CONFIG indica {config!r}, che non è un file")
    try:
        return Impostazioni(**valori)
    except tomllib.TOMLDecodeError as e:
        raise ImpostazioniNonValide(f"impostazioni non valide: il file TOML {config or 'narrazioni.toml'} non si "
                                    f"legge ({e})") from e
    except ValidationError as e:
        raise ImpostazioniNonValide(messaggio_errore(e)) from e
    except SettingsError as e:  # a list that is not valid JSON in an environment variable
        raise ImpostazioniNonValide(_messaggio_json(str(e))) from e


def _messaggio_json(errore: str) -> str:
    """Name the environment variables that hold a list which is not valid JSON."""
    nomi = []
    for vecchio, (sezione, campo) in NOMI_VECCHI.items():
        for nome in (nome_variabile(sezione, campo), f"{PREFISSO}{vecchio.upper()}"):
            valore = os.environ.get(nome)
            if valore is None or f'"{sezione}"' not in errore:
                continue
            try:
                json.loads(valore)
            except ValueError:
                nomi.append(f"{nome} ({valore!r})")
    dove = ", ".join(nomi) or "una variabile d'ambiente"
    return f'impostazioni non valide: {dove}: deve essere una lista JSON, per esempio ["a", "b"]'
