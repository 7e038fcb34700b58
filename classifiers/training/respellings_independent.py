"""An independent held-out list of slang respellings of the robustness insults.

Written without seeing the normaliser's table, so measuring how the classifier copes with
respelled insults stays out-of-sample: nothing here was chosen to match what it undoes.
"""

from __future__ import annotations

# Word from `robustness.INSULTS` -> respellings seen online (letters only, one token, same
# sound or a common slang spelling; none repeats a value of `robustness.RESPELLINGS`).
RESPELLINGS_INDEPENDENT: dict[str, tuple[str, ...]] = {
    "bitch": ("bish", "biotch", "bytch"),
    "cunt": ("cnt", "cvnt"),
    "dyke": ("dike", "dyk"),
    "fag": ("fagg", "phag"),
    "faggot": ("faggit", "fagot", "phaggot"),
    "fuck": ("fck", "phuck", "fook"),
    "gyppo": ("gippo", "gypo"),
    "nigga": ("niqqa", "nigguh", "nicca"),
    "nigger": ("niqqer", "niggur"),
    "paki": ("pakki", "packi"),
    "pikey": ("piky", "pikie"),
    "retard": ("rtard", "reetard"),
    "shit": ("sht", "shite", "shiet"),
    "slag": ("slagg",),
    "slut": ("slutt", "slt"),
    "spastic": ("spastik", "spaztic"),
    "tranny": ("trannie", "trany"),
    "twat": ("twatt", "twaat"),
    "whore": ("hoar", "whor", "hoor"),
    "wog": ("wogg",),
    "bitches": ("bishes", "biotches", "bytches"),
    "fucking": ("fuckin", "fukin", "fookin"),
    "hoe": ("ho",),
    "hoes": ("hos", "hoez"),
    "skank": ("scank",),
    "bastard": ("basterd", "bastad", "bstrd"),
    "dick": ("dic", "dck"),
    "prick": ("prik", "prck"),
    "idiot": ("idjit", "eejit", "idiat"),
    "stupid": ("stupit", "stoopit", "stpd"),
    "ugly": ("ugli", "uglee"),
    "dumb": ("dum",),
}
