"""Field aliasing: which answered field is the name, the email, the message...

Forms call the same thing many names (`Your Name`, `full_name`, `your-name`,
`Work email`, `How can we help?`). A label is reduced to a key (lower case,
letters and digits only) and looked up in FIELD_ALIASES; a per-source mapping
from the policy can add labels for odd forms. Labels that start with `_` are
metadata an adapter keeps (`_event`, `_closed`, CF7's `_wpcf7`) and are
ignored. Written by hand: the table *is* the knowledge, and no library carries
form-label synonyms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# canonical name -> label keys (see `label_key`). Order matters only for `pick`:
# the first canonical name whose alias matches a label claims it.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "email": (
        "email", "emailaddress", "workemail", "businessemail", "youremail", "mail",
        "email1", "contactemail", "courriel", "correo", "correoelectronico", "emailadresse",
        "yourworkemail", "companyemail",
        # added for vendor adapters: question-style and localized labels
        "whatsyouremail", "whatsyouremailaddress", "whatisyouremail", "whatisyouremailaddress",
        "youremailaddress", "emailadress", "adresseemail", "adressemail", "ihreemail",
        "ihreemailadresse", "eposta", "epost", "sahkoposti", "tuemail", "suemail", "emailaziendale",
        "emailprofessionnel", "emailprofessionnelle",
    ),
    "first_name": (
        "firstname", "first", "givenname", "fname", "prenom", "vorname", "nombre",
        # added for vendor adapters: question-style and localized labels
        "yourfirstname", "whatsyourfirstname", "whatisyourfirstname", "nome", "voornaam", "imie", "prenome",
    ),
    "last_name": (
        "lastname", "last", "surname", "familyname", "lname", "nom", "nachname", "apellido", "apellidos",
        # added for vendor adapters: question-style and localized labels
        "yourlastname", "whatsyourlastname", "whatisyourlastname", "cognome", "achternaam",
        "nazwisko", "sobrenome",
    ),
    "name": (
        "name", "fullname", "yourname", "contactname", "yourfullname", "namesurname",
        "nomcomplet", "nombrecompleto", "vollstandigername", "naam",
        # added for vendor adapters: question-style and localized labels
        "whatsyourname", "whatisyourname", "whatsyourfullname", "whatisyourfullname", "nometprenom",
        "prenometnom", "votrenom", "ihrname", "vollername", "tunombre", "sunombre", "nomecompleto",
        "nomeecognome", "imieinazwisko", "namn", "navn", "fuldenavn",
    ),
    "company": (
        "company", "companyname", "organization", "organisation", "business", "businessname",
        "yourcompany", "employer", "firm", "entreprise", "empresa", "firma", "unternehmen",
        "bedrijf", "azienda", "account", "companyororganization",
        # added for vendor adapters: question-style and localized labels
        "whatsyourcompany", "whatsyourcompanyname", "whatisyourcompanyname",
        "whatcompanydoyouworkfor", "whatcompanyareyouwith", "companyorganization",
        "organizationname", "organisationname", "societe", "nomdelentreprise", "nomdelasociete",
        "votreentreprise", "organizacion", "nombredelaempresa", "firmenname", "ihrunternehmen",
        "ragionesociale", "bedrijfsnaam",
    ),
    "title": (
        "title", "jobtitle", "role", "position", "yourrole", "jobrole", "yourtitle",
        "jobposition", "designation", "funktion", "cargo", "poste", "functie", "ruolo",
        "jobfunction",
        # added for vendor adapters: question-style and localized labels
        "whatsyourrole", "whatisyourrole", "whatsyourjobtitle", "whatisyourjobtitle",
        "yourjobtitle", "jobtitel", "berufsbezeichnung", "whichbestdescribesyourrole",
        "yourposition", "puesto", "fonction", "intituledeposte",
    ),
    "phone": (
        "phone", "phonenumber", "telephone", "tel", "mobile", "mobilephone", "yourphone",
        "cell", "telefono", "telefon", "telefoon", "telephone1", "contactnumber", "whatsapp",
        # added for vendor adapters: question-style and localized labels
        "whatsyourphonenumber", "whatisyourphonenumber", "yourphonenumber", "telefone",
        "numerodetelephone", "telefonnummer", "numerodetelefono", "numerodetelefone", "mobil",
        "handy", "celular", "movil", "cellulare", "portable",
    ),
    "message": (
        "message", "yourmessage", "comments", "comment", "howcanwehelp", "howcanwehelpyou",
        "whatcanwehelpyouwith", "details", "projectdetails", "description", "inquiry",
        "enquiry", "question", "questions", "tellusaboutyourproject", "tellusmore",
        "whatareyoulookingfor", "body", "text", "content", "notes", "request",
        "additionalinformation", "anythingelse", "mensaje", "nachricht", "bericht",
        "messaggio", "mensagem", "commentaires", "votremessage", "ihrenachricht",
        "describeyourproject", "projectdescription", "whatdoyouneed", "needs", "yourquestion",
        # added for vendor adapters: question-style and localized labels
        "howcanwehelptoday", "howmaywehelpyou", "whatcanwedoforyou", "whatcanwehelpwith",
        "whatcanwehelpwithtoday", "yourinquiry", "yourenquiry", "yourrequest",
        "tellusaboutyourneeds", "tellusabitmore", "anythingelseweshouldknow", "tumensaje",
        "sumensaje", "comentarios", "commentaire", "anliegen", "ihranliegen", "wiekonnenwirhelfen",
        "wiekonnenwirihnenhelfen", "commentpouvonsnousvousaider", "comopodemosayudarte",
        "comopodemosayudarle", "comepossiamoaiutarti", "hoekunnenwijhelpen", "uwbericht",
        "wiadomosc",
    ),
    "subject": ("subject", "yoursubject", "topic", "reason", "reasonforcontact", "asunto", "betreff", "objet"),
    "budget": ("budget", "budgetrange", "estimatedbudget", "yourbudget", "projectbudget", "monthlybudget", "annualbudget", "presupuesto"),
    "timeline": (
        "timeline", "timeframe", "desiredstart", "startdate", "whendoyouneedit", "projecttimeline",
        "whenwouldyouliketostart", "deadline", "golive", "desiredtimeline", "plazo",
    ),
    "company_size": (
        "companysize", "numemployees", "employees", "numberofemployees", "teamsize", "headcount",
        "size", "employeecount", "staff",
        # added for vendor adapters: question-style and localized labels
        "howmanyemployees", "howmanyemployeesdoyouhave", "tailledelentreprise",
        "unternehmensgrosse", "tamanodelaempresa", "mitarbeiter", "mitarbeiterzahl", "effectif",
    ),
    "country": (
        "country", "countryregion", "location", "pais", "land", "pays", "paese",
        # added for vendor adapters: question-style and localized labels
        "yourcountry", "whichcountry", "countryofresidence", "nazione",
    ),
    "website": (
        "website", "companywebsite", "url", "site", "web", "homepage", "domain", "websiteurl",
        # added for vendor adapters: question-style and localized labels
        "companyurl", "yourwebsite", "websiteaddress", "sitoweb", "siteweb", "sitioweb", "webseite",
    ),
}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ALIAS_INDEX: dict[str, str] = {
    alias: canonical for canonical, aliases in FIELD_ALIASES.items() for alias in aliases
}
# Fields that carry tracking or consent, never the person's words.
IGNORED_KEYS = frozenset(
    {
        "utmsource", "utmmedium", "utmcampaign", "utmterm", "utmcontent", "gclid", "fbclid",
        "hubspotutk", "hscontext", "consent", "consentmarketing", "gdpr", "privacy",
        "acceptterms", "captcha", "grecaptcharesponse", "recaptcha", "honeypot", "pageuri",
        "ipaddress", "ip", "useragent", "attachment", "file", "upload", "formid",
        # vendor plumbing that adapters keep in `fields` but nobody wrote
        "hsutk", "hsform", "referrer", "referer", "sourceurl", "pageurl", "fileupload",
    }
)


def label_key(label: str) -> str:
    """`"Work Email *"` -> `"workemail"`; accents dropped by ASCII folding."""
    import unicodedata

    folded = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub("", folded.lower())


def canonical_name(label: str, extra: Mapping[str, str] | None = None) -> str | None:
    """The canonical name a label stands for, or None for an ordinary field.

    `extra` maps labels (as received, or their keys) to canonical names: the
    per-source mapping from the policy file.
    """
    key = label_key(label)
    if extra:
        for raw, canonical in extra.items():
            if raw == label or label_key(raw) == key:
                return canonical
    if label.startswith("_"):
        return "ignored"  # metadata by convention: `_event`, `_closed`, `_wpcf7`, `_url`
    if key in _ALIAS_INDEX:
        return _ALIAS_INDEX[key]
    if key in IGNORED_KEYS or key.startswith("utm"):
        return "ignored"
    return None


def pick(
    fields: Mapping[str, str], name: str, extra: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """The first non-empty field whose label means `name`: (label, value)."""
    for label, value in fields.items():
        if value and str(value).strip() and canonical_name(label, extra) == name:
            return label, str(value).strip()
    return None


def classify(fields: Mapping[str, str], extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """label -> canonical name (or "other") for every field."""
    return {label: canonical_name(label, extra) or "other" for label in fields}


def text_fields(fields: Mapping[str, str], extra: Mapping[str, str] | None = None) -> Iterable[tuple[str, str, str]]:
    """(label, canonical name or "other", value) for fields a person wrote or chose."""
    skip = {"email", "phone", "ignored", "website"}
    for label, value in fields.items():
        canonical = canonical_name(label, extra) or "other"
        if canonical in skip or value is None:
            continue
        text = str(value)
        if text.strip():
            yield label, canonical, text
