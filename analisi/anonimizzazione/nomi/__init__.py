"""Person names from lists and context: "Giulia Rossi", "il dottor Bianchi", "mia figlia giulia".

Each word token gets a kind from the lists (first name, surname, KIND name, ambiguous name, ordinary word,
unknown word); runs of capitalised tokens become name spans; context words (titles, kinship, "mi chiamo")
make a span certain and let ordinary or lower-case words in. Words that are ordinary Italian words
(simplemma's dictionary) are never names without support, and a capitalised word at the start of a
sentence needs more evidence than one in the middle.

In reading order: :mod:`.parole` (cue lists, token kinds, the tokens of a text), :mod:`.indizi` (a token's
kind and the cue before it), :mod:`.gruppi` (capitalised runs and their score), :mod:`.minuscoli`
(lower-case names, chat speakers), :mod:`.regole` (:class:`RegoleNomi`: the whole text, lists of names,
propagation). Import from the module that defines a name.
"""
