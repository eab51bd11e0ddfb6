"""What each page does, driven with AppTest: search, drill-down, review, typing in, users, coding, themes."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from archivio.cruscotto.coda_frasi import frase_in_revisione
from archivio.errori import ErroreCruscotto
from archivio.tabelle import Audit, Codice, Racconto, Utente
from archivio.tabelle_codifica import PianoFrase
from archivio.utenti import imposta_attivo
from pagine.registro import PAGINE
from tests.dashboard.conftest import Ambiente, accedi, nuova_app
from tests.dashboard.popola import PASSWORD

App = Callable[[str | None], AppTest]
FILE = {p.chiave: p.file for p in PAGINE}


def _vai(at: AppTest, chiave: str) -> AppTest:
    at.switch_page(FILE[chiave]).run()
    assert not at.exception, at.exception
    return at


def _html(at: AppTest) -> str:
    return "\n".join(str(getattr(h, "value", "")) for h in at.get("html"))


def _azioni(ambiente: Ambiente) -> list[str]:
    with ambiente.archivio.lettura() as s:
        return list(s.scalars(select(Audit.azione).order_by(Audit.id)))


def test_panoramica_con_filtri(app: App) -> None:
    at = app("anna")
    assert at.metric[0].value == "24"
    at.multiselect(key="f_associazioni").select("Genitori in Rete").run()
    assert not at.exception
    assert int(at.metric[0].value) < 24
    # the filter survives a page change (kept in the session)
    _vai(at, "esplora")
    assert at.multiselect(key="f_associazioni").value == ["Genitori in Rete"]


def test_esplora_ricerca_contesto_e_racconto_inerte(app: App, ambiente: Ambiente) -> None:
    at = _vai(app("anna"), "esplora")
    at.text_input(key="esplora_testo").input("\"centro diurno\"").run()
    assert not at.exception
    schede = at.tabs
    assert schede[0].label.startswith("Racconti (")
    trovati = int(schede[0].label.split("(")[1].rstrip(")"))
    assert 0 < trovati < 25
    kwic = at.dataframe[1].value
    assert set(kwic["parola"].str.lower()) == {"centro diurno"}
    # accents and prefixes: "perche" would find "perché"; "propon*" finds "propongo"
    at.text_input(key="esplora_testo").input("propon*").run()
    assert int(at.tabs[0].label.split("(")[1].rstrip(")")) >= 1
    # the story with markup and a formula renders as text
    codice = ambiente.dati.codici["Pericoloso"]
    at.text_input(key="esplora_testo").input("HYPERLINK").run()
    at.selectbox(key="esplora_aperto").select(codice).run()
    corpo = _html(at)
    testo = re.sub(r"<[^>]+>", "", corpo)  # the visible text, without our own highlighting tags
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in testo
    assert "<script" not in corpo
    assert "=HYPERLINK(&quot;http://esempio.invalid&quot;" in testo
    assert "<mark" in corpo and "[Proposta" in corpo  # coded sentences highlighted, codes written out


def test_esplora_esclusione_e_nessun_risultato(app: App) -> None:
    at = _vai(app("anna"), "esplora")
    at.text_input(key="esplora_testo").input("parolachenonesiste").run()
    assert "Nessun racconto corrisponde alla ricerca e ai filtri." in [i.value for i in at.info]


def test_associazioni_cella_e_citazioni(app: App) -> None:
    at = _vai(app("anna"), "associazioni")
    tabella = at.dataframe[0].value
    assert "associazione" in tabella.columns
    celle = tabella.drop(columns="associazione").astype(str)
    assert celle.apply(lambda c: c.str.contains("n < 5")).any().any()
    # a cell with enough stories: "(nessuna)" has 3 stories, the four associations 5 or more
    at.selectbox(key="cella_associazione").select("Caregiver Insieme").run()
    at.selectbox(key="cella_tema").select(at.selectbox(key="cella_tema").options[0]).run()
    assert not at.exception
    assert "Racconto R-" in _html(at)
    at.selectbox(key="cella_associazione").select("(nessuna)").run()
    assert any("meno di 5 racconti" in w.value for w in at.warning)


def test_associazioni_parole_distintive(app: App) -> None:
    at = _vai(app("anna"), "associazioni")
    gruppi = at.get("button_group")
    assert gruppi, "the view switch is missing"
    gruppi[0].set_value("Parole distintive").run()  # type: ignore[union-attr]
    assert not at.exception
    tabella = at.dataframe[-1].value
    assert list(tabella.columns) == ["associazione", "parola", "log-odds", "z", "conteggio"]
    assert set(tabella["associazione"]) >= {"Caregiver Insieme", "Genitori in Rete"}


def test_ansie_e_proposte(app: App) -> None:
    at = _vai(app("otto"), "ansie_proposte")
    assert [s.value for s in at.subheader][:1] == ["Codici per associazione o per tema"]
    at.radio[0].set_value("tema").run()
    assert not at.exception
    tabella = at.table[0].value  # the chart's table alternative: a real HTML table
    # st.table renders Markdown: its texts are escaped (pagine.visualizza.tabella_sicura)
    assert {re.sub(r"\\(.)", r"\1", i) for i in tabella.index} == {"1. spesa, vicini, rete", "2. paura, sola, padre"}
    assert {"Codice", "Quota dei racconti", "racconti", "soppressa"} <= set(tabella.columns)
    frasi = at.dataframe[-1].value
    assert len(frasi) > 0 and set(frasi.columns) >= {"racconto", "associazione", "tema", "frase", "area"}
    assert frasi["area"].str.startswith(("1.", "4.")).all()


def test_temi_rinomina(app: App, ambiente: Ambiente) -> None:
    at = _vai(app("anna"), "temi")
    campi = [t for t in at.text_input if t.key and t.key.startswith("etichetta_")]
    assert len(campi) == 2
    campi[0].input("La spesa dei vicini")
    next(b for b in at.button if b.label == "Salva le etichette").click()
    at.run()
    assert not at.exception
    from archivio import temi as archivio_temi

    with ambiente.archivio.lettura() as s:
        etichette = [t["etichetta"] for t in archivio_temi.temi_attivi(s)]
    assert "La spesa dei vicini" in etichette
    assert "tema_rinominato" in _azioni(ambiente)


def test_temi_operatore_non_rinomina(app: App) -> None:
    at = _vai(app("otto"), "temi")
    assert not [t for t in at.text_input if t.key and t.key.startswith("etichetta_")]


def test_codifica_correzione_e_area(app: App, ambiente: Ambiente) -> None:
    at = _vai(app("anna"), "codifica")
    at.selectbox[0].select("proposte").run()
    assert not at.exception
    chiave = next(k for k in (s.key for s in at.selectbox) if k and k.startswith("area_"))
    area = at.selectbox(key=chiave)
    assert area.value in ("1", "4")
    frase_id = int(chiave.split("_")[1])
    area.select("2").run()
    at.checkbox(key=f"cod_{frase_id}_ansia").check().run()
    next(b for b in at.button if b.label == "Salva e passa alla successiva").click().run()
    assert not at.exception
    with ambiente.archivio.lettura() as s:
        decisioni = dict(s.execute(select(Codice.codice, Codice.valore)
                                   .where(Codice.frase_id == frase_id, Codice.fonte == "umano")).all())
        aree = list(s.execute(select(PianoFrase.area, PianoFrase.autore)
                              .where(PianoFrase.frase_id == frase_id, PianoFrase.fonte == "umano")))
    assert decisioni["ansia"] is True and decisioni["proposta"] is True
    assert decisioni["vita_quotidiana"] is False
    assert aree == [("2", "anna")]
    assert "codifica.correggi" in _azioni(ambiente) and "piano.correggi" in _azioni(ambiente)
    # the person's decision now holds over the model's
    with ambiente.archivio.lettura() as s:
        assert "ansia" in frase_in_revisione(s, frase_id, "anna").effettivi  # type: ignore[union-attr]


def test_revisione_togli_aggiungi_approva(app: App, ambiente: Ambiente) -> None:
    at = _vai(app("ada"), "revisione")
    assert "Graziella Pincelli" in _html(at)  # the original, for the administrator only
    assert "grezzo_letto" in _azioni(ambiente)
    campi = at.dataframe[-1].value  # the raw and anonymised title beside each other
    assert campi.to_dict("records") == [{"campo": "Titolo", "originale": "Trattenuto", "anonimizzato": "Trattenuto"}]
    togli = at.multiselect[0]
    indirizzo = next(i for i, o in enumerate(togli.options) if "via Roma" in o)
    togli.set_value([indirizzo]).run()
    next(b for b in at.button if b.label == "Togli i segnaposti scelti").click().run()
    at.text_input[0].input("casa")
    at.selectbox[1].select("LUOGO")
    next(b for b in at.button if b.label == "Aggiungi").click().run()
    assert not at.exception
    next(b for b in at.button if b.label == "Approva e pubblica").click().run()
    assert not at.exception
    assert any("approvato" in s.value for s in at.success)
    with ambiente.archivio.lettura() as s:
        r = s.get(Racconto, ambiente.dati.in_revisione)
        assert r is not None and r.visibile and r.stato_anon == "approvato"
        assert r.testo_anon == ("Mi chiamo [PERSONA_1] e abito in via Roma 3. Avevo paura di uscire di "
                                "[LUOGO_1] "
                                "da sola.")
    assert "anonimizzazione_approvata" in _azioni(ambiente)
    assert "Nessun racconto in attesa di revisione." in [s.value for s in at.success]


def test_il_testo_originale_resta_nella_pagina_di_revisione(app: App) -> None:
    at = _vai(app("ada"), "revisione")
    assert "Graziella Pincelli" in str(at.session_state["revisione"]["dettaglio"].grezzo)
    _vai(at, "panoramica")
    assert "revisione" not in at.session_state


def test_inserisci_racconto_cartaceo(app: App, ambiente: Ambiente) -> None:
    at = _vai(app("otto"), "inserisci")
    at.text_area[0].input("Troppo breve")
    next(b for b in at.button if b.label == "Registra il racconto").click().run()
    assert any("troppo breve" in e.value for e in at.error)
    testo = "Durante il lockdown ho cucito mascherine per tutto il condominio e per la parrocchia."
    at.text_area[0].input(testo)
    at.selectbox[0].select("Caregiver Insieme")
    at.checkbox[0].check()
    next(b for b in at.button if b.label == "Registra il racconto").click().run()
    assert not at.exception
    assert any("Racconto registrato" in s.value for s in at.success)
    assert at.code[0].value  # the receipt code for the narrator
    with ambiente.archivio.lettura() as s:
        r = s.scalar(select(Racconto).where(Racconto.canale == "operatore"))
        assert r is not None and r.testo_anon is None and not r.visibile  # waits for anonymisation
    assert "racconto_inserito" in _azioni(ambiente)


def test_utenti_aggiungi_disattiva_reimposta(app: App, ambiente: Ambiente) -> None:
    di_otto = app("otto")  # otto's open session (another browser): ends with the password reset
    at = _vai(app("ada"), "utenti")
    at.text_input[0].input("bruno")
    at.selectbox[0].select("operatore")
    at.text_input[1].input("password-di-bruno")
    at.text_input[2].input("password-di-bruno")
    next(b for b in at.button if b.label == "Aggiungi utente").click().run()
    assert any("bruno aggiunto" in s.value for s in at.success)
    at.selectbox(key="utenti_scelto").select("anna").run()
    next(b for b in at.button if b.label == "Disattiva").click().run()
    assert any("anna disattivato" in s.value for s in at.success)
    at.selectbox(key="utenti_scelto").select("otto").run()
    campi = [t for t in at.text_input if t.label in ("Nuova password", "Ripeti la nuova password")]
    campi[0].input("nuova-password-otto")
    campi[1].input("nuova-password-otto")
    next(b for b in at.button if b.label == "Reimposta la password").click().run()
    assert any("reimpostata" in s.value for s in at.success)
    assert [t.value for t in di_otto.run().title] == ["Narrazioni"]
    with ambiente.archivio.lettura() as s:
        assert s.scalar(select(Utente.attivo).where(Utente.nome_utente == "anna")) is False
        assert s.scalar(select(func.count()).where(Utente.nome_utente == "bruno")) == 1
    assert {"utente_aggiunto", "utente_disattivato", "password_reimpostata"} <= set(_azioni(ambiente))
    assert accedi(nuova_app(), "otto", "nuova-password-otto").title[0].value == "Panoramica"
    assert accedi(nuova_app(), "anna").title[0].value == "Narrazioni"  # deactivated: no entry


def test_utente_disattivato_perde_la_sessione(app: App, ambiente: Ambiente) -> None:
    at = app("anna")
    with ambiente.archivio.transazione() as s:
        imposta_attivo(s, "anna", False, chi="ada")
    at.run()
    assert [t.value for t in at.title] == ["Narrazioni"]


def test_ultimo_amministratore(ambiente: Ambiente) -> None:
    with ambiente.archivio.transazione() as s:
        try:
            imposta_attivo(s, "ada", False, chi="ada")
        except ErroreCruscotto as e:
            assert "ultimo amministratore" in str(e)
        else:
            raise AssertionError("the last administrator was deactivated")


def test_troppi_tentativi(ambiente: Ambiente) -> None:
    for _ in range(5):
        accedi(nuova_app(), "anna", "sbagliata")
    at = accedi(nuova_app(), "anna", PASSWORD)
    assert any("troppi tentativi" in e.value for e in at.error)
    assert [t.value for t in at.title] == ["Narrazioni"]


def test_esci(app: App, ambiente: Ambiente) -> None:
    at = app("anna")
    next(b for b in at.button if b.label == "Esci").click().run()
    assert [t.value for t in at.title] == ["Narrazioni"]
    assert "logout" in _azioni(ambiente)


def test_sessione_scade_per_inattivita(app: App) -> None:
    at = app("anna")
    at.session_state["utente"] = {**at.session_state["utente"], "ultima_attivita": time.time() - 3 * 3600}
    at.run()
    assert [t.value for t in at.title] == ["Narrazioni"]
    assert any("scaduta" in i.value for i in at.info)


def test_esporta_conta_ogni_racconto_una_volta(app: App, ambiente: Ambiente) -> None:
    at = _vai(app("otto"), "esporta")
    titolo = next(s.value for s in at.subheader if "citazioni da" in s.value)
    citazioni, racconti = map(int, re.findall(r"\d+", titolo)[:2])
    anteprima = at.dataframe[1].value  # the quotes themselves (first 200)
    assert citazioni == len(anteprima) and racconti == anteprima["Racconto"].nunique()


IMMAGINE = "![t](http://attacker.example/t.png)"
LINK = "[clicca](http://attacker.example/x) www.attacker.example posta@attacker.example <http://attacker.example>"


def _markdown_mostrato(at: AppTest) -> list[str]:
    """The Markdown source of every element Streamlit renders as Markdown (texts, captions, labels)."""
    corpi = []
    for tipo in ("markdown", "caption", "subheader", "header", "title", "info", "warning", "success", "error"):
        corpi += [str(getattr(e, "value", "")) for e in at.get(tipo)]
    for tipo in ("selectbox", "multiselect", "text_input", "checkbox", "radio", "expander", "tab"):
        corpi += [str(getattr(e, "label", "")) for e in at.get(tipo)]
    return corpi


def _renderizza(markdown: str) -> str:
    """CommonMark + GFM tables/strikethrough, as Streamlit's react-markdown renders them."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


def _storia_maligna(ambiente: Ambiente) -> str:
    """A visible story whose title, zone and other association carry Markdown (as a citizen could send)."""
    from sqlalchemy import update

    codice = ambiente.dati.codici["Racconto 2"]
    with ambiente.archivio.transazione() as s:
        s.execute(update(Racconto).where(Racconto.codice == codice).values(
            titolo=IMMAGINE, quartiere=LINK, associazione_id=None, associazione_altra=f"Circolo {IMMAGINE}"))
    return codice


def test_markdown_dei_racconti_non_si_interpreta(app: App, ambiente: Ambiente) -> None:
    """A title ``![t](http://...)`` loads no image and a link in the zone is not clickable, in every page."""
    codice = _storia_maligna(ambiente)
    at = _vai(app("anna"), "esplora")
    at.selectbox(key="esplora_aperto").select(codice).run()
    assert not at.exception
    corpi = _markdown_mostrato(at)
    assert any("attacker" in c for c in corpi), "the title and zone should be shown (as text)"
    for corpo in corpi:
        html = _renderizza(corpo)
        assert "<img" not in html and "<a " not in html, corpo
        assert "http://attacker" not in corpo and "www.attacker" not in corpo  # no GFM autolink either
    titolo = next(e.value for e in at.subheader if "attacker" in e.value)
    assert re.sub(r"<[^>]+>", "", _renderizza(titolo)).strip() == IMMAGINE  # shown exactly as typed
    # the other pages that show associations and story-derived words
    for pagina in ("panoramica", "associazioni", "codifica", "temi", "ansie_proposte"):
        at = _vai(at, pagina)
        for corpo in _markdown_mostrato(at):
            html = _renderizza(corpo)
            assert "<img" not in html and "<a " not in html, (pagina, corpo)
    for tabella in at.get("table"):
        assert "attacker.example/t.png)" not in str(tabella.value)


def test_md_sicuro() -> None:
    from pagine.visualizza import md_sicuro

    for pericoloso in (IMMAGINE, LINK, "**grassetto** `codice` # titolo\n\n- elenco", ":red[rosso] $x^2$",
                       "<img src=x onerror=alert(1)>", "a | b\n---|---\n1 | 2"):
        html = _renderizza(md_sicuro(pericoloso))
        assert "<img" not in html and "<a " not in html and "<strong" not in html and "<code" not in html
        assert "<h1" not in html and "<li" not in html and "<table" not in html
        assert re.sub(r"<[^>]+>", "", html).strip() == " ".join(pericoloso.split()).replace(
            "<", "&lt;").replace(">", "&gt;")
