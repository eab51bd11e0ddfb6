"""The words of a text as the name rules see them: cue lists (titles, kinship, particles, places...), the
token kinds, :class:`Parole` (the word tokens of one text) and the small predicates on one token
(sentence start, saint, camel case, after a place preposition) and on the whole text (style, chat)."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field

from analisi.anonimizzazione.risorse import _SENZA_ACCENTI, PAROLA, normalizza

TITOLI = frozenset(
    (
        "dottor dottore dottoressa dott dr dssa prof professor professore professoressa maestro "
        "maestra signor signore signora sig sigra sigg avv avvocato avvocatessa ing ingegner "
        "ingegnere geom rag arch architetto don suor suora frate mister miss mr mrs ms assessore "
        "assessora presidente direttore direttrice coordinatore coordinatrice educatore educatrice "
        "infermiere infermiera operatore operatrice volontario volontaria badante collega parroco "
        "onorevole signorina signorino dottorino pediatra psicologo psicologa assistente tata "
        "babysitter prete commendator commendatore comm cav cavalier"
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
#: plural roles before names ("gli onorevoli Pinto e Corvisieri"): a cue for a capitalised word only, since
#: an adjective follows them as often ("i deputati socialisti")
RUOLI_PLURALI = frozenset("onorevoli senatori deputati ministri colleghi".split())
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
        "linguaggio album canzone brano romanzo rivista quotidiano settimanale nave traghetto conservatorio accademia"
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
    # computed once per text on first use (the rules ask the same questions of every token many times)
    _iniziali: list[bool] | None = field(default=None, init=False, repr=False, compare=False)
    _chat: bool | None = field(default=None, init=False, repr=False, compare=False)

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

    def indici(self, start: int, end: int) -> range:
        """The tokens that overlap the characters ``start:end``."""
        primo = bisect_left(self.fini, start + 1)
        return range(primo, max(primo, bisect_left(self.inizi, end)))


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
    iniziali = p._iniziali
    if i < 0:
        return _calcola_iniziale(p, i)  # never asked today; kept exact for any index
    if iniziali is None:
        iniziali = p._iniziali = [_calcola_iniziale(p, k) for k in range(len(p))]
    return iniziali[i]


def _calcola_iniziale(p: Parole, i: int) -> bool:
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
    if p._chat is None:
        p._chat = _calcola_stile_chat(p)
    return p._chat


def _calcola_stile_chat(p: Parole) -> bool:
    # a quotation or a colon goes on in lower case in any prose ("ha detto: «non si occupa...»"); only the
    # starts of lines and sentences tell a chat
    inizi = [
        i
        for i in range(len(p))
        if p.testi[i].isalpha() and _iniziale(p, i) and (i == 0 or not any(c in p.spazio_prima(i) for c in '«“":'))
    ]
    if len(inizi) < 3:
        return False
    minuscole = sum(1 for i in inizi if p.testi[i][0].islower())
    return minuscole / len(inizi) >= 0.5
