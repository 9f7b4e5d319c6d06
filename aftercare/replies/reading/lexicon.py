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
           "tobillo|tobillos|pie|pies|muslo|muslos|rodilla|rodillas|ingle|espinilla)",
    "site": "(@leg|area|site|sites|spot|spots|vein|veins|skin|injection|injections|zona|"
            "piel|vena|venas)",
    "be": "(is|are|was|were|am|s|been|be|looks|look|looked|feels|feel|felt|seems|seem|got|"
          "gets|getting|get|became|turned|turning|still|gone|went|going)",
    "intens": "(very|really|so|too|extremely|super|quite|pretty|bit|little|kinda|slightly|"
              "more|a bit|a little|a lot|muy|bastante|un poco|algo|mas|tan)",
    "swollen": "(swollen|swelling|swell|swells|swelled|swelling|puffy|puffed|puffing|puffiness|"
               "inflamed|swolen|swollon|hincho|hinche|hinchado|hinchada|hinchados|hinchadas|hinchazon|"
               "inflamado|inflamada|inflamacion)",
    "hurt": "(hurts|hurt|hurting|pain|pains|painful|sore|ache|aches|aching|achy|tender|"
            "throbbing|throbs|cramp|cramps|cramping|duele|duelen|dolor|dolores)",
    "tight": "(tight|tightness|pressure|heavy|heaviness|squeezing|crushing|apretado|opresion|"
             "presion)",
    "breathe": "(breathe|breath|breathing|breathin|breaths|respirar|respiro)",
    "blood": "(blood|bloody|sangre)",
    "family": "(mom|mother|mum|mama|dad|father|husband|hubby|wife|sister|brother|son|"
              "daughter|friend|aunt|uncle|grandma|grandmother|nan|gran|grandpa|grandfather|"
              "neighbor|neighbour|cousin|partner|boyfriend|girlfriend|coworker|colleague|"
              "niece|nephew|madre|mami|papa|padre|esposo|esposa|marido|hermana|hermano|hijo|"
              "hija|amiga|amigo|tia|tio|abuela|abuelo|vecina|vecino|prima|primo)",
}

_CONCEPTS: dict[str, list[str | tuple[str, str]]] = {
    "chest_pain": [
        "chest (pain|pains|pian|pian|hurts|hurt|hurting|ache|aches|aching|tight|tightness|"
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
    ],
    "coughing_blood": [
        "(cough|coughing|coughed|coughs|cofing|coughin|caughing|coffing|coughting) *2 [up] "
        "@blood",
        "@blood (in|with) [my|the] (spit|phlegm|sputum|mucus|saliva|flema|saliva|esputo)",
        "bloody (spit|phlegm|sputum|mucus|cough|coughing)",
        "@blood *3 (cough|coughing|coughed|cough up)",
        "(spitting|spit|spat) [up] @blood",
        "(hemoptysis)", "(tos|toser|toso|tosi|tosiendo) *2 [con] sangre",
        "(escupo|escupi|escupir|escupiendo) sangre", "sangre al toser",
        "flema con sangre",
    ],
    "neuro_deficit": [
        ("(face|mouth|lip|eye|eyelid|cara|boca) *3 (drooping|droopy|droops|drooped|sagging|"
         "saggy|crooked|lopsided|fallen|dropping|droop|caida|torcida|chueca)", "stroke"),
        ("(drooping|droopy|crooked|lopsided|sagging) (face|mouth|smile|eyelid)", "stroke"),
        ("(slurred|slured|slurring|slurry|slur) [speech|words|my words|talking]", "stroke"),
        ("(words|speech|talking|speaking) *3 (slurred|slured|jumbled|wrong|garbled|funny|"
         "strange|weird|mixed up|coming out wrong)", "stroke"),
        ("(can not|could not|trouble|hard|difficulty|struggling) *2 (talk|speak|talking|"
         "speaking|get my words out|find my words|find words)", "stroke"),
        ("(confused|confusion|disoriented|disorientated|not making sense)", "stroke"),
        ("(arm|arms|hand|hands|side|brazo|mano) *3 (weak|weakness|numb|limp|dead|heavy|"
         "useless|floppy|debil|dormido|dormida)", "stroke"),
        ("(weak|weakness|numb|numbness|paralyzed|paralysed) *3 (one side|left side|right "
         "side|side of my (body|face))", "stroke"),
        ("can not (lift|move|raise|feel) [my|the] [left|right] (arm|hand|arms|hands)", "stroke"),
        ("(stroke|tia|mini stroke|derrame)", "stroke"),
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
        ("covered in (hives|a rash|rash|welts|bumps|spots)", "allover"),
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
        ("(lost|losing|loss of|lose) [my] (vision|sight|eyesight)", "vision_loss"),
        ("can not see (out of|properly|anything|straight|clearly|well|right|$)", "vision_loss"),
        ("(went|going|gone) blind", "vision_loss"),
        ("(no veo|no puedo ver) (nada|bien|de un ojo|$)", "vision_loss"),
        "(blurry|blurred|blury|blurring|fuzzy|blurr|blur|double) [vision|vison|eyesight|sight]",
        "(vision|vison|eyesight|sight) *2 (blurry|blurred|blury|fuzzy|funny|weird|off|"
        "strange|changed|change|changes|problems|problem|disturbance|disturbances|wavy|dim)",
        "(flashing|flashes|flash|sparkling|sparkles|sparkly|shimmering) [of] [light|lights]",
        "(zigzag|zigzags|zig zag|zig zags|zig zagging)", "blind (spot|spots)",
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
        ("(skin|area|spot|patch|it|wound|blister|sore) *4 (turning|turned|going|gone|is|s|looks|"
         "looking|getting|became) [very|all] (black|dusky|blackish)", "black"),
        ("(black|dusky|dying|dead|necrotic|negra|negro) (skin|patch|area|spot|tissue)",
         "black"),
        ("(necrosis|necrotic)", "black"),
        ("(blister|blisters|bister|ampolla|ampollas)", "blister"),
        "(wound|wounds|herida|heridas)", "scab *3 (bigger|growing|spreading|larger)",
        ("herida abierta", "open"), ("piel *2 (negra|muerta)", "black"),
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
        "spider veins *3 (back|new|more|coming back|came back|showed up|appeared)",
        "(venitas|aranitas|aranas vasculares|arana) [rojas|nuevas|moradas]",
    ],
    "discoloration": [
        "(brown|brownish|dark|darker|darkened|tan|yellow|yellowish|grey|gray|rusty|cafe|"
        "cafes|marron|marrones|oscuras|oscura) (marks|mark|spots|spot|stains|stain|staining|"
        "lines|line|patches|patch|areas|area|skin|streaks|streak|color|colour|tint|discoloration)",
        "(marks|spots|lines|patches|skin|streaks) *2 (brown|brownish|darker|dark|discolored|"
        "discoloured|stained)",
        "(staining|stained|stains|discoloration|discolouration|discolored|discoloured|"
        "pigmentation|hyperpigmentation|darkening)",
        "manchas *2 (cafe|cafes|marrones|oscuras|cafesitas|negras)",
        "(pigmentacion|oscurecimiento|oscurecida|decoloracion)",
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
        "(entumecido|entumecida|entumecimiento|adormecido|adormecida|adormecimiento|"
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
        "(welts|wheals|wheal|welt)", "bumps where *3 (needle|injection|injected|shots)",
        "(picazon|comezon|picor|comezones|rasquina|me pica|me pican|pica|pican|picando)",
    ],
    "pain": [
        "(killing me|agony|agonizing|excruciating|unbearable)",
        "(pain|pains|painful|pian|sore|soreness|hurts|hurt|hurting|ache|aches|aching|achy|"
        "achey|tender|tenderness|throbbing|throbs|throb|cramp|cramps|cramping|crampy|sting|"
        "stings|stinging|burning|burns|discomfort|uncomfortable|sorenes|paining)",
        "@leg *2 (tight|tightness|pulling)", "(pulling|tight) (feeling|sensation)",
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
        ("(whole|entire) (leg|foot|ankle|calf) *3 (@swollen|puffed up|blown up|huge)",
         "extreme"),
        ("(leg|calf|ankle|foot|thigh|pierna) *3 (doubled|tripled|duplico) [in size|de tamano]",
         "extreme"),
        ("(doubled|double|twice|2x|3x) (in size|the size|its size|its normal size)", "extreme"),
        ("(ankle|leg|foot|calf|feet|ankles) *2 (huge|massive|enormous|ballooned|blown up|"
         "twice the size|double the size)", "extreme"),
        ("(leg|calf|ankle|foot|thigh) *3 (bigger|larger|fatter|thicker|more swollen) than "
         "(the other|my other)", "asym"),
        ("(one|1) (leg|calf|ankle|foot) *3 (bigger|larger|fatter|thicker|more swollen)",
         "asym"),
        "(puffed up|blown up|ballooned)", "@leg *2 (fat|fatter|thick)",
        "(edema|oedema|edemas|swellin|sweling|swoll|sweeling|swolled|swolllen)",
        "@swollen", "(se hincha|se me hincha|se hinchan|hinchazones|inflamacion)",
    ],
    "-": [
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
    ],
    "!faint": [
        "(fainted|faint|fainting|feinted|feint|passed out|pass out|blacked out|black out|"
        "collapsed|collapse|nearly fainted|almost fainted|lost consciousness|desmaye|"
        "desmayo|me desmaye|me desmayo)",
    ],
    "!dizzy": ["(dizzy|dizzey|dizziness|lightheaded|light headed|woozy|vertigo|mareo|"
               "mareos|mareada|mareado)"],
    "!clot": ["(blood clot|clot|clots|dvt|thrombosis|coagulo|trombosis)"],
    "!call_me": [
        "(call|ring|phone|contact) me", "(someone|somebody|nurse|doctor|dr) *3 (call|ring|"
        "phone|contact)", "(speak|talk) (to|with) (a|the|someone|somebody|nurse|doctor)",
        "(llamen|llamame|llameme|llamar|hablar con) *2 (me|enfermera|doctor|doctora|alguien)",
        "me (pueden|puede) llamar",
    ],
    "!worried": [
        "(worried|worry|worrying|concerned|scared|anxious|nervous|frightened|afraid|"
        "panicking|freaking out|preocupada|preocupado|asustada|asustado|nerviosa|nervioso)",
    ],
    "!unwell": [
        "(nausea|nauseous|nauseated|vomiting|vomited|throwing up|threw up|feel sick|feeling "
        "sick|felt sick|unwell|nauseas|vomito|vomitando|mareo y vomito)",
    ],
    "!circulation": [
        "(pie|pies|dedos) *2 (frio|fria|frios|frias|helado|helados|azul|azules)",
        "(toes|toe|foot|feet|dedos) *2 (blue|purple|white|cold|ice cold|freezing|azules|"
        "morados|frios|frias)",
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
    "pantorrilla": "calf", "pantorrillas": "calf",
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
    ("left", "(left|lft) (side|one|@leg|arm|hand)"), ("left", "(izquierda|izquierdo)"),
    ("right", "(right|derecha|derecho|rt) (side|one|@leg|arm|hand|lado)"),
    ("right", "(derecha|derecho)"),
]
