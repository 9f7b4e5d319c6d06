"""What the patient wants: keywords, opting out mid-sentence, all-clear, thanks, questions.

Carrier keywords (STOP, START, HELP...) count only as the whole message: "the bleeding
won't stop" is a symptom, and "help my leg is swollen" is a symptom report.
"""

from __future__ import annotations

from aftercare.replies.reading.lexicon import MACROS
from aftercare.replies.reading.normalise import Normalised
from aftercare.replies.reading.patterns import PatternSet, select_longest

OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke",
                           "optout", "parar", "alto", "baja", "cancelar", "detener", "remove"})
OPT_IN_WORDS = frozenset({"start", "unstop", "subscribe", "resume", "iniciar", "comenzar",
                          "reanudar"})
HELP_WORDS = frozenset({"help", "info", "ayuda", "information", "informacion"})
_FILLER = frozenset({"please", "thanks", "thank", "you", "now", "emopos", "all", "me", "por",
                     "favor", "gracias", "!", ".", ",", "-", "again", "de", "nuevo"})
YES_WORDS = frozenset({"yes", "yeah", "yep", "yup", "y", "si", "correct", "affirmative",
                       "yess", "ye", "yah", "claro"})
NO_WORDS = frozenset({"no", "nope", "nah", "n", "negative", "not", "nada", "none", "nop"})

_PHRASES: dict[str, list[str]] = {
    "opt_out": [
        "(stop|quit|cease) (texting|txting|messaging|sending|contacting|the texts|these texts|"
        "the messages|"
        "these messages|texts|messages|msgs|reminders|the reminders|all)",
        "(no more|do not send|do not text|dont text|do not message) [me] (texts|messages|"
        "reminders|me)",
        "(unsubscribe|opt out|opt me out|remove me|take me off|delete my number|leave me alone)",
        "(dejen|deje|dejar|paren|para) de (enviar|mandar|escribir|enviarme|mandarme|"
        "escribirme)",
        "no [me] (envien|manden|escriban|mande|envie) mas", "(ya no|no) quiero *2 (mensajes|"
        "textos|recordatorios)", "(cancelar|detener) *2 (mensajes|textos|recordatorios)",
        "(take|remove|get) (me|him|her|them|my number|this number|mom|my mom|my mother|"
        "my dad|my father|my husband|my wife) *2 (off|from) (this|the|your) (list|texts|"
        "messages|reminders)", "(no more|stop the|stop these|stop all) (texts|messages|"
        "reminders|msgs|txts)", "(sacar|saquen|quitar|quiten|borrar|borren) *3 de la lista",
        "no (mas|más) (mensajes|textos)", "ya no (me) (envien|manden|escriban)",
    ],
    # Asking for the texts back in a sentence ("sorry I sent stop by mistake, keep them
    # coming"): a person confirms with one tap; only the START keyword acts at once.
    "opt_in": [
        "(keep|keep them|keep the texts|keep the messages|keep it) coming",
        "(keep|please keep|continue) (sending|texting) [me] [the] [texts|messages|reminders]",
        "(send|start|turn|switch|put|want|get) *3 (texts|messages|reminders|msgs) *2 (back|"
        "again|on)", "(texts|messages|reminders) back [on]",
        "(sign|add|put|subscribe) me (back|again)", "(opt|opted) [me] back in",
        "(stop|stopped|unsubscribed|opted out) *4 (by mistake|by accident|accidentally|"
        "mistake)", "(by mistake|by accident|accidentally) *4 (stop|stopped|unsubscribed)",
        "(quiero|quisiera) (volver a recibir|recibir de nuevo|seguir recibiendo)",
        "(vuelvan|vuelva|volver) a (enviar|mandar|enviarme|mandarme)",
        "(sigan|siga) (enviando|mandando|enviandome|mandandome)",
    ],
    # Not knowing what the texts are for is HELP in words: nothing for a clinician.
    "help": [
        "(need|want) help (understanding|with) (these|the|this|your) (texts|messages|message|"
        "text)", "what (are|is) (these|this|the) (texts|messages|message|text) (for|about)",
        "no entiendo (este|el|los|estos|su) (mensaje|mensajes|texto|textos)",
        "who is this", "who (are|r) (you|u)", "what (are|is) (these|this|the) (messages|texts|"
        "message|text)", "how do (these|the|your) (texts|messages|reminders) work",
        "do i (have|need) to (reply|respond|answer|text back)",
        "quien (es|eres|son)", "que son (estos|los) (mensajes|textos)",
    ],
    "all_clear": [
        "(all|everything|everythings|all is|all s) (good|fine|ok|well|great|perfect|normal)",
        "(doing|feeling|feel|feels|am|is|looks|looking|going|healing|recovering|leg is|legs are) "
        "*2 (fine|good|great|well|ok|better|amazing|perfect|excellent|normal|awesome|wonderful)",
        "(no|zero|without) (problems|problem|issues|issue|complaints|complaint|concerns|"
        "worries|symptoms|troubles|side effects)",
        "no new (symptoms|problems|issues|concerns|complaints)",
        "nothing (to report|unusual|wrong|new|abnormal|major|bad|at all|much)",
        "(have not|has not|did not|not) (noticed|seen|had|felt|found) (anything|nothing|any "
        "problems|any issues)",
        "(breathe|breathing|walking|walk|sleeping|moving|healing) *1 (fine|ok|well|normally|"
        "good|great)", "so far so good", "never [felt] better",
        "(good|great|fine|well) (now|so far|thanks)",
        "(todo|todos|toda|todas) (bien|perfecto|excelente|ok|normal)",
        "(estoy|me siento|voy|va|esta|siento|sigo|todo va) *2 (bien|mejor|perfecto|perfecta|"
        "excelente|genial)", "sin (problemas|novedad|novedades|complicaciones)",
        "(ningun|ningún) problema", "nada (raro|nuevo|malo|fuera de lo normal)",
        "(muy|super) bien", "bien gracias",
    ],
    "ack": [
        "(ok|thanks|thank you|got it|will do|noted|sure|understood|cool|sounds good|great thanks|"
        "gracias|vale|de acuerdo|entendido|perfecto gracias|muchas gracias|okay|alright|"
        "roger|copy|see you|thank u)",
    ],
    "request": [
        "(i would like to know|wondering|i was wondering|let me know|quiero saber|"
        "tengo una pregunta|i have a question|question about|quick question|pregunta)",
    ],
}
PHRASES = PatternSet(
    ((label, spec, frozenset()) for label, items in _PHRASES.items() for spec in items),
    MACROS,
)
_CLEAR_WORDS = frozenset({"fine", "good", "great", "perfect", "excellent", "well", "better",
                          "bien", "perfecto", "perfecta", "excelente", "genial", "awesome",
                          "wonderful", "amazing", "mejor", "estupendo", "normal"})


def keyword(norm: Normalised) -> str | None:
    """opt_out / opt_in / help when the message is nothing but the keyword."""
    words = [t for t in norm.tokens if t not in _FILLER]
    if not words or len(words) > 2:
        return None
    joined = "".join(words)
    if len(words) == 2 and words[0] != words[1] and joined not in {"optout", "stopall",
                                                                   "optin"}:
        return None
    word = words[0] if len(words) == 1 or words[0] == words[1] else joined
    if word in OPT_OUT_WORDS or word == "optout":
        return "opt_out"
    if word in OPT_IN_WORDS or word == "optin":
        return "opt_in"
    if word in HELP_WORDS:
        return "help"
    return None


def phrase_labels(norm: Normalised) -> set[str]:
    return {m.label for m in select_longest(PHRASES.find(norm.text, norm.tokens, norm.offsets))}


def bare_answer(norm: Normalised) -> str | None:
    """'yes' / 'no' when the reply is just that (with emoji, punctuation, 'thanks')."""
    words = [t for t in norm.tokens if t not in _FILLER and t not in {"?"}]
    if not words or len(words) > 3:
        return None
    if words[0] in YES_WORDS:
        return "yes"
    if words[0] in NO_WORDS:
        return "no"
    return None


def leading_answer(norm: Normalised) -> str | None:
    """'yes' / 'no' opening a longer reply ("yes my left calf", "no, all fine")."""
    words = [t for t in norm.tokens if t not in {"emopos", ",", ".", "!", "-"}]
    if not words:
        return None
    if words[0] in YES_WORDS and words[0] not in {"y", "si"}:
        return "yes"
    if words[0] in NO_WORDS and words[0] != "n" and (
            len(words) == 1 or norm.tokens[1] in {",", ".", "!", "-"}):
        return "no"
    return None


def only_clear_words(norm: Normalised) -> bool:
    words = [t for t in norm.tokens if t not in _FILLER and t not in {"very", "so", "really",
                                                                     "muy", "all", "todo"}]
    return bool(words) and all(w in _CLEAR_WORDS for w in words)


def benign(norm: Normalised) -> bool:
    """A reply with nothing to place and nothing to worry about: thanks, ok, an all-clear, a
    bare yes or no or number, emoji alone. Anything else the reader cannot place goes to a
    person (REPLIES.md)."""
    words = [t for t in norm.tokens if t not in _FILLER and t not in {"?", "emopos"}]
    if not words or all(not any(c.isalnum() for c in w) for w in words):
        return True
    if len(words) <= 2 and all(w.isdigit() for w in words):
        return True
    return only_ack(norm) or only_clear_words(norm) or bare_answer(norm) is not None \
        or keyword(norm) is not None


def only_ack(norm: Normalised) -> bool:
    words = [t for t in norm.tokens if t not in {"!", ".", ",", "emopos", "so", "much", "very"}]
    ack = {"ok", "thanks", "thank", "you", "u", "got", "it", "will", "do", "noted", "sure",
           "understood", "cool", "gracias", "vale", "muchas", "de", "acuerdo", "entendido",
           "alright", "great", "perfect", "perfecto", "see", "roger", "doc", "doctor", "dr",
           "nurse", "cheers", "listo", "ty", "thx", "tks", "bye", "appreciate", "appreciated",
           "okey", "okis", "bueno", "claro", "mil", "a", "lot", "bunch", "again", "kind",
           "lovely", "awesome", "received", "recibido", "k", "kk", "okk", "guys", "are",
           "so", "for", "the", "checking", "check", "in", "up", "follow", "following",
           "seguimiento", "por", "el", "youre", "best", "helpful", "team", "all", "your",
           "help", "wonderful", "really", "everything", "todo", "su", "ayuda"}
    return bool(words) and all(w in ack for w in words) and not only_clear_words(norm)
