"""Person names from lists and context: "Giulia Rossi", "il dottor Bianchi", "mia figlia giulia".

Each word token gets a kind from the lists (first name, surname, KIND name, ambiguous name, ordinary word,
unknown word); runs of capitalised tokens become name spans; context words (titles, kinship, "mi chiamo")
make a span certain and let ordinary or lower-case words in. Words that are ordinary Italian words
(simplemma's dictionary) are never names without support, and a capitalised word at the start of a
sentence needs more evidence than one in the middle.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from analisi.anonimizzazione.risorse import _SENZA_ACCENTI, PAROLA, Lessico, normalizza
from analisi.anonimizzazione.tipi import Candidato

TITOLI = frozenset(
    (
        "dottor dottore dottoressa dott dr dssa prof professor professore professoressa maestro "
        "maestra signor signore signora sig sigra sigg avv avvocato avvocatessa ing ingegner "
        "ingegnere geom rag arch architetto don suor suora frate mister miss mr mrs ms assessore "
        "assessora presidente direttore direttrice coordinatore coordinatrice educatore educatrice "
        "infermiere infermiera operatore operatrice volontario volontaria badante collega parroco "
        "onorevole signorina signorino dottorino pediatra psicologo psicologa assistente tata "
        "babysitter prete"
    ).split()
)
#: roles before a name ("il ministro Speranza", "l'on. Meda", "la cantante Madonna"): cues only, since many
#: are surnames too ("la signora Giudice", "Capitano"), unlike the titles above, which are never names
RUOLI = frozenset(
    (
        "on sen ministro ministra senatore senatrice deputato deputata sindaco sindaca cardinale monsignor "
        "monsignore vescovo arcivescovo pontefice ambasciatore ambasciatrice cantante cantautore cantautrice "
        "rapper attore attrice regista scrittore scrittrice poeta poetessa pittore pittrice giudice "
        "procuratore commissario colonnello capitano tenente maresciallo brigadiere"
    ).split()
)
PARENTELA = frozenset(
    (
        "figlio figlia figli figlie marito moglie mamma papa babbo nonno nonna nonni zio zia zii "
        "cugino cugina cugini fratello sorella fratelli sorelle nipote nipoti nipotino nipotina "
        "suocero suocera cognato cognata genero nuora compagno compagna fidanzato fidanzata amico "
        "amica amici amiche bimbo bimba bambino bambina figlioletto figlioletta "
        "ragazzo ragazza madre padre fratellino sorellina mamme papà gemelli gemello "
        "gemella primogenito primogenita bisnonno bisnonna nonnina nonnino convivente coinquilino "
        "coinquilina"
    ).split()
)
#: titles followed by their subject before the name ("la prof di mate bertolini")
_TITOLI_MATERIA = frozenset(
    "prof professore professoressa maestro maestra insegnante istruttore istruttrice allenatore allenatrice "
    "mister educatore educatrice".split()
)
#: after these, in a chat, a first name that is also a word is a name ("la mina", "grazie sara")
_PRIMA_DI_NOME_CHAT = frozenset("la il lo dalla dal della del alla al con grazie ciao x per".split())
#: services and places a person "of" is often named by in a chat ("fede dello spazio giovani")
_SERVIZI = frozenset(
    "spazio centro gruppo comune parrocchia oratorio doposcuola caritas emporio sportello consultorio servizio "
    "servizi associazione coop cooperativa biblioteca ufficio scuola palestra squadra circolo".split()
)
_DEL = frozenset("del dello della dell dei degli delle".split())
#: two-word cues before a name ("mi chiamo Giulia"); the value says whether the name may be lower case.
FRASI_PRIMA: dict[tuple[str, ...], bool] = {
    ("mi", "chiamo"): True,
    ("si", "chiama"): True,
    ("si", "chiamava"): True,
    ("chiamato",): True,
    ("chiamata",): True,
    ("di", "nome"): True,
    ("firmato",): False,
    ("al", "secolo"): False,
    ("pseudonimo",): False,
    ("soprannome",): False,
    ("soprannominato",): False,
    ("soprannominata",): False,
    ("alias",): False,
    ("compleanno", "di"): True,
    ("onomastico", "di"): True,
    # nicknames: "lo chiamano il Biondo", "detta la Rossa"
    ("chiamano", "il"): False,
    ("chiamano", "la"): False,
    ("chiamavano", "il"): False,
    ("chiamavano", "la"): False,
    ("detto", "il"): False,
    ("detta", "la"): False,
    ("io", "sono"): False,
}
#: weak cues: the next word must also look like a name (list, or unknown word). "vicina", "piccola" and
#: "fra" are also adjectives and a preposition ("la vicina Sardegna", "la piccola Toledo", "fra Rimini e
#: Pesaro"), so they never beat the place list as kinship words and titles do.
_DEBOLI_AGGETTIVI = frozenset({"vicino", "vicina", "vicini", "vicine", "piccolo", "piccola"})
DEBOLI = frozenset({"sono", "cara", "caro", "ciao", "grazie", "saluti", "abbraccio", "secondo", "fra"}) | (
    _DEBOLI_AGGETTIVI
)
#: after a possessive, "vicina" and "piccola" are people again ("la mia vicina Gina")
POSSESSIVI = frozenset("mio mia miei mie tuo tua nostro nostra nostri nostre vostro vostra suo sua loro".split())
#: cues that may be followed by a quotation mark: 'lo pseudonimo "Kirk"', 'detto «il Biondo»'
_CON_VIRGOLETTE = frozenset({"pseudonimo", "soprannome", "soprannominato", "soprannominata", "alias", "detto"})
#: particles of surnames: any case for the foreign ones ("Ludwig van Beethoven"), capitalised for the Italian
#: ones ("De Luca", "Di Maio", "D'Angelo", "Della Valle"), which in lower case are prepositions.
PARTICELLE = frozenset(("de van von der den dos das ben bin abu mc mac ter du").split())
PARTICELLE_MAIUSC = PARTICELLE | frozenset(
    {
        "el",
        "al",
        "di",
        "da",
        "del",
        "della",
        "dei",
        "degli",
        "dal",
        "dalla",
        "d",
        "dell",
        "la",
        "lo",
        "li",
        "le",
        "lu",
    }
)
ARTICOLI = frozenset({"il", "la", "lo", "l"})
#: ambiguous names that, capitalised after an article, are still mostly things ("la Speranza", "il Sole").
COSE = frozenset(
    (
        "sole luna stella pace speranza fede gioia grazia valle villa porta riva rocca sala testa "
        "costa guerra fontana serra grande piccolo natale pasqua domenica sabato primo secondo ultimo"
        " settimo bianco rosso nero moro conte barone pastore orso lupo volpe leone gallo greco "
        "tedesco nella nello norma salma chioma anca bella libero vera santo giusto felice modesto "
        "patience peace"
    ).split()
)
#: elided words ("dell'", "l'", "un'", "sant'"): never a name
ELISI = frozenset(
    (
        "l d dell dall nell sull all coll un quell bell sant c m t s v n po mo sopr dev anch com dov quest tutt nessun"
    ).split()
)
SANTI = frozenset(("san santa santo sant s beato beata papa santissimo ss").split())
STRUTTURE = frozenset(
    (
        "ospedale policlinico clinica teatro parco giardino giardini stadio fondazione palazzo chiesa"
        " parrocchia biblioteca museo aeroporto stazione universita residenza rsa cra hospice circolo"
        " polisportiva palestra piscina cinema galleria villa centro premio festival cappella "
        "oratorio supermercato ditta cooperativa coop bar ristorante pizzeria negozio farmacia hotel "
        "albergo istituto associazione gruppo movimento partito progetto campo centri via viale "
        "piazza piazzale corso largo vicolo strada stradello borgo ponte viadotto torre monte lago "
        "fiume castello rocca tempio scala sindrome morbo teorema sonda telescopio processore processori "
        "linguaggio album canzone brano romanzo rivista quotidiano settimanale nave traghetto"
    ).split()
)
#: words after a name that make it a place, a building or a body ("Trump Tower", "Lord Buddha Foundation")
STRUTTURE_DOPO = frozenset(
    (
        "tower foundation university hotel street park hall center centre bridge square road avenue "
        "stadium airport station college school institute church group company bank international "
        "award prize festival records times post news occidentale orientale settentrionale meridionale"
    ).split()
)
ABBREVIAZIONI = frozenset(
    ("dott sig sigra prof avv ing dr geom rag arch on sen mr mrs ms st fra ssa ra gent egr spett").split()
)
ROMANO = re.compile(r"^[IVX]+$")
_PREPOSIZIONI = frozenset(
    "di del della dello dei degli delle dell da dal dalla dai dall a al alla ai all in nel nella nei nell "
    "su sul sulla con per tra fra il lo la i gli le l un una".split()
)
#: words after which an unknown capitalised word is a place, a body or a thing, hardly ever a person (on
#: the KIND dev split, 0 of 29 such words after "in")
PREPOSIZIONI_LUOGO = frozenset(
    (
        "a ad in verso presso su un una uno nel nella nello nei negli nelle sul sulla sullo sui sugli sulle "
        "nell sull dei degli delle dai dagli dalle ai agli alle"
    ).split()
)
# Not the singular "dalla", "alla", "della" nor "tra": in Emilia people put the article before a name ("sono
# andata dalla Nneka", "il marito della Lesya"), so an unknown word there may well be a person; a plural
# ("degli Asburgo", "dei Lincei") is never one person's name.


_PRIMA_DI_MINUSCOLO = frozenset(
    "il lo la l i gli le a ad da dal dalla al alla del della col con ciao ah eh per x".split()
)
#: a chat line: optional "[12/03, 08:14]", then a short speaker label and a colon
PARLANTE = re.compile(
    r"^[ \t]*(?:\[[^\]\n]{0,30}\][ \t]*)?(?:-[ \t]*)?"
    r"(?P<nome>[^\W\d_][^\W\d_'’.]*(?:[ \t][^\W\d_][^\W\d_'’.]*){0,2}?)"
    r"(?:[ \t]+\d[^\n:]{0,12})?[ \t]*:(?!\d)",
    re.MULTILINE,
)

#: articles and prepositions that start sentences: "La Spezia" is a particle, "La nonna" is not
ARTICOLI_INIZIO = frozenset(("la lo le li di da del della dei degli dal dalla lu al el dell d").split())

# token kinds
NOME, COGNOME, KIND, AMBIGUO, IGNOTO, PAROLA_COMUNE, NO, PARTICELLA = range(8)
_FORTI = (NOME, COGNOME, KIND)


@dataclass
class Parole:
    """The word tokens of a text with what the rules need per token."""

    testo: str
    inizi: list[int]
    fini: list[int]
    testi: list[str]
    norme: list[str]

    @classmethod
    def da_testo(cls, testo: str) -> Parole:
        trovate = list(PAROLA.finditer(testo))
        inizi = [m.start() for m in trovate]
        fini = [m.end() for m in trovate]
        testi = [m.group() for m in trovate]
        # normalise the whole text once when that keeps every offset (always, for Italian text)
        normale = testo.lower().translate(_SENZA_ACCENTI)
        if len(normale) == len(testo) and normale.isascii():
            norme = [normale[a:b] for a, b in zip(inizi, fini, strict=True)]
        else:
            norme = [normalizza(t) for t in testi]
        return cls(testo, inizi, fini, testi, norme)

    def __len__(self) -> int:
        return len(self.testi)

    def spazio_prima(self, i: int) -> str:
        return self.testo[self.fini[i - 1] if i > 0 else 0 : self.inizi[i]]


_FINE_FRASI_PRIMA = frozenset(f[-1] for f in FRASI_PRIMA)


def _santo(p: Parole, i: int) -> bool:
    """ "San", "Santa", "Sant'", "S." before a name: a saint (a church, a place), not a person.

    "Papa" is one only as a building's name ("ospedale Papa Giovanni", "al Papa Giovanni"); "Papa Pio IX"
    and "papa Francesco" are people.
    """
    n = p.norme[i]
    if n in ("s", "ss"):
        return p.testi[i][0] == "S" and p.testo.startswith(".", p.fini[i])
    if n == "papa":
        return i > 0 and (p.norme[i - 1] in STRUTTURE or p.norme[i - 1] in ("al", "all", "dal", "nel"))
    return n in SANTI


def _cammello(t: str) -> bool:
    return not t.isupper() and any(c.isupper() for c in t[1:]) and not t[1:].islower()


def _iniziale(p: Parole, i: int) -> bool:
    """Whether token ``i`` starts a sentence, a line or a quotation (capitals there prove nothing)."""
    if i == 0:
        return True
    spazio = p.spazio_prima(i)
    if "\n" in spazio:
        return True
    s = spazio.strip()
    if not s:
        return False
    if (
        "." in s
        and s.startswith(".")
        and (p.norme[i - 1] in ABBREVIAZIONI or (len(p.testi[i - 1]) == 1 and p.testi[i - 1].isupper()))
    ):
        return False
    return any(c in s for c in '.!?…:;•«“"—–*>')


def dopo_preposizione_di_luogo(p: Parole, i: int) -> bool:
    """Whether token ``i`` comes right after "a", "in", "su", "un", "dell'", "nella"... (see above)."""
    if i == 0 or p.norme[i - 1] not in PREPOSIZIONI_LUOGO:
        return False
    return p.spazio_prima(i) in (" ", "'", "’") and not _iniziale(p, i - 1)


#: "X di <word>": the word is a place ("l'aeroporto di Ginevra", "la diocesi di Albano"), even a first name
LUOGHI_DI = frozenset(
    (
        "aeroporto stazione porto provincia comune regione citta diocesi ospedale universita prefettura "
        "questura tribunale procura stadio quartiere frazione periferia sobborgo cantone contea battaglia"
    ).split()
)


def dopo_luogo_di(p: Parole, i: int) -> bool:
    """Whether token ``i`` follows "aeroporto di", "provincia di", "ospedale di"... (see above)."""
    return (
        i >= 2
        and p.norme[i - 1] == "di"
        and p.norme[i - 2] in LUOGHI_DI
        and p.spazio_prima(i) == " "
        and p.spazio_prima(i - 1) == " "
    )


def _stile(p: Parole, protetti: Sequence[str | None]) -> tuple[bool, bool]:
    """(all caps text, all lower-case text): such texts need the lists, capitals say nothing.

    Placeholders and allow-listed words ("[PERSONA_1]", "AUSL") do not count.
    """
    lettere = [t for t, prot in zip(p.testi, protetti, strict=True) if not t.isdigit() and prot is None]
    if len(lettere) < 8:
        return False, False
    maiuscole = sum(1 for t in lettere if t.isupper() and len(t) > 1)
    capitali = sum(1 for t in lettere if t[0].isupper())
    return maiuscole / len(lettere) > 0.6, capitali / len(lettere) < 0.01


def stile_chat(p: Parole) -> bool:
    """Whether most lines and sentences start in lower case (a chat, a message typed on a phone)."""
    inizi = [i for i in range(len(p)) if p.testi[i].isalpha() and _iniziale(p, i)]
    if len(inizi) < 3:
        return False
    minuscole = sum(1 for i in inizi if p.testi[i][0].islower())
    return minuscole / len(inizi) >= 0.5


class RegoleNomi:
    """Find person-name candidates in one text with the lists of a :class:`Lessico`."""

    def __init__(self, lessico: Lessico) -> None:
        self.lx = lessico
        self._noto_cache: dict[str, bool] = {}

    def _noto(self, bassa: str, norma: str | None = None) -> bool:
        """Whether a lower-case word is an ordinary (Italian or common English) word."""
        voc = self.lx.vocabolario
        return bassa in voc or (norma is not None and norma in voc)

    def tipo(self, p: Parole, i: int, iniziale: bool, maiuscolo: bool) -> tuple[int, float]:
        """Kind of token ``i`` and its score as a name on its own."""
        t = p.testi[i]
        n = p.norme[i]
        lx = self.lx
        if t.isdigit() or len(t) < 2 or n in lx.non_nomi or n in TITOLI or n in ELISI:
            return NO, 0.0
        if not t.isascii() and n != t.lower() and t.lower() not in lx.nomi_accentati and self._noto(t.lower()):
            return PAROLA_COMUNE, 0.0  # "Sarà" is not "Sara", "Papà" is not "Papa"
        if n in lx.nomi:
            if t.isupper() and not maiuscolo and n in lx.nomi_deboli:
                return NO, 0.0  # "IVA", "IBAN": acronyms that some list also has as a name
            return NOME, 0.8 if iniziale else 0.9
        if n in lx.cognomi:
            return COGNOME, 0.5 if iniziale else 0.8
        if n in lx.ambigui:
            return AMBIGUO, 0.0
        if _cammello(t) and not re.match(r"^(?:Mc|Mac|O|De|Di|Da|La|Le|Lo)[A-Z][a-z]+$", t):
            return NO, 0.0  # camel case: brands and glued words ("PlayStation", "RomagnaLocalità")
        forma = t if not t.isupper() else t.capitalize()
        quota, volte = lx.kind.get(forma, (0.0, 0))
        noto = self._noto(t.lower(), n)
        if quota >= 0.5:
            if not noto:
                return KIND, 0.75 if iniziale else 0.85
            if quota >= 0.8 and volte >= 3 and not iniziale:
                return KIND, 0.7
        if t.isupper() and not maiuscolo:
            return NO, 0.0  # an acronym in a normal text ("IT", "ACER")
        if noto or len(n) < 3:
            return PAROLA_COMUNE, 0.0
        return IGNOTO, 0.0 if iniziale else 0.45

    def _contesto(self, p: Parole, i: int) -> tuple[bool, bool]:
        """(strong cue, weak cue) right before token ``i`` (only spaces or a comma in between)."""
        if i == 0:
            return False, False
        spazio = p.spazio_prima(i)
        virgolette = spazio.strip() in ('"', "«", "“", "'") and p.norme[i - 1] in _CON_VIRGOLETTE
        if (spazio.strip(" ,\t") or "\n" in spazio) and not virgolette:
            if not (spazio.strip() in (".", ". ") and p.norme[i - 1] in ABBREVIAZIONI):
                return False, False
            if p.norme[i - 1] == "prof" and p.norme[i] in self.lx.comuni:
                return False, False  # "ai miei prof. Secondo me": the period ended the sentence
        prec = p.norme[i - 1]
        if (
            prec
            in (
                "grande",
                "piccolo",
                "piccola",
                "maggiore",
                "minore",
                "mezzano",
                "mezzana",
                "adorato",
                "adorata",
                "amato",
                "amata",
                "caro",
                "cara",
            )
            and i >= 2
            and p.norme[i - 2] in PARENTELA
            and p.spazio_prima(i - 1) == " "
        ):
            return True, False  # "la mia figlia grande Salma"
        if prec in ("ssa", "ra") and i >= 2 and p.norme[i - 2] in ("dott", "sig", "prof"):
            return True, False
        if (
            i >= 3
            and p.norme[i - 2] == "di"
            and p.norme[i - 3] in _TITOLI_MATERIA
            and spazio == " "
            and p.spazio_prima(i - 1) == " "
            and p.spazio_prima(i - 2) == " "
            and p.testi[i - 1].islower()
        ):
            return True, False  # "la prof di mate bertolini", "la maestra di inglese Rossi"
        if prec in _DEBOLI_AGGETTIVI and i >= 2 and p.norme[i - 2] in POSSESSIVI and p.spazio_prima(i - 1) == " ":
            return True, False  # "la mia vicina Ellen", "il nostro piccolo Yusuf"
        if prec in ("on", "sen") and "." not in spazio:
            return False, False  # "on." is "onorevole", "on Saturday" is English
        if prec in TITOLI or prec in RUOLI or prec in PARENTELA:
            return True, False
        if (
            prec in ("di", "del", "della", "dei")
            and i >= 2
            and p.spazio_prima(i - 1) == " "
            and p.norme[i - 2] in PARENTELA
        ):
            return False, True  # "la mamma di Chiara", "il marito della Gemma": a name, if it looks like one
        if prec in _FINE_FRASI_PRIMA:  # (a cue phrase ends with the word before: most words end none)
            for frase in FRASI_PRIMA:
                k = len(frase)
                if i >= k and tuple(p.norme[i - k : i]) == frase:
                    return True, False
        return False, prec in DEBOLI

    def trova(self, p: Parole, protetti: Sequence[str | None]) -> list[Candidato]:
        """Person candidates; ``protetti[i]`` is ``"luogo"``/``"istituzione"``/... for allow-listed tokens."""
        n = len(p)
        if n == 0:
            return []
        maiuscolo, minuscolo = _stile(p, protetti)
        chat = stile_chat(p)
        out: list[Candidato] = []
        i = 0
        while i < n:
            t = p.testi[i]
            prot = protetti[i]
            maiuscola = t[0].isupper() and not t.isdigit()
            if not maiuscola:
                norma = p.norme[i]
                if norma not in self.lx.nomi and norma not in self.lx.kind_minuscoli:
                    c = None
                    if minuscolo or chat:
                        c = self._ignoto_minuscolo(p, i, protetti) if minuscolo else None
                        c = c or self._nome_chat(p, i, protetti)
                    c = c or self._ignoto_dopo_contesto(p, i, protetti)
                    if c is not None:
                        out.append(c)
                    i += 1
                    continue
                c = self._minuscolo(p, i, minuscolo, protetti) or (self._nome_chat(p, i, protetti) if chat else None)
                if c is not None:
                    out.append(c)
                    i = self._indice_dopo(p, c.end, i)
                    continue
                i += 1
                continue
            if prot is not None and prot != "luogo":
                i += 1
                continue
            gruppo = self._gruppo(p, i, protetti, maiuscolo)
            if not gruppo:
                i += 1
                continue
            c = self._valuta(p, gruppo, protetti, maiuscolo)
            if c is not None:
                out.append(c)
            i = gruppo[-1][0] + 1
        return out

    @staticmethod
    def _indice_dopo(p: Parole, fine: int, i: int) -> int:
        while i < len(p) and p.inizi[i] < fine:
            i += 1
        return i

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
            if ((len(t) == 1 and t not in "SCVNPL") or (t == "P" and j + 1 < n and p.norme[j + 1] != "iva")) and (
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
            ):
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

    def _valuta(
        self, p: Parole, gruppo: list[tuple[int, int]], protetti: Sequence[str | None], maiuscolo: bool
    ) -> Candidato | None:
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
        santo_prima = i0 > 0 and protetti[i0 - 1] is None and _santo(p, i0 - 1)
        if i0 > 0 and (p.norme[i0 - 1] in STRUTTURE or santo_prima) and p.spazio_prima(i0) == " ":
            return None  # "Premio Oscar", "ponte Morandi", "San Giovanni"
        if any(p.norme[j] in STRUTTURE_DOPO for j, _ in gruppo) or (
            gruppo[-1][0] + 1 < len(p)
            and p.norme[gruppo[-1][0] + 1] in STRUTTURE_DOPO
            and p.spazio_prima(gruppo[-1][0] + 1) == " "
        ):
            return None  # "Trump Tower", "Lord Buddha Foundation"
        iniziale = _iniziale(p, i0)
        articolo = (
            i0 > 0
            and p.norme[i0 - 1] in ARTICOLI
            and p.spazio_prima(i0) in (" ", "'", "’")
            and not _iniziale(p, i0 - 1)
            and not iniziale
        )
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
        if not tenuti:
            return None
        tipi = [k for _, k in tenuti if k != PARTICELLA]
        if not tipi:
            return None
        primo = tenuti[0][0]
        maiuscole_tutte = all(p.testi[j].isupper() for j, _ in tenuti) and not maiuscolo
        if len(tipi) == 1:
            j_solo = next(j for j, k in tenuti if k != PARTICELLA)
            _, score = self.tipo(p, j_solo, iniziale and j_solo == primo, maiuscolo)
            tipo = tipi[0]
            if (
                tipo == COGNOME
                and len(tenuti) == 1
                and not forte
                and not debole
                and p.norme[j_solo] in self.lx.vocabolario_it
                and (dopo_preposizione_di_luogo(p, j_solo) or (articolo and p.norme[j_solo - 1] != "il"))
            ):
                return None  # "i Monti Sibillini", "la Battaglia di Stalingrado", "dei Boschi" (not "il Conti")
            if tipo == NOME and p.norme[j_solo] in self.lx.nomi_deboli and len(tenuti) == 1:
                # a name known only to the long generated lists, alone: as uncertain as an unknown word
                tipo, tipi = IGNOTO, [IGNOTO]
                score = 0.0 if iniziale else 0.45
            if tipo == COGNOME and len(tenuti) > 1:
                score = max(score, 0.8)  # "De Gasperi", "D'Angelo"
            if maiuscole_tutte and tipo not in (NOME, COGNOME, KIND):
                score = 0.0
            elif maiuscole_tutte:
                score = min(score, 0.6)
        else:
            forti = sum(1 for k in tipi if k in _FORTI)
            if forti >= 1 and (forti >= 2 or any(k in (IGNOTO, PAROLA_COMUNE, AMBIGUO) for k in tipi)):
                score = 0.95
            elif forti >= 1:
                score = 0.9
            elif IGNOTO in tipi and AMBIGUO in tipi:
                score = 0.6
            elif tipi.count(IGNOTO) >= 2 and not iniziale:
                score = 0.55
            else:
                score = 0.0
        fonte = "lista:nomi"
        if forte:
            if all(p.norme[j] in self.lx.non_nomi for j, _ in tenuti):
                return None
            score = max(score, 0.9 if any(k in _FORTI for k in tipi) else 0.8)
            fonte = "contesto:nomi"
        elif len(tipi) == 1 and tipi[0] == AMBIGUO:
            # "nella"/"nello" are prepositions only in lower case: "è stato Nello, che ha detto"
            cosa = p.norme[tenuti[0][0]] in COSE and not (p.norme[tenuti[0][0]] in ("nella", "nello") and not iniziale)
            if (articolo or debole) and not cosa:
                score, fonte = 0.7, "contesto:articolo"  # "il Franco", "la Bruna", "la mamma di Chiara"
            elif not iniziale and not cosa and not maiuscole_tutte:
                score = 0.6  # "Greta e Viola": capitalised in mid-sentence
            elif iniziale and not cosa and p.norme[tenuti[0][0]] in self.lx.ambigui_nomi and not maiuscole_tutte:
                score = 0.5  # "Bruno ha l'orto": a first name that is rarely a sentence's first word
            else:
                score = 0.0
        elif debole and score > 0 and not maiuscole_tutte:
            score = max(score, 0.6)
        if not forte and not debole and set(tipi) == {IGNOTO}:
            if dopo_preposizione_di_luogo(p, i0):
                return None  # "nata a Enugu", "dell'Avellinese", "del Piz Segnas": unknown words there are places
            if len(tipi) == 1 and self._coda_di_nome_proprio(p, i0, protetti):
                return None  # "Regina Coeli", "Piper Cherokee", "Ethiopian Airlines": the tail of a proper noun
        if not forte and dopo_luogo_di(p, i0):
            return None  # "l'aeroporto di Ginevra", "la provincia di Albano"
        if score <= 0:
            return None
        ultimo = tenuti[-1][0]
        return Candidato(p.inizi[primo], p.fini[ultimo], "PERSONA", score, fonte, forte=forte)

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

    def _ignoto_minuscolo(self, p: Parole, i: int, protetti: Sequence[str | None]) -> Candidato | None:
        """In a text written all in lower case (a chat), an unknown word after an article or "a", "da",
        "con", "ciao" is likely a name: "chiedi a chen", "la bellei", "ah ele". Unsure: it goes to review."""
        if i == 0 or protetti[i] is not None or not p.testi[i].isalpha() or len(p.norme[i]) < 3:
            return None
        if p.norme[i - 1] not in _PRIMA_DI_MINUSCOLO or p.spazio_prima(i) != " ":
            return None
        n = p.norme[i]
        if self._noto(p.testi[i], n) or n in self.lx.non_nomi or n in TITOLI or n in RUOLI or n in PARENTELA:
            return None
        return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.45, "lista:minuscolo")

    def _ignoto_dopo_contesto(self, p: Parole, i: int, protetti: Sequence[str | None]) -> Candidato | None:
        """An unknown lower-case word right after a title or a kinship word: "la prof di mate bertolini",
        "mio cugino ahmed"."""
        t = p.testi[i]
        n = p.norme[i]
        if i == 0 or protetti[i] is not None or not t.isalpha() or len(n) < 3 or not t.islower():
            return None
        if p.spazio_prima(i) != " " or n in ABBREVIAZIONI:
            return None  # "dott.ssa"
        if self._noto(t, n) or n in self.lx.non_nomi or n in TITOLI or n in RUOLI or n in PARENTELA or n in ELISI:
            return None
        if not self._contesto(p, i)[0]:
            return None
        return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.7, "contesto:minuscolo", forte=True)

    def _nome_chat(self, p: Parole, i: int, protetti: Sequence[str | None]) -> Candidato | None:
        """In a chat (lines starting in lower case), a first name that is also a word: after an article or
        "grazie"/"ciao" ("la mina", "dalla nella", "grazie sara"), after a kinship word ("mio figlio
        andrei"), or before "del"/"dello" + a service ("ce l'ha chiesto fede dello spazio giovani")."""
        t = p.testi[i]
        n = p.norme[i]
        lx = self.lx
        if i == 0 or protetti[i] is not None or not t.isalpha() or not t.islower() or len(n) < 3:
            return None
        if t != n or n in lx.non_nomi or not (n in lx.nomi or n in lx.ambigui_nomi):
            return None  # "sarà" is not "Sara"
        prec = p.norme[i - 1]
        if p.spazio_prima(i) != " ":
            return None
        articolo_e_preposizione = n in ("nella", "nello") and prec in _PRIMA_DI_NOME_CHAT  # "la nella del 1°"
        if (prec in _PRIMA_DI_NOME_CHAT or prec in PARENTELA) and (n not in COSE or articolo_e_preposizione):
            return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.55, "contesto:chat")
        if (
            i + 2 < len(p)
            and prec not in _PREPOSIZIONI
            and p.norme[i + 1] in _DEL
            and p.norme[i + 2] in _SERVIZI
            and p.spazio_prima(i + 1) == " "
        ):
            return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.55, "contesto:chat")
        return None

    def _coda_di_nome_proprio(self, p: Parole, i: int, protetti: Sequence[str | None]) -> bool:
        """Whether token ``i`` follows, after one space, a capitalised ordinary word that is no name of any
        list ("Central Park", "Regina Coeli"), rather than a first name ("Pio Tadesse") or a placeholder."""
        if i == 0 or p.spazio_prima(i) != " " or _iniziale(p, i - 1):
            return False
        t = p.testi[i - 1]
        if not t[0].isupper() or t.isupper() or p.norme[i - 1] in self.lx.nomi_tutti:
            return False
        prot = protetti[i - 1]
        if prot is not None:
            return not prot.startswith("segnaposto")
        return self.tipo(p, i - 1, False, False)[0] in (PAROLA_COMUNE, NO)

    def _minuscolo(self, p: Parole, i: int, minuscolo: bool, protetti: Sequence[str | None]) -> Candidato | None:
        """Lower-case names: after a strong cue ("mia figlia giulia") or an article ("la rina", "il gianni"),
        or any listed first name in a text written all in lower case."""
        norma = p.norme[i]
        lx = self.lx
        in_lista = norma in lx.nomi or lx.kind.get(p.testi[i].capitalize(), (0.0, 0))[0] >= 0.8
        if not in_lista or protetti[i] is not None or len(norma) < 3 or norma in lx.non_nomi:
            return None
        forte, _ = self._contesto(p, i)
        if norma in lx.comuni and not (forte and p.testi[i] == norma and norma in lx.nomi):
            return None  # a common word, unless a kinship word or a title comes first ("mio figlio andrei")
        if forte:
            fine = p.fini[i]
            if i + 1 < len(p) and p.spazio_prima(i + 1) == " " and p.norme[i + 1] in lx.cognomi:
                fine = p.fini[i + 1]
            return Candidato(p.inizi[i], fine, "PERSONA", 0.75, "contesto:minuscolo", forte=True)
        if (
            norma in lx.nomi
            and i > 0
            and p.norme[i - 1] in ("il", "la", "lo")
            and p.spazio_prima(i) == " "
            and not self._noto(p.testi[i].lower(), norma)
        ):
            return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.65, "contesto:articolo")
        if minuscolo and norma in lx.nomi and not self._noto(p.testi[i].lower(), norma):
            return Candidato(p.inizi[i], p.fini[i], "PERSONA", 0.6, "lista:minuscolo")
        return None

    def parlanti(self, p: Parole) -> list[Candidato]:
        """Speakers of a chat transcript ("robi: domani chi fa il giro", "[12/03, 08:14] Anto: ok").

        Only when at least two lines look like ``label: message`` and the label is a name or an unknown
        word; a label that is an ordinary word ("Sito:", "Autore:", "Nota:") is not a speaker.
        """
        testo = p.testo
        if testo.count(":") < 2:
            return []
        righe = list(PARLANTE.finditer(testo))
        if len(righe) < 2:
            return []
        out = []
        for m in righe:
            if m.group("nome").isupper():
                continue  # "OMC: il direttore...": a headline, not a speaker
            parole = list(PAROLA.finditer(testo, m.start("nome"), m.end("nome")))
            tenute: list[re.Match[str]] = []
            for k, w in enumerate(parole):
                norma = normalizza(w.group())
                if norma in TITOLI or norma in ABBREVIAZIONI:
                    tenute = []
                    continue
                nome = norma in self.lx.nomi or norma in self.lx.ambigui or norma in self.lx.cognomi
                ignoto = not self._noto(w.group().lower(), norma) and len(norma) >= 3
                if nome or ignoto or (k > 0 and len(norma) == 1 and tenute):
                    tenute.append(w)
                else:
                    break
            if tenute:
                out.append(Candidato(tenute[0].start(), tenute[-1].end(), "PERSONA", 0.75, "contesto:chat"))
        # a transcript: some speaker speaks at least twice
        etichette = [normalizza(testo[c.start : c.end]) for c in out]
        return out if len(etichette) > len(set(etichette)) else []

    def elenchi(self, p: Parole, persone: Sequence[Candidato], protetti: Sequence[str | None]) -> list[Candidato]:
        """A capitalised word listed next to a name is a name: "Nibali, Visconti, Pozzato", "Gina e Mick"."""
        if len(persone) < 1:
            return []
        fini = {c.end for c in persone if c.label == "PERSONA"}
        inizi = {c.start for c in persone if c.label == "PERSONA"}
        coperti = sorted((c.start, c.end) for c in persone)
        out = []
        for i, t in enumerate(p.testi):
            if not t[0].isupper() or t.isupper() or protetti[i] is not None or _iniziale(p, i):
                continue
            s = p.inizi[i]
            if any(a <= s < b for a, b in coperti):
                continue
            tipo = self.tipo(p, i, False, False)[0]
            if tipo == NO and _cammello(t):
                tipo = PAROLA_COMUNE  # "Warren Buffett, XXXTentacion, Floyd Mayweather": only between two names
            if tipo not in (PAROLA_COMUNE, AMBIGUO, IGNOTO, COGNOME, KIND, NOME):
                continue
            if self._coda_di_nome_proprio(p, i, protetti):
                continue  # the tail of a proper noun: "Central Park", "Free Software", "Progetto Lambrate"
            virgola_sx = i > 0 and p.spazio_prima(i) in (", ", " / ", "/") and p.fini[i - 1] in fini
            e_sx = i > 1 and p.norme[i - 1] in ("e", "ed") and p.spazio_prima(i) == " " and p.fini[i - 2] in fini
            virgola_dx = i + 1 < len(p) and p.spazio_prima(i + 1) in (", ", " / ", "/") and p.inizi[i + 1] in inizi
            e_dx = (
                i + 2 < len(p)
                and p.norme[i + 1] in ("e", "ed")
                and p.spazio_prima(i + 2) == " "
                and p.inizi[i + 2] in inizi
            )
            # a comma may be an apposition ("il presidente di Codacons, Carlo Rienzi"): an ordinary word
            # counts only between two names, or joined to one by "e"
            if tipo == PAROLA_COMUNE:
                ok = ((virgola_sx or e_sx) and (virgola_dx or e_dx)) or e_sx or e_dx
            else:
                ok = (
                    virgola_sx
                    or e_sx
                    or e_dx
                    or (virgola_dx and not (i > 0 and p.norme[i - 1] in _PREPOSIZIONI and p.spazio_prima(i) == " "))
                )
            if ok:
                out.append(Candidato(s, p.fini[i], "PERSONA", 0.6, "contesto:elenco"))
        return out

    def propaga(self, p: Parole, persone: Sequence[Candidato], protetti: Sequence[str | None]) -> list[Candidato]:
        """Every other occurrence in the story of a name already found (also "Rossi" after "Giulia Rossi")."""
        if not persone:
            return []
        forme: dict[str, bool] = {}  # norm -> may match lower case
        superfici: set[str] = set()  # the seeds as written, lower-cased ("sara" never matches "sarà")
        punteggi: dict[str, float] = {}
        coperti = []
        for c in persone:
            coperti.append((c.start, c.end))
            for m in PAROLA.finditer(p.testo, c.start, c.end):
                norma = normalizza(m.group())
                if (
                    len(norma) < 2
                    or norma in PARTICELLE_MAIUSC
                    or norma in TITOLI
                    or norma in self.lx.non_nomi
                    or norma in ELISI
                ):
                    continue
                ambiguo = norma in self.lx.ambigui or self._noto(norma)
                # a name the story itself writes in lower case ("sara: te la mando") is masked in lower case too
                minuscola = m.group()[0].islower() and c.score >= 0.55
                forme[norma] = forme.get(norma, False) or not ambiguo or minuscola
                superfici.add(m.group().lower())
                punteggi[norma] = max(punteggi.get(norma, 0.0), min(c.score, 0.85))
        if not forme:
            return []
        coperti.sort()
        out = []
        k = 0
        for i, norma in enumerate(p.norme):
            minuscolo_ok = forme.get(norma)
            if minuscolo_ok is None:
                continue
            s, e = p.inizi[i], p.fini[i]
            while k < len(coperti) and coperti[k][1] <= s:
                k += 1
            if k < len(coperti) and coperti[k][0] <= s < coperti[k][1]:
                continue
            t = p.testi[i]
            if not t[0].isupper() and (not minuscolo_ok or t.lower() not in superfici):
                continue
            if protetti[i] not in (None, "luogo"):
                continue
            if i > 0 and protetti[i - 1] is None and _santo(p, i - 1) and p.spazio_prima(i) in (" ", "'", "’", ". "):
                continue
            if i > 0 and p.norme[i - 1] in STRUTTURE and p.spazio_prima(i) == " " and t[0].isupper():
                continue  # "il ponte Morandi" after "Morandi" the engineer
            out.append(Candidato(s, e, "PERSONA", punteggi[norma], "propagazione", forte=True))
        return out
