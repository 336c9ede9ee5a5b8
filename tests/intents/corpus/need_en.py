"""Need corpus for `intents.need` + `resolve.resolve_need`, written for these tests in our own words.

SCHEMA.md "need": a concrete problem, use case, project or product interest of
their own (a consultant's client's need counts); not "send info", "pricing?", a
bare plan, trial, price or case-study question, nor a product dropdown alone.
For support, a problem (error, lock-out, wrong charge) is a need; a how-to
question or an account chore (cancel, export, add a user, resend an invoice) is not.
"""

from __future__ import annotations

# Messages that state a need (form message field).
POSITIVES = [
    "We are migrating 40 TB of archive footage to the cloud this spring.",
    "Need a CRM for 12 field sales reps.",
    "We want to replace our spreadsheets for dispatching 30 technicians.",
    "Looking for a team to rebuild our customer booking portal.",
    "Our payroll runs on paper timesheets and it takes two days every fortnight.",
    "Invoice matching is a total mess, we do it by hand for 3 entities.",
    "We'd love better rota planning for the volunteers at our food bank.",
    "Can you print 5,000 folding cartons with our logo each quarter?",
    "I'm advising a credit union on replacing their loan origination system.",
    "We need an external pentest of our patient portal before the audit.",
    "Interested in route optimization for our 8 delivery vans.",
    "Our onboarding checklists live in shared email threads and people get missed.",
    "We keep double-booking the meeting rooms across our 4 offices.",
    "Quote for 20,000 printed shipping labels, please.",
    "We have to become SOC 2 compliant before our first enterprise deal closes.",
    "Our warehouse team spends hours reconciling stock counts every week.",
    "do you guys do managed backups for Google Workspace? we have about 90 users",
    "We're moving our on-prem file servers to Azure next quarter.",
    "we don't need accounting, just time tracking for 2 cafes",
    "We're evaluating contract management tools for our legal team.",
    "Annual external penetration test for our SaaS platform.",
    "Tracking hours for 25 cleaners across 6 sites.",
    "Buscamos un software de reservas para nuestras tres clínicas.",
    "Wir suchen eine Lösung für die Schichtplanung in zwei Werken.",
    "Nous cherchons un outil de planification pour 40 techniciens.",
    "Precisamos controlar as visitas técnicas pelo celular.",
    "We zoeken een partner voor security awareness training voor 150 medewerkers.",
    "Cerchiamo un helpdesk per il nostro negozio online con 6 operatori.",
]

# Support messages with a problem: a need.
SUPPORT_PROBLEMS = [
    "Since this morning none of our drivers can log in to the app.",
    "We were charged twice for April, please look into it.",
    "The calendar sync has been failing since Monday's update.",
    "Password reset email never arrives, I've tried three times.",
    "The export keeps timing out for our largest account.",
    "Our admin left and nobody can change the billing settings now.",
    "La sincronización con el ERP no funciona desde ayer.",
    "Die Schnittstelle zum Lager funktioniert nicht mehr.",
]

# Not a need: vague interest, bare price/plan/trial/info questions, chores, how-to questions.
NEGATIVES = [
    "pricing?",
    "Please send me more information.",
    "Interested in learning more about your product down the road.",
    "What's the difference between the Pro and Business plans?",
    "just browsing, what exactly does your app do?",
    "Kindly share your price list and catalogue.",
    "Curious about your platform.",
    "Please send case studies for retail clients.",
    "Ballpark cost for a website??",
    "Is there a free trial?",
    "How much is it per user?",
    "Can someone give me a call?",
    "I'd like a demo.",
    "We're looking for a solution.",
    "We need more info before we decide anything.",
    "Send over your brochure and rates please.",
    "What does the premium plan cost?",
    "Can I get a quote?",
    "Do you have a partner program?",
    "Just looking around for now, thanks!",
    "We're pretty happy with our current tool, no plans to switch.",
    "Not sure yet what we need.",
    "Great webinar last week, thanks!",
    "Would love to chat at some point.",
    "We are a 20-person accounting firm in Leeds.",
    "hello",
    "test",
    "Could you send me a price range?",
    "Please call me back tomorrow morning.",
    "Do you offer discounts for nonprofits?",
]

# Support chores and how-to questions: not a need.
SUPPORT_CHORES = [
    "Please cancel our subscription at the end of the term.",
    "How do I export all our invoices to CSV?",
    "Can you resend last month's invoice to accounts@example.com?",
    "How do I add a new user to our account?",
    "Please update the card on file for our account.",
    "Where can I find the API key?",
    "Could you change the admin on our account to my colleague?",
    "I'd like to close my account.",
]

# (message, the evidence the chosen need must be): the most specific clause, from its cue on.
IN_SENTENCE = [
    ("Hi there. We need a CRM for 12 field reps. Can we talk Tuesday?", "need a CRM for 12 field reps"),
    ("Thanks! Expense approvals are a nightmare across our five studios.", "Expense approvals are a nightmare across our five studios"),
    ("Please call me. We're looking to automate vendor payments for 2 companies.", "looking to automate vendor payments for 2 companies"),
    ("Hello team, our dispatch still runs off a whiteboard and group texts.", "our dispatch still runs off a whiteboard and group texts"),
    ("Pricing? Also we want to move our Magento store off a single server.", "want to move our Magento store off a single server"),
]

# Multi-turn chats: (visitor turns interleaved with bot questions, present?)
CHATS = [
    (["hi", "What are you hoping to solve?", "shift swaps for our nurses, it's all over text messages"], True),
    (["hello", "What brings you here today?", "housekeeping rosters for 3 hotels"], True),
    (["pricing?", "Sure! What are you hoping to solve?", "just want to know the price"], False),
    (["hi", "What can I help you with?", "just browsing"], False),
    (["free trial?", "Yes! Anything specific you're trying to fix?", "nah just poking around"], False),
    (["Can you send me some info about what you do?", "Happy to. What's your email?", "sam@example.com"], False),
]
