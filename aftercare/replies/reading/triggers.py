"""ConText-style triggers (data): negation, hypotheticals, other people, resolution, ends.

Labels:
  neg          negation before the concept ("no", "not", "without", "denies", "sin")
               tag `det` for determiners ("no swelling"), whose scope a bare verb ends
  neg_post     negation after it ("swelling? no", "pain free", "was negative")
  resolved     the symptom has stopped, before it ("no longer", "stopped", "ya no")
  resolved_post  after it ("bruise gone", "went away", "resolved")
  hypo         a possibility, not a report ("what if", "should I worry if", "en caso de")
  other        someone else ("my mom had", "mi esposo tiene")
  possible     uncertainty that is not negation in the NegEx convention ("rule out")
  pseudo       looks like a trigger but is not ("not sure", "no change", "won't stop")
  term         ends any scope ("but", "just", "although", "pero", "solo")
Clinical-note triggers (NegEx/ConText usage) sit beside patient wording: one list serves
replies and the negation benchmark.
"""

from __future__ import annotations

_TRIGGERS: dict[str, list[str | tuple[str, str]]] = {
    "pseudo": [
        "no (doubt|matter|idea|wonder|way|rush|hurry|biggie|big deal|clue)",
        "not (sure|certain|know|only|just|necessarily|that i know|too sure|convinced)",
        "do not know (if|whether|what)", "(no|not) (change|changes|increase|increased)",
        "no (significant|interval|definite|suspicious) (change|changes|increase)",
        "not (worse|any worse|getting worse|worsening|spreading|any bigger|bigger|growing)",
        "no (worse|bigger)", "not (as|so|that|too|very|super|overly) (bad|much|painful|"
        "swollen|sore|big|noticeable|severe)",
        "not (bad|terrible|awful|horrible)", "not (great|good|well|better|improving|improved)",
        "no (better|improvement)",
        "not (going|gone|coming|come|went) (down|away)", "not (getting|any) better",
        "not (stop|stopping|stopped|stoping)",
        "[has|have|is|s|are|was] (going|coming|goes) down",
        "(will|can|does|did|would|is) not (stop|end)",
        "not (walk|stand|sleep|put weight|bear weight|move|wear|drive|work|bend)",
        "not (help|helping|helped|working|work)", "not (cause|extend|drain|appear to have)",
        "gram negative", "without (difficulty|incident|complication|complications|contrast|change)",
        "with and without", "not been (able|seen by)", "no (further|other) (questions)",
        "not a lot of", "no pain no gain",
        "no (sabia|estoy segura|estoy seguro) [si]",
        "no se (si|que|como|porque|por que|cual|donde|cuando|$)",
        "no (puedo|podia|pude) (caminar|dormir|apoyar|moverme|mover|pararme|estar de pie)",
        "no (para|paraba|deja) de",
        "no (mejora|baja|se quita|se va|desaparece)", "no (solo|tan|muy)",
        "never (mind|better)", "not been (formally|visualized)",
        # intensifiers and asides that are not negations of what follows
        "never (felt|been|had|seen|experienced|known) (so|this|such|anything like|like this|as|"
        "that|worse)", "nothing (helps|helped|is helping|works|worked|is working|seems to|will|"
        "relieves|eases|touches|takes away)", "(no|not any) (relief|help) (from|for|with)",
        "without (warning|reason|any reason|explanation|notice|doing anything|trying|"
        "any warning)", "nada (ayuda|me ayuda|sirve|me sirve|me quita|quita|calma|me calma)",
        "(not|no longer) able to", "sin (razon|motivo|aviso|explicacion)",
        "not (exclude|excluded|be excluded|ruled out)",
        "not (obtainable|entered|available|applicable|done|performed|submitted|changed|"
        "obtained|assessed|tested|measured)", "(has|have|had) not changed",
    ],
    "possible": [
        "(rule out|r/o|ro|to exclude|evaluate for|evaluation for|versus|vs|question of|"
        "concern for|concerning for|suspicious for|suspect|suspected|possible|possibly|"
        "probable|probably|likely|may be|might be|cannot exclude|can not exclude|"
        "could be|differential)",
        "(can not|could not|cannot) be (excluded|ruled out)",
    ],
    "hist": [
        # long ago, not now ("I had a clot 10 years ago"); red flags are read as present anyway
        ("((years|year|yrs|decades) (ago|back)|last year|as a (kid|child|teenager|teen)|"
         "when i was (younger|a kid|young|a child|a teenager)|history of|hx of|"
         "hace (anos|un ano|muchos anos|unos anos|varios anos)|el ano pasado|de (joven|nina|nino))",
         "bidir"),
    ],
    "resolved": [
        "no (longer|more)", "not any (more|longer)",
        ("(stopped|has stopped|have stopped|had stopped|stops)", "bidir"),
        "got rid of", "ya no", "ya no (tengo|hay|siento)", "(se me quito|se quito|se fue)",
        "(dejo|paro) de",
    ],
    "resolved_post": [
        "([is|are|has|have|s] (gone|went away|gone away|disappeared|resolved|cleared|"
        "cleared up|stopped|healed|settled|vanished|subsided|finished))",
        "(went|gone) away", "(anymore|any more|no more)",
        # "swelling went down": gone, as patients mean it ("going down" is only better)
        "[has|have|is|s|are|was] (gone|went|come|came) down",
        "(resolved|resolving|resolution)", "(desaparecio|se fue|se quito|ya paso|paro|"
        "se detuvo)",
        "gone", "(all|completely) gone",
        # "swelling is ok now", "swelling fine": gone for a local symptom; a red flag that
        # was there and is now "ok" still counts (EPISODIC in reader.py)
        # (the copula stays outside the trigger, so "the right one is fine" is its own
        # clause and does not reach back to the left leg's swelling)
        "(fine|ok|okay|all good) [now|today|again] $",
    ],
    "neg_post": [
        ("(no|nope|none|nah|nada|negative|ninguno|ninguna|cero|zero|0|not really|not at all) $",
         "answer"),
        # an echo answered "fine": "Breathing? Fine." (never a trailing "... breathe good")
        ("(?|:|-|=) (fine|ok|okay|good|normal|all good|nothing) $", "answer"),
        "(free|gone free)", "(absent|not present|not seen|not noted|not found|not "
        "visualized|not demonstrated|not detected|not appreciated|not identified)",
        "(is|was|were|are|has been|have been|s) (negative|ruled out|excluded|absent)",
        "(is|are|was|were|s) not (there|present|an issue|a problem|a concern|noticeable)",
        "(is|are|was|were) (unremarkable)", "no es problema", "no hay $",
    ],
    "neg": [
        ("(no|without|w/o|zero|nil|denies|denied|deny|denying|negative for|free of|"
         "absence of|lack of|neither|nor|none of|not any|nothing|non)", "det"),
        ("(no evidence of|no sign of|no signs of|no signs|no symptoms of|no history of|"
         "no findings of|no finding of|no indication of|no suggestion of|without any|"
         "without evidence of|without signs of|without any evidence of|no new|no more|"
         "no evidence|no apparent|no obvious|no significant|no other|no acute|"
         "fails to reveal|failed to reveal|ruled out|rules out|was ruled out|"
         "unremarkable for|resolution of|not consistent with|low suspicion for|"
         "low suspicion of|- ve for|former|none|is negative for|was negative for|"
         "were negative for|are negative for)", "det"),
        ("(no|without|denies|denied|deny) *2 (signs|symptoms|sign|symptom|evidence|findings) "
         "[or signs|or symptoms|and symptoms|and signs] (of|for)", "det"),
        ("(not|never)", "verb"),
        ("(did not|do not|does not|have not|has not|had not|have never|has never|never "
         "had|never have|not have|not had|not feel|not see|not notice|not noticed|not seen|"
         "not appreciate|not experience|not experiencing|not get|not got)", "verb"),
        ("(sin|ningun|ninguna|ninguno|nada de|ni|tampoco|no hay|no tengo|no tiene|"
         "no siento|no noto|no veo|no he tenido|no he notado|nunca)", "det"),
        ("no", "det"),
        # "haven't seen any swelling": before the symptom, not "swelling not seen" after it
        ("(have not|has not|had not|did not|do not|have never|has never) (seen|noticed|had|"
         "felt|found|got|gotten|observed|experienced|spotted) [any|anything like|a]", "verb"),
        ("(0|cero)", "det"),
    ],
    "hypo": [
        # What the leaflet says is not what the patient has: "leaflet says call 911 for chest
        # pain - I have neither"
        "(the|your|that|last) (text|message|txt|msg|reminder) *2 (says|said|say|mentions|"
        "mentioned|dice|decia)",
        "(leaflet|leaflets|sheet|paper|papers|instructions|handout|booklet|pamphlet|website|"
        "folleto|hoja|instrucciones|papel) *3 (says|said|say|mentions|mentioned|lists|listed|"
        "dice|decia|dicen|menciona)",
        "(if|what if|in case|just in case|whether|unless|once)",
        "(should|do|would|will) i (worry|be worried|be concerned|call|come in|go to)",
        "(when|how) (should|do|would|will|can) i (know|tell|worry|call)",
        "(watch|look|looking|watching) (for|out for)",
        "(the|warning|what) (signs|sign|symptoms|symptom) of",
        "(sintomas|senales|signos|sintoma|senal) (de|del)",
        "(risk|chance|chances|possibility|risks) of", "(could|can|will|might|would) i "
        "(get|have|develop|end up with|be getting)",
        "i (could|might|would|will|may) (get|have|develop|end up with)",
        "(any|is there a|whats the|what is the|what are the) (chance|chances|risk|risks)",
        "(is|are) there [any] (risk|chance)",
        "is it possible to (get|have|develop)", "(worried|afraid|scared|nervous|concerned) "
        "(about|of) (getting|having|developing|a|it becoming)",
        "expect (to|any)", "(should|will) there be", "is it (going|likely) to",
        "(prevent|avoid|preventing|avoiding|reduce|reducing)",
        "(que pasa si|y si|que tal si|en caso de|por si|debo preocuparme si|cuando debo|"
        "si llego a|si)",
        # a general question about what the treatment can do, not a report; "can the foam
        # cause my chest pain?" reports one (the scope stops at "my")
        ("(can|could|does|do|will|would|might|may) (the|this|that|foam|sclerotherapy|it|"
         "treatment|procedure|injection|injections|ablation|laser|these|they|shots|the shots|"
         "the foam|the treatment|the procedure|the injections|the laser) *2 (cause|causes|give|"
         "give you|lead to|trigger|result in|bring on)", "nomy"),
        ("(do|does|can|could|will) (people|patients|anyone|some people|you|someone|others) "
         "(get|have|develop|experience|feel|end up with)", "nomy"),
        ("(puede|pueden|podria|causa|causan|provoca|provocan|da) *3 (causar|provocar|dar)",
         "nomy"),
    ],
    "other": [
        "(my|her|his|our|a|mi|su) @family", "@family (in law|n law|inlaw)",
        "@family (has|had|got|gets|was|is|did|tuvo|tiene|tenia|said|says)",
        "(he|she|they|ella|el) (has|had|have|got|gets|"
        "tiene|tuvo|tenia)", "family history", "runs in [my|the] family",
        "(someone|somebody|alguien) (i know|else)",
    ],
    "term": [
        "(but|however|although|though|except|besides|whereas|otherwise|still|yet|apart from|"
        "aside from|other than|except for|except that|only|just|which|because|as well as)",
        "(pero|aunque|excepto|salvo|solo|solamente|nomas|nada mas|todavia|aun|sino|menos)",
        "(secondary to|cause of|causes of|source of|etiology of|reason for|due to)",
        "(complains of|presents with|presented with|positive for)",
    ],
}

# Modifiers of a symptom mention: how bad, and which way it is going.
_MODIFIERS: dict[str, list[str | tuple[str, str]]] = {
    "severe": [
        "(very|really|so|soo|extremely|super|severe|severely|terrible|terribly|awful|"
        "awfully|horrible|horribly|horrendous|excruciating|unbearable|intense|agonizing|"
        "agony|worst|insane|crazy|massive|huge|enormous|bad|badly|too much|a lot|lots|loads|"
        "heaps|like hell|incredibly|seriously|significant|significantly|big time|killing me)",
        "(way|much|a lot|lot|far) (more|worse|bigger)",
        "(hurts|hurt|aching|swollen|bruised) (bad|badly|so much|a lot|like crazy|like hell)",
        "(can not|could not) (walk|stand|sleep|put weight|bear weight|move it)",
        "(muy|mucho|mucha|muchisimo|muchisima|demasiado|demasiada|fuerte|fuertisimo|"
        "terrible|horrible|insoportable|severo|severa|grave|grandisimo|enorme|bastante fuerte|"
        "grandote|grandotes|grandota|grandotas|enormes|gigante|gigantes)",
        "no (puedo|aguanto) (caminar|dormir|apoyar|mas)",
    ],
    "moderate": [
        "more than [i] expected",
        "(quite|pretty|fairly|rather|moderate|moderately|somewhat|noticeable|noticeably|"
        "considerable|decent|kinda bad|big|more than expected|bastante|moderado|grande|grandes|"
        "moderada|regular)",
    ],
    "mild": [
        "(bit|a bit|little|a little|a little bit|slight|slightly|mild|mildly|minor|minimal|"
        "small|tiny|few|a few|kinda|kind of|sort of|barely|hardly|faint|light|not too bad|"
        "not bad|not that bad|not so bad|not as bad|not much|not very|not a lot of|"
        "not too|touch of|smidge|tad|little bit|un poco|poquito|poquita|poco|leve|levemente|"
        "ligero|ligera|ligeramente|algo de|chiquito|chiquita|pequeno|pequena|pequenos|"
        "pequenas)",
        "(very|really|so) (little|slight|slightly|mild|minor|small|tiny|few)",
        "nothing (bad|serious|major|too bad|terrible|crazy|dramatic)",
        "nada (grave|serio|malo|del otro mundo|fuerte)",
    ],
    "worse": [
        "(worse|worsening|worsened|spreading|spread|spreads|bigger|larger|growing|grown|grew|"
        "increasing|increased|expanding|more and more|keeps getting|getting worse|"
        "getting bigger|getting darker|redder|peor|empeorando|empeora|empeoro|se extiende|"
        "extendiendo|crece|creciendo|mas grande|aumenta|aumentando|aumento)",
        "more (swollen|bruised|painful|red|sore|itchy) than (yesterday|before|last)",
    ],
    "better": [
        "(better|improving|improved|fading|faded|fades|easing|eased|settling|settled|"
        "shrinking|smaller|lighter|healing|less|lessening|subsiding|calming down|"
        "going down|gone down|went down|coming down|goes down|getting lighter|getting smaller|"
        "mejor|mejorando|mejoro|bajando|bajo|disminuyendo|disminuyo|menos|se esta quitando|"
        "desapareciendo)",
        "(a lot|much|so much|way|lots|loads|heaps|mucho|far) (better|less|smaller|lighter|"
        "mejor)",
    ],
    "stable": [
        "(not|no|nothing) (worse|any worse|getting worse|worsening|spreading|bigger|any bigger|"
        "growing|larger|increasing)", "no (peor|mas grande)", "no (empeora|crece|se extiende)",
    ],
    "q:nonstop": [
        "(will not|can not|does not|did not|would not|is not|has not|wo not) stop",
        "(not|is not) stopping", "(keeps|keep|kept|keeps on) (bleeding|bleed|oozing)",
        "(soaking|soaked|soak|pouring|gushing|spurting|streaming)", "(a lot|lots|loads|tons) of "
        "blood", "no (para|paraba|deja) de sangrar", "mucha sangre",
        "no (para|paraba|se detiene|se para|se detenia)", "sin parar",
        "(keeps|keep|kept) (coming|going|dripping|oozing|seeping|flowing|running)",
        # Blood running or dripping, or bleeding that firm pressure does not stop.
        "(dripping|running|trickling|pouring|gotea|goteando|chorrea|chorreando)",
        "even (when|if|though|with|after) *3 (push|pushing|press|pressing|pressure|hold|"
        "holding|squeeze|squeezing)", "aunque (apriete|presione|aprieto|presiono)",
        "(wound|wont|won't|dont|don't) stop",
    ],
    "q:ongoing": [
        "still (bleeding|bleed|oozing|coming|dripping|seeping|going|running)", "sigue sangrando",
        "(bleeding|bleeds|bleed|bled) (a lot|heavily|badly|so much|like crazy|everywhere|"
        "really bad|really badly|profusely)", "(heavy|heavily|lots of|a lot of) bleeding",
        "sangra (mucho|demasiado)",
    ],
    "q:extreme": [
        "(can not|could not) (walk|put weight|stand|bear weight|stand on it|walk on it)",
        "(2x|3x|twice|double|two times) *3 (size|normal|as big)", "(whole|entire) (leg|calf)",
        "(2x|3x|twice|double|doubled|two times) (what|as big|as large|bigger|larger|the size|"
        "normal|the normal|its size)", "doubled", "blood everywhere",
        "no puedo (caminar|apoyar)", "(huge|massive|enormous|gigantic|ballooned)",
    ],
    "q:asym": [
        "compared (to|with) (the|my) (other|left|right|good) [one|leg|side]",
        "(mas|más) (gorda|gordo|grande|hinchada|hinchado|gruesa|grueso) (que|q) (la|el|mi) "
        "(otra|otro|izq|izquierda|izquierdo|der|derecha|derecho)",
        "from the (knee|thigh|hip|groin) down", "all the way (up|down) *2 (knee|thigh|hip|"
        "groin)", "desde la (rodilla|cadera|ingle) [pa|para] "
        "(bajo|abajo)",
        "(the other|the right|the left|other|my other|my right|my left) (one|leg|side|calf|"
        "ankle|foot) (is|s|looks|feels|seems) *1 (fine|normal|ok|good|okay)",
        "only (one|my left|my right|the left|the right|on one) (leg|calf|ankle|foot|side)",
        "(one|1) (leg|calf) (is|s|looks|feels) *2 (swollen|bigger|fatter|puffy|larger)",
        "(just|only) [on] one (side|leg)", "(solo|nada mas) (una|la) (pierna|pantorrilla)",
        # The treated leg only: REPLIES.md counts it as more, not less, likely a clot.
        "only (the|my) (leg|one|side|calf) (they|you|that|the doctor|he|she) *2 (did|done|"
        "treated|worked on|injected)", "only (the|my|on the|in the) treated (leg|one|side|calf)",
        "(other|good|untreated) (leg|one|side|calf) *2 (is|s|looks|feels|seems) *2 (normal|fine|"
        "ok|okay|good)", "(la otra|el otro|la otra pierna|la buena) *2 (esta|se ve|esta) *1 "
        "(normal|bien)", "solo (la|en la) (pierna|pantorrilla) que me (trataron|hicieron|"
        "operaron|inyectaron)",
    ],
    "q:open": ["(opened|open|burst|broke|broken|raw|weeping|oozing|se abrio|abierta|"
               "reventada|reventado|se reviento)",
               # (a bare "popped" at the end may follow "hasn't": the subject form below)
               "popped (open|and|on its own|by itself|when|last|today|yesterday)",
               "(it|blister|blisters|they) popped (open|and|$|on its own|by itself|when|last|"
               "today|yesterday|overnight|in the)"],
    "q:black": ["(black|blackish|dusky|necrotic|dying|negra|negro|white and cold)"],
    "q:spreading": ["(spreading|spread|spreads|growing|getting bigger|se extiende|"
                    "extendiendo|creciendo)"],
    "persistent": [
        "not (going|gone|coming|come|went) (down|away)", "not (getting|any) better",
        "not improving", "no (better|improvement)", "still (the same|swollen|bruised|"
        "sore|painful|hurts|hurting|red|itchy)", "(same as|no change)",
        "no (mejora|baja|se quita|se va)", "sigue (igual|hinchada|hinchado|doliendo)",
    ],
}


def trigger_entries() -> list[tuple[str, str, frozenset[str]]]:
    return _flatten(_TRIGGERS)


def modifier_entries() -> list[tuple[str, str, frozenset[str]]]:
    return _flatten(_MODIFIERS)


def _flatten(table: dict[str, list[str | tuple[str, str]]]) -> list[
        tuple[str, str, frozenset[str]]]:
    out: list[tuple[str, str, frozenset[str]]] = []
    for label, items in table.items():
        for item in items:
            spec, tags = (item, "") if isinstance(item, str) else item
            out.append((label, spec, frozenset(tags.split())))
    return out
