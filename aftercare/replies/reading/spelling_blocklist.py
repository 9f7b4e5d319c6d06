# Generated from Debian's wamerican and wspanish word lists: real words one or two
# edits from a symptom word, which the typo repair must leave alone.
BLOCKLIST: frozenset[str] = frozenset(
    """
    abierto abogada abogado aborrecida aborrecido aborrecimiento abound aces ached acing acting
    adolorada adolorado ador adormecedor adormecer adormimiento aduras aerea afire afretado
    agonizingly aground aguela aguelo ahogador ahotada ahotado aired aires ajustada ajustado
    alegria algol alimento allergens allergist allergists alon amia amiento amigar amigos
    amortecimiento ampollar amura anafilaxis ananas angles anklet anklets anura anythings
    appealed appeased apretada apretador apriesa aprieto aquela aquelo arador aran aranar
    aranes arcana arcea arches arching ardea arden arder ardors areca arena arenas arepa ares
    argana arganas arieta armos arna arrastre ashing asiento asuelo atordecimiento
    atormecimiento audra aunts aurae aural aurea aviento azuela azures baath backed backs
    bagging baled balita bandaged banding banking banning banting barging barrosa barroso barth
    bastanteo batch bathe bathes bathos bats bazo beading beating become belen berating
    berthing biden bind binging bistec bitter blacken blacker blacks blanked blaster blasters
    bleaching bleating bleda bledo bleeping bleeps blend blending blends bletch blinda blinds
    bloca bloch blocked bloods blotched blotchy blow blued bluer blues blurb blurs blurt
    blurted blurting bluster blusters bocal bocha bolan bolar bolas boleta bolina bolisa bolla
    bolsa bondage bonging bonita borla botch botches bother boyd boyfriends braise braised
    braises braising braking brazos breach breaching breading breadth breadths breasting
    breathed breather breathers breathes breathier breathiest breathlessly breathy breeding
    breeds brillante brillantez brilliants broaching broca broker brothel brothers brow browne
    browns bruces bruiser bruisers brushed brushes brushing brutes bugger buleto bulo bums
    bunging bunin buns burn burping burr burred burring burs bury burying bused buses bush
    busies busing buster cabaza cabera cabezal cabezo cabida cabra caching cada cafre caid
    calabre calabres calabresa calada calces calda cale calendula calentana calentita
    calenturon calenturosa cales caleza calidad calido calif califa califs caliga calila calima
    calina calinda caliza calla calle callo calls calo calved calvez camel cameo camp camping
    camps campy canta cante canto cants cantu capra carao carat carau caray carba carca carda
    cardena cardenalia cardenas cardinal cardinals cardon cardonal carea careza carga caria
    carla carme carmentales carpa carra carrada carta carves casida casquillo catchings catchy
    cave caves cebrada cefrada celambre cernada cerra cerrado cerraja cesta chafe chafes
    champing champs chanced chang changa changle chant chanted charge charged charges checa
    chests chiles chilis chilla chilli chillo chilly chocolatera chocolatero chocolates chord
    chordon chords chuca chueco chuela chueta chusca cierna cierre cierro cierta cierva circle
    circled circlet circlets clamping clamps clanged clara clave cleanly cliente clod cloned
    cloning close closer closes closet clota cloth cloths clout clouts cloyed cloying clueca
    coding codon cods coffees coffer coffey coffin coffins cofin cofina cofino coiffing coifing
    coking colambre colds collapses colleagues collusion colo colorido colors colt colts
    columbres combing comedon comings comino compasses compassion comprension compresa
    compresion compreso compressed compressing compressor compressors comprises concealed
    conceited conceived concernir concerted concesion concision conclusion concreted concurred
    concusion concussion condemned conferred confesion confession conficion confucian confundir
    confuse confuser confuses confusing confusions confuted congresses consciousnesses
    conserved contacto contacts contract contused contusion contusions converged conversed
    converted convulsion cooing cooked coping corda cordons cored coring corion corton
    cosquillar cosquillas cosquillear cosquilloso cots couched couching cousins cowing
    coworkers cram cramming crams crap crapping crappy craps crashing cresta crimping crimps
    croaked crocked crookes crooned crusting cueca cueita cuenta cuerdo cuerno cuero cuervo
    cuesa cuestas cuesto cuffing cypresses dampening danker darken daughters debilitar
    declaracion decolacion decoracion dedo deeps dele delores dentellon derrama derramo
    desfloracion deslayo desmano desordenada desordenado desorientador desorientadora
    desorientar destellar destello dificultador dificultar ding dinginess dink dipping
    dirtiness disclosed discolora discolorations discoloro discolors discomfit discomforted
    discomforts discovered dishonored disorient disorients doable doblez docilidad docto
    doctoral doctorar doctors dole dolo dolora dolorio dolzor domida donacion donations door
    dormidor dotor doubled doubles doublet doubly downs downy drawl drawn draws drays dread
    drippings drooled drooling drools drop dropped droppings drops drown drunks drying ductor
    duel dueled duran durar durez dusk dyeing dyking endemas endurecimiento enemas enfermedad
    enfermeria enfermero enfermiza enfermosa enfurecimiento enmohecimiento enmudecimiento
    enrarecimiento entice entomecimiento entormecimiento entre envejecida envejecido
    envejecimiento eruption escalofriado escanilla escapo escopo escosa escudo esculpir escuro
    escuso espadilla espato espesa espeso espeto espiguilla espinillera espinillo espito espora
    esporo esposar esposas espumilla estrella estrellada estrellado estrellar estrellon
    estrillar estupendo excruciatingly extras extremena extremeno extremest extremity faced
    facer faces facet failing fain fainter faints falce faltar falter farce farther fasta
    faster fasto fasts fata fathers fats fatten fattier faust feast feather febril feeding
    feedings fees feinting feints felling fells felts ferber fervor fete fetter fiend filling
    finds fined finer fines firma firme firms fitter fiver flashed flasher flashers flashest
    flashy flatter flea fleet flegma fleshed fleshes fleshing flippy flood flusher flushes
    flushing foods foots foto freeing fria friars frido fried friends frightens frion frior
    frisa friso frito fueling fulling fuzz gabbled gabled gains gambled gamin ganin gaping
    garay garbed garble garbles gargantua gargled gary gashing gassing gavin gents girlfriends
    glowing goings gonce goner gong gorey goring gozne grady grain grana grand granda
    grandfathered grandfathers grandmas grandmothers grandpas grano grant grasping gravy grays
    greys grin groan groins groping growling gutting habar habla hache halar hallar halo halve
    handy hans happening hardener hardiness hardy hared harkened harkening harness hastening
    hated hatter havel haven haves header heads heady heaped heard hearkening heart heartaches
    heartening heartiness heater heath heats heave heaved heda heeded hefted hegel hematosis
    hemoptisis hemostasis herded heria herido herman hermanal hermanar hermania heroida hervida
    hies highs hinchar hitter hive hoard hoariness holed holes homed homer homes homey homie
    hooter hormigoso hormiguear hormiguela hormiguera hormiguero hormiguesco hornagueo hose
    housed houses hoyle huger huincha humida humido hunting hurling hurst hurtas hurtling hurto
    husbands huts icing inafectada inafectado inception inceptions inches inching indiccion
    induccion induction inductions infamacion infamador infantado infarction infeccionar
    infecciosa infeccioso infecting infections infectious infectiva infectivo infecunda
    infecundo infested inflacion inflamador inflamadora inflame inflames inflammation inflated
    inflation inflected inflection inflections infliction informacion infraccion infraction
    infurcion inge ingestion ingles inhaled inhaler inhales injecting injectors injunction
    injunctions insercion insertion insertions insider insides inspeccion inspection
    inspections intencion intention intentions intestada intestado invencion invention
    inventions inyeccion issued itched jaquesa jaqueta jumble jumbles keller killed killings
    kilning kilter kipling kneed kneel kneels laboreo laborer labrio ladeo ladon lager laido
    lamar lando larder lardo largar large larges largor lasing laudo lefts lefty legua lenguaz
    lenguda lien liens lies lifts lighthearted limps lince linde linea lined linen linens lineo
    liner liners liones lipes lipis lisp lisps littler llagar llama llamas llamear llapar
    locked locking loomed looming looped looping loose loosed looser loosing looted looting
    loping losers loses losina losino louse loving lowing luce luckiness lustiness macing
    macron magma magno maido maim makings malting mamar mamas mamia mamie mamma mancha manchar
    manco mando mango manido manor manso manto marceo marcos mare mareador marejada mareosa
    mareoso marero mares marino mario marion marking marlon maro maron maroon marrido marro
    marrow mars masking mather mating matron maxing mayido mbini mediacion mediation medicacion
    medicating medicina medicines meditacion meditation meditations melds mendicacion mends
    metrication miami migrant migrants migrate migrates miking milgrana mingrana minim minio
    minis mirada mirado missive moare moceton modestia moer moet mohada moire mojada mojado
    molada molesta molesters molesting molestosa monada monotones moore morador moraga morago
    morato morava moravo morea moreda morel moreo mores morrada morron morse mort morton moth
    mothers mouthe mouths moved mover moves movie mucous muera muerte muerto mulo mulso muncho
    murido murta nadal nadar nadia nearby neatly needled needless negar negral negror negros
    neighbors nephews nero nervosa nervoso networks neurosis neurotic nice nieces nodulo norial
    norma norman notwork nudosa nudoso nueva numbs nursed nurses obscura obscurecimiento ojosa
    ojoso opener opens opined oscuro others outsider outsides outsize overa overo overs overt
    paar padres pailful paine painfuller paint painting paints pairing pais palabra palling
    pampa pancaking pani panning pans pantorrillera pantorrilluda panzada papal papar papas
    papaw papaz papin paral paralyses paralysis paralyze paralyzes parao parar parca parches
    parda pare pares paria parima parka parla parpado parra parsed parses parta parte parted
    parties partners parts parva passe passel passer passes pasted pastes pasts patched patchy
    pates path patin paused pawning pealing pedo peeing peeking peelings peeping peering
    peeving perna petty phoned phones phoney piano piara picado picajon pical picana picano
    picar picardo picaron picazo picea picnicking pico picoa picta pieria piers pigmentario
    pikes pilca pile piles pill pilling pina pines pings pining pinks pinky pints pipes pirca
    pissed pitches pixel pizca plain plains plica plies pocho polling pone porco pouncing
    prates prension preocupar pressured pressures preston priam pries prim primal primaz primor
    prision prisma proco property puff puffer puffin puffins pulping pulsing punada puntada
    purling purpler purples pushiness pussy quiet quiete quiste radish raided railed rained
    raises rally reactions realty receivers redaccion redeeming redis redoes redress refaccion
    regally regard reilly relied reliefs relies relieve relieved relieves relish rendering
    reojo reopening respigar respigo respire retards retrievers reviewers rewards rider rides
    ridged ridges rights rigor ringo rings rise rodillo rojal romo roncha ronchar rooms roomy
    roped ropes ropilla rosilla rosjo ruing ruining rust sacred sagrado sagrar sain salia
    salica salida salina salival salivar sallow salpullir salva salvia sana sandra sanger sango
    sangrador sangredo sangria sarpullir sars satin sating sativa scabbing scabs scaled
    scalloping scare scares scarfed scarred score scored scores scratch screaming scurry seared
    seats seeding seeings seeking seeming sees seize sell selling sells sene sensacion
    sensational sensations sensed senses serenading sewing sexing shackling shagging shaggy
    shaking shallow shared sharpe sharpness sharps shauna shavers shelled shelling shells
    shimmying shine shiners shines shiny shitting shiver shocking shocks shoed shooed shoots
    shore shored shores shorts shot shouts shoved shoveling showering showery showier showiness
    shredding shriveling shrugging sided sides sidle sifter sigh sights sill silvering simile
    simmering simpering sing singing sings sins siring sirte sisters sitars sited siting sits
    sitter sitting sized sizer sizes skein skins slabbing slaked slaking slavering sleeping
    slide slider slinging slings slitting slivering slivers slowed slower slued slurp slurped
    slurping slurs smalls smartness smelled smelling smells smiled smiles smiley smite smites
    smocking smocks smuggling snagging snaked snaking snared sneaking snide snider sniveling
    snore snores snowed snuggling soakings soaped soaping soared soaring sobre socked socking
    solen someones sorce sorer sorest sots soured sowed sower sowers spangling spared sparely
    sparing sparking sparkle sparkled sparkler sparklers spate spats spatting speaks spearing
    specking speckling spelled spelling spells spiders spidery spilt spiraling spite spites
    spiting spits spitz splat splatting splinting split splittings spore spores sporing sport
    sports spotting spout spouts sprang sprat sprawling spreed sprig sprigs springy sprint
    sprinting sprints spritzing sprung spurred spurring spying squeaking squealing stabbings
    stabling stacking stairs staked staking stalin stalkings stammering stan star stared stares
    starkly startling starts steak steaks steeling steeping steins sticking sties stills stingy
    stinking stinks stinting stints stockiness stocks stoke stoking stolen store stores
    stoutness stowed straggle straggling straights strain strained straining strains stranger
    strangle strangling streakier streaky stream streams stressing stride strides strife strike
    strikes strikings string stringing strings strip striped strips stript strive strives
    strobe strode stroked strokes strove struggled struggles stubbing sugary suite suites
    summering superb supers supper sureness swabbing swagging swains swallows swats swears
    sweat sweaty sweeping sweets sweller swellings swilled swilling swills swinging swings
    swiveling swore tables tablet tableta tacking taint taken taker takes taking talks tangle
    tangles tangling tanking tapped tasking tempe temperate temperatures tempi tempo temps
    tempt tended tendel tendera tenderest tendero tenders tener tengue tenseness tenser teoso
    tess testa teste testes testis testy thanh thant thee thicken thicket thine thinker
    thinkers thinks thinned thinness thins thongs thorough thread threat threats threes throats
    throaty throes thromboses thronging throws tick ticker ties tighten tights timed timer
    timers timex tinder tinge tingeing tinges tinging tingled tinglings tings tinkle tinkles
    tinkling tinny tinta tinte tinto tints tissues toads toady toda toesa tokes toldo tomes
    tomillo tondo tones tongued tongues tonillo torching torcido tordo tores torillo torpida
    torrida torsi torso tosco tose totes touche touchings touchy trabar tragaz tramar tramped
    trapper tratar trazar treads tree tripped trombones trombonist troubled trough tubas tubes
    tuned tuning turfed turfing turing turner typed types ulcerar ulster unbearably unbeatable
    unbreakable uncles uncomfortably unreadable urticacea user vecinal venal venda venia venina
    venino venta verna vessel vidual vinson visa visal visions visita visiton viso vistas
    visuals waiter walter warder warier warily warmed warmers warms warner warp washes waster
    waters watery weal weals weathers weer weill weir weirdo wells wended wesak wets wheeling
    wheels wheezed wheezes whens wheres whiled whiles whine whit whiten whiter whites wholes
    width wile wince winced windex wined wines winged winked wises wished wisher wishers witch
    wong word works worlds worrier worries worryings woulds wraps wrapt wreak wrongs yellowest
    yellowing yellows yogar zonal zonza
    """.split()
)
