"""Symptom concepts as phrase patterns, English and Spanish (data; see patterns.py syntax).

Each entry is (label, phrase, tags). Labels are symptom codes (shared/eval/REPLIES.md),
`-` for phrases that only block a false reading ("hot tub", "pain killers", "blood
pressure"), or `!name` for signals that have no symptom code but matter for triage
(fainting, a clot mentioned, asking for a call). When phrases overlap, the longest wins, so
"tiny red veins" is matting, not redness, and "chest hurts" is chest pain, not pain.
Misspellings listed by GUIDANCE §3 are either written here or repaired by spelling.py.
"""

from __future__ import annotations

MACROS: dict[str, str] = {
    "leg": "(leg|legs|calf|calves|calve|calfs|carf|ankle|ankles|foot|feet|thigh|thighs|shin|"
           "shins|knee|knees|groin|toe|toes|heel|heels|pierna|piernas|pantorrilla|pantorrillas|"
           "tobillo|tobillos|pie|pies|muslo|muslos|rodilla|rodillas|ingle|espinilla|pantorilla|"
           "pantorillas)",
    "site": "(@leg|area|site|sites|spot|spots|vein|veins|skin|injection|injections|zona|"
            "piel|vena|venas)",
    "be": "(is|are|was|were|am|s|been|be|looks|look|looked|feels|feel|felt|seems|seem|got|"
          "gets|getting|get|became|turned|turning|still|gone|went|going)",
    "intens": "(very|really|so|too|extremely|super|quite|pretty|bit|little|kinda|slightly|"
              "more|a bit|a little|a lot|muy|bastante|un poco|algo|mas|tan)",
    "swollen": "(swollen|swelling|swell|swells|swelled|swelling|puffy|puffed|puffing|puffiness|"
               "inflamed|swolen|swollon|hincho|hinche|hinchado|hinchada|hinchados|hinchadas|hinchazon|"
               "inflamado|inflamada|inflamacion|inchada|inchado|inchazon|inchadas|inchados)",
    "hurt": "(hurts|hurt|hurting|pain|pains|painful|sore|ache|aches|aching|achy|tender|"
            "throbbing|throbs|cramp|cramps|cramping|duele|duelen|dolor|dolores)",
    "tight": "(tight|tightness|pressure|heavy|heaviness|squeezing|crushing|apretado|opresion|"
             "presion)",
    "breathe": "(breathe|breath|breathing|breathin|breaths|respirar|respiro|respira|"
               "respiracion|respirando)",
    "blood": "(blood|bloody|sangre)",
    # Safety nets: a body part and a trouble word near each other in one clause (either
    # order, no negation, "and" or punctuation between them), rather than fixed sentences.
    "chestpart": "(chest|chests|breastbone|sternum|lung|lungs|boob|boobs|breast|breasts|pecho|"
                 "pulmon|pulmones|seno|senos)",
    "chestfeel": "(pain|pains|pian|hurt|hurts|hurting|ache|aches|aching|achy|sore|tight|"
                 "tightness|tightening|pressure|pressing|heavy|heaviness|weight|squeeze|"
                 "squeezing|squeezed|crushing|crushed|burning|burns|stabbing|stabs|sharp|"
                 "discomfort|uncomfortable|painful|constricted|constriction|clenched|"
                 "clenching|compressed|killing me|vice|vise|clamp|clamped|band|knife|knives|"
                 "dolor|dolores|duele|duelen|duela|dolia|dolio|"
                 "doliendo|apretado|apretada|aprieta|apretando|presion|opresion|pesado|pesada|"
                 "pesadez|punzada|punzadas|ardor|arde|molestia|molestias|oprimido|oprimida)",
    "chestodd": "(weird|funny|strange|off|wrong|not right|not normal|messed up|bad|awful|"
                "terrible|horrible|rough|raro|rara|extrano|extrana|mal)",
    "breathbad": "(hard|harder|difficult|difficulty|trouble|troubles|struggle|struggling|"
                 "struggles|short|shorter|heavy|heavier|labored|laboured|shallow|fast|rapid|"
                 "tight|tough|problem|problems|issues|barely|hardly|wheezy|raspy|noisy|"
                 "cuesta|costaba|cuestan|dificil|dificultad|problema|problemas|apenas|corta|"
                 "cortita|entrecortada|agitada|agitado|rapida|pesada)",
    "breathodd": "(weird|funny|strange|off|wrong|not right|not normal|messed up|all messed up|"
                 "bad|awful|terrible|horrible|rough|scary|abnormal|noisy|mal|raro|rara|"
                 "trabajo|esfuerzo)",
    "cough": "(cough|coughs|coughing|coughed|coughin|cofing|coffing|caughing|coughting|"
             "cought|coff|coffed|coffing|hack|hacking|hacked|tos|toser|toso|tosi|tosia|"
             "tosiendo|tosido)",
    "bloodish": "(blood|bloody|bloodstained|bloodtinged|bloodstreaked|bloodied|sangre|"
                "sanguinolenta|red|pink|pinkish|reddish|"
                "rojo|roja|rosa|rosada)",
    "sputum": "(spit|spat|spitting|phlegm|sputum|mucus|mucous|saliva|flema|flemas|esputo|"
              "gargajo|gargajos)",
    "airway": "(lips|lip|tongue|tounge|tung|throat|face|eyes|eye|eyelids|eyelid|mouth|cheeks|"
              "labios|labio|lengua|garganta|cara|ojos|ojo|parpados|boca|cachetes|mejillas)",
    "swellverb": "(swollen|swolen|swollon|swelling|swell|swells|swelled|puffy|puffed|puffing|"
                 "puffs|puffier|blowing up|blew up|blown up|ballooning|ballooned|hinchados|"
                 "hinchadas|hinchada|hinchado|hinchando|hincharon|hincho|hinchan|hincha|"
                 "inflamada|inflamadas|inflamados|inflamado|inflamando|inflamo)",
    "neurobad": "(numb|numbness|weak|weakness|limp|dead|useless|floppy|asleep|paralyzed|"
                "paralysed|droop|drooping|droopy|drooped|sagging|saggy|lopsided|crooked|"
                "uneven|not working|will not work|wont work|heavy|"
                "dormido|dormida|durmio|entumecido|entumecida|entumecio|entumio|entumida|"
                "entumido|adormecido|"
                "adormecida|adormecio|paralizado|paralizada|paralizo|debil|caida|caido|"
                "torcida|torcido|chueca|chueco)",
    "neuropart": "(face|mouth|lip|lips|smile|cheek|arm|arms|hand|hands|fingers|cara|boca|"
                 "labio|brazo|brazos|mano|manos|dedos de la mano)",
    "halfof": "(half|one side|left side|right side|side|mitad|un lado|lado izquierdo|"
              "lado derecho|el lado)",
    "family": "(mom|mother|mum|mama|dad|father|husband|hubby|wife|sister|brother|son|moms|"
              "mums|dads|husbands|wifes|sisters|brothers|sons|daughters|friends|mothers|fathers|"
              "daughter|friend|aunt|uncle|grandma|grandmother|nan|gran|grandpa|grandfather|"
              "neighbor|neighbour|cousin|partner|boyfriend|girlfriend|coworker|colleague|"
              "niece|nephew|madre|mami|papa|padre|esposo|esposa|marido|hermana|hermano|hijo|"
              "hija|amiga|amigo|tia|tio|abuela|abuelo|vecina|vecino|prima|primo)",
}

_CONCEPTS: dict[str, list[str | tuple[str, str]]] = {
    "chest_pain": [
        "chest (paint|paints|pane|pain|pains|pian|hurts|hurt|hurting|ache|aches|aching|"
        "tight|tightness|"
        "pressure|discomfort|painful|sore|feels tight|is tight|feels heavy|is hurting|is sore)",
        "chest *3 (@hurt|@tight|burning|sharp)",
        "(tight|tightness|pressure|pain|pains|ache|discomfort|hurts|hurt|hurting|heaviness|"
        "stabbing|squeezing|crushing|burning|weight) (in|on|across|around|inside) [my|the] chest",
        "heart (hurts|hurt|pain|pains|is hurting|aches)", "duele [el] corazon",
        "(pain|hurts|hurt) when i (take|breathe) a [deep] breath",
        "(sharp|stabbing) pain *2 (breathe|breath|breathing) [in]",
        "(hurts|hurt|painful|pain) (to|when|if|while) [i] (breathe|breath|breathing|inhale) [in]",
        "(hurts|hurt) to take a [deep] breath",
        "(dolor|dolores|presion|opresion|molestia) (de|en) [el] pecho",
        "(me duele|duele|me aprieta) [mucho] el pecho",
        "pecho *2 (duele|apretado|dolor|presion)",
        "(duele|dolor) al respirar",
        "@chestpart *6 (@chestfeel|@chestodd)", "@chestfeel *4 @chestpart",
        "@chestfeel *2 (in|on|across|around|behind|under|over|inside) *5 @chestpart",
        "(every|each|a deep|deep|big) (breath|breathe|inhale) *4 (@hurt|knife|knives|stab|stabs|"
        "stabbing|sharp|catch|catches|kills|killing)",
        "(breathing|breathing in|breath|inhaling|respirar) *3 (hurts|hurt|hurting|painful|pain|"
        "sore|aches|stabbing|sharp|stings|burns|knife|duele|dolor)",
        "heart *2 (hurts|hurt|hurting|aches|aching|pain|pains|tight|squeezing|squeezed|pressure)",
        "(heart attack|ataque al corazon|ataque cardiaco|infarto)",
        "(sitting|sat|pressing|pushing|standing) (on|against) [my|the] @chestpart",
        "(pain|pains|hurts|hurt|hurting|ache|aches|aching|sore|painful|sharp|stabbing|stab|catch|"
        "catches|burns|burning|tight|duele|dolor) *7 (when|while|"
        "if|as|every time|each time|whenever) *2 (breathe|breath|breathing|inhale|inhaling)",
        "(rib|ribs|ribcage|side|costado|costilla|costillas) *3 (hurts|hurt|hurting|pain|pains|"
        "ache|aches|sharp|stabbing|duele|duelen|dolor) *4 (breathe|breath|breathing|inhale|"
        "respiro|respirar)",
        "(duele|duelen|duela|dolor|punzada|punzadas) *3 (al|cuando|si) (respirar|respiro|"
        "respiro hondo|inhalo|toso)",
    ],
    "breathing_difficulty": [
        "short of @breathe", "shortness of @breathe", "shortness @breathe",
        "(breathless|breathlessness|winded|gasping|wheezy)",
        "out of breath", "(struggling|struggle|hard|difficult|difficulty|trouble|troubles|"
        "problems|problem|issues|hard time) (to|with) @breathe",
        "(struggling|difficulty|trouble|troubles|problems|problem|issues|hard time) "
        "(breathing|breathe|breath)",
        "(breathing|breathe|breath) (problems|problem|issues|difficulty|difficulties|trouble)",
        "can not (breathe|breath|breath|get my breath|catch my breath|get enough air|get air)",
        "(can not|could not|cant) (catch|get) my breath",
        "(catch|catching) my breath", "hard to breathe",
        "(can|could) (barely|hardly) (breathe|breath|catch my breath|get air|get my breath)",
        "(can not|could not) get (a|enough|a full|a deep|my) (breath|air)",
        "(struggling|gasping|fighting|straining) for (breath|air)", "short winded",
        "(respiro|respirar) con dificultad", "no me entra [el] aire", "sin aire", "jadeo",
        "(breathing|breath|breathe) (feels|is|seems|s|feel) [a bit|kind of|kinda|really|very] "
        "(off|weird|funny|strange|wrong|hard|difficult|labored|short|fast|shallow|heavy|tight)",
        "(breathing|breath) (is|feels) "
        "(hard|difficult|labored|laboured|heavy|short|fast)",
        "(labored|laboured) breathing", "brething", "breating",
        "(me falta|falta|faltaba|me faltaba) [el] aire", "falta de aire",
        "no puedo respirar", "(dificultad|problemas) para respirar", "me cuesta respirar",
        "(me ahogo|ahogo|ahogando|ahogada|ahogado)", "sin aliento",
        "@breathe *3 (@breathbad|@breathodd)", "@breathbad *3 @breathe",
        "(can not|could not|can barely|can hardly|could barely|could hardly|hard to|trouble|"
        "struggling to|struggle to|hard time|unable to) *2 (get|getting|catch|catching|take|"
        "taking|pull|pulling|draw|drawing|breathe in) *3 (air|breath|breaths|oxygen)",
        "not (enough|getting enough|getting any) (air|oxygen)",
        "(suffocating|suffocate|suffocated|suffocation|smothering|smothered|choking|"
        "drowning|air hunger|hungry for air)",
        "(huffing and puffing|puffing and panting|huffing|panting)", "(outta|outa) breath",
        "(get|getting|catch|catching|got) my (air|wind|breath) back",
        "(stop|stopping|stopped|rest|resting) *3 (halfway|half way|partway) up the stairs",
        # Dictation and spelling: "can't breed good", "cant breth right".
        "(can not|could not|hard to|trouble|struggling to) (breed|breath|breathe) (good|well|"
        "right|properly|normal|normally|when|at|lying|laying|$)",
        "(me asfixio|asfixia|asfixiando|me sofoco|sofocada|sofocado|me agito|agitacion)",
        "(me falta|me faltaba|me falte|falte|me faltara|falta|poco|necesito|no me llega|"
        "no me entra|me quedo sin|quedo sin|no me alcanza|no alcanzo|no me alcanzaba|falta de) "
        "[el|de] aire",
        "(cuesta|cuestan|costaba|dificil|no puedo|no podia|trabajo|batallo|batallando) *2 "
        "(jalar|agarrar|tomar|coger|meter|sacar) [el|de] aire",
        "(unable to|not able to|no longer able to|incapable of|no way to) *2 (breathe|breath|"
        "catch my breath|get my breath|get air|get enough air|take a deep breath|take a full "
        "breath|get a full breath|get a deep breath)",
        "(feel like|feels like|like|as if) [there is|there s|i have|i got] (no|not enough|zero) "
        "(air|oxygen)",
        "(sit|sitting|prop|propped|propping|stand|standing|lean|leaning|open the window) *4 to "
        "(breathe|catch my breath|get air|get my breath)",
        "(breathing|breathe|breath) *3 through a (straw|pillow|cloth|wet)",
        ("@breathe", "vague"),
        "(stop|stops|stopping|stopped|pause|pausing|rest|resting|sit down) *2 (to|and) (breathe|"
        "catch my breath|get my breath|get air)",
        "(can not|could not|can barely|can hardly|could barely|could hardly|unable to) *6 without "
        "(stopping|having to stop|pausing|resting|a break) [to|and] (breathe|catch my breath|get "
        "my breath|get air)",
    ],
    "coughing_blood": [
        "(cough|coughing|coughed|coughs|cofing|coughin|caughing|coffing|coughting) *2 [up] "
        "@blood",
        "@blood (in|with) [my|the] (spit|phlegm|sputum|mucus|saliva|flema|saliva|esputo)",
        "bloody (spit|phlegm|sputum|mucus|cough|coughing)",
        "@blood *3 (cough|coughing|coughed|cough up)",
        "(spitting|spit|spat) [up] @blood",
        "(hemoptysis)", "(tos|toser|toso|tosi|tosiendo) *2 [con] sangre",
        "(escupo|escupi|escupir|escupiendo|escupe|gargajeo) *2 @bloodish", "sangre al toser",
        "flema con sangre",
        "@cough *4 @bloodish [streaks|streak|spots|stuff|bits|flecks]",
        "@cough *4 (and|&|y) *4 @bloodish [streaks|streak|spots|stuff|bits|flecks]",
        "@blood *4 @cough", "@sputum *3 @bloodish",
        "@bloodish *3 @sputum",
        "(bringing|brought|bring|hocking|hawking) up *2 @blood",
    ],
    "neuro_deficit": [
        ("(face|mouth|lip|eye|eyelid|cara|boca) *3 (drooping|droopy|droops|drooped|sagging|"
         "saggy|crooked|lopsided|fallen|dropping|droop|caida|torcida|chueca)", "stroke"),
        ("(drooping|droopy|crooked|lopsided|sagging) (face|mouth|smile|eyelid)", "stroke"),
        ("(slurred|slured|slurring|slurry|slur) [speech|words|my words|talking]", "stroke"),
        ("(words|speech|talking|speaking) *5 (slurred|slured|jumbled|wrong|garbled|funny|"
         "strange|weird|mixed up|scrambled|coming out wrong|nonsense|gibberish)", "stroke"),
        ("(can not|could not|unable to) (say|get out) (what i mean|what i want|the words|"
         "my words|words)", "stroke"),
        ("(habla|hablaba|hablando) (raro|rara|mal|arrastrado|arrastrando|enredado|"
         "sin sentido|chistoso)", "stroke"), ("(arrastra|arrastraba) las palabras", "stroke"),
        ("no (puede|podia|puedo) (hablar|mover) [bien]", "stroke"),
        ("(can not|could not|trouble|hard|difficulty|struggling|unable to|not able to) *2 (talk|"
         "speak|talking|"
         "speaking|get my words out|find my words|find words)", "stroke"),
        ("(confused|confusion|disoriented|disorientated|not making sense)", "stroke"),
        ("(arm|arms|hand|hands|side|brazo|mano) *3 (weak|weakness|numb|limp|dead|heavy|"
         "useless|floppy|clumsy|debil|dormido|dormida|torpe)", "stroke"),
        ("(weak|weakness|numb|numbness|paralyzed|paralysed) *3 (one side|left side|right "
         "side|side of my (body|face))", "stroke"),
        ("can not (lift|move|raise|feel) [my|the] [left|right] (arm|hand|arms|hands)", "stroke"),
        ("(stroke|tia|mini stroke|derrame)", "stroke"),
        ("(arm|hand|face|brazo|mano|cara) (and|&|y) [my|the|mi|el|la] [left|right|izquierdo|"
         "izquierda|derecho|derecha] (leg|foot|arm|pierna|pie) *3 @neurobad", "stroke"),
        ("(same side|one side|mismo lado|un lado) *4 (numb|weak|dead|heavy|dormido|dormida|"
         "debil)", "stroke"), ("@neurobad *6 (both|all) on the same side", "stroke"),
        ("(talking|talk|talks|speaking|speak|speech|sound|sounds|sounding|voice) like *4 "
         "(drunk|beers|drinks|wasted|tipsy|borracho|borracha)", "stroke"),
        ("(face|mouth|cara|boca) *3 (numb|numbness|tingly|tingling|weak|dormida|entumecida)",
         "stroke"),
        ("one side of [my] (face|body|mouth) *3 (numb|weak|drooping|droopy|heavy|dead|tingly|"
         "tingling|not working)", "stroke"),
        ("(lost|no|losing) feeling in [my] [left|right] (arm|hand|face)", "stroke"),
        ("(arm|hand) *2 (will not|can not|does not) move", "stroke"),
        ("(debil|debilidad|entumecido|entumecida|dormido|dormida|paralizado|paralizada) *2 "
         "(de|en) (un|el|mi|este) lado", "stroke"),
        ("(cara|boca) (caida|torcida|chueca)", "stroke"),
        ("(no puedo hablar|hablo raro|arrastro las palabras|confundido|confundida|"
         "confusion|desorientado|desorientada)", "stroke"),
        ("(debilidad|adormecimiento) (en|de) (un|el|mi) (lado|brazo)", "stroke"),
        ("@neuropart [just|suddenly] *3 @neurobad [(and|&|y) (tingling|tingly|numb|weak|heavy|"
         "droopy|dead|hormigueo|dormida|dormido)]", "stroke"),
        ("(face|cara) *3 (weird|funny|strange|off|not right|different|rara|raro)", "stroke"),
        ("(talking|talk|speaking|saying) (nonsense|gibberish)", "stroke"),
        ("(numb|numbness|weak|weakness|limp|dead|useless|paralyzed|paralysed|droop|drooping|"
         "droopy|debil|debilidad|dormido|dormida|entumecido|entumecida) *4 (in|on|down|of|de|en) "
         "*3 @neuropart", "stroke"),
        ("@neurobad *3 [la|el|mi] @halfof (de|of) [la|el|my|the|mi] (face|body|mouth|cara|"
         "cuerpo|boca)", "stroke"),
        ("@halfof (of|de) [my|the|la|mi] (face|body|mouth|cara|cuerpo|boca) *3 @neurobad "
         "[(and|&|y) (tingling|tingly|numb|weak|heavy|droopy|dead|hormigueo)]", "stroke"),
        ("(durmio|duerme|dormida|dormido|entumecio|entumecida|entumio|entumida|adormecio|"
         "adormecida|"
         "paralizo|paralizada|cayo|caida|torcio|torcida|chueca) *4 (cara|boca|brazo|mano|"
         "labio|lado)", "stroke"),
        ("(can not|could not|cant|unable to|not able to|hard to) (feel|move|lift|raise|use|grip|"
         "hold up|"
         "control) *3 (face|arm|arms|hand|hands|fingers|mouth|side)", "stroke"),
        ("(can not|could not|unable to) (move|lift|raise|control) *3 (left|right|one) (leg|"
         "foot|side)", "stroke"),
        ("(left|right|one) (leg|pierna) [just|suddenly] *3 (weak|weakness|gave out|gave way|"
         "buckled|limp|useless|paralyzed|paralysed|not working|debil|no responde)", "stroke"),
        ("(no puedo|no podia|no pude|no puede) (mover|levantar|sentir|apretar) *3 (brazo|mano|"
         "cara|lado|boca)", "stroke"),
        ("(no puedo|no podia|no pude) (mover|levantar) *3 (pierna|pie) (izquierda|derecha|"
         "izquierdo|derecho)", "stroke"),
        ("no siento [el|la|mi] (brazo|mano|cara|lado|boca)", "stroke"),
        ("(se me traba|trabada|se traba|enredada) la lengua", "stroke"),
        ("(arrastro|arrastrando|arrastra) las palabras", "stroke"),
        ("(no me salen|no salen|no encuentro|no le salen) las palabras", "stroke"),
        ("(hablo|habla|hablando) (raro|rara|chistoso|mal|enredado|trabado|extrano|arrastrado)",
         "stroke"),
        ("(talking|talk|speaking|speech|voice) *2 (like i am drunk|drunk|gibberish|mumbled|"
         "mumbling|off|thick)", "stroke"),
        ("(words|word) *3 (not coming out|will not come out|wont come out|do not make sense|"
         "not making sense|backwards)", "stroke"),
        ("(can not|could not|cant) (say|form|get out) *2 (words|word|sentences)", "stroke"),
    ],
    "allergic_reaction": [
        ("(lips|lip|tongue|throat|face|eyes|eyelids|mouth|labios|labio|lengua|garganta|"
         "cara|ojos|parpados) *3 (swollen|swelling|swell|swells|swelled|swolen|puffy|puffed|"
         "tight|closing|closed|thick|hinchados|hinchadas|hinchada|hinchado|cerrando|"
         "cerrada|se hincha|se cierra|se me cierra)", "airway"),
        ("(se me hincho|se hincho|se me inflamo|se inflamo|se me esta hinchando|se esta "
         "hinchando) [la|el|los|las|mi|mis] (garganta|lengua|labios|cara|boca|ojos)", "airway"),
        ("(lips|lip|tongue|throat|mouth|face|labios|lengua|garganta|boca|cara) *3 (swollen|"
         "swelling|puffy|puffed up) (and|&|y) (itchy|tingly|numb|red|hot|tight|burning)",
         "airway"),
        ("covered in *2 (hives|a rash|rash|welts|bumps|spots|ronchas)", "allover"),
        ("(lips|lip|tongue|throat|mouth|face|labios|lengua|garganta|boca|cara) *3 (tingly|numb|"
         "itchy|tight|weird|funny|strange|hot|big|fat|puffy|tingling|burning|red|hormigueo) "
         "(and|&|y) (swollen|swelling|puffy|tight|closing|thick|hinchados|hinchada|hinchado|"
         "hinchadas)", "airway"),
        ("(swollen|swelling|puffy|hinchazon) (lips|lip|tongue|throat|face|eyes|de labios|"
         "de garganta|de la cara|en la cara|en los labios)", "airway"),
        ("(se me cierra|se cierra|se esta cerrando|cerrada|cerrando|hinchada|hinchados|"
         "hinchadas|hinchado) [la|el|los|las|mi|mis] (garganta|lengua|labios|cara|boca)",
         "airway"),
        ("(can not|could not|hard to|trouble|difficulty|struggling to|hurts to) "
         "(swallow|swallowing)", "airway"),
        ("@airway *5 (@swellverb|thick|thicker|fat|fatter|huge|big|bigger|tight|tightening|"
         "closing|closed|closes|shut|cerrando|cerrada|cierra) [(and|&|y) (scratchy|itchy|tingly|"
         "tingling|tight|numb|swollen|burning|hot|red|itching|closing|thick)]", "airway"),
        ("@swellverb *3 @airway", "airway"),
        ("@airway (and|&|y|,) [my|the|mi|la|el|los|las] (@airway|neck|cuello) *3 (@swellverb|"
         "thick|fat|huge|big|tight|closing)", "airway"),
        ("(tight|hard|difficult|hurts|painful|tough|weird|dificil|cuesta|duele) (to|when i|al) "
         "(swallow|swallowing|tragar)", "airway"),
        ("@airway *3 (tingly|tingling|numb|itchy|tight|weird|funny|strange|hot|burning|red) "
         "(and|&|y) *2 (@swellverb|huge|big|bigger|fat|thick|tight|closing|massive)", "airway"),
        ("(lump|something stuck|something) in [my] throat", "airway"),
        "(me pica|pica|picazon|comezon|itchy|itching|scratchy|tickly) *2 (la garganta|garganta|"
        "throat)", "(throat|garganta) *2 (itchy|itching|itches|scratchy|tickly|pica)",
        ("(swallowing|swallow|tragar) *2 (is|feels|es) *2 (hard|difficult|tough|painful|dificil)",
         "airway"),
        ("(broke|broken|breaking|break) out in (hives|welts|a rash|rash|bumps|spots|ronchas)",
         "allover"),
        ("(no puedo|me cuesta|dificultad para) tragar", "airway"),
        ("throat *2 (closing|closed|tight|tightening|swelling|swollen)", "airway"),
        ("(wheezing|wheeze|wheezy)", "airway"),
        ("(anaphylaxis|anaphylactic|anaphalaxis|anafalaxis|anafilaxia|anaphylaxsis)", "airway"),
        ("(hives|rash|welts|bumps|ronchas|sarpullido) *2 (all over|everywhere|all over my "
         "body|over my whole body|por todo el cuerpo|en todo el cuerpo|por todas partes)",
         "allover"),
        ("(itchy|itching|itch|itches|itchey|picazon|comezon|me pica) *2 (all over|everywhere|"
         "all over my body|over my whole body|por todo el cuerpo|en todo el cuerpo|"
         "por todas partes)", "itch_allover"),
        ("(hives|rash|welts|ronchas) *2 (spreading|spread|spreads|growing|se extiende)",
         "spreading"),
        "(hives|urticaria|ronchas)",
        "(allergic|alergic|alergica|alergico|allergy|alergia|allergies) [reaction|reacción]",
        "reaccion alergica",
        "(rash|sarpullido|salpullido|erupcion)",
    ],
    "vision_change": [
        ("(lost|losing|loss of|lose) [my|the|all|some|part of my|part of the] (vision|sight|"
         "eyesight)", "vision_loss"),
        ("(went|gone|going|goes|turned|turning) (dark|black|blank|blind|grey|gray|dim|out) *3 "
         "(eye|eyes|vision|sight)", "vision_loss"),
        ("(eye|eyes|vision|sight) *4 (went|gone|going|goes|turned|turning) (dark|black|blank|"
         "blind|grey|gray|dim|out)", "vision_loss"),
        ("(curtain|shade|shadow|veil|black spot) (over|across|in|coming down|came down) *2 "
         "(eye|eyes|vision)", "vision_loss"),
        ("(no veo|perdi la vista|perdi la vision|se me nublo la vista|se me oscurecio) *3",
         "vision_loss"),
        ("can not see (out of|properly|anything|straight|clearly|well|right|$)", "vision_loss"),
        ("(can not|could not|unable to) see [out of|with|from|on|to] *3 (eye|side|half|left|right|"
         "anything|properly|clearly)", "vision_loss"),
        ("(half|part|side|one side) of my (vision|sight)", "vision_loss"),
        ("(went|going|gone) blind", "vision_loss"),
        ("(no veo|no puedo ver) (nada|bien|de un ojo|$)", "vision_loss"),
        "(blurry|blurred|blury|blurring|fuzzy|blurr|blur|double) [vision|vison|eyesight|sight]",
        "(vision|vison|eyesight|sight) *2 (blurry|blurred|blury|fuzzy|funny|weird|off|"
        "strange|changed|change|changes|problems|problem|disturbance|disturbances|wavy|dim)",
        "(flashing|flashes|flash|sparkling|sparkles|sparkly|shimmering) [of] [light|lights]",
        "(zigzag|zigzags|zig zag|zig zags|zig zagging)", "blind (spot|spots)",
        "(wavy|squiggly|jagged|shimmering|wiggly|flickering|flashing|sparkly|glittery|zigzag) "
        "(lines|line|shapes|patterns|lights|light|spots|edges)",
        "seeing (spots|stars|things|double|lights|flashes|zigzags)", "(aura|auras)",
        "(vision|visual) (change|changes|disturbance|problems|issues)",
        "(trouble|problems) (seeing|with my eyes|with my vision)",
        "(vision|vista) borrosa", "veo (borroso|doble|luces|manchas|estrellas)",
        "(destellos|lucecitas)", "luces (en|brillantes)",
    ],
    "headache": [
        "(headache|headaches|headach|hedache|migraine|migraines|migrane|migrain|migranes)",
        "head (ache|aches|hurts|hurt|hurting|is pounding|pounding|is killing me|pain)",
        "(pounding|splitting|bad|banging|throbbing) head",
        "(my|the) head *2 (hurts|aches|pounding|throbbing|killing)",
        "dolor de cabeza", "(me duele|duele) [mucho] la cabeza", "cabeza me duele",
        "(migrana|migranas|jaqueca)",
    ],
    "skin_wound": [
        ("(open|opened) (sore|sores|wound|area|spot|blister|cut)", "open"),
        ("(ulcer|ulcers|ulser|ulcere|ulcera|ulceras|llaga|llagas)", "open"),
        ("skin *3 (breaking down|broken down|breaking|broken|peeling off|coming off|"
         "falling off|dying|dead)", "open"),
        ("hole in [my] (skin|leg)", "open"),
        ("(skin|area|spot|patch|it|wound|blister|sore) *4 (turning|turned|going|gone|went|"
         "goes|turns|is|s|looks|looking|getting|became) [very|all] (black|dusky|blackish)",
         "black"),
        ("(black|dusky|dying|dead|necrotic|negra|negro) (skin|patch|area|spot|tissue)",
         "black"),
        ("(necrosis|necrotic)", "black"),
        ("(dead|dying) (looking|looks|look)", "black"), ("(looks|looking) (dead|dying)", "black"),
        ("(blister|blisters|bister|ampolla|ampollas)", "blister"),
        "(wound|wounds|herida|heridas)", "scab *3 (bigger|growing|spreading|larger)",
        ("herida abierta", "open"),
        ("(sore|spot|scab|blister|cut|wound|llaga|herida) *4 (opened up|has opened|split open|"
         "burst open|broke open|se abrio)", "open"), ("piel *2 (negra|muerta)", "black"),
        ("(puso|pone|poniendo|volvio|vuelve|esta|ve|quedo) (negra|negro|negruzca|negruzco|"
         "ennegrecida) *3 (piel|zona|herida|parte|llaga)", "black"),
        ("(piel|zona|herida|parte|llaga) *4 (negra|negro|negruzca|negruzco|ennegrecida)",
         "black"),
    ],
    "bleeding": [
        "(bleeding|bleed|bleeds|bled|bleading|bleedin|bleding)",
        "@blood *2 (coming out|coming through|soaking|soaked|seeping|oozing|dripping|"
        "through|on|all over|everywhere|in|spot|spots|stains)",
        "(oozing|soaked|soaking|seeping|dripping) [through] *2 @blood",
        "(sangrado|sangrando|sangra|sangre|sangrar|sangro|sangran)",
        "@blood",
    ],
    "fever": [
        "(fever|fevers|feverish|feaver|fevre|fevor|fiever|feber|temperature|temprature|"
        "chills|chill|shivers|shivery|shivering|pus|puss|febrile|rigors|sweats)",
        "(a|high|running|have|had|got) temp", "temp (of|is|was|#)",
        "(hot and cold|hot then cold|cold sweats)",
        ("(infected|infection|infectado|infectada|infeccion)", "infection"),
        "(fiebre|calentura|escalofrios|escalofrio|temperatura|pus)",
    ],
    "matting": [
        "(tiny|little|small|fine|thin|new|more|extra) *1 [red|pink|purple|blue] "
        "(veins|vein|lines|vessels|capillaries|threads|web|webs|network)",
        "(red|pink|purple) (veins|vessels|capillaries|network|web|blush|lines of veins)",
        "(red|pink) blush", "(matting|telangiectasia|telangiectasias)",
        "(new|more|extra|tiny|little|small|fine|red|pink) *2 (spider|thread|broken) [looking|like|"
        "type|ish] (veins|vessels|capillaries)",
        "(red|pink|purple|reddish) *3 (of|with) [new|more] (little|tiny|small|fine|thin|spider) "
        "(veins|vessels|capillaries|lines)",
        "spider veins *3 (back|new|more|coming back|came back|showed up|appeared)",
        "(venitas|aranitas|aranas vasculares|arana) [rojas|nuevas|moradas]",
    ],
    "discoloration": [
        "(brown|brownish|dark|darker|darkened|tan|yellow|yellowish|grey|gray|rusty|cafe|"
        "cafes|marron|marrones|oscuras|oscura) (marks|mark|spots|spot|stains|stain|staining|dots|"
        "dot|freckles|blotches|blotch|specks|splotches|splotch|"
        "lines|line|patches|patch|areas|area|skin|streaks|streak|color|colour|tint|discoloration)",
        "(marks|spots|lines|patches|skin|streaks) *2 (brown|brownish|darker|dark|discolored|"
        "discoloured|stained)",
        "(staining|stained|stains|discoloration|discolouration|discolored|discoloured|"
        "pigmentation|hyperpigmentation|darkening)",
        "(mancha|manchas|manchita|manchitas|marcas|marquitas|marca|puntos|puntitos) *2 (cafe|"
        "cafes|cafesitas|cafecitas|cafecito|cafesito|marron|marrones|oscuras|oscura|oscuritas|"
        "negras|negritas|morenas)",
        "(pigmentacion|oscurecimiento|oscurecida|decoloracion|manchada|manchado|manchadas|"
        "manchados)",
        "(skin|spot|spots|area|areas|site|sites|marks|patch|patches|line|lines) *6 (brown|"
        "brownish|browner|darker|discolored|discoloured|stained)",
        "(piel|zona|zonas|marcas|venas) *3 (cafe|cafes|oscura|oscuras|oscurecida|marron|"
        "manchada|morena)",
    ],
    "lump": [
        "(lump|lumps|lumpy|knot|knots|cord|cords|nodule|nodules|lumpiness|bumpy|ropey|ropy)",
        "(hard|firm|raised|tender|painful) (vein|veins|spot|spots|area|line|bump|bumps|ridge)",
        "(vein|veins) *2 (hard|firm|bumpy|raised|hardened|rope|ropey)",
        "bump *3 (along|on|in) [the|my] vein", "trapped blood", "(clot|clots) in [the|my] "
        "(vein|veins)", "(hardness|hardening)",
        "(bump|bumps)", "(bulto|bultos|bolita|bolitas|bola|nudo|nudos|dureza|coagulo|cordon)",
        "vena *2 (dura|endurecida)",
    ],
    "numbness": [
        "(numb|numbness|numbing|tingling|tingly|tingle|tingles|tingley|tinglin)",
        "pins and needles", "can not feel [my] (leg|legs|foot|feet|toes|toe|ankle|calf)",
        "no feeling in", "(leg|foot|toes|feet) *2 (fell asleep|asleep|dead)",
        "(entumecido|entumecida|entumecimiento|entumido|entumida|adormecido|adormecida|"
        "adormecimiento|"
        "hormigueo|hormigueos|cosquilleo)",
        "se me (duerme|durmio|adormece) *2 (pie|pierna|dedos)",
        "no siento [el|la|los] (pie|pierna|dedos)",
    ],
    "warmth": [
        ("(burning|burnin) (heat|hot)", ""),
        "(hot|warm|warmer|hotter|heat) (to the|to) (touch|touching)",
        "(warm|warmer|hot|hotter|heat|heated|warmth|caliente|calientes|calor|calida)",
        "(on fire|burning up)",
    ],
    "redness": [
        ("(red|pink) (streak|streaks|line|lines|stripe|stripes)", "streak"),
        ("(streak|streaks|streaking)", "streak"),
        "(red|redness|reddish|reddened|reddening|redish|rednes|flushed|pink|pinkish)",
        "(rojo|roja|rojos|rojas|rojez|rojizo|rojiza|enrojecido|enrojecida|enrojecimiento|"
        "colorada|colorado)",
    ],
    "itching": [
        "(itchy|itching|itch|itches|itchey|itchiness|itchyness|iching|itchin|itchi|scratchy)",
        "(can not stop|cant stop|keep|keeps|kept) scratching", "scratching (it|my leg|my legs) "
        "(all|constantly|nonstop)",
        "(welts|wheals|wheal|welt)", "bumps where *3 (needle|needles|injection|injections|"
        "injected|shot|shots|pokes|sticks)",
        "(picazon|comezon|picor|comezones|rasquina|me pica|me pican|pica|pican|picando)",
    ],
    "pain": [
        "(killing me|agony|agonizing|excruciating|unbearable)", "@leg (kills|killing|kill)",
        "(pain|pains|painful|pian|sore|soreness|hurts|hurt|hurting|ache|aches|aching|achy|"
        "achey|tender|tenderness|throbbing|throbs|throb|cramp|cramps|cramping|crampy|sting|"
        "stings|stinging|burning|burns|discomfort|uncomfortable|sorenes|paining)",
        "@leg *3 (tight|tightness|pulling)", "(pulling|tight) (feeling|sensation)",
        "(dolor|dolores|duele|duelen|dolorido|dolorida|adolorido|adolorida|molestia|"
        "molestias|ardor|punzadas|punzada|calambre|calambres|arde)",
    ],
    "bruising": [
        "black and blue", "(purple|blue|bluish|purplish) (marks|patches|patch|spots|areas|"
        "blotches|blotch|skin)",
        "(bruise|bruises|bruised|bruising|bruisy|bruize|brused|brusing|bruse|bruses|"
        "bruisng|bruiseing|bruize|bruzing|brusies|bruisies|bruisin|hematoma|haematoma|"
        "hematomas)",
        "(moreton|moretones|moretes|moretón|moraton|moratones|morado|morados|morada|"
        "moradas|cardenal|cardenales|hematoma|hematomas)",
    ],
    "swelling": [
        ("(2x|3x|twice|double|two times|three times) *3 (size|normal|the size|as big|bigger)",
         "extreme"),
        ("(whole|entire) (leg|foot|ankle|calf|thigh|pierna) *3 (@swollen|@swellverb|puffed up|"
         "huge|massive|enormous|like a balloon)", "extreme"),
        ("(bigger|larger|fatter|thicker|more swollen|puffier|wider) than (the other|my other|"
         "the left|the right|my left|my right|the good) [one|leg|side|calf|ankle|foot]", "asym"),
        ("(el doble|doble|dos veces|2 veces|tres veces) *3 (de grande|grande|mas grande|tamano|"
         "de tamano|gorda|gordo|hinchada|hinchado)", "extreme"),
        ("(mas grande|mas gorda|mas gordo|mas hinchada|mas hinchado|mas gruesa|mas grueso) "
         "que [la|el|mi] (otra|otro|izquierda|derecha|izquierdo|derecho)", "asym"),
        ("(pierna|pantorrilla|tobillo|pie|muslo) *3 (enorme|gigante|inflada|inflado)",
         "extreme"),
        ("(like a balloon|ballooned|ballooning)", "extreme"),
        ("(other|good|untreated|left|right) (leg|one|calf|ankle) *3 (half|twice|double) the "
         "size", "asym"), ("half the size of (this|my|the) (one|leg|other)", "asym"),
        ("(mas|más) (gorda|gordo|grande|gruesa|grueso) (que|q) (la|el|mi) (otra|otro|izq|"
         "izquierda|izquierdo|der|derecha|derecho)", "asym"),
        ("(like|as big as|as fat as) a (tree trunk|trunk|log|balloon|elephant leg|sausage|"
         "tree)", "extreme"),
        ("(toda|todo) (la|el|mi) (pierna|pie|pantorrilla) *2 (@swollen|@swellverb)", "extreme"),
        ("(@swollen|@swellverb) *2 (toda|todo) (la|el|mi) (pierna|pie)", "extreme"),
        ("(@swollen|@swellverb) *3 (whole|entire) (leg|calf|thigh)", "extreme"),
        ("(leg|calf|ankle|foot|thigh|pierna) *3 (doubled|tripled|duplico) [in size|de tamano]",
         "extreme"),
        ("(doubled|double|twice|2x|3x) (in size|the size|its size|its normal size)", "extreme"),
        ("(ankle|leg|foot|calf|feet|ankles) *2 (huge|massive|enormous|ballooned|blown up|"
         "twice the size|double the size)", "extreme"),
        ("(leg|calf|ankle|foot|thigh) *3 (bigger|larger|fatter|thicker|more swollen|puffier) "
         "than (the other|my other|the left|the right|my left|my right)", "asym"),
        ("(one|1) (leg|calf|ankle|foot) *3 (bigger|larger|fatter|thicker|more swollen)",
         "asym"),
        "(puffed up|blown up|blew up|blowing up|swelled up|swole|swole up|puff up|puffs up|"
        "puffing up)",
        ("(la tengo|lo tengo|tengo|esta|estan|se puso|se hizo|quedo) el doble", "extreme"),
        "@leg *2 (fat|fatter|thick)", "@leg (is|looks|feels|s|seems|got|getting|gotten|became|"
        "esta|se ve|se puso) [way|much|a lot|so|a bit|bit|little|a little|kinda|mucho|un poco] "
        "(bigger|larger|fatter|thicker|puffier|mas grande|mas gorda|mas gordo)",
        "(edema|oedema|edemas|swellin|sweling|swoll|sweeling|swolled|swolllen)",
        "@swollen", "(se hincha|se me hincha|se hinchan|hinchazones|inflamacion)",
    ],
    "-": [
        # The stockings are hot, not the leg.
        "(stockings|stocking|socks|sock|medias) (are|feel|feels|get|gets|make me|s) *3 (hot|warm|"
        "sweaty|calientes|caliente)", "(hot|warm) *3 (weather|heat|summer|sun|heatwave|outside)",
        "(hot|warm|heat) (bath|baths|tub|tubs|shower|showers|water|weather|day|days|yoga|"
        "drink|drinks|tea|coffee|compress|compresses|pack|packs|pad|pads|flash|flashes|"
        "outside|out|today|food|sauna|saunas|spring|springs)",
        "(warm|warmly) (up|regards|wishes)", "red wine", "(pink|red) (eye)",
        "@blood (pressure|thinner|thinners|test|tests|work|sugar|sugars|draw|type|donation)",
        "(pain|pains) (killer|killers|med|meds|medication|medications|medicine|pills|relief|"
        "reliever|relievers|tablets)", "(painkiller|painkillers)", "no pain no gain",
        "sore (throat|loser)", "itching to", "(hurt|hurts) my (feelings|feeling)",
        "(compression|stocking|stockings|socks|bandage|bandages|wrap) *3 (tight|tighter|"
        "pressure|marks|lines|heavy)",
        "(temperature|temp) (of|in) the (room|house|bath|water)", "red (cross|light)",
        "(hot|warm) (and|&) (humid|sunny)", "head (out|home|over|back|to)",
        "dark (chocolate|circles)", "ride it out", "hace (calor|frio)",
        # breathing that is fine, and idioms: not a complaint
        "@breathe *2 (fine|ok|okay|good|great|normal|normally|well|easy|easier|easily|clear|"
        "perfect|perfectly|better|properly now|bien|normal|perfectamente|mejor|sin problema)",
        "(can|could) (breathe|breath|respirar) [now|again|fine|ok|normally|properly|easily]",
        "(take|took|taking|takes|tomar|tome|respira) *2 (deep|big|a deep|a big|hondo|profundo) "
        "(breath|breaths|breathe|respiro)", "(breathe|breathing|breath) (in|out) (slowly|deeply)",
        "(breathing|breath|breathe|respiracion) (exercises|exercise|techniques|technique|"
        "ejercicios)", "(hold|holding|held) my breath", "(sigh|sighs) of relief",
        "breath of fresh air", "(bad|morning) breath", "under my breath",
        "(breathe|breathing|breathed) a sigh [of relief]", "(waiting|wait) to breathe",
        "mal aliento",
        "(told|tell|tells|telling|said|asked|reminded|remind) (me|us|you|him|her) to breathe",
        "(breathe|breathing) (slowly|deeply|normally|through the|in and out)",
        "(breath|aliento) (smells|stinks|smell|smelly|huele)",
        "(eyes|eye) *3 (puffy|swollen) *2 from (crying|sleep|sleeping|the pillow)",
        "(seasonal|pollen|spring|cat|dog) allergies",
        "(from|with) (my|the|seasonal) allergies", "allergies (acting up|are bad|flaring)",
        "(is|are|s|was|were) (a|such a|a real|a bit of a|kind of a) pain $",
        "(a|such a|a real|a bit of a) pain (to|in the) (put|get|wear|take|neck|butt|ass)",
        "blacked out (the|my) (windows|curtains|room|blinds)",
        "(can not|could not) see anything (wrong|unusual|bad|abnormal|different|there|on|new)",
        "(can not|could not) see *2 without (my|the) (glasses|contacts|specs|readers)",
        "[half of my|part of my|my|the|mi|la] (vision|sight|eyesight|eyes|vista) *2 (is|are|s|"
        "seems|looks|esta) (fine|ok|okay|good|normal|clear|perfect|bien)",
        "(pills|pill|tablets|tablet|meds|medicine|capsules|antibiotics) *3 (hard|difficult|tough) "
        "to swallow", "(hard|difficult|tough) to swallow (the|these|those|my) (pills|pill|tablets|"
        "tablet|meds|medicine|capsules|big|huge)",
        "(wavy|squiggly|jagged|zigzag) (lines|line|marks) (on|in) (my|the) (skin|leg|legs|"
        "calf|thigh|ankle|knee)",
        "passed out (on the couch|early|asleep|watching|in front of|in bed|at 8|at 9|at 10)",
        "(when|while|whenever|every time|each time|cuando|al) [i|yo] (breathe|breath|breathing|"
        "inhale|respiro|respirar) [in|deep|deeply|hondo]",
    ],
    "~": [
        # symptoms with no code of their own: they carry a negation list along ("no cough,
        # fever or chest pain") but are not reported
        "(cough|coughing|coughs|fatigue|tiredness|tired|exhausted|exhaustion|palpitations|"
        "sweating|sweaty|clammy|tos|cansancio|cansada|cansado|fatiga|sudor|sudoracion)",
    ],
    "!faint": [
        "(fainted|fainting|feinted|feinting|fainty|fanted|fainded|passed out|pass out|"
        "passing out|past out|blacked out|black out|blacking out|blackout|collapsed|collapse|"
        "collapsing|keeled over|nearly fainted|almost fainted|lost consciousness|"
        "lose consciousness|losing consciousness|woke up on the floor|came to on the floor|"
        "desmaye|desmayo|me desmaye|me desmayo|desmayada|desmayado|desmayarme|desmayar|"
        "desmayandome|desmayos|perdi el conocimiento|perdi el sentido|me desvaneci|"
        "desvanecimiento)",
        "(everything|it all|the world) (went|turned|goes|going|go) (black|dark|grey|gray)",
        "(hit|found myself on|woke up on|ended up on) the (floor|ground)",
        # "faint" as a feeling, not "a faint bruise"
        "(feel|feeling|felt|feels|went|go|going|going to|getting|got|almost|nearly|about to|"
        "was|am|became|might|could|may|will) [a bit|a little|kind of|kinda|slightly|really|so|"
        "very|bit|little] (faint|feint)", "(faint|feint) (feeling|spell|spells|episode)",
    ],
    "!dizzy": ["(dizzy|dizzey|dizziness|lightheaded|light headed|woozy|vertigo|mareo|"
               "mareos|mareada|mareado)"],
    "!clot": ["(blood clot|clot|clots|dvt|thrombosis|coagulo|trombosis)"],
    "!call_me": [
        "(call|ring|phone|contact) me", "(someone|somebody|nurse|doctor|dr) [please|pls|plz] "
        "[to|can|could|should|will|would|must|needs to|need to|has to|pls|please] (call|ring|"
        "phone|contact)", "(speak|talk) (to|with) (a|the|someone|somebody|nurse|doctor)",
        "(llamen|llamame|llameme|llamar|hablar con) *2 (me|enfermera|doctor|doctora|alguien)",
        "me (pueden|puede) llamar",
    ],
    "!worried": [
        "(worried|worry|worrying|concerned|scared|anxious|nervous|frightened|afraid|"
        "panicking|freaking out|preocupada|preocupado|asustada|asustado|nerviosa|nervioso|"
        "miedo|me preocupa|me preocupo|preocupacion|panico)",
    ],
    "!unwell": [
        "(nausea|nauseous|nauseated|vomiting|vomited|throwing up|threw up|feel sick|feeling "
        "sick|felt sick|unwell|nauseas|vomito|vomitando|mareo y vomito)",
    ],
    # Cold toes and discoloured toes are separate signals: either is a stocking check, both
    # together (REPLIES.md) a possible arterial problem.
    "!cold_toes": [
        "(pie|pies|dedos|planta) *3 (frio|fria|frios|frias|helado|helada|helados|heladas|"
        "congelado|congelados)",
        "(toes|toe|foot|feet|dedos|toenails) *4 (cold|ice cold|icy|freezing|frozen|chilly|"
        "like ice)", "(cold|icy|freezing|frozen|ice cold) (toes|toe|foot|feet)",
    ],
    "!colour": [
        "(look|looks|looking|turned|turning|gone|going|went|are|is|se ven|se ve|estan) *3 (grey|"
        "gray|blue|bluish|white|pale|purple|purplish|dusky|mottled|azul|azules|morado|morados|"
        "blanco|blancos|gris|grises)",
    ],
    # "toes are white and cold": the colour and the cold joined by "and", one finding
    "!cold_pale_toes": [
        "(toes|toe|foot|feet|dedos|pie|pies) *4 (cold|icy|freezing|ice cold|frio|frios|fria|"
        "frias|helados) (and|y) *2 (blue|bluish|purple|white|pale|grey|gray|dusky|azules|"
        "morados|blancos|palidos)",
        "(toes|toe|foot|feet|dedos|pie|pies) *4 (blue|bluish|purple|white|pale|grey|gray|dusky|"
        "azules|morados|blancos|blancas|palidos) (and|y) (cold|icy|freezing|frio|frios|frias|"
        "helados)",
    ],
    "!pale_toes": [
        "(pie|pies|dedos) *4 (azul|azules|morado|morados|morada|moradas|blanco|blancos|blanca|"
        "blancas|palido|palidos|palida|palidas|gris|grises|oscuro|oscuros)",
        "(toes|toe|foot|feet|toenails) *6 (blue|bluish|purple|purplish|white|whitish|pale|grey|"
        "gray|greyish|grayish|dusky|dark|mottled|blotchy)",
        "(blue|bluish|purple|purplish|white|whitish|pale|grey|gray|dusky|mottled) (toes|toe|"
        "foot|feet)",
    ],
}


def concept_entries() -> list[tuple[str, str, frozenset[str]]]:
    entries: list[tuple[str, str, frozenset[str]]] = []
    for label, items in _CONCEPTS.items():
        for item in items:
            spec, tags = (item, "") if isinstance(item, str) else item
            entries.append((label, spec, frozenset(tags.split())))
    return entries


# Body locations reported back to the clinician, and sides.
LOCATIONS: dict[str, str] = {
    "calf": "calf", "calves": "calf", "calve": "calf", "calfs": "calf", "carf": "calf",
    "pantorrilla": "calf", "pantorrillas": "calf", "pantorilla": "calf", "pantorillas": "calf",
    "ankle": "ankle", "ankles": "ankle", "ankel": "ankle", "tobillo": "ankle",
    "tobillos": "ankle",
    "thigh": "thigh", "thighs": "thigh", "muslo": "thigh", "muslos": "thigh",
    "foot": "foot", "feet": "foot", "pie": "foot", "pies": "foot",
    "knee": "knee", "knees": "knee", "rodilla": "knee", "rodillas": "knee",
    "groin": "groin", "ingle": "groin",
    "shin": "shin", "shins": "shin", "espinilla": "shin",
    "toe": "toes", "toes": "toes", "heel": "heel", "heels": "heel", "hip": "hip",
    "leg": "leg", "legs": "leg", "pierna": "leg", "piernas": "leg",
    "arm": "arm", "arms": "arm", "brazo": "arm", "hand": "hand",
    "face": "face", "cara": "face", "chest": "chest", "pecho": "chest",
    "injection": "injection_site", "injections": "injection_site",
}
SIDE_PHRASES: list[tuple[str, str]] = [
    ("both", "(both|ambas|ambos|las dos|los dos) [my] (@leg|sides|lados)"),
    ("one_leg", "(one|1|una|un) (@leg|side|lado)"),
    ("one_leg", "than the other"), ("one_leg", "que la otra"), ("one_leg", "que el otro"),
    ("one_leg", "(other|good|untreated) (leg|one|side|calf) *2 (is|s|looks|feels|seems) *2 "
                "(normal|fine|ok|okay|good)"),
    ("one_leg", "only (the|my) (leg|one|side|calf) (they|you|that|the doctor) *2 (did|done|"
                "treated|worked on|injected)"),
    ("one_leg", "only (the|my|on the|in the) treated (leg|one|side|calf)"),
    ("one_leg", "(la otra|el otro|la buena) *2 (esta|se ve) *1 (normal|bien)"),
    ("one_leg", "solo (la|en la) (pierna|pantorrilla) que me (trataron|hicieron|operaron|"
                "inyectaron)"),
    ("left", "(left|lft) (side|one|@leg|arm|hand)"), ("left", "(izquierda|izquierdo)"),
    ("right", "(right|derecha|derecho|rt) (side|one|@leg|arm|hand|lado)"),
    ("right", "(derecha|derecho)"),
]
