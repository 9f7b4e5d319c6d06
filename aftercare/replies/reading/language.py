"""Which language a reply is in: English or Spanish, from function words and accents."""

from __future__ import annotations

from aftercare.replies.reading.normalise import Normalised

SPANISH = frozenset("""
el la los las de del que y en un una unos unas tengo tiene me mi mis muy pero todo toda bien
gracias esta estoy estan con sin por para pierna piernas dolor duele duelen ya mas hay se lo
le pica hinchada hinchado hinchazon moretones moreton hola puedo cuando como tambien nada poco
mucho parar alto ayuda pecho aire falta hoy ayer manana hace siento veo tobillo pie pies es son
no? sigue tuve algo porque pantorrilla rojo roja muslo rodilla fiebre sangre sangrado mejor
peor ninguno ninguna cabeza vista borrosa llamar llamen favor todavia aun donde debo hacer
ejercicio ducha medias cita bueno buena si? dias semana noche tarde quiero mensajes baja
iniciar comezon picazon ardor molestia molestias calor caliente vena venas
""".replace("?", "").split())
ENGLISH = frozenset("""
the my is i and it to of have has had in on at but just with this that be am are was were leg
legs pain swollen swelling bruise bruising bruised ok okay thanks thank yes good fine feel
feeling stop start help what when how can should will would do does did not no? a an any some
hurts sore calf ankle foot thigh knee today morning night yesterday after since still getting
very really little bit much walk walking shower stockings worse better chest breath breathing
itchy red warm hot lump
""".replace("?", "").split())


def detect(norm: Normalised, hint: str | None) -> str:
    es = sum(1 for t in norm.tokens if t in SPANISH) + (2 if norm.accented else 0)
    en = sum(1 for t in norm.tokens if t in ENGLISH)
    if es > en:
        return "es"
    if en > es:
        return "en"
    return hint if hint in ("en", "es") else "en"
