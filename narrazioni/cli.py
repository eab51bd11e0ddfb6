"""The ``narrazioni`` command line. It only parses options and calls the library."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from archivio.errori import ErroreDati, ErroreNarrazioni

app = typer.Typer(help="Narrazioni: racconti dei cittadini → evidenze per il Piano di Zona.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
utenti_app = typer.Typer(help="Users of the dashboard and their roles.", no_args_is_help=True)
associazioni_app = typer.Typer(help="The associations of the district.", no_args_is_help=True)
app.add_typer(utenti_app, name="utenti")
app.add_typer(associazioni_app, name="associazioni")
modello_app = typer.Typer(help="The shipped Italian spaCy pipeline it_narrazioni.", no_args_is_help=True)
app.add_typer(modello_app, name="modello")
stampa_app = typer.Typer(help="Printable material for people without internet (PDF).", no_args_is_help=True)
app.add_typer(stampa_app, name="stampa")
_OPZIONI_LIBERE = {"allow_extra_args": True, "ignore_unknown_options": True}

console = Console(soft_wrap=True)
errori = Console(stderr=True, soft_wrap=True)
RADICE = Path(__file__).resolve().parent.parent


class ErroreUtenteCli(ErroreDati):
    """A user mistake: printed as one line, exit code 1."""


def _impostazioni() -> Any:
    from archivio.impostazioni import carica_impostazioni

    return carica_impostazioni()


def _apri(impostazioni: Any, *, migra: bool = False) -> Any:
    from archivio.db import Archivio, revisione_corrente, revisione_finale

    archivio = Archivio(impostazioni.url_database(), file_ritirati=impostazioni.percorso_ritirati())
    if not migra and revisione_corrente(archivio) != revisione_finale():
        raise ErroreUtenteCli("il database non è inizializzato o non è aggiornato: esegui 'narrazioni init'")
    return archivio


def _cifrario(impostazioni: Any) -> Any:
    from archivio.cifratura import Cifrario

    return Cifrario.da_file(impostazioni.percorso_chiave())


def _controlla_chiave(archivio: Any, percorso_chiave: Path) -> None:
    """Refuse to make a new key for a store whose texts were encrypted with another one."""
    from sqlalchemy import inspect

    from archivio import racconti as q
    from archivio.cifratura import Cifrario, ErroreChiave

    if "testi_grezzi" not in inspect(archivio.motore).get_table_names():
        return
    with archivio.lettura() as s:
        quanti = q.testi_cifrati_presenti(s)
        campione = q.un_testo_cifrato(s) if quanti else None
    if not quanti:
        return
    if not percorso_chiave.exists():
        raise ErroreUtenteCli(
            f"il database contiene {quanti} testi cifrati ma il file della chiave non c'è: {percorso_chiave}. "
            "Una chiave nuova non li aprirebbe. Rimetti lì la chiave originale (o indica dov'è con "
            "NARRAZIONI_FILE_CHIAVE) e riesegui 'narrazioni init'.")
    try:
        assert campione is not None
        Cifrario.da_file(percorso_chiave).decifra_byte(campione)
    except ErroreChiave:
        errori.print(f"attenzione: la chiave {percorso_chiave} non apre i testi cifrati del database: "
                     "i racconti non ancora anonimizzati resteranno in errore finché non rimetti la chiave "
                     "originale ('narrazioni stato' li conta).", markup=False)


@app.command()
def init() -> None:
    """Create or migrate the database, create the encryption key, register the consent text."""
    from archivio.cifratura import crea_chiave
    from archivio.copie import cifra_copie_in_chiaro
    from archivio.db import migra
    from raccolta.consenso import registra_consenso

    imp = _impostazioni()
    archivio = _apri(imp, migra=True)
    _controlla_chiave(archivio, imp.percorso_chiave())
    if crea_chiave(imp.percorso_chiave()):
        console.print(f"new encryption key: {imp.percorso_chiave()} (keep it safe, outside backups of the db)")
    cifrario = _cifrario(imp)
    prima, dopo, backup = migra(archivio, cifrario)
    if backup:
        console.print(f"encrypted backup of the database before migrating: {backup} "
                      "(restore it with 'narrazioni ripristina-copia')")
    if archivio.sqlite and (n := cifra_copie_in_chiaro(archivio.url, cifrario)):
        console.print(f"{n} plaintext backups of earlier versions encrypted with the key")
    console.print(f"database {'created' if prima is None else 'at'} revision {dopo}: {imp.url_database()}")
    if not registra_consenso(archivio, imp.versione_consenso):
        raise ErroreUtenteCli(f"nessun testo del consenso per la versione {imp.versione_consenso!r}")


@app.command("ripristina-copia")
def ripristina_copia(
    copia: Annotated[Path, typer.Argument(help="An encrypted backup (narrazioni.db.<when>.bak.fernet).")],
    destinazione: Annotated[Path, typer.Argument(help="Where to write the plain SQLite file.")],
) -> None:
    """Decrypt a backup made by `init` into a plain SQLite file (to recover from a failed migration)."""
    from archivio.copie import decifra_copia

    if not copia.is_file():
        raise ErroreUtenteCli(f"file non trovato: {copia}")
    if destinazione.exists():
        raise ErroreUtenteCli(f"{destinazione} esiste già: scegli un altro nome")
    decifra_copia(copia, _cifrario(_impostazioni()), destinazione)
    console.print(f"backup decrypted into {destinazione}", markup=False)


@associazioni_app.command("carica")
def associazioni_carica(file: Path) -> None:
    """Add the associations listed in a CSV file (columns nome, tipo, descrizione)."""
    from raccolta.associazioni import carica_associazioni

    archivio = _apri(_impostazioni())
    console.print(f"{carica_associazioni(archivio, file)} new associations")


@associazioni_app.command("elenco")
def associazioni_elenco() -> None:
    """List the associations."""
    from archivio import racconti as q

    archivio = _apri(_impostazioni())
    with archivio.lettura() as s:
        for nome in q.nomi_associazioni(s):
            console.print(nome)


def _leggi_mappa(mappa: str | None) -> dict[str, str]:
    if not mappa:
        return {}
    out = {}
    for coppia in mappa.split(","):
        colonna, sep, campo = coppia.partition("=")
        if not sep or not colonna.strip() or not campo.strip():
            raise ErroreUtenteCli(f"voce --mappa non valida {coppia!r}: usa 'file colonna=campo'")
        out[colonna.strip()] = campo.strip()
    return out


@app.command()
def importa(
    file: Annotated[list[Path], typer.Argument(help="CSV, JSONL, XLSX, DOCX or TXT files.")],
    consenso: Annotated[str, typer.Option(help="Consent version the operator collected (on paper).")],
    mappa: Annotated[str | None, typer.Option(help="Column mapping: 'Colonna file=testo,Zona=quartiere'.")] = None,
    tutto_o_niente: Annotated[bool, typer.Option(help="Import nothing if any row of any file is invalid.")] = False,
    crea_associazioni: Annotated[bool, typer.Option(help="Create associations not yet known.")] = False,
    divisione_docx: Annotated[str, typer.Option(help="DOCX: auto, documento (one story) or titolo.")] = "auto",
    foglio: Annotated[str | None, typer.Option(help="XLSX: the sheet to read (default: all).")] = None,
) -> None:
    """Import stories from files in one transaction; invalid rows are listed, valid ones imported once."""
    from raccolta.importa import importa_files

    if divisione_docx not in ("auto", "documento", "titolo"):
        raise ErroreUtenteCli("--divisione-docx deve essere auto, documento o titolo")
    imp = _impostazioni()
    archivio = _apri(imp)
    esiti = importa_files(archivio, _cifrario(imp), file, versione_consenso=consenso, mappa_colonne=_leggi_mappa(mappa),
                          tutto_o_niente=tutto_o_niente, crea_associazioni=crea_associazioni,
                          divisione_docx=divisione_docx, foglio=foglio)
    problemi = 0
    for esito in esiti:
        if esito.errore_file:
            console.print(f"{esito.file}: not imported: {esito.errore_file}", markup=False)
            problemi += 1
            continue
        console.print(f"{esito.file}: {esito.letti} rows read, {esito.importati} imported, "
                      f"{esito.gia_presenti} already present, {len(esito.errori)} with errors", markup=False)
        for avviso in esito.avvisi:
            console.print(f"  avviso: {avviso}", markup=False)
        for e in esito.errori[:50]:
            console.print(f"  {e.dove or f'riga {e.riga}'}: {'; '.join(e.messaggi)}", markup=False)
        if len(esito.errori) > 50:
            console.print(f"  ... and {len(esito.errori) - 50} more rows with errors")
        problemi += len(esito.errori)
    if tutto_o_niente and problemi:
        console.print("nothing imported (--tutto-o-niente)")
    if problemi:
        raise typer.Exit(2)


@app.command()
def pulisci(
    giorni: Annotated[int | None, typer.Option(help="Retention in days (default: the setting).")] = None,
    prova: Annotated[bool, typer.Option(help="Only count what would be erased.")] = False,
) -> None:
    """Erase raw texts whose retention has expired (approved anonymisations only)."""
    from raccolta.conservazione import pulisci_testi_grezzi

    imp = _impostazioni()
    esito = pulisci_testi_grezzi(_apri(imp), imp.conservazione_giorni if giorni is None else giorni, prova=prova)
    console.print(f"{esito.purgati} raw texts {'would be ' if esito.prova else ''}erased")


@app.command()
def ritira(
    codice: Annotated[str, typer.Argument(help="The narrator's receipt code, or the story's R- code.")],
    motivo: Annotated[str | None, typer.Option(help="Why (required with an R- code; kept in the audit).")] = None,
    chi: Annotated[str, typer.Option(help="Operator or administrator acting (written in the audit).")] = "cli",
) -> None:
    """Withdraw a story: with the narrator's receipt, or by its R- code with --motivo (e.g. imported stories).

    Everything derived from it is deleted: rows, full-text index, theme model files (refitted at the next
    `elabora`), the encrypted backups (rewritten without it), the WAL.
    """
    from raccolta.operatore import ritira_per_conto
    from raccolta.validazione import ErroreValidazione

    imp = _impostazioni()
    archivio = _apri(imp)
    try:
        ritiro = ritira_per_conto(archivio, codice, operatore=chi, cifrario=_cifrario(imp), motivo=motivo)
    except ErroreValidazione as e:
        raise ErroreUtenteCli(" ".join(er.messaggio for er in e.errori)) from None
    if ritiro is None:
        raise ErroreUtenteCli("nessun racconto con questo codice")
    if ritiro.completo:
        console.print(f"racconto {ritiro.codice} ritirato: cancellato con tutto ciò che ne derivava")
    else:
        console.print("questa ricevuta era di un invio ripetuto dello stesso testo da parte di un'altra persona: "
                      "è stato annullato solo quell'invio, il racconto di chi l'ha inviato per primo resta")


@app.command()
def elabora(lotto: Annotated[int | None, typer.Option(help="Stories per batch.")] = None) -> None:
    """Run the pending pipeline stages (incremental, resumable)."""
    from analisi.pipeline import esegui

    imp = _impostazioni()
    if lotto:
        imp = imp.model_copy(update={"lotto": lotto})
    archivio = _apri(imp)
    cifrario = _cifrario(imp)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=errori, transient=False, disable=not errori.is_terminal) as barra:
        compiti: dict[str, Any] = {}

        def avanza(stadio: str, fatti: int, totale: int) -> None:
            if stadio not in compiti:
                compiti[stadio] = barra.add_task(stadio, total=totale)
            barra.update(compiti[stadio], completed=fatti)

        resoconto = esegui(archivio, imp, cifrario, avanzamento=avanza)
    if resoconto.totale == 0 and not any(resoconto.errori.values()):
        console.print("nothing to do: every story is up to date")
        return
    for stadio, n in resoconto.elaborati.items():
        err = resoconto.errori[stadio]
        console.print(f"{stadio}: {n} stories processed" + (f", {err} failed" if err else ""))


@app.command()
def stato(
    json_: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Counts of stories by stage and status."""
    from analisi.pipeline import stadi_configurati
    from archivio import racconti as q

    imp = _impostazioni()
    archivio = _apri(imp)
    with archivio.lettura() as s:
        c = q.conteggi(s, [(st.nome, st.versione, st.solo_visibili) for st in stadi_configurati(imp)])
    if json_:
        console.print_json(json.dumps(c))
        return
    console.print(f"stories: {c['racconti']}  sentences: {c['frasi']}")
    console.print("channels: " + ", ".join(f"{k} {v}" for k, v in sorted(c["canali"].items())))
    console.print("anonymisation: " + ", ".join(f"{k} {v}" for k, v in sorted(c["anonimizzazione"].items())))
    t = Table("stage", "done", "failed", "to do", "held for review")
    for nome, v in c["stadi"].items():
        t.add_row(nome, str(v["fatto"]), str(v["errore"]), str(v["da_fare"]), str(v["in_revisione"]))
    console.print(t)
    for nome, v in c["stadi"].items():
        for motivo, n in v["motivi_errore"].items():
            console.print(f"{nome}: {n} stories failed: {motivo}", markup=False)
    if c["non_decifrabili"]:
        console.print(f"{c['non_decifrabili']} racconti non si possono decifrare con la chiave "
                      f"{imp.percorso_chiave()}: sono isolati (stato errore) e ripresi da 'elabora' quando "
                      "rimetti la chiave originale", markup=False)
    trattenuti = c["anonimizzazione"].get("in_revisione", 0)
    if trattenuti:
        console.print(f"{trattenuti} stories wait for an administrator's anonymisation review "
                      "(dashboard: Revisione anonimizzazione) before the later stages process them")
    from analisi.servizio import descrivi_battito, leggi_battito

    for riga in descrivi_battito(leggi_battito(Path(imp.cartella_dati))):
        console.print(riga, markup=False)


@app.command()
def backup(file: Annotated[Path, typer.Argument(help="The backup file to write (.tar.gz).")]) -> None:
    """Consistent online copy of the store and its models (raw texts stay encrypted; the key is never in it)."""
    from archivio.salvataggi import backup as fai_backup

    imp = _impostazioni()
    esito = fai_backup(_apri(imp), Path(imp.cartella_dati), file, file_chiave=imp.percorso_chiave())
    console.print(f"backup: {esito.racconti} stories → {esito.file} ({esito.byte:,} bytes); the key "
                  f"{imp.percorso_chiave()} is NOT in it: keep a copy of the key apart", markup=False)


@app.command()
def ripristina(
    file: Annotated[Path, typer.Argument(help="A file written by `narrazioni backup`.")],
    ritirati: Annotated[list[Path] | None, typer.Option(
        help="More withdrawal lists (ritirati.txt) to apply, e.g. the one kept with the key.")] = None,
) -> None:
    """Restore a backup into an empty data directory; stories withdrawn since the backup stay withdrawn."""
    from archivio.salvataggi import ripristina as fai_ripristino

    imp = _impostazioni()
    esito = fai_ripristino(file, imp.url_database(), Path(imp.cartella_dati), file_ritirati=imp.percorso_ritirati(),
                           file_chiave=imp.percorso_chiave(), altri_ritirati=ritirati or [])
    console.print(f"restored {esito.racconti} stories at revision {esito.revisione} into {imp.url_database()}"
                  + (f"; {esito.ritirati_tolti} withdrawn stories removed again" if esito.ritirati_tolti else ""),
                  markup=False)
    if not imp.percorso_chiave().exists():
        console.print(f"the key is not in the backup: copy it to {imp.percorso_chiave()} (without it the raw "
                      "texts cannot be read, e.g. for review or re-anonymisation)", markup=False)


@utenti_app.command("aggiungi")
def utenti_aggiungi(
    nome: str,
    ruolo: Annotated[str, typer.Option(help="ricercatore, operatore or amministratore.")],
    password: Annotated[str | None, typer.Option(
        envvar="NARRAZIONI_PASSWORD", help="Password (or NARRAZIONI_PASSWORD); asked when missing.")] = None,
) -> None:
    """Add a dashboard user."""
    from archivio import audit
    from archivio.utenti import aggiungi_utente

    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    archivio = _apri(_impostazioni())
    with archivio.transazione() as s:
        u = aggiungi_utente(s, nome, password, ruolo)
        audit.registra(s, "cli", "utente_aggiunto", u.nome_utente, {"ruolo": u.ruolo})
    console.print(f"user {u.nome_utente} added with role {u.ruolo}")


@utenti_app.command("elenco")
def utenti_elenco() -> None:
    """List users and roles."""
    from archivio.utenti import elenco_utenti

    archivio = _apri(_impostazioni())
    with archivio.lettura() as s:
        for u in elenco_utenti(s):
            console.print(f"{u.nome_utente}\t{u.ruolo}\t{'attivo' if u.attivo else 'disattivato'}")


@app.command()
def anonimizza(
    ingresso: Annotated[Path, typer.Argument(help="IN.jsonl: {\"id\": str, \"text\": str} per line.")],
    uscita: Annotated[Path, typer.Argument(help="OUT.jsonl: {\"id\", \"text_anon\", \"entities\", "
                                               "\"revisione\", \"motivi\", \"rischio\"} per line.")],
    processi: Annotated[int, typer.Option(min=1, help="Worker processes (order is kept).")] = 1,
    lotto: Annotated[int, typer.Option(min=1, help="Stories per batch.")] = 64,
) -> None:
    """Anonymise a JSONL file (offsets in `entities` index the original text)."""
    from analisi.anonimizzazione import Anonimizzatore, anonimizza_jsonl
    from analisi.lingua import carica_italiano

    imp = _impostazioni()
    associazioni = _associazioni_se_inizializzato(imp)
    if not ingresso.is_file():
        raise ErroreUtenteCli(f"file di ingresso non trovato: {ingresso}")
    anonimizzatore = Anonimizzatore(carica_italiano(imp.modello_lingua), consentiti=associazioni,
                                    figure_pubbliche=imp.figure_pubbliche, soglia_rischio=imp.soglia_rischio_nome)
    with open(ingresso, encoding="utf-8") as f_in, open(uscita, "w", encoding="utf-8") as f_out:
        n = anonimizza_jsonl(f_in, f_out, anonimizzatore, processi=processi, batch_size=lotto)
    console.print(f"{n} stories anonymised → {uscita}", markup=False)


def _associazioni_se_inizializzato(imp: Any) -> list[str]:
    """Association names to keep, from the store when there is one (the batch command works without it)."""
    from archivio import racconti as q
    from archivio.db import Archivio, revisione_corrente, revisione_finale

    if imp.database_url is None and not (Path(imp.cartella_dati) / "narrazioni.db").exists():
        return []
    archivio = Archivio(imp.url_database())
    try:
        if revisione_corrente(archivio) != revisione_finale():
            return []
        with archivio.lettura() as s:
            return q.nomi_associazioni(s)
    finally:
        archivio.chiudi()


@app.command()
def codifica(
    ingresso: Annotated[str, typer.Argument(help="IN.jsonl ({\"id\", \"text\"} per line), 'scegli' or 'addestra'.")],
    uscita: Annotated[str | None, typer.Argument(help="OUT.jsonl: one line per sentence (scegli: IN.jsonl).")] = None,
    terzo: Annotated[Path | None, typer.Argument(help="scegli: OUT.jsonl, the units to label.")] = None,
    soglia: Annotated[float | None, typer.Option(help="Probability above which a code is a label.")] = None,
    modello: Annotated[Path | None, typer.Option(help="Folder of a coder written by 'addestra --esempi'.")] = None,
    n: Annotated[int, typer.Option("--n", help="scegli: how many units to choose.")] = 50,
    esempi: Annotated[Path | None, typer.Option(help="addestra: ESEMPI.jsonl ({id, text, codes}) to adapt the "
                                                "coder to, written to --modello (no database needed).")] = None,
    fold: Annotated[int, typer.Option(help="addestra: folds for the held-out evaluation.")] = 5,
    ricodifica: Annotated[bool, typer.Option(help="addestra: re-code the stored sentences afterwards.")] = False,
) -> None:
    """Code sentences: `codifica IN OUT [--modello DIR]`; choose units to label: `codifica scegli IN OUT --n N`;
    adapt to labelled units: `codifica addestra --esempi E --modello DIR`; retrain from the store:
    `codifica addestra`."""
    imp = _impostazioni()
    if ingresso == "addestra" and esempi is not None:
        from analisi.codifica.campagna import addestra_esempi, leggi_esempi

        if modello is None:
            raise ErroreUtenteCli("uso: narrazioni codifica addestra --esempi ESEMPI.jsonl --modello DIR")
        with open(_file_ingresso(str(esempi)), encoding="utf-8") as f:
            righe = leggi_esempi(f)
        if not righe:
            raise ErroreUtenteCli(f"{esempi} non contiene unità etichettate")
        percorso = addestra_esempi(righe, modello, cartella_dati=imp.cartella_dati)
        console.print(f"{len(righe)} labelled units → {percorso}", markup=False)
        return
    if ingresso == "addestra":
        from analisi.codifica.addestra import addestra
        from analisi.codifica.addestra import ricodifica as ricodifica_tutto
        from analisi.codifica.modello import carica_codificatore

        archivio = _apri(imp)
        addestra(archivio, imp.cartella_dati, n_fold=fold, stampa=console.print)
        if ricodifica:
            n_frasi = ricodifica_tutto(archivio, carica_codificatore(imp.cartella_dati))
            console.print(f"{n_frasi} sentences re-coded")
        return
    from analisi.codifica.campagna import carica_modello

    if ingresso == "scegli":
        from analisi.codifica.campagna import scegli_unita
        from analisi.codifica.lotto import leggi_ingresso

        if uscita is None or terzo is None or n < 1:
            raise ErroreUtenteCli("uso: narrazioni codifica scegli IN.jsonl OUT.jsonl --n N [--modello DIR]")
        with open(_file_ingresso(uscita), encoding="utf-8") as f:
            unita = list(leggi_ingresso(f))
        scelti = scegli_unita(unita, n, carica_modello(modello, imp.cartella_dati))
        with open(terzo, "w", encoding="utf-8", newline="\n") as f:
            for i in scelti:
                f.write(json.dumps({"id": unita[i][0], "text": unita[i][1]}, ensure_ascii=False) + "\n")
        console.print(f"{len(scelti)} of {len(unita)} units chosen for labelling → {terzo}", markup=False)
        return
    from analisi.codifica.lotto import codifica_jsonl

    if uscita is None or terzo is not None:
        raise ErroreUtenteCli("uso: narrazioni codifica IN.jsonl OUT.jsonl [--modello DIR]")
    esito = codifica_jsonl(_file_ingresso(ingresso), Path(uscita), cartella_dati=imp.cartella_dati,
                           codificatore=carica_modello(modello, imp.cartella_dati) if modello else None,
                           tassonomia=imp.tassonomia_piano, soglia=soglia)
    console.print(f"{esito.racconti} stories, {esito.frasi} sentences, {esito.proposte} proposals → {uscita}")


@app.command()
def temi(
    ingresso: Annotated[str, typer.Argument(help="IN.jsonl (id, text, associazione?, data?), or 'rifai'.")],
    cartella: Annotated[Path | None, typer.Argument(help="OUT_DIR: assegnazioni.jsonl and temi.json.")] = None,
    k: Annotated[str, typer.Option(help="Number of themes, or 'auto'.")] = "auto",
    seed: Annotated[int | None, typer.Option(help="Random seed (same input and seed, same themes).")] = None,
) -> None:
    """Themes of a file: `temi IN.jsonl OUT_DIR`, or refit the stored stories' themes: `temi rifai`."""
    if k != "auto" and not (k.isdigit() and int(k) >= 2):
        raise ErroreUtenteCli("--k deve essere 'auto' o un numero ≥ 2")
    numero = None if k == "auto" else int(k)
    imp = _impostazioni()
    if ingresso == "rifai":
        from analisi.pipeline import blocco_esclusivo
        from analisi.stadi.temi import rifai_temi

        archivio = _apri(imp)
        with blocco_esclusivo(imp.cartella_dati):
            try:
                salvato = rifai_temi(archivio, imp, k=numero, seme=seed, autore="cli")
            except ValueError as e:
                raise ErroreUtenteCli(str(e)) from None
        console.print(f"themes refitted: {salvato}", markup=False)
        return
    from analisi.temi import esegui_temi

    if cartella is None:
        raise ErroreUtenteCli("uso: narrazioni temi IN.jsonl OUT_DIR [--k N|auto] [--seed S]")
    risultato = esegui_temi(_file_ingresso(ingresso), cartella, k=numero or "auto",
                            seed=imp.temi_seme if seed is None else seed, algoritmo=imp.temi_algoritmo)
    console.print(f"{len(risultato.get('temi', []))} themes → {cartella}/temi.json, {cartella}/assegnazioni.jsonl",
                  markup=False)


@modello_app.command("addestra", context_settings=_OPZIONI_LIBERE)
def modello_addestra(ctx: typer.Context) -> None:
    """Retrain it_narrazioni from ../shared (KIND, UD); options as `python -m analisi.modello.addestra -h`."""
    from analisi.modello.addestra import main as addestra_main

    raise typer.Exit(addestra_main(list(ctx.args)))


@modello_app.command("valuta", context_settings=_OPZIONI_LIBERE)
def modello_valuta(ctx: typer.Context) -> None:
    """Scores of an Italian pipeline on KIND dev and UD ParTUT test (`--modello auto|narrazioni|NAME`)."""
    from analisi.modello.valuta import main as valuta_main

    raise typer.Exit(valuta_main(list(ctx.args)))


def _file_ingresso(percorso: str) -> Path:
    p = Path(percorso)
    if not p.is_file():
        raise ErroreUtenteCli(f"file di ingresso non trovato: {percorso}")
    return p


@utenti_app.command("disattiva")
def utenti_disattiva(nome: str) -> None:
    """Deactivate a user (the last active administrator cannot be deactivated)."""
    _imposta_utente(nome, attivo=False)


@utenti_app.command("attiva")
def utenti_attiva(nome: str) -> None:
    """Reactivate a user."""
    _imposta_utente(nome, attivo=True)


@utenti_app.command("ruolo")
def utenti_ruolo(nome: str, ruolo: str) -> None:
    """Change a user's role (ricercatore, operatore, amministratore)."""
    _imposta_utente(nome, ruolo=ruolo)


@utenti_app.command("password")
def utenti_password(
    nome: str,
    password: Annotated[str | None, typer.Option(envvar="NARRAZIONI_PASSWORD", help="New password.")] = None,
) -> None:
    """Set a new password."""
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    _imposta_utente(nome, password=password)


def _imposta_utente(nome: str, *, attivo: bool | None = None, ruolo: str | None = None,
                    password: str | None = None) -> None:
    from archivio import audit, cruscotto
    from archivio.utenti import imposta_password

    archivio = _apri(_impostazioni())
    with archivio.transazione() as s:
        if attivo is not None:
            cruscotto.imposta_attivo(s, nome, attivo, chi="cli")
        if ruolo is not None:
            cruscotto.imposta_ruolo(s, nome, ruolo, chi="cli")
        if password is not None:
            imposta_password(s, nome, password)
            audit.registra(s, "cli", "password_cambiata", nome)
    console.print(f"user {nome} updated")


@stampa_app.command("manifesto")
def stampa_manifesto(
    file: Annotated[Path, typer.Argument(help="The PDF to write.")],
    url: Annotated[str | None, typer.Option(help="The form's address (default: the setting modulo_url_pubblico).")]
    = None,
) -> None:
    """An A4 poster with the QR code of the public form."""
    from raccolta.stampa import scrivi_manifesto

    imp = _impostazioni()
    indirizzo = url or imp.modulo_url_pubblico
    if not indirizzo:
        indirizzo = f"http://{imp.host}:{imp.porta_modulo}/"
        errori.print(f"avviso: no --url and no NARRAZIONI_MODULO_URL_PUBBLICO: the poster points to {indirizzo}",
                     markup=False)
    scrivi_manifesto(file, indirizzo)
    console.print(f"poster → {file} ({indirizzo})", markup=False)


@stampa_app.command("modulo")
def stampa_modulo(file: Annotated[Path, typer.Argument(help="The PDF to write.")]) -> None:
    """A paper form whose fields are the import columns, with the consent text of the current version."""
    from raccolta.stampa import scrivi_modulo

    imp = _impostazioni()
    scrivi_modulo(file, imp.versione_consenso, associazioni=_associazioni_se_inizializzato(imp))
    console.print(f"paper form → {file} (consent {imp.versione_consenso}; import the transcription with "
                  f"'narrazioni importa FILE --consenso {imp.versione_consenso}')", markup=False)


DEMO_UTENTI = (("ricercatrice", "ricercatore"), ("operatore", "operatore"), ("admin", "amministratore"))


@app.command()
def demo(
    avvia: Annotated[bool, typer.Option(help="Start the form and the dashboard after loading.")] = True,
) -> None:
    """Set up the embedded demo (SQLite, sample corpus, processing) and start form and dashboard."""
    from archivio import racconti as q
    from archivio.utenti import aggiungi_utente, esiste_utente, imposta_password
    from raccolta.associazioni import carica_associazioni
    from raccolta.importa import importa_file

    imp = _impostazioni()
    init()
    archivio = _apri(imp)
    corpus = RADICE / "corpus"
    carica_associazioni(archivio, corpus / "associazioni.csv")
    esito = importa_file(archivio, _cifrario(imp), corpus / "racconti.jsonl",
                         versione_consenso=imp.versione_consenso, chi="demo")
    console.print(f"sample corpus: {esito.importati} imported, {esito.gia_presenti} already present")
    elabora(lotto=None)
    password = os.environ.get("NARRAZIONI_DEMO_PASSWORD") or "narrazioni-demo"
    with archivio.transazione() as s:
        for nome, ruolo in DEMO_UTENTI:
            if esiste_utente(s, nome):
                imposta_password(s, nome, password)
            else:
                aggiungi_utente(s, nome, password, ruolo)
        n = q.conteggi(s, [])["racconti"]
    console.print(f"{n} stories in {imp.url_database()}")
    if avvia:
        _avvia_servizi(imp, password)


def _avvia_servizi(imp: Any, password: str) -> None:
    _servi(imp, righe_accesso="Accesso demo:     " + ", ".join(f"{n} ({r})" for n, r in DEMO_UTENTI)
           + f" — password: {password}")


def _servi(imp: Any, *, righe_accesso: str = "", con_modulo: bool = True, con_dashboard: bool = True,
           con_lavoratore: bool = True) -> None:
    from narrazioni.servizio import ambiente_figli, comandi, supervisiona

    try:
        import raccolta.app  # noqa: F401
    except ImportError:
        con_modulo = False
    figli = comandi(imp, con_modulo=con_modulo, con_dashboard=con_dashboard, con_lavoratore=con_lavoratore)
    modulo = f"http://{imp.host}:{imp.porta_modulo}/" if con_modulo else "(the public form is not installed)"

    def annuncia() -> None:
        righe = [f"\nModulo pubblico:  {modulo}"]
        if con_dashboard:
            righe.append(f"Dashboard:        http://{imp.host}:{imp.porta_dashboard}/")
        if con_lavoratore:
            righe.append("Elaborazione:     automatica (nuovi racconti e racconti approvati, entro un minuto)")
        if righe_accesso:
            righe.append(righe_accesso)
        righe.append("Ctrl+C per fermare.")
        console.print("\n".join(righe), markup=False)

    raise typer.Exit(supervisiona(figli, ambiente_figli(imp), dopo_avvio=annuncia))


@app.command()
def servi(
    modulo: Annotated[bool, typer.Option(help="Start the public form.")] = True,
    dashboard: Annotated[bool, typer.Option(help="Start the dashboard.")] = True,
    lavoratore: Annotated[bool, typer.Option(help="Start the background worker.")] = True,
) -> None:
    """Run the public form, the dashboard and the background worker that processes new stories by itself."""
    imp = _impostazioni()
    _apri(imp).chiudi()  # a clear error now if the database is missing, not three failing children
    _servi(imp, con_modulo=modulo, con_dashboard=dashboard, con_lavoratore=lavoratore)


@app.command()
def lavora(
    intervallo: Annotated[float | None, typer.Option(help="Seconds between two looks for work.")] = None,
) -> None:
    """Only the background worker of `servi`: process new and newly approved stories as they arrive."""
    import logging
    import threading

    from analisi.servizio import Lavoratore

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    imp = _impostazioni()
    ferma = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: ferma.set())
    lavoratore = Lavoratore(_apri(imp), imp, _cifrario(imp), ferma=ferma, precarica=True,
                            intervallo=imp.servizio_intervallo_secondi if intervallo is None else intervallo)
    lavoratore.lavora()


def _catena(e: BaseException) -> Iterator[BaseException]:
    """The exception and its causes (``raise ... from``, or raised while handling another)."""
    visti: set[int] = set()
    attuale: BaseException | None = e
    while attuale is not None and id(attuale) not in visti:
        visti.add(id(attuale))
        yield attuale
        attuale = attuale.__cause__ or attuale.__context__


def errore_archivio(e: BaseException) -> str | None:
    """One Italian line for an error of the store or of the data directory, or None for any other error."""
    import sqlite3

    from sqlalchemy.exc import DBAPIError

    for causa in _catena(e):
        if isinstance(causa, OSError) and causa.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return (f"permesso negato su {causa.filename or 'un file dei dati'}: la cartella dei dati e i suoi "
                    "file devono essere scrivibili dall'utente che esegue il comando")
        if isinstance(causa, OSError) and causa.errno == errno.ENOSPC:
            return "il disco è pieno: libera spazio nella cartella dei dati e riprova"
        originale = causa.orig if isinstance(causa, DBAPIError) else causa
        if not isinstance(originale, sqlite3.Error) and not isinstance(causa, DBAPIError):
            continue
        testo = str(originale).lower()
        if "readonly" in testo or "read-only" in testo or "read only" in testo:
            return ("il database è in sola lettura: la cartella dei dati e i suoi file devono essere "
                    "scrivibili dall'utente che esegue il comando")
        if "unable to open" in testo:
            return ("impossibile aprire il database: controlla che la cartella dei dati esista e sia "
                    "leggibile e scrivibile")
        if "locked" in testo or "busy" in testo:
            return "il database è occupato da un altro processo: riprova tra poco"
        if "not a database" in testo or "malformed" in testo or "corrupt" in testo:
            return ("il file del database è danneggiato o non è un database: ripristina una copia di "
                    "sicurezza (i dati non sono stati modificati)")
        if "disk" in testo and "full" in testo:
            return "il disco è pieno: libera spazio nella cartella dei dati e riprova"
        riga = (str(originale).strip().splitlines() or [type(originale).__name__])[0][:200]
        return f"il database ha risposto con un errore ({type(originale).__name__}): {riga}"
    return None


def _registra_dettaglio(e: BaseException) -> Path | None:
    """Write the full traceback to ``narrazioni.log`` in the data directory (or the user's cache): the user
    sees one line, the log keeps the detail. Returns the log file, or None when none could be written."""
    import logging
    import traceback

    candidati = []
    with contextlib.suppress(Exception):  # the settings themselves may be the problem
        candidati.append(Path(_impostazioni().cartella_dati) / "narrazioni.log")
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "narrazioni" / "narrazioni.log"
    candidati.append(cache)
    dettaglio = "".join(traceback.format_exception(e))
    for file in candidati:
        try:
            if file.parent != cache.parent and not file.parent.is_dir():
                continue
            file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} narrazioni {' '.join(sys.argv[1:2])}\n{dettaglio}\n")
            return file
        except OSError:
            continue
    logging.getLogger("narrazioni").debug("store error", exc_info=e)
    return None


def main() -> None:
    """Entry point: user mistakes become one line on stderr and a non-zero exit, never a traceback."""
    from pydantic import ValidationError

    try:
        codice = app(standalone_mode=False)
        sys.exit(codice if isinstance(codice, int) else 0)
    except ValidationError as e:
        errori.print(f"errore: impostazioni non valide: {e.errors()[0]['loc']}: {e.errors()[0]['msg']}", markup=False)
        sys.exit(1)
    except (typer.Exit, SystemExit) as e:
        codice = e.exit_code if isinstance(e, typer.Exit) else e.code
        sys.exit(codice if isinstance(codice, int) else 0)
    except typer.Abort:
        errori.print("interrotto")
        sys.exit(130)
    except ErroreNarrazioni as e:  # a user's mistake or setup (archivio/errori.py): one line, no traceback
        errori.print(f"errore: {e}", markup=False, highlight=False)
        sys.exit(1)
    except Exception as e:
        # Usage errors (bad option, unknown command) come from the click that typer bundles.
        codice_uscita = getattr(e, "exit_code", None)
        if hasattr(e, "show") and isinstance(codice_uscita, int):
            e.show()
            sys.exit(codice_uscita)
        messaggio = errore_archivio(e)
        if messaggio is None:
            raise
        log = _registra_dettaglio(e)
        errori.print(f"errore: {messaggio}" + (f" (dettagli in {log})" if log else ""), markup=False,
                     highlight=False)
        sys.exit(1)
