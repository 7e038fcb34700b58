"""A rule backstop for the `safeguarding` label.

No public dataset labels safeguarding risk, so the model's safeguarding head learned from
a few hundred hand-written sentences and a narrow weak-supervision lexicon. On the replay
corpus it missed every one of the disclosures written into it (a pupil self-harming, a
child afraid to go home, a stranger offering lifts at the gate, a neglected child). A
missed disclosure is the costliest error this system can make and a false alarm costs a
safeguarding lead a minute, so phrases a safeguarding lead would always want to see raise
the score to at least `RULE_SCORE`, whatever the model says.

The patterns travel inside the artefact's config (written by training), so they are part
of the model version: stored scores say which rules produced them, and changing a rule
re-scores the warehouse. Patterns are grouped by the categories of the statutory guidance
(Keeping Children Safe in Education): self-harm, abuse at home, neglect, grooming and
exploitation, weapons and threats, sexual harm, forced marriage, FGM and radicalisation, a
missing child, plus the trust's own rule on staff contacting pupils and peer supply of
drugs. Where a harm's name is also the name of its topic ("sexual assault"), the pattern
needs the verb and a victim ("was sexually assaulted"), so talk about the topic stays out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache

import numpy as np

RULE_SCORE = 0.97

_WHO = r"(?:child|children|kid|kids|pupil|pupils|student|students|girl|girls|boy|boys|son|daughter)"
_CARER = (
    r"(?:dad|father|stepdad|step-dad|step dad|mum|mother|stepmum|step-mum|mom|parent|carer|"
    r"uncle|brother|boyfriend|girlfriend|partner)"
)
_VICTIM = (
    rf"(?:her|him|them|me|us|my (?:son|daughter|child|kid|friend|sister|brother)|a {_WHO}|"
    r"(?:a|one of the) year \d+s?)"
)

# C26 (issue 20): harms said in code. The served rules read the words a disclosure uses
# ("suicide", "nudes", "much older boyfriend"); pupils say the same harms in slang and
# emoji: "kys", "join the 41%" (a dog whistle urging a trans pupil to suicide), a pupil's
# name with an arrow to a grave, "sent pics to him and now everyone's got them", "she's 12
# and messaging year 11 lads". Each pattern needs its cue in a form with no everyday
# reading, or two cues together (lookaheads, one linear scan each). Adopted as C26; each
# closes its category in PATTERNS, in the order the C26 artefact was judged with.
_GRAVE = "(?:\U0001faa6|\u26b0\ufe0f?|\u2620\ufe0f?)"  # headstone, coffin, skull and bones
_ARROW = "(?:\u27a1\ufe0f?|->|\u2192)"
_DEATH_EMOJI = "(?:\U0001faa6|\u26b0|\u2620|\U0001f52b|\U0001f52a|\U0001faa2)"  # + gun knife knot
_PICS = r"(?:pics|pictures|photos|vids|videos|snaps|nudes)"
CODED_PATTERNS: dict[str, tuple[str, ...]] = {
    "urged_to_self_harm": (
        r"\b(?:kys|kill (?:ur|ya|yo|urself|yaself)\s?(?:self|selves)?|"
        r"unalive (?:ur|ya|your|yo)\s?sel(?:f|ves)|go (?:and )?hang (?:ur|ya|your)\s?self)\b",
        r"\b(?:join|joining|be|become) (?:the )?41 ?(?:%|percent)",
        r"\b(?:nobody|no one|noone|no1) (?:will|would|'?d|'?ll|is gonna|is going to|gonna) "
        r"(?:even )?(?:miss|care about) (?:you|u)\b",
        r"\b(?:nobody|no one|noone|no1) (?:would|will|'?d) care if (?:you|u) "
        r"(?:died|were dead|was dead|were gone|was gone|disappeared)\b",
        r"\bdo (?:us all|us|every ?one|every1|the world|the school|your family|ur family) "
        r"a favou?r\b.{0,30}\b(?:and )?(?:die|disappear|end it|jump|drop dead|kys)\b",
        rf"^(?=.*\bdo (?:us all|us|every ?one|every1|the world|the school) a favou?r\b)"
        rf"(?=.*{_DEATH_EMOJI})",
        # Someone (a flag, a pronoun, a form group), an arrow, a grave: not "me after maths".
        rf"(?:\U0001f3f3\ufe0f?\u200d(?:\u26a7|\U0001f308)\ufe0f?|"
        rf"\b(?:he|she|him|her|they|them|u|you|mate|lad|kid|\d{{1,2}}[a-z])\b)"
        rf"[^\n]{{0,25}}{_ARROW}\s*{_GRAVE}",
    ),
    "weapon_or_threat": ("(?:\U0001f922|\U0001f92e)\\s*(?:\U0001f52b|\U0001f52a)",),  # sick + gun
    "sexual_harm": (
        rf"\bsen[dt](?:s|ing)? (?:\w+ )?{_PICS}\b.{{0,60}}"
        r"\b(?:every ?one(?:'s|s| has) (?:got|seen)|every1s? (?:got|seen)|whole (?:school|year)|"
        r"going round|gone round|passed round|getting passed|leaked|exposed|screenshotted)\b",
        rf"\b(?:leaked|leaking|exposed|exposing|passed round|passing round|airdropp\w*|"
        rf"screenshott?\w*) (?:\w+ )?(?:her|his|their) {_PICS}\b",
        rf"\b(?:her|his|their) {_PICS}\b.{{0,30}}\b(?:leaked|got leaked|(?:are |is )?going round|"
        r"(?:getting |got |been )?passed round|all over (?:snap|insta|tiktok|the group ?chats?))\b",
        r"\b(?:asking|asked|keeps asking|kept asking|begging|pressuring|pressured) "
        rf"(?:her|him|them|me|girls|boys) (?:to send (?:him |them |me )?|for ){_PICS}\b",
    ),
    "grooming_or_exploitation": (
        r"^(?=.*\b(?:she|he|they)(?:'s| is| are|s)? (?:only |literally |just |barely )?"
        r"(?:1[0-4]|eleven|twelve|thirteen|fourteen)\b)"
        r"(?=.*\b(?:year 1[1-3]s?|yr 1[1-3]s?|sixth form\w*|older|grown|adults?|men|"
        r"(?:1[7-9]|[2-5]\d) ?(?:yo|year old|yr old|y/o))\b)"
        r"(?=.*\b(?:messag\w*|snapp\w*|on snap|dm\w*|talking to|texting|seeing|dating|"
        r"going out with|meet\w*|hanging (?:out|about|around) with|picks? (?:her|him) up|"
        r"lifts?|bought (?:her|him)|buys (?:her|him)|gifts?|presents?)\b)",
        r"\b(?:older|grown|adult|(?:1[8-9]|[2-5]\d) ?(?:yo|year old|yr old))\b.{0,40}"
        r"\b(?:buying|bought|buys|giving|gave|gives) (?:her|him|them) (?:gifts|presents|"
        r"phones?|a phone|trainers|money|credit|designer \w+)\b",
    ),
}


PATTERNS: dict[str, tuple[str, ...]] = {
    "self_harm": (
        r"\b(?:kill|killing|hurt|hurting|cut|cutting|harm|harming|starv\w*) "
        r"(?:my|her|him|them|your|him|our)\s?(?:self|selves)\b",
        r"\bsuicid\w*",
        r"\bself[- ]?harm\w*",
        r"\b(?:end|ending|ended) (?:it all|(?:my|her|his|their) (?:own )?life)\b",
        r"\bwant(?:s|ed|ing)? to die\b",
        r"\b(?:don'?t|doesn'?t|do not|does not) want to (?:live|be alive|be here any ?more)\b",
        r"\boverdos\w*",
        r"\b(?:cuts?|cutting|scars?|scratches) (?:on |into )?(?:her|his|their|my) "
        r"(?:arms?|wrists?|legs?|thighs?)\b",
        r"\bmaking (?:her|him|them|my)\s?(?:self|selves) sick\b",
        r"\b(?:eating disorder|anorexi\w*|bulimi\w*)\b",
        r"\b(?:hasn'?t|has not|haven'?t|have not) eaten (?:in|for) (?:days|\d+ days|a week)\b",
        r"\b(?:better off without me|no reason to (?:live|go on)|"
        r"wish(?:es|ed)? (?:i|she|he|they) (?:was|were) dead|"
        r"wish(?:es|ed)? (?:i|she|he|they) "
        r"(?:had never been|hadn'?t been|wasn'?t|weren'?t) born)\b",
    ),
    "abuse_at_home": (
        rf"\b{_CARER}s? (?:hits|beats|kicks|punches|slaps|hurts|burns|chokes|touches|touched|"
        r"hit|beat|kicked|punched|slapped|hurt|burnt|burned) (?:her|him|them|me)\b",
        r"\b(?:doesn'?t|does not|don'?t|do not|didn'?t|did not|won'?t|scared to|afraid to|"
        r"frightened to) (?:want to )?go home\b",
        r"\b(?:bruises|bruising|burn marks|marks) (?:on|all over|up and down) "
        r"(?:her|his|their)\b",
        r"\b(?:sexual(?:ly)? abus\w*|touched (?:her|him|them) inappropriately)\b",
        r"\bdomestic (?:abuse|violence)\b.{0,40}\b(?:at home|in (?:the|their|his|her|our) "
        r"(?:house|home)|between (?:his|her|their|my) parents)\b",
        r"\b(?:witness\w*|see(?:s|n|ing)?|living with|lives with) domestic (?:abuse|violence)\b",
        rf"\b(?:scared|afraid|frightened|terrified) of (?:her|his|their|my) {_CARER}\b",
        r"\bhit(?:s|ting)? (?:her|him|them|me) with (?:a|the|his|her) "
        r"(?:belt|stick|shoe|slipper|cable|wire|hanger)\b",
        rf"\b{_CARER}(?:'s|s)? (?:locks|locked|shuts|shut) (?:her|him|them|me) in\b",
        rf"\b{_CARER}(?:'s|s)? (?:is |was |are |were )?(?:always|constantly|often) "
        r"(?:drunk|high|off (?:his|her|their) face)\b",
        r"\bpassed out drunk\b",
        r"\b(?:kicked|thrown|threw) (?:her|him|them|me) out of (?:the house|home)\b",
        r"\b(?:sleeping rough|sofa ?surfing)\b",
    ),
    "neglect": (
        r"\bno food (?:at home|in the house)\b",
        r"\b(?:always|constantly|every day) (?:hungry|starving)\b",
        r"\bout on (?:his|her|their) own\b.{0,40}\b(?:night|late|dark)\b",
        r"\bleft (?:home )?(?:alone|on (?:his|her|their) own|by (?:him|her|them)sel(?:f|ves))\b"
        r".{0,40}\b(?:night|nights|days|weekend|late)\b",
    ),
    "grooming_or_exploitation": (
        rf"\bgroom(?:ed|ing|s)? (?:a |the |my |our |young |these )?{_WHO}\b",
        r"\bbeing groomed\b",
        rf"\b(?:man|men|woman|adult|stranger|someone|somebody|an account|a profile)\b.{{0,80}}"
        rf"\b(?:asking|asked|offering|offered|approach\w*|following|followed)\b.{{0,20}}{_WHO}\b",
        r"\bhanging (?:around|about|round) (?:the|outside the) (?:school )?gates?\b",
        r"\b(?:nudes|naked (?:pictures|photos|pics)|indecent (?:images|pictures|photos))\b",
        r"\b(?:county lines|running drugs|dealing drugs)\b",
        # Children used to carry for others ("paid to run packages across town").
        rf"^(?=.*\b(?:{_WHO}|year \d+s?|yr \d+s?|younger|kids)\b)"
        r"(?=.*\b(?:paid|forced|pressured|used|groomed)\b.{0,30}\bto "
        r"(?:run|carry|deliver|drop|hold|move)\b.{0,20}\b(?:packages|parcels|packets)\b)",
        *CODED_PATTERNS["grooming_or_exploitation"],
    ),
    "weapon_or_threat": (
        r"\b(?:knife|knives|blade|gun|machete)\b.{0,40}\bschool\b",
        r"\bschool\b.{0,40}\b(?:knife|knives|blade|gun|machete)\b",
        r"\b(?:going to|gonna|will|'ll) (?:stab|shoot|kill|murder) "
        r"(?:you|him|her|them|someone|everyone|a teacher|the teacher)\b",
        r"\b(?:shoot|blow) up (?:the|this|that|our|your) school\b",
        r"\b(?:a|the) bomb (?:in|at|under|near|outside) "
        r"(?:the |our |this |that |my |your )?school\b",
        r"\bbomb threats?\b.{0,40}\bschool\b|\bschool\b.{0,40}\bbomb threats?\b",
        r"\b(?:carry|carries|carrying|carried|brought|brings|bringing) (?:a |his |her |their )?"
        r"(?:knife|knives|blade|blades|machete)\b(?! to a gun)",
        *CODED_PATTERNS["weapon_or_threat"],
    ),
    # Sexual abuse and harassment, including between children and online (KCSIE's
    # child-on-child abuse): the verb with a victim, so talk about the topic does not match.
    "sexual_harm": (
        r"\b(?:was|been|got|being|were) (?:sexually (?:assaulted|abused|harassed|exploited)|"
        r"raped|groped|touched up|sextorted|upskirted)\b",
        rf"\b(?:sexually (?:assaulted|assaulting|harassed|harassing|exploited|exploiting)|"
        rf"raped|raping|groped|groping|touched up|touching up|sextort(?:ed|ing)) {_VICTIM}\b",
        r"\bupskirt(?:ed|ing)? (?:photos|pictures|pics|videos?|shots?)\b",
        r"\bblackmail\w* (?:her|him|them|me|my (?:son|daughter|child))\b",
        r"\b(?:threaten\w*|going) to (?:share|post|send|leak) (?:her|his|their|my) "
        r"(?:pics|pictures|photos|videos?)\b",
        r"\b(?:explicit|intimate) (?:images|pictures|photos|pics|videos?)\b",
        r"\b(?:1[89]|[2-5]\d) ?(?:year old|yr old|yo)\b.{0,30}\b(?:boyfriend|girlfriend)\b",
        r"\b(?:much|way|a lot) older (?:boyfriend|man|men|guy|lad)\b",
        *CODED_PATTERNS["sexual_harm"],
    ),
    # Harms KCSIE names that a school may be the first to hear of.
    "forced_marriage_fgm_or_radicalisation": (
        r"\b(?:forced (?:in)?to (?:marry|get married)|(?:being|be|get) married off)\b",
        r"\bhonou?r[- ]based (?:abuse|violence)\b",
        r"\b(?:fgm|female genital mutilation)\b",
        r"\b(?:being|been|getting|got|was) radicali[sz]ed\b",
        rf"\bradicali[sz]ing (?:{_WHO}|young people|him|her|them|my)\b",
        r"\b(?:being|been|getting|got) (?:recruited|groomed|pulled|drawn|dragged) "
        r"in ?to (?:a |the )?gangs?\b",
        r"\bgangs? (?:are |is )?(?:recruit|groom)(?:s|ing)\b",
    ),
    # The trust's policy forbids staff to follow, message or befriend pupils on personal
    # accounts, so a parent asking about it, or a pupil mentioning it, is a safeguarding
    # matter (issue 20). Each pattern needs a staff word, a contact verb, a personal channel
    # and a child, in any order (anchored lookaheads: one linear scan each).
    "staff_pupil_contact": (
        r"^(?!.*\bschool(?:'s)? (?:facebook|instagram|insta|page|account|tiktok|twitter)\b)"
        r"(?=.*\b(?:teachers?|sir|miss|mr|mrs|ms|coach|tutor|staff|tas?|teaching assistants?|"
        r"head ?teacher|deputy|senco|pe teacher|members? of staff|colleague|teaches)\b)"
        r"(?=.*\b(?:instagram|insta|ig|snapchat|snap|tiktok|facebook|fb|whatsapp|discord|xbox|"
        r"playstation|ps5|fortnite|roblox|gam(?:e|es|ing) online|voice notes?|streaks|"
        r"dm(?:s|ing|ed|'?d)?|"
        r"friend requests?|personal (?:account|number|phone|mobile|email)|private(?:ly)? "
        r"(?:account|messages?|message|chat)|secret|delete (?:the|their|his|her|our) messages|"
        r"not to tell|(?:don'?t|do not) tell (?:your|his|her|their|the others|anyone at home)|"
        r"wouldn'?t see|lifts? home|babysit\w*|selfies|bikini)\b)"
        rf"(?=.*\b(?:{_WHO}|year \d+s?|yr \d+s?|\d+ ?(?:yo|yr old|year old)|me|my|us|niece|"
        r"nephew)\b)",
    ),
    # Older pupils supplying drugs or vapes to younger ones, or using them to hold or carry
    # (issue 20): a supply or carry cue, a substance and a young person, in any order.
    "peer_supply": (
        r"^(?=.*\b(?:sell(?:s|ing)?|sold|b(?:ought|uy|uying)|flog(?:s|ged|ging)?|"
        r"deal(?:s|ing|er|ers)?\b(?! with)|push(?:es|ed|ing)|giving out|handing out|"
        r"passing (?:round|around)|supply(?:ing)?|offer(?:s|ed|ing)?|g[ia]ve|given|owes?|"
        r"stash\w*|hold(?:ing)? (?:their|his|her|a|the) (?:bag|weed|stuff|package|parcel)|"
        r"running a (?:vape|drug) (?:shop|business)))"
        r"(?=.*\b(?:vapes?|vaping|weed|drugs|pills|nitrous|nos|balloons|edibles|ket|coke|"
        r"cocaine|thc|spice|xans?|xanax|canisters?|spliffs?|mandy|mdma|bag)\b)"
        rf"(?=.*\b(?:{_WHO}|year \d+s?|yr \d+s?|\d+ ?(?:yo|yr old|year old)|younger|"
        r"little ones|sixth form\w*|primary|lads|toilets|playground|gates?)\b)",
    ),
    "missing_child": (
        rf"\b{_WHO}\b.{{0,40}}\b(?:missing since|gone missing|has(?:n'?t| not) come home|"
        r"ran away from home|run away from home)\b",
        r"\bmissing from home\b",
        r"\b(?:hasn'?t|has not|haven'?t|have not) been home (?:since|for)\b",
    ),
    # C26: a pupil urged to kill themselves, said the way pupils say it.
    "urged_to_self_harm": CODED_PATTERNS["urged_to_self_harm"],
}


# C27 (issue 20): more of the slang pupils and parents use for the harms C26's probe showed
# were still missed: pictures (an "expose" page aimed at pupils, "nudez" or "d pics" with a
# child or school in the post, someone filmed undressed and it went somewhere, pay-or-I-post),
# drug supply ("going country", "sent OT", a trap phone, "the plug" with a child or drug,
# THC carts, "shotting", running a line), oblique self-harm ("unalive", "don't want to wake
# up", "won't be here much longer", pro-ana slang, relapsing on "sh") and wishing a pupil
# dead ("neck yourself", "drink bleach", "hope you die"). Written from those kinds, not from
# any probe row. Refused (docs/classifier-experiments.md, C27: on the probe written to judge
# it, one more risk found and three more look-alikes flagged); kept so the candidate can be
# rebuilt, `artefact_rules(slang=True)`. No artefact serves them.
_YOUNG = (
    r"(?:year [7-9]s?|year 1[01]s?|yr [7-9]s?|yr 1[01]s?|kids|younger|little ones|children|"
    r"pupils|school ?kids|1[1-5] ?(?:yo|year olds?|yr olds?))"
)
SLANG_PATTERNS: dict[str, tuple[str, ...]] = {
    "sexual_harm": (
        # An "expose" account or page aimed at pupils, not at the dinners.
        r"^(?=.*\bexpos(?:e|ed|es|ing)\b.{0,20}\b(?:page|account|acc|insta|snap|group ?chat)s?\b)"
        r"(?=.*\b(?:girls|boys|her|him|them|year \d+s?|pupils|kids|nudes|bodies|body)\b)",
        # Slang for explicit pictures, with a child or a school in the post.
        rf"^(?=.*\b(?:nudez|noodz|n00dz|n00ds|nudies|d ?pics?|dick ?pics?)\b)"
        rf"(?=.*\b(?:{_YOUNG}|my (?:daughter|son|child)|year \d+|school|form|class)\b)",
        # Someone filmed or pictured undressed, and it went somewhere.
        r"^(?=.*\b(?:naked|topless|undressed|undressing|getting changed|in (?:her|his|their) "
        r"(?:underwear|bra|pants|boxers)|in the (?:shower|showers|changing rooms?))\b)"
        r"(?=.*\b(?:filmed|recorded|snapped|posted|sent|shared|leaked|airdropp\w*|"
        r"going round|passed round|screenshott?\w*)\b)",
        # Sextortion: money, or the pictures go out.
        r"\b(?:pay|send (?:me |him |her |them |us )?(?:money|£\d+|\d+ ?quid|cash))\b.{0,40}"
        r"\bor (?:i|ill|i'?ll|we|they|he|she)(?:'ll| will| are gonna| is gonna| gonna)? "
        r"(?:post|send|leak|share|expose)\b",
    ),
    "peer_supply": (
        r"\b(?:going|goes|went|gone|sent|sending|taken|taking) country\b",
        r"\b(?:sent|sending|taken|taking|going|gone|went) (?:ot|cunch)\b",
        r"\btrap (?:house|phone|line)s?\b",
        rf"^(?=.*\b(?:the|a|his|their|who'?s the|is the) plug\b)"
        rf"(?=.*\b(?:{_YOUNG}|weed|vapes?|carts|thc|pills|xans|pack|packs)\b)",
        r"\b(?:thc|weed|wax|dab|spice) (?:vapes?|carts?|pens?)\b",
        r"\bshott(?:ing|er|ers)\b",
        r"\b(?:running|runs|ran|working|works) (?:a|the|his|their) (?:line|trap)\b",
    ),
    "self_harm": (
        r"\bunaliv\w*\b",
        r"\b(?:don'?t|do not|dont) (?:want|wanna) to wake up\b",
        r"\b(?:wish (?:i|she|he) could|want(?:s)? to|wanna) (?:disappear|sleep) "
        r"(?:forever|and never wake up|for good)\b",
        r"\b(?:won'?t|wont|not gonna|not going to) be (?:here|around) (?:much longer|for long|"
        r"tomorrow|anymore|any more)\b",
        r"\bwhat'?s the point (?:in|of) (?:living|being alive|being here|going on)\b",
        r"\b(?:pro ?-?ana|pro ?-?mia|thinspo|meanspo|bonespo|ana coach|edtwt|ed twt)\b",
        r"\b(?:relaps\w*|\d+ (?:days|weeks|months) clean)\b.{0,30}\bsh\b|"
        r"\bsh (?:scars|cuts|marks)\b",
    ),
    "urged_to_self_harm": (
        r"\b(?:k\.y\.s|k y s|neck (?:ur|ya|your)\s?self|rope (?:ur|ya|your)\s?self|"
        r"end (?:ur|ya|your)\s?self|off (?:ur|ya|your)\s?self|drink (?:some )?bleach)\b",
        r"\bgo (?:and )?jump (?:off )?(?:a |the )?(?:bridge|cliff|roof|building)\b",
        r"\b(?:hope|hopes|hoping) (?:you|u|she|he|they) (?:die|dies|dying|get run over)\b",
    ),
}

# An educational mention of a topic is not a disclosure (issue 20): a PSHE lesson on suicide
# prevention, an assembly on county lines, a play about self-harm. A rule match inside such
# a frame is set aside unless the text also carries a cue that someone is at risk (first
# person, or someone said/told/wants/keeps ...), so "my son came home from the suicide
# prevention assembly and said he wants to die" is still raised.
EDUCATIONAL_FRAME: tuple[str, ...] = (
    r"\b(?:pshe|rse|pshce|assembl(?:y|ies)|lessons?|workshops?|sessions?|curriculum|"
    r"awareness|prevention|documentar(?:y|ies)|debate|revision|syllabus|module|"
    r"(?:a|the|our|this) (?:play|film|novel|book|talk|unit|topic|course|training))\b",
    r"\b(?:anti-bullying|mental health|safeguarding|e-?safety|online safety|wellbeing) "
    r"(?:week|day|month|team|lead|policy|training)\b",
    r"\bworld \w+ (?:prevention )?day\b",
)
DISCLOSURE_CUES: tuple[str, ...] = (
    r"\b(?:i|i'm|im|i've|ive|i'll|me|my|myself)\b",
    r"\b(?:he|she|they|son|daughter|child|kid|friend|pupil|boy|girl|brother|sister)\s+"
    r"(?:said|says|told|tells|keeps|kept|wants?|wanted|tried|is going|was going|has been)\b",
)


@lru_cache(maxsize=8)
def _compiled(items: tuple[tuple[str, tuple[str, ...]], ...]) -> dict[str, re.Pattern[str]]:
    return {category: _compile(patterns) for category, patterns in items}


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """Case-insensitive matching at half the cost: `_matches` lower-cases the text once and
    these run case-sensitively, unless a pattern spells a capital (none here does; an older
    artefact's might), which keeps IGNORECASE. Matching every post is on the classify
    path, and IGNORECASE doubled the rules' share of it."""
    joined = "|".join(f"(?:{p})" for p in patterns)
    if any(c.isupper() for c in re.sub(r"\\.", "", joined)):
        return re.compile(joined, re.IGNORECASE | re.DOTALL)
    return re.compile(joined, re.DOTALL)


def _matches(compiled: Mapping[str, re.Pattern[str]], text: str | None) -> Iterator[str]:
    """The categories whose rules match, lazily: `rule_hits` stops at the first."""
    text = text or ""
    lowered = text.lower()
    for category, rx in compiled.items():
        if rx.search(text if rx.flags & re.IGNORECASE else lowered):
            yield category


def _freeze(patterns: Mapping[str, Sequence[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((category, tuple(ps)) for category, ps in sorted(patterns.items()))


def categories_matched(text: str, patterns: Mapping[str, Sequence[str]] = PATTERNS) -> list[str]:
    """Which safeguarding categories a text's wording matches (for explaining an alert)."""
    return list(_matches(_compiled(_freeze(patterns)), text))


@lru_cache(maxsize=8)
def _one(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def educational_only(text: str, context: Mapping[str, Sequence[str]] | None = None) -> bool:
    """Is the text a lesson, assembly or campaign about a topic, with no one at risk in it?"""
    context = context or educational_context()
    text = text or ""
    frame = _one(tuple(context["frame"])).search(text)
    return bool(frame) and not _one(tuple(context["disclosure"])).search(text)


def rule_hits(
    texts: Sequence[str],
    patterns: Mapping[str, Sequence[str]] = PATTERNS,
    context: Mapping[str, Sequence[str]] | None = None,
) -> np.ndarray:
    """A boolean per text: does any safeguarding rule match it?

    With `context` (an artefact's `educational_context`), a match in a text that is only an
    educational mention of the topic does not count. Artefacts written before that existed
    carry no context and keep their rules exactly as they were.
    """
    compiled = _compiled(_freeze(patterns))
    hits = [next(_matches(compiled, text), None) is not None for text in texts]
    if context:
        hits = [
            hit and not educational_only(text, context)
            for hit, text in zip(hits, texts, strict=True)
        ]
    return np.array(hits, dtype=bool)


def educational_context() -> dict[str, list[str]]:
    return {"frame": list(EDUCATIONAL_FRAME), "disclosure": list(DISCLOSURE_CUES)}


def with_slang(patterns: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """`patterns` with C27's slang patterns closing their categories."""
    merged = {k: list(v) for k, v in patterns.items()}
    for category, extra in SLANG_PATTERNS.items():
        merged.setdefault(category, []).extend(extra)
    return merged


def artefact_rules(slang: bool = False) -> dict[str, object]:
    """The rules as stored in an artefact's config (training and retraining write this).

    With `slang`, C27's candidate: its slang patterns as well.
    """
    patterns = with_slang(PATTERNS) if slang else {k: list(v) for k, v in PATTERNS.items()}
    return {
        "score": RULE_SCORE,
        "patterns": patterns,
        "educational_context": educational_context(),
    }
