"""negspacy on the NegEx benchmark, for comparison with `aftercare replies negex`.

Not a project dependency (spaCy is large): run it from a separate, scratch environment,
    ns=$(mktemp -d) && python -m venv "$ns" && "$ns/bin/pip" install negspacy spacy
    "$ns/bin/python" bench/negex_negspacy.py [PATH]
PATH defaults to the NegEx annotations in ../shared/eval/negex, beside the repository.
No trained spaCy pipeline can be downloaded here, so it uses spacy.blank("en") with the
condition set as the one entity (the file gives the target span) and negspacy's default
`en_clinical` termset; negspacy has no "possible" output, so negated = `span._.negex`.
Measured here: negspacy 1.1.0 + spaCy 3.8.18: TP 466 FP 36 FN 25 TN 1849, F1 0.9386
(recorded in aftercare/replies/reading/negex.py REFERENCES).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import spacy
from negspacy.negation import Negex  # noqa: F401  (registers the "negex" factory)

DEFAULT = Path(__file__).resolve().parents[2] / "shared/eval/negex/rsAnnotations-1-120-random.txt"


def locate(condition: str, sentence: str) -> tuple[int, int] | None:
    words = condition.split()
    while words:
        rx = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
        spans = [m.span() for m in rx.finditer(sentence)]
        if spans:
            upper = [s for s in spans if not any(c.islower() for c in sentence[s[0]:s[1]])]
            return (upper or spans)[0]
        words = words[:-1]
    return None


def main(path: Path) -> None:
    nlp = spacy.blank("en")
    sentencizer = nlp.add_pipe("sentencizer")
    negex = nlp.add_pipe("negex", config={"ent_types": ["COND"]})
    tp = fp = fn = tn = 0
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or parts[3] not in ("Negated", "Affirmed"):
            continue
        gold = parts[3] == "Negated"
        sentence = parts[2].lower()  # negspacy's termset is lower case
        doc = sentencizer(nlp.make_doc(sentence))
        span = locate(parts[1], parts[2])
        got = False
        if span is not None:
            ent = doc.char_span(span[0], span[1], label="COND", alignment_mode="expand")
            if ent is not None:
                doc.ents = [ent]
                doc = negex(doc)
                got = bool(doc.ents[0]._.negex)
        tp += got and gold
        fp += got and not gold
        fn += gold and not got
        tn += not gold and not got
    p = tp / (tp + fp)
    r = tp / (tp + fn)
    print(f"negspacy {tp=} {fp=} {fn=} {tn=} precision {p:.4f} recall {r:.4f} "
          f"F1 {2 * p * r / (p + r):.4f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
