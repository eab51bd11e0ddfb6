"""Load benchmark of the public form: concurrent clients on loopback post valid and invalid stories.

Starts the real app (uvicorn, SQLite in a temporary data directory, rate limits raised), drives a bounded
number of concurrent clients (asyncio, a minimal keep-alive HTTP/1.1 client), then checks the database
holds exactly the accepted stories: every receipt withdraws a stored story, no story is stored twice,
repeats within the duplicate window are stored once. Prints accepted submissions/s, latency percentiles
and the CPU used by the server and by the load generator.

    python bench/form_load.py --clienti 50 --invii 6000

Exit code 0 only when the check passes (0 lost, 0 duplicated). Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

RADICE = Path(__file__).resolve().parent.parent
if str(RADICE) not in sys.path:
    sys.path.insert(0, str(RADICE))

RICEVUTA = re.compile(r'id="codice-ricevuta">(.*?)</strong>', re.S)
GETTONE = re.compile(r'name="csrf" value="([^"]+)"')
PAROLE = ("spesa vicina finestra balcone telefonata nipoti paura silenzio mascherina lavoro scuola computer "
          "pane lievito quartiere parco volontari ospedale farmacia autobus nonna solitudine futuro").split()


def app_per_bench() -> object:
    """uvicorn factory: the production app from the environment, with the rate limits raised."""
    import logging

    from archivio.cifratura import Cifrario
    from archivio.db import Archivio
    from archivio.impostazioni import carica_impostazioni
    from raccolta.app import crea_app, limiti_da_impostazioni

    logging.getLogger("uvicorn.access").disabled = True
    imp = carica_impostazioni()
    base = limiti_da_impostazioni(imp)
    limiti = base.model_copy(update={"invii_max": 10**9, "ritiri_max": 10**9})
    return crea_app(imp, Archivio(imp.url_database()), Cifrario.da_file(imp.percorso_chiave()), limiti=limiti)


@dataclass
class Risultati:
    latenze: list[float] = field(default_factory=list)
    latenze_accettati: list[float] = field(default_factory=list)
    accettati: int = 0
    rifiutati_attesi: int = 0
    inattesi: list[str] = field(default_factory=list)
    # receipt code -> normalised-text fingerprint it must withdraw
    ricevute: dict[str, str] = field(default_factory=dict)


def _testo(rng: random.Random, cliente: int, n: int) -> str:
    corpo = " ".join(rng.choice(PAROLE) for _ in range(rng.randint(120, 220)))
    return f"Racconto {cliente}-{n}. Durante il lockdown {corpo}."


class _Connessione:
    """A minimal HTTP/1.1 keep-alive client on loopback: the load generator must cost less CPU than the
    server it measures (httpx costs more than the app itself per request)."""

    def __init__(self, host: str, porta: int) -> None:
        self.host, self.porta = host, porta
        self.cookie = ""
        self._r: asyncio.StreamReader | None = None
        self._w: asyncio.StreamWriter | None = None

    async def _apri(self) -> None:
        self._r, self._w = await asyncio.open_connection(self.host, self.porta)

    async def richiesta(self, metodo: str, percorso: str, corpo: bytes = b"") -> tuple[int, str]:
        if self._w is None:
            await self._apri()
        assert self._r is not None and self._w is not None
        intestazioni = [f"{metodo} {percorso} HTTP/1.1", f"Host: {self.host}:{self.porta}",
                        "Origin: null", "Sec-Fetch-Site: same-origin"]
        if self.cookie:
            intestazioni.append(f"Cookie: {self.cookie}")
        if metodo == "POST":
            intestazioni += ["Content-Type: application/x-www-form-urlencoded",
                             f"Content-Length: {len(corpo)}"]
        self._w.write(("\r\n".join(intestazioni) + "\r\n\r\n").encode("latin-1") + corpo)
        await self._w.drain()
        testa = await self._r.readuntil(b"\r\n\r\n")
        righe = testa.decode("latin-1").split("\r\n")
        stato = int(righe[0].split(" ", 2)[1])
        lunghezza = 0
        chiudi = False
        for riga in righe[1:]:
            nome, _, valore = riga.partition(":")
            nome = nome.strip().lower()
            if nome == "content-length":
                lunghezza = int(valore)
            elif nome == "set-cookie":
                self.cookie = valore.strip().split(";", 1)[0]
            elif nome == "connection" and valore.strip().lower() == "close":
                chiudi = True
        dati = await self._r.readexactly(lunghezza)
        if chiudi:
            await self.chiudi()
        return stato, dati.decode("utf-8")

    async def chiudi(self) -> None:
        if self._w is not None:
            self._w.close()
            with contextlib.suppress(OSError):
                await self._w.wait_closed()
        self._r = self._w = None


async def _cliente(indice: int, porta: int, quota_invalidi: float, quota_ripetuti: float, fine: float,
                   contatore: list[int], massimo: int, ris: Risultati, seme: int) -> None:
    from archivio.racconti import impronta_testo

    rng = random.Random(seme + indice)
    conn = _Connessione("127.0.0.1", porta)
    try:
        _, pagina = await conn.richiesta("GET", "/")
        gettone = GETTONE.search(pagina)
        assert gettone and conn.cookie, "no CSRF token on the form"
        csrf = gettone.group(1)
        precedente: str | None = None
        n = 0
        while time.monotonic() < fine and contatore[0] < massimo:
            contatore[0] += 1
            n += 1
            tipo = rng.random()
            atteso_valido = True
            dati: dict[str, Any]
            if tipo < quota_invalidi:
                atteso_valido = False
                dati = rng.choice([{"testo": "troppo corto", "consenso": "sì"},
                                   {"testo": _testo(rng, indice, n)},
                                   {"testo": _testo(rng, indice, n), "consenso": "sì",
                                    "associazione": "Inesistente"}])
            elif precedente is not None and tipo < quota_invalidi + quota_ripetuti:
                dati = {"testo": precedente, "consenso": "sì"}  # a double submission: stored once
            else:
                precedente = _testo(rng, indice, n)
                dati = {"testo": precedente, "consenso": "sì", "fascia_eta": rng.choice(["", "65-74", "75+"]),
                        "temi": rng.sample(["paure", "giornate", "futuro", "proposte"], 2),
                        "associazione": rng.choice(["", "nessuna", "Centro Anziani Il Glicine"])}
            corpo = urlencode({**dati, "csrf": csrf}, doseq=True).encode("ascii")
            inizio = time.perf_counter()
            stato, testo = await conn.richiesta("POST", "/invia", corpo)
            durata = time.perf_counter() - inizio
            ris.latenze.append(durata)
            if atteso_valido and stato == 200:
                m = RICEVUTA.search(testo)
                if not m:
                    ris.inattesi.append("200 without receipt")
                    continue
                codice = re.sub(r"<[^>]+>", "", m.group(1))
                ris.ricevute[codice] = impronta_testo(dati["testo"])
                ris.accettati += 1
                ris.latenze_accettati.append(durata)
            elif not atteso_valido and stato == 422:
                ris.rifiutati_attesi += 1
            else:
                ris.inattesi.append(f"{stato} for a {'valid' if atteso_valido else 'invalid'} story")
    finally:
        await conn.chiudi()


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process, from /proc (Linux)."""
    try:
        campi = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(campi[11]) + int(campi[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def _porta_libera() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _url(cartella: Path) -> str:
    return f"sqlite:///{(cartella / 'narrazioni.db').resolve()}"


def _prepara(cartella: Path) -> None:
    from archivio import racconti as q
    from archivio.cifratura import crea_chiave
    from archivio.db import Archivio, migra
    from archivio.impostazioni import carica_impostazioni
    from raccolta.consenso import registra_consenso

    imp = carica_impostazioni(archivio={"cartella_dati": cartella, "database_url": _url(cartella)})
    archivio = Archivio(imp.url_database())
    migra(archivio)
    crea_chiave(imp.percorso_chiave())
    registra_consenso(archivio, imp.modulo.versione_consenso)
    with archivio.transazione() as s:
        q.assicura_associazione(s, "Centro Anziani Il Glicine")
    archivio.chiudi()


def _verifica(cartella: Path, ris: Risultati) -> tuple[int, int, int, int]:
    """(stories stored, expected, receipts lost, stories duplicated)."""
    from sqlalchemy import select

    from archivio import ricevute as store
    from archivio.db import Archivio
    from archivio.impostazioni import carica_impostazioni
    from archivio.tabelle import Racconto
    from raccolta.ricevuta import hash_ricevuta

    imp = carica_impostazioni(archivio={"cartella_dati": cartella, "database_url": _url(cartella)})
    archivio = Archivio(imp.url_database())
    with archivio.lettura() as s:
        righe = s.execute(select(Racconto.id, Racconto.impronta, Racconto.ricevuta_hash)).all()
        extra = dict(s.execute(select(store.ricevute.c.ricevuta_hash, store.ricevute.c.racconto_id)).all())
    archivio.chiudi()
    impronta_di = {r.id: r.impronta for r in righe}
    per_hash = {r.ricevuta_hash: r.id for r in righe if r.ricevuta_hash}
    per_hash.update(extra)
    persi = sum(1 for codice, impronta in ris.ricevute.items()
                if impronta_di.get(per_hash.get(hash_ricevuta(codice), -1)) != impronta)
    impronte = [r.impronta for r in righe]
    duplicati = len(impronte) - len(set(impronte))
    return len(righe), len(set(ris.ricevute.values())), persi, duplicati


def _percentile(valori: list[float], p: float) -> float:
    if not valori:
        return float("nan")
    if len(valori) == 1:
        return valori[0]
    return statistics.quantiles(valori, n=100, method="inclusive")[int(p) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clienti", type=int, default=50, help="concurrent clients (default 50)")
    parser.add_argument("--invii", type=int, default=6000, help="at most this many POSTs (default 6000)")
    parser.add_argument("--durata", type=float, default=60.0, help="at most this many seconds of load")
    parser.add_argument("--quota-invalidi", type=float, default=0.15, help="share of invalid submissions")
    parser.add_argument("--quota-ripetuti", type=float, default=0.05, help="share of repeated submissions")
    parser.add_argument("--seme", type=int, default=1, help="random seed")
    parser.add_argument("--cartella", type=Path, default=None, help="data directory (default: temporary)")
    args = parser.parse_args(argv)
    if args.clienti < 1 or args.invii < 1 or args.durata <= 0:
        parser.error("clienti, invii and durata must be positive")

    temporanea = tempfile.TemporaryDirectory(prefix="narrazioni-bench-") if args.cartella is None else None
    cartella = Path(temporanea.name) if temporanea else args.cartella
    _prepara(cartella)
    porta = _porta_libera()
    env = {k: v for k, v in os.environ.items() if k != "NARRAZIONI_CONFIG"}
    env.update(NARRAZIONI_ARCHIVIO__CARTELLA_DATI=str(cartella), NARRAZIONI_ARCHIVIO__DATABASE_URL=_url(cartella),
               PYTHONPATH=os.pathsep.join([str(RADICE), os.environ.get("PYTHONPATH", "")]))
    # NARRAZIONI_BENCH_AVVIO: another launcher of uvicorn (e.g. a profiling wrapper), for development.
    avvio = os.environ.get("NARRAZIONI_BENCH_AVVIO", "-m uvicorn").split()
    server = subprocess.Popen(
        [sys.executable, *avvio, "--factory", "--app-dir", str(Path(__file__).parent),
         "form_load:app_per_bench", "--host", "127.0.0.1", "--port", str(porta), "--no-access-log",
         "--log-level", "warning", "--backlog", "2048"], env=env, cwd=cartella)
    try:
        url = f"http://127.0.0.1:{porta}"
        _aspetta(url, server)
        ris = Risultati()
        contatore = [0]
        cpu_server_prima = _cpu(server.pid)
        cpu_client_prima = time.process_time()

        async def carico() -> float:
            inizio = time.monotonic()
            fine = inizio + args.durata
            await asyncio.gather(*(
                _cliente(i, porta, args.quota_invalidi, args.quota_ripetuti, fine, contatore, args.invii, ris,
                         args.seme) for i in range(args.clienti)))
            return time.monotonic() - inizio

        durata = asyncio.run(carico())
        cpu_server = _cpu(server.pid) - cpu_server_prima
        cpu_client = time.process_time() - cpu_client_prima
    finally:
        server.terminate()
        server.wait(timeout=30)
    salvati, attesi, persi, duplicati = _verifica(cartella, ris)
    if temporanea:
        temporanea.cleanup()

    print(f"clients: {args.clienti}  POSTs: {len(ris.latenze)}  in {durata:.1f} s")
    print(f"accepted: {ris.accettati} ({ris.accettati / durata:.0f} accepted submissions/s), "
          f"rejected as expected: {ris.rifiutati_attesi}, unexpected answers: {len(ris.inattesi)}")
    print(f"latency all POSTs: p50 {_percentile(ris.latenze, 50) * 1000:.0f} ms, "
          f"p95 {_percentile(ris.latenze, 95) * 1000:.0f} ms; "
          f"accepted: p50 {_percentile(ris.latenze_accettati, 50) * 1000:.0f} ms, "
          f"p95 {_percentile(ris.latenze_accettati, 95) * 1000:.0f} ms")
    carico_medio = os.getloadavg()[0]
    per_post = cpu_server / max(len(ris.latenze), 1) * 1000
    print(f"CPU: server {cpu_server:.1f} s ({per_post:.1f} ms per POST), load generator {cpu_client:.1f} s; "
          f"machine load average {carico_medio:.1f} on {os.cpu_count()} cores")
    print(f"database: {salvati} stories for {attesi} distinct accepted texts "
          f"({len(ris.ricevute)} receipts); lost: {persi}, duplicated: {duplicati}")
    ok = salvati == attesi and persi == 0 and duplicati == 0 and not ris.inattesi
    if ris.inattesi:
        print("unexpected:", ", ".join(sorted(set(ris.inattesi))[:5]))
    print("check: OK" if ok else "check: FAILED")
    return 0 if ok else 1


def _aspetta(url: str, server: subprocess.Popen[bytes], secondi: float = 60) -> None:
    import httpx

    scadenza = time.monotonic() + secondi
    while time.monotonic() < scadenza:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if httpx.get(url + "/salute", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise TimeoutError("the server did not start")


if __name__ == "__main__":
    sys.exit(main())
