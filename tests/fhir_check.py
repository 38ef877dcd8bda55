#!/usr/bin/env python3
"""Check what `cairn fhir export` / `cairn fhir questionnaire` wrote.

Usage: fhir_check.py SCHEMA INSTRUMENTS_DIR FILE...

1. Every resource (each Bundle entry, and the Bundle itself with its
   resources stubbed out) validates against the official FHIR R4 JSON
   schema, against the schema's definition of its own resource type.
2. Structural rules the schema does not make: status, subject, linkId and
   the identifiers Cairn relies on are present; every urn:uuid reference
   resolves inside the Bundle; transaction entries are conditional; the
   LOINC-coded instruments carry their LOINC codes (from the terminology
   sidecars in INSTRUMENTS_DIR/codes); no panel code is ever a score code;
   an instrument whose licence keeps its text out of Cairn has no item or
   option text in any resource.
Prints "ok FILE" per good file, every problem otherwise; exit 1 on any.
"""
import glob
import json
import os
import sys
import warnings

import jsonschema

warnings.simplefilter("ignore", DeprecationWarning)

LOINC = "http://loinc.org"
CAIRN = "urn:cairn:codes"
UCUM = "http://unitsofmeasure.org"


def load_terms(folder):
    """Instrument code -> (definition, codes) for every definition."""
    out = {}
    for path in glob.glob(os.path.join(folder, "*.json")):
        d = json.load(open(path, encoding="utf-8"))
        codes_path = os.path.join(folder, "codes", d["code"] + ".codes.json")
        codes = {}
        if os.path.exists(codes_path):
            codes = json.load(open(codes_path, encoding="utf-8"))
        out[d["code"]] = (d, codes)
    return out


class Checker:
    def __init__(self, schema, terms):
        self.schema = schema
        self.terms = terms
        self.resolver = jsonschema.RefResolver.from_schema(schema)
        self.validators = {}
        # The Bundle itself is checked with its entries' resources left to
        # the per-resource check (the schema's ResourceList is a oneOf of
        # every resource type, slow to try for each entry).
        shell = dict(schema, definitions=dict(schema["definitions"],
                                              ResourceList={}))
        self.shell = jsonschema.Draft6Validator(
            {"$ref": "#/definitions/Bundle"},
            resolver=jsonschema.RefResolver.from_schema(shell))
        self.panels = {c.get("panel", {}).get("loinc")
                       for _, c in terms.values()} - {None}
        self.problems = []

    def bad(self, where, msg):
        self.problems.append("%s: %s" % (where, msg))

    def validate(self, where, resource):
        rt = resource.get("resourceType")
        if rt not in self.schema["definitions"]:
            self.bad(where, "resourceType %r is not an R4 resource" % rt)
            return
        if rt not in self.validators:
            self.validators[rt] = jsonschema.Draft6Validator(
                {"$ref": "#/definitions/" + rt}, resolver=self.resolver)
        for e in self.validators[rt].iter_errors(resource):
            path = "/".join(str(p) for p in e.absolute_path)
            self.bad(where, "schema: %s at /%s" % (e.message[:200], path))

    # ---- structural rules -------------------------------------------

    def instrument(self, canonical):
        code = canonical.split("|")[0].rsplit(":", 1)[-1]
        return code, self.terms.get(code, (None, {}))

    def codes_of(self, concept, system):
        if isinstance(concept, dict):
            concept = concept.get("coding", [])
        return [c.get("code") for c in concept
                if isinstance(c, dict) and c.get("system") == system]

    def check_questionnaire(self, where, q):
        code, (defn, codes) = self.instrument(q.get("url", ""))
        if defn is None:
            self.bad(where, "Questionnaire url %r names no instrument"
                     % q.get("url"))
            return
        for k in ("url", "version", "status", "item"):
            if k not in q:
                self.bad(where, "Questionnaire without %s" % k)
        panel = codes.get("panel", {}).get("loinc")
        loincs = self.codes_of(q.get("code", []), LOINC)
        if panel and loincs != [panel]:
            self.bad(where, "%s: LOINC panel %s missing (got %r)"
                     % (code, panel, loincs))
        if not panel and loincs:
            self.bad(where, "%s has no LOINC panel but carries %r"
                     % (code, loincs))
        items = codes.get("items", {}).get("loinc", {})
        scales = codes.get("scales", {})
        allowed = defn["licence"]["item_text"]
        labels = {"%s.%d" % (code, it["number"]): it["label"]
                  for it in defn["items"]}
        for it in q.get("item", []):
            link = it.get("linkId")
            if not link:
                self.bad(where, "Questionnaire item without linkId")
                continue
            got = self.codes_of(it.get("code", []), LOINC)
            rest = link[len(code) + 1:]
            want = items.get(rest) or scales.get(rest, {}).get("loinc")
            if want and got != [want]:
                self.bad(where, "%s: LOINC %s missing (got %r)"
                         % (link, want, got))
            if set(got) & self.panels:
                self.bad(where, "%s: a panel code used for an item" % link)
            if not allowed and link in labels and it.get("text") != labels[link]:
                self.bad(where, "%s: text other than Cairn's label for a "
                         "licensed instrument" % link)
            for opt in it.get("answerOption", []):
                if not allowed and "display" in opt.get("valueCoding", {}):
                    self.bad(where, "%s: option text for a licensed "
                             "instrument" % link)

    def check_response(self, where, r, urls):
        code, (defn, codes) = self.instrument(r.get("questionnaire", ""))
        for k in ("status", "subject", "authored", "questionnaire",
                  "identifier"):
            if k not in r:
                self.bad(where, "QuestionnaireResponse without %s" % k)
        if defn is None:
            self.bad(where, "questionnaire %r names no instrument"
                     % r.get("questionnaire"))
            return
        self.check_ref(where, r.get("subject", {}), urls)
        allowed = defn["licence"]["item_text"]
        answers = codes.get("answers", {}).get("loinc", {})
        for it in r.get("item", []):
            if not it.get("linkId"):
                self.bad(where, "item without linkId")
            if not allowed and "text" in it:
                self.bad(where, "%s: item text for a licensed instrument"
                         % it.get("linkId"))
            for a in it.get("answer", []):
                c = a.get("valueCoding")
                if c is None:
                    continue
                if not allowed and "display" in c:
                    self.bad(where, "%s: answer text for a licensed "
                             "instrument" % it.get("linkId"))
                if answers and c.get("system") != LOINC:
                    self.bad(where, "%s: answer without its LOINC code"
                             % it.get("linkId"))
                if not any(x.get("url", "").endswith("/ordinalValue")
                           for x in c.get("extension", [])):
                    self.bad(where, "%s: answer without ordinalValue"
                             % it.get("linkId"))

    def check_observation(self, where, o, urls):
        for k in ("status", "code", "subject", "valueQuantity",
                  "derivedFrom", "effectiveDateTime", "identifier"):
            if k not in o:
                self.bad(where, "Observation without %s" % k)
        q = o.get("valueQuantity", {})
        if q.get("system") != UCUM or q.get("code") != "{score}":
            self.bad(where, "valueQuantity is not UCUM {score}")
        cats = [c.get("code") for cc in o.get("category", [])
                for c in cc.get("coding", [])]
        if "survey" not in cats:
            self.bad(where, "category is not survey")
        cairn = self.codes_of(o.get("code", {}), CAIRN)
        loinc = self.codes_of(o.get("code", {}), LOINC)
        if len(cairn) != 1:
            self.bad(where, "Observation without its Cairn code")
            return
        inst, _, scale = cairn[0].partition(".")
        _, codes = self.terms.get(inst, (None, {}))
        want = codes.get("scales", {}).get(scale, {}).get("loinc")
        if want and loinc != [want]:
            self.bad(where, "%s: LOINC score code %s missing (got %r)"
                     % (cairn[0], want, loinc))
        if not want and loinc:
            self.bad(where, "%s: a LOINC code %r the terminology does not "
                     "give" % (cairn[0], loinc))
        if set(loinc) & self.panels:
            self.bad(where, "%s: a panel code used as a score code"
                     % cairn[0])
        self.check_ref(where, o.get("subject", {}), urls)
        for d in o.get("derivedFrom", []):
            self.check_ref(where, d, urls)

    def check_ref(self, where, ref, urls):
        r = ref.get("reference")
        if r is not None and r.startswith("urn:uuid:") and r not in urls:
            self.bad(where, "reference %s is not in the Bundle" % r)

    def check_bundle(self, name, b):
        entries = b.get("entry", [])
        urls = {e.get("fullUrl") for e in entries}
        for e in self.shell.iter_errors(b):
            path = "/".join(str(p) for p in e.absolute_path)
            self.bad(name + ": Bundle", "schema: %s at /%s"
                     % (e.message[:200], path))
        seen = set()
        for i, e in enumerate(entries):
            r = e.get("resource", {})
            rt = r.get("resourceType")
            where = "%s: entry[%d] %s" % (name, i, rt)
            self.validate(where, r)
            if e.get("fullUrl") in seen:
                self.bad(where, "fullUrl used twice")
            seen.add(e.get("fullUrl"))
            if b.get("type") == "transaction":
                req = e.get("request", {})
                if req.get("method") == "POST" and not req.get("ifNoneExist"):
                    self.bad(where, "POST without ifNoneExist")
                if req.get("method") == "PUT" and "?identifier=" not in \
                        req.get("url", "") and rt != "Provenance":
                    self.bad(where, "PUT that is not conditional")
                if not req:
                    self.bad(where, "transaction entry without request")
            if rt == "Questionnaire":
                self.check_questionnaire(where, r)
            elif rt == "QuestionnaireResponse":
                self.check_response(where, r, urls)
            elif rt == "Observation":
                self.check_observation(where, r, urls)
            elif rt == "Provenance":
                for t in r.get("target", []):
                    self.check_ref(where, t, urls)
                fps = [x["what"]["identifier"]["value"]
                       for x in r.get("entity", [])]
                if not fps or not all(f.startswith("sha256:") for f in fps):
                    self.bad(where, "Provenance without fingerprints")

    def check_file(self, path):
        doc = json.load(open(path, encoding="utf-8"))
        before = len(self.problems)
        if doc.get("resourceType") == "Bundle":
            self.check_bundle(path, doc)
        else:
            self.validate(path, doc)
            if doc.get("resourceType") == "Questionnaire":
                self.check_questionnaire(path, doc)
        return len(self.problems) == before


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    schema = json.load(open(argv[1], encoding="utf-8"))
    checker = Checker(schema, load_terms(argv[2]))
    ok = True
    for path in argv[3:]:
        if checker.check_file(path):
            print("ok %s" % path)
        else:
            ok = False
    for p in checker.problems[:50]:
        print(p)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
