"""Capitalised names: a run of capitalised tokens ("Giulia Rossi", "De Gasperi", "P. Piccoli") and its
score as a person's name, from the kinds of its words and the cues around it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analisi.anonimizzazione.nomi.indizi import IndiziNomi
from analisi.anonimizzazione.nomi.parole import (
    _FORTI,
    AMBIGUO,
    ARTICOLI,
    ARTICOLI_INIZIO,
    COGNOME,
    COSE,
    IGNOTO,
    KIND,
    NO,
    NOME,
    PAROLA_COMUNE,
    PARTICELLA,
    PARTICELLE,
    PARTICELLE_MAIUSC,
    ROMANO,
    STRUTTURE,
    STRUTTURE_DOPO,
    Parole,
    _cammello,
    _iniziale,
    _santo,
    dopo_luogo_di,
    dopo_preposizione_di_luogo,
)
from analisi.anonimizzazione.tipi import Candidato


class GruppiNomi(IndiziNomi):
    """Runs of capitalised tokens and their score."""

    def _gruppo(self, p: Parole, i: int, protetti: Sequence[str | None], maiuscolo: bool) -> list[tuple[int, int]]:
        """A run of capitalised tokens from ``i`` joined by single spaces, hyphens or apostrophes.

        Each item is ``(token, kind)``; kind ``PARTICELLA`` marks a surname particle ("De", "van", "D'").
        """
        if i > 0 and protetti[i - 1] is None and _santo(p, i - 1) and not p.spazio_prima(i).strip(" .'’"):
            return []
        if _santo(p, i):
            return []  # "Santo Stefano", "San Faustino": places and churches
        if i > 0 and p.norme[i - 1] in STRUTTURE and p.spazio_prima(i) == " ":
            return []
        gruppo: list[tuple[int, int]] = []
        j = i
        n = len(p)
        while j < n:
            t = p.testi[j]
            if j > i:
                spazio = p.spazio_prima(j)
                iniziale_prima = len(p.testi[j - 1]) == 1 and gruppo[-1][1] == PARTICELLA
                if (spazio not in (" ", "-", "'", "’") and not (spazio == ". " and iniziale_prima)) or "\n" in spazio:
                    break
                if spazio in ("'", "’") and gruppo[-1][1] != PARTICELLA:
                    break
            if t.isdigit():
                break
            segue_maiuscola = (
                j + 1 < n
                and p.testi[j + 1][0].isupper()
                and not p.testi[j + 1].isdigit()
                and p.spazio_prima(j + 1) in (" ", "'", "’")
                and protetti[j + 1] is None
            )
            if not t[0].isupper():
                # a foreign particle inside a name ("Ludwig van Beethoven") only if a capitalised name follows
                if (
                    p.norme[j] in PARTICELLE
                    and any(k in (NOME, KIND, IGNOTO) for _, k in gruppo)
                    and segue_maiuscola
                    and p.spazio_prima(j + 1) == " "
                ):
                    gruppo.append((j, PARTICELLA))
                    j += 1
                    continue
                break
            prot = protetti[j]
            if prot is not None and prot != "luogo":
                break
            if j > i and _santo(p, j):
                break  # "Giulia Sant'Agnese": a name, then a place named after a saint
            iniziale = j == i and _iniziale(p, j)
            if self._iniziale_puntata(p, j, protetti, maiuscolo):
                gruppo.append((j, PARTICELLA))  # an initial: "P. Piccoli", "R. Ciasca"
                j += 1
                continue
            if p.norme[j] in PARTICELLE_MAIUSC and segue_maiuscola and not (iniziale and p.norme[j] in ARTICOLI_INIZIO):
                gruppo.append((j, PARTICELLA))  # "De Luca", "Di Maio", "D'Angelo"
                j += 1
                continue
            if ROMANO.match(t) and gruppo:
                gruppo.append((j, NO))
                j += 1
                continue
            tipo, _ = self.tipo(p, j, iniziale, maiuscolo)
            if gruppo and gruppo[-1][1] == PARTICELLA:
                precedente = p.norme[gruppo[-1][0]]
                if tipo == PAROLA_COMUNE and precedente in PARTICELLE_MAIUSC and precedente not in PARTICELLE:
                    gruppo.pop()  # "Le Famiglie", "Dal Monte": an article before an ordinary word
                    break
                if tipo in (PAROLA_COMUNE, AMBIGUO, IGNOTO, NO):
                    tipo = COGNOME  # the word after a particle is a surname ("De Gasperi", "D'Angelo")
            elif tipo == NO and gruppo and gruppo[-1][1] == NOME and _cammello(t):
                tipo = COGNOME  # "Andrea PanzavoltaRegione": a surname glued to the next word
            if prot == "luogo":
                if not gruppo:
                    if not self._contesto(p, j)[0]:
                        return []
                    tipo = PAROLA_COMUNE  # "il dottor Ferrara": the title decides
                elif any(k in (NOME, PARTICELLA) for _, k in gruppo) and tipo != NOME:
                    tipo = COGNOME  # "Marco Ferrara": a town right after a first name is a surname
                else:
                    break
            gruppo.append((j, tipo))
            j += 1
        return gruppo

    def _iniziale_puntata(self, p: Parole, j: int, protetti: Sequence[str | None], maiuscolo: bool) -> bool:
        """Whether token ``j`` is the initial of a name: a capital letter, a period, a capitalised word ("P.
        Piccoli", "R. Ciasca"), rather than a letter that ends a clause ("di serie B. Sarebbe utile")."""
        t = p.testi[j]
        n = len(p)
        return ((len(t) == 1 and t not in "SCVNPL") or (t == "P" and j + 1 < n and p.norme[j + 1] != "iva")) and (
            j + 1 < n
            and p.spazio_prima(j + 1) == ". "
            and p.testi[j + 1][0].isupper()
            and len(p.testi[j + 1]) > 1
            and protetti[j + 1] is None
            # "cittadini di serie B. Sarebbe utile": an ordinary word after the period that goes on with
            # a lower-case word starts a sentence
            # ("Cfr. P. Piccoli e A. Vadagnini" is two names); so does a letter that ends a clause
            # ("di serie A. Sarebbe e ho")
            and not (
                self.tipo(p, j + 1, False, maiuscolo)[0] in (PAROLA_COMUNE, NO)
                and (
                    (j > 0 and p.spazio_prima(j) == " " and p.testi[j - 1].islower())
                    or (
                        j + 2 < n
                        and p.spazio_prima(j + 2) == " "
                        and p.testi[j + 2].islower()
                        and p.norme[j + 2] not in ("e", "ed")
                    )
                )
            )
        )

    def _valuta(
        self, p: Parole, gruppo: list[tuple[int, int]], protetti: Sequence[str | None], maiuscolo: bool
    ) -> Candidato | None:
        """A run of capitalised tokens as a person's name: the tokens that make it and how sure it is (their
        kinds, then the cues around them), or ``None``."""
        # leading ordinary words are not part of the name ("Direttore Marco Rossi"), unless a title or a
        # kinship word comes right before them ("il sig. Verdi", "nonna Rosa")
        forte, debole = self._contesto(p, gruppo[0][0])
        regnale = self._regnale(p, gruppo)
        if regnale is not None:
            return regnale
        if not forte:
            while gruppo and gruppo[0][1] in (PAROLA_COMUNE, NO):
                gruppo = gruppo[1:]
            if not gruppo:
                return None
            forte, debole = self._contesto(p, gruppo[0][0])
        i0 = gruppo[0][0]
        if _nome_di_cosa(p, gruppo, protetti):
            return None
        iniziale = _iniziale(p, i0)
        articolo = (
            i0 > 0
            and p.norme[i0 - 1] in ARTICOLI
            and p.spazio_prima(i0) in (" ", "'", "’")
            and not _iniziale(p, i0 - 1)
            and not iniziale
        )
        tenuti = _tenuti(p, gruppo, forte)
        if not tenuti:
            return None
        tipi = [k for _, k in tenuti if k != PARTICELLA]
        if not tipi:
            return None
        primo = tenuti[0][0]
        maiuscole_tutte = all(p.testi[j].isupper() for j, _ in tenuti) and not maiuscolo
        cornice = _Cornice(forte, debole, iniziale, articolo, maiuscolo, maiuscole_tutte)
        if len(tipi) == 1:
            solo = self._punteggio_solo(p, tenuti, tipi[0], cornice)
            if solo is None:
                return None
            tipi, score = solo
        else:
            score = _punteggio_gruppo(tipi, iniziale)
        fonte = "lista:nomi"
        if forte:
            if all(p.norme[j] in self.lx.non_nomi for j, _ in tenuti):
                return None
            score = max(score, 0.9 if any(k in _FORTI for k in tipi) else 0.8)
            fonte = "contesto:nomi"
        elif len(tipi) == 1 and tipi[0] == AMBIGUO:
            score, fonte = self._punteggio_ambiguo(p, tenuti[0][0], cornice)
        elif debole and score > 0 and not maiuscole_tutte:
            score = max(score, 0.6)
        if self._luogo_non_persona(p, i0, tipi, protetti, forte, debole):
            return None
        if score <= 0:
            return None
        ultimo = tenuti[-1][0]
        return Candidato(p.inizi[primo], p.fini[ultimo], "PERSONA", score, fonte, forte=forte)

    def _punteggio_solo(
        self, p: Parole, tenuti: list[tuple[int, int]], tipo: int, c: _Cornice
    ) -> tuple[list[int], float] | None:
        """A name of one word, particles aside ("Rossi", "De Gasperi"): the kinds (``[tipo]``, or ``[IGNOTO]``
        for a name known only to the long lists) and the word's own score, adjusted; ``None`` when the word is
        rather a place or a thing."""
        primo = tenuti[0][0]
        tipi = [tipo]
        j_solo = next(j for j, k in tenuti if k != PARTICELLA)
        _, score = self.tipo(p, j_solo, c.iniziale and j_solo == primo, c.maiuscolo)
        if (
            tipo == COGNOME
            and len(tenuti) == 1
            and not c.forte
            and not c.debole
            and p.norme[j_solo] in self.lx.vocabolario_it
            and (dopo_preposizione_di_luogo(p, j_solo) or (c.articolo and p.norme[j_solo - 1] != "il"))
        ):
            return None  # "i Monti Sibillini", "la Battaglia di Stalingrado", "dei Boschi" (not "il Conti")
        if tipo == NOME and p.norme[j_solo] in self.lx.nomi_deboli and len(tenuti) == 1:
            # a name known only to the long generated lists, alone: as uncertain as an unknown word
            tipo, tipi = IGNOTO, [IGNOTO]
            score = 0.0 if c.iniziale else 0.45
        if tipo == COGNOME and len(tenuti) > 1:
            score = max(score, 0.8)  # "De Gasperi", "D'Angelo"
        if c.maiuscole_tutte and tipo not in (NOME, COGNOME, KIND):
            score = 0.0
        elif c.maiuscole_tutte:
            score = min(score, 0.6)
        return tipi, score

    def _punteggio_ambiguo(self, p: Parole, i: int, c: _Cornice) -> tuple[float, str]:
        """Score and source of one word that is a name and a thing ("Franco", "Bruna", "Speranza")."""
        # "nella"/"nello" are prepositions only in lower case: "è stato Nello, che ha detto"
        cosa = p.norme[i] in COSE and not (p.norme[i] in ("nella", "nello") and not c.iniziale)
        if (c.articolo or c.debole) and not cosa:
            return 0.7, "contesto:articolo"  # "il Franco", "la Bruna", "la mamma di Chiara"
        if not c.iniziale and not cosa and not c.maiuscole_tutte:
            return 0.6, "lista:nomi"  # "Greta e Viola": capitalised in mid-sentence
        if c.iniziale and not cosa and p.norme[i] in self.lx.ambigui_nomi and not c.maiuscole_tutte:
            return 0.5, "lista:nomi"  # "Bruno ha l'orto": a first name that is rarely a sentence's first word
        return 0.0, "lista:nomi"

    def _luogo_non_persona(
        self, p: Parole, i0: int, tipi: list[int], protetti: Sequence[str | None], forte: bool, debole: bool
    ) -> bool:
        """Whether a name without a cue stands where a place or a proper noun's tail does."""
        if not forte and not debole and set(tipi) == {IGNOTO}:
            if dopo_preposizione_di_luogo(p, i0):
                return True  # "nata a Enugu", "dell'Avellinese", "del Piz Segnas": unknown words there are places
            if len(tipi) == 1 and self._coda_di_nome_proprio(p, i0, protetti):
                return True  # "Regina Coeli", "Piper Cherokee", "Ethiopian Airlines": the tail of a proper noun
        return not forte and dopo_luogo_di(p, i0)  # "l'aeroporto di Ginevra", "la provincia di Albano"

    def _regnale(self, p: Parole, gruppo: list[tuple[int, int]]) -> Candidato | None:
        """A foreign or unknown word with an ordinal ("Pio IX", "Superman II"): a sovereign, a pope, a hero.

        Names from the lists already keep their numeral ("Giovanni XXIII"); this covers the rest, but not
        Italian words ("Concilio Vaticano II") nor a sentence's first word.
        """
        if len(gruppo) != 2 or gruppo[1][1] != NO:
            return None
        (i, tipo), (j, _) = gruppo
        numerale = p.testi[j]
        if not ROMANO.match(numerale) or numerale in ("I", "V", "X") or _iniziale(p, i):
            return None
        italiana = p.testi[i].lower() in self.lx.vocabolario_it or p.norme[i] in self.lx.vocabolario_it
        if tipo not in (IGNOTO, PAROLA_COMUNE) or italiana or p.norme[i] in self.lx.non_nomi:
            return None
        return Candidato(p.inizi[i], p.fini[j], "PERSONA", 0.6, "lista:regnale")


@dataclass(frozen=True)
class _Cornice:
    """Where a run of capitalised tokens stands, as :meth:`GruppiNomi._valuta` reads it."""

    forte: bool  #: a title, a kinship word or "mi chiamo" right before it
    debole: bool  #: a weak cue right before it ("cara", "la mamma di")
    iniziale: bool  #: it opens a sentence, a line or a quotation
    articolo: bool  #: "il"/"la"/"l'" right before it, in mid-sentence
    maiuscolo: bool  #: the whole text is written in capitals
    maiuscole_tutte: bool  #: its kept tokens are all in capitals, in a normal text


def _nome_di_cosa(p: Parole, gruppo: list[tuple[int, int]], protetti: Sequence[str | None]) -> bool:
    """Whether the run names a thing: after "Premio", "ponte", "San" or with "Tower", "Foundation"."""
    i0 = gruppo[0][0]
    santo_prima = i0 > 0 and protetti[i0 - 1] is None and _santo(p, i0 - 1)
    if i0 > 0 and (p.norme[i0 - 1] in STRUTTURE or santo_prima) and p.spazio_prima(i0) == " ":
        return True  # "Premio Oscar", "ponte Morandi", "San Giovanni"
    return any(p.norme[j] in STRUTTURE_DOPO for j, _ in gruppo) or (
        gruppo[-1][0] + 1 < len(p)
        and p.norme[gruppo[-1][0] + 1] in STRUTTURE_DOPO
        and p.spazio_prima(gruppo[-1][0] + 1) == " "
    )  # "Trump Tower", "Lord Buddha Foundation"


def _tenuti(p: Parole, gruppo: list[tuple[int, int]], forte: bool) -> list[tuple[int, int]]:
    """The tokens of the run that make the name: names, particles and unknown words, a surname that is also
    a word after a first name, an ordinary word after a title; trailing particles dropped."""
    tenuti: list[tuple[int, int]] = []
    cognome_visto = False
    for j, tipo in gruppo:
        if tipo in (NOME, COGNOME, KIND, AMBIGUO, IGNOTO, PARTICELLA) or (
            tipo == NO and tenuti and ROMANO.match(p.testi[j])
        ):
            tenuti.append((j, tipo))
            if tipo in (COGNOME, KIND, IGNOTO) and tenuti[0][0] != j:
                cognome_visto = True
            continue
        if tipo == PAROLA_COMUNE and tenuti and not cognome_visto and any(k == NOME for _, k in tenuti):
            tenuti.append((j, tipo))  # a surname that is also a word: "Giulia Rossi", "Marco Polo"
            cognome_visto = True
            continue
        if tipo == PAROLA_COMUNE and not tenuti and forte:
            tenuti.append((j, tipo))  # "il dottor Bianchi", "nonna Rosa"
            continue
        break
    while tenuti and tenuti[-1][1] == PARTICELLA:
        tenuti.pop()
    return tenuti


def _punteggio_gruppo(tipi: list[int], iniziale: bool) -> float:
    """Score of a name of two or more words from their kinds ("Giulia Rossi" 0.95, two unknown words 0.55)."""
    forti = sum(1 for k in tipi if k in _FORTI)
    if forti >= 1 and (forti >= 2 or any(k in (IGNOTO, PAROLA_COMUNE, AMBIGUO) for k in tipi)):
        return 0.95
    if forti >= 1:
        return 0.9
    if IGNOTO in tipi and AMBIGUO in tipi:
        return 0.6
    if tipi.count(IGNOTO) >= 2 and not iniziale:
        return 0.55
    return 0.0
